"""Pickle-free checkpoints: tensors in safetensors files, everything else in JSON.

A model's weights go to `model.safetensors` with a sha256 of the tensor bytes in the header's
metadata, so a tampered or truncated file fails to load with a clear `UserError` instead of giving
silently wrong weights. Nested training state (optimizer and scheduler `state_dict`s, RNG states,
counters) is split by `flatten_state`: every tensor goes into one safetensors file under its path,
every other value stays in a JSON tree that names the tensor it stood for.

A resumable checkpoint is a directory `checkpoints/step-000123/` with `model.safetensors`,
`state.safetensors` and `state.json`; it is built under a temp name and renamed into place, and
`checkpoints/last.json` (itself replaced atomically) points at the newest complete one.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from rnnkit.errors import UserError
from rnnkit.atomic import atomic_write, fsync_dir, write_json

TENSOR_TAG = "__tensor__"


def tensors_digest(tensors: dict[str, torch.Tensor]) -> str:
    """sha256 over names, dtypes, shapes and raw bytes of the tensors, in name order."""
    h = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def save_tensors(path: str | Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> Path:
    """Write `tensors` atomically as safetensors, with a digest in the metadata."""
    tensors = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    meta = {"format": "pt", "sha256": tensors_digest(tensors), **(metadata or {})}
    return atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata=meta))


def load_tensors(path: str | Path) -> dict[str, torch.Tensor]:
    """Read a safetensors file written by `save_tensors`; any damage is a `UserError` naming it."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: checkpoint file not found")
    try:
        tensors = load_file(str(path))
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise UserError(f"{path}: not a readable safetensors checkpoint (truncated or corrupted: "
                        f"{' '.join(str(err).split())})") from None
    expected = meta.get("sha256")
    if expected is not None and tensors_digest(tensors) != expected:
        raise UserError(f"{path}: checkpoint content does not match its checksum (file was modified or damaged)")
    return tensors


def save_model(path: str | Path, model: nn.Module) -> Path:
    state = {k: v for k, v in model.state_dict().items()}
    # safetensors refuses shared storage; clone so tied weights are saved (and loaded) as copies.
    return save_tensors(path, {k: v.clone() for k, v in state.items()})


def load_model_weights(path: str | Path, model: nn.Module) -> nn.Module:
    tensors = load_tensors(path)
    expected = {k: (tuple(v.shape), v.dtype) for k, v in model.state_dict().items()}
    check_tensors(path, {k: (tuple(v.shape), v.dtype) for k, v in tensors.items()}, expected)
    model.load_state_dict(tensors, strict=True)
    return model


def check_tensors(path: str | Path, found: dict[str, tuple], expected: dict[str, tuple]) -> None:
    """Tensor names, shapes and dtypes {name: (shape, dtype)} of a weights file against a model's; a
    one-line UserError naming the first mismatch (load_state_dict would cast a dtype silently)."""
    for name, (shape, dtype) in expected.items():
        if name not in found:
            raise UserError(f"{path}: has no tensor {name!r} (the model needs it, shape {list(shape)})")
        if found[name][0] != shape:
            raise UserError(f"{path}: tensor {name!r} has shape {list(found[name][0])}; the model needs {list(shape)}")
        if found[name][1] != dtype:
            raise UserError(f"{path}: tensor {name!r} is {found[name][1]}; the model needs {dtype}")
    extra = sorted(set(found) - set(expected))
    if extra:
        raise UserError(f"{path}: tensor {extra[0]!r} is not in the model"
                        + (f" (and {len(extra) - 1} more)" if len(extra) > 1 else ""))


SAFETENSORS_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
                      "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
                      "BOOL": torch.bool}


