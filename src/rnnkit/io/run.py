"""A run is a folder: what training writes there and how `predict`/`evaluate` read it back.

    run_dir/
      config.json         task, task config, model config ({"name": ...}), training settings
      model.safetensors   weights (never pickle); the best ones when a best-checkpoint callback ran
      checkpoints/        step-XXXXXXXX/{model,state}.safetensors + state.json, last.json (resume)
      metrics.jsonl       one JSON line per epoch and per N steps
      history.png         loss and metric curves, train vs validation
      report.md           final metrics, data summary, timing

Every file is replaced atomically (see `rnnkit.atomic`). `load(run_dir)` rebuilds the model from
`config.json` through the model registry and loads its weights: no training code, no pickle. A run
folder may come from someone else: config.json is checked (a JSON object of a format this rnnkit reads,
its keys of the right JSON types), and the weights file's tensor names, shapes and dtypes are checked
against the model config.json describes (built on the meta device, so no memory is spent on a config
that asks for a huge model) before any tensor is read.
This module and `checkpoint`/`atomic` import nothing from `rnnkit.training`, so the trainer may use them.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from rnnkit.errors import UserError
from rnnkit.atomic import write_json, write_text

if TYPE_CHECKING:  # torch and the checkpoints are imported on use: reading config.json (a run's task) needs neither
    from torch import nn

FORMAT_VERSION = 1
"""The run folder format this rnnkit writes and the newest it reads (config.json's `format_version`;
folders from before it was recorded have none and are format 1). Raise it when a change to the files
would make an older rnnkit misread a new folder."""
CONFIG_SCHEMA = {"format_version": (int,), "rnnkit_version": (str,), "task": (str,), "task_config": (dict,),
                 "data": (dict,), "model": (dict, type(None)), "training": (dict,)}
"""The JSON types of config.json's keys (other keys are allowed: a newer rnnkit of the same format may add some)."""
FROM_TASK_CONFIG = "from_task_config"
"""Under config.json's "model": the names of the model's settings that the task config holds (each value is
written once; `model_entry` reads them from there). Folders written before it repeat every value."""
CONFIG = "config.json"
MODEL = "model.safetensors"
METRICS = "metrics.jsonl"
HISTORY_PLOT = "history.png"
REPORT = "report.md"


class RunDir:
    """Paths and atomic writers of one run folder."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    def file(self, name: str) -> Path:
        return self.path / name

    def make(self) -> "RunDir":
        self.path.mkdir(parents=True, exist_ok=True)
        return self

    # config
    def write_config(self, config: dict[str, Any]) -> Path:
        return write_json(self.file(CONFIG), config)

    def read_config(self) -> dict[str, Any]:
        path = self.file(CONFIG)
        if not self.path.is_dir():
            raise UserError(f"{self.path}: run folder not found")
        if not path.is_file():
            raise UserError(f"{path}: not a run folder (config.json is missing)")
        try:
            config = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as err:  # UnicodeDecodeError included
            raise UserError(f"{path}: invalid JSON ({' '.join(str(err).split())})") from None
        check_config(path, config)
        return config

    # weights
    def save_model(self, model: nn.Module) -> Path:
        from rnnkit.io.checkpoint import save_model

        return save_model(self.file(MODEL), model)

    def load_weights(self, model: nn.Module) -> nn.Module:
        from rnnkit.io.checkpoint import load_model_weights

        return load_model_weights(self.file(MODEL), model)

    # metrics and report
    def write_metrics(self, records: Iterable[dict[str, Any]]) -> Path:
        """Rewrite metrics.jsonl whole (small; keeps it atomic and consistent with the checkpoint)."""
        lines = "".join(json.dumps(r, allow_nan=True) + "\n" for r in records)
        return write_text(self.file(METRICS), lines)

    def read_metrics(self) -> list[dict[str, Any]]:
        path = self.file(METRICS)
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def last_epoch(self) -> dict[str, Any]:
        """The metrics.jsonl record of the last finished epoch, or {} before the first."""
        epochs = [r for r in self.read_metrics() if r.get("kind") == "epoch"]
        return epochs[-1] if epochs else {}

    def write_report(self, text: str) -> Path:
        return write_text(self.file(REPORT), text)


def check_config(path: Path, config: Any) -> None:
    """A run folder's config.json is a JSON object of the format this rnnkit reads, each known key of its
    JSON type; else a one-line UserError naming the first thing wrong."""
    if not isinstance(config, dict):
        raise UserError(f"{path}: expected a JSON object, got a JSON {_json_type(config)}")
    version = config.get("format_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise UserError(f"{path}: 'format_version' should be a positive integer, got {version!r}")
    if version > FORMAT_VERSION:
        from rnnkit import __version__

        need = f"rnnkit {config['rnnkit_version']} or newer" if _newer(config.get("rnnkit_version"), __version__) \
            else f"an rnnkit newer than {__version__}"
        raise UserError(f"{path}: a run folder of format {version}; this rnnkit ({__version__}) reads formats up to "
                        f"{FORMAT_VERSION}: it needs {need} (pip install -U rnnkit)")
    for key, types in CONFIG_SCHEMA.items():
        if key not in config:
            continue
        value = config[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            expected = " or ".join(_json_type(t()) if t is not type(None) else "null" for t in types)
            raise UserError(f"{path}: key {key!r} should be a JSON {expected}, got a JSON {_json_type(value)}")


def _newer(version: Any, than: str) -> bool:
    """Whether release `version` (e.g. "0.4.1") is after `than`, comparing their leading numbers."""
    def numbers(v: str) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", v.split("+")[0])[:3])

    return isinstance(version, str) and bool(numbers(version)) and numbers(version) > numbers(than)


def _json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number",
            type(None): "null"}.get(type(value), type(value).__name__)


def model_entry(config: dict[str, Any], where: str | Path = CONFIG) -> dict[str, Any] | None:
    """config.json's model config ({"name": ..., **constructor kwargs}) whole: the "model" entry with the
    settings it names under FROM_TASK_CONFIG taken from the task config; None without a "model" entry."""
    entry = config.get("model")
    if not isinstance(entry, dict):
        return entry
    shared, task_config = entry.get(FROM_TASK_CONFIG, []), config.get("task_config") or {}
    if not isinstance(shared, list) or any(not isinstance(k, str) or k not in task_config for k in shared):
        raise UserError(f"{where}: 'model.{FROM_TASK_CONFIG}' should list keys of 'task_config', got {shared!r}")
    return {**{k: task_config[k] for k in shared}, **{k: v for k, v in entry.items() if k != FROM_TASK_CONFIG}}


def load(run_dir: str | Path) -> nn.Module:
    """Rebuild the trained model of a run folder, in eval mode, ready for `predict`."""
    from rnnkit.io.checkpoint import check_weights_file
    from rnnkit.models import build_model  # the package imports every module that registers a model

    run = RunDir(run_dir)
    config = run.read_config()
    model_cfg = model_entry(config, run.file(CONFIG))
    if not isinstance(model_cfg, dict) or "name" not in model_cfg:
        raise UserError(f"{run.file(CONFIG)}: has no 'model' entry with a registered model name")
    check_weights_file(run.file(MODEL), lambda: build_model(model_cfg), run.file(CONFIG))
    try:
        model = build_model(model_cfg)
    except (ValueError, TypeError) as err:
        raise UserError(f"{run.file(CONFIG)}: cannot rebuild the model ({' '.join(str(err).split())})") from None
    run.load_weights(model)
    return model.eval()