def file_tensors(path: str | Path) -> dict[str, tuple]:
    """{name: (shape, dtype)} from a safetensors file's header alone (no tensor is read)."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: weights file not found")
    try:
        with safe_open(str(path), framework="pt") as f:
            found = {}
            for name in f.keys():
                part = f.get_slice(name)
                found[name] = (tuple(part.get_shape()), SAFETENSORS_DTYPES.get(part.get_dtype(), part.get_dtype()))
            return found
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise UserError(f"{path}: not a readable safetensors file (truncated or corrupted: "
                        f"{' '.join(str(err).split())})") from None


def check_weights_file(path: str | Path, build, where: str | Path) -> None:
    """A weights file's tensors against the model `build()` makes, built on the meta device (no memory:
    a config.json asking for a huge model costs nothing before this check refuses it)."""
    found = file_tensors(path)
    try:
        with torch.device("meta"):
            model = build()
    except (ValueError, TypeError) as err:
        raise UserError(f"{where}: cannot rebuild the model ({' '.join(str(err).split())})") from None
    except (RuntimeError, NotImplementedError):  # a model whose construction computes on its weights
        return  # load_model_weights checks the tensors against the real model instead
    check_tensors(path, found, {k: (tuple(v.shape), v.dtype) for k, v in model.state_dict().items()})


# ---- nested state <-> (JSON tree, flat tensors) ----

def flatten_state(obj: Any, prefix: str = "", tensors: dict[str, torch.Tensor] | None = None):
    """Split a nested dict/list of tensors and scalars into a JSON-able tree and a flat tensor dict."""
    if tensors is None:
        tensors = {}
    if isinstance(obj, torch.Tensor):
        tensors[prefix] = obj
        return {TENSOR_TAG: prefix}, tensors
    if isinstance(obj, dict):
        items = {}
        for k, v in obj.items():
            # JSON keys are strings; record int keys (optimizer state ids) so they come back as ints.
            key = f"{'#' if isinstance(k, int) else ''}{k}"
            items[key] = flatten_state(v, f"{prefix}.{key}" if prefix else key, tensors)[0]
        return items, tensors
    if isinstance(obj, (list, tuple)):
        return [flatten_state(v, f"{prefix}.{i}", tensors)[0] for i, v in enumerate(obj)], tensors
    return obj, tensors


def unflatten_state(tree: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(tree, dict):
        if set(tree) == {TENSOR_TAG}:
            try:
                return tensors[tree[TENSOR_TAG]]
            except KeyError:
                raise UserError(f"checkpoint state names a missing tensor {tree[TENSOR_TAG]!r}") from None
        return {(int(k[1:]) if k.startswith("#") else k): unflatten_state(v, tensors) for k, v in tree.items()}
    if isinstance(tree, list):
        return [unflatten_state(v, tensors) for v in tree]
    return tree


# ---- resumable checkpoint directories ----

def save_checkpoint(run_dir: str | Path, step: int, model: nn.Module, state: dict[str, Any], keep: int = 1,
                    tag: str = "") -> Path:
    """Write `checkpoints/step-XXXXXXXX[tag]/` completely, then point `checkpoints/last.json` at it.

    Two checkpoints at the same step (mid-epoch, then epoch end) get different tags, so the one
    `last.json` points at is never removed before the pointer moves on."""
    root = Path(run_dir) / "checkpoints"
    root.mkdir(parents=True, exist_ok=True)
    name = f"step-{step:08d}{tag}"
    final = root / name
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=root))
    try:
        save_model(tmp / "model.safetensors", model)
        tree, tensors = flatten_state(state)
        save_tensors(tmp / "state.safetensors", tensors)
        write_json(tmp / "state.json", tree)
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
        fsync_dir(root)  # the rename is durable before last.json can point at it
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    write_json(root / "last.json", {"checkpoint": name, "step": step})
    kept = sorted(p for p in root.glob("step-*") if p.is_dir())
    for old in kept[:-keep] if keep > 0 else []:
        if old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    for stale in root.glob(".step-*"):  # temp dirs left by a killed writer
        shutil.rmtree(stale, ignore_errors=True)
    return final


def last_checkpoint(run_dir: str | Path) -> Path | None:
    pointer = Path(run_dir) / "checkpoints" / "last.json"
    if not pointer.is_file():
        return None
    try:
        name = json.loads(pointer.read_text())["checkpoint"]
    except (ValueError, KeyError) as err:
        raise UserError(f"{pointer}: unreadable checkpoint pointer ({err})") from None
    path = pointer.parent / name
    if not path.is_dir():
        raise UserError(f"{pointer}: points at missing checkpoint {path}")
    return path


def load_checkpoint(path: str | Path, model: nn.Module) -> dict[str, Any]:
    """Load weights into `model` and return the nested training state saved beside them."""
    path = Path(path)
    load_model_weights(path / "model.safetensors", model)
    tensors = load_tensors(path / "state.safetensors")
    try:
        tree = json.loads((path / "state.json").read_text())
    except (OSError, ValueError) as err:
        raise UserError(f"{path / 'state.json'}: unreadable checkpoint state ({err})") from None
    return unflatten_state(tree, tensors)
