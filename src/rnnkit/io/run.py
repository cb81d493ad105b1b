"""A run is a folder: what training writes there and how `predict`/`evaluate` read it back.

    run_dir/
      config.json         task, task config, model config ({"name": ...}), training settings
      model.safetensors   weights (never pickle); the best ones when a best-checkpoint callback ran
      checkpoints/        step-XXXXXXXX/{model,state}.safetensors + state.json, last.json (resume)
      metrics.jsonl       one JSON line per epoch and per N steps
      history.png         loss and metric curves, train vs validation
      report.md           final metrics, data summary, timing

Every file is replaced atomically (see `rnnkit.atomic`). `load(run_dir)` rebuilds the model from
`config.json` through the model registry and loads its weights: no training code, no pickle.
This module and `checkpoint`/`atomic` import nothing from `rnnkit.training`, so the trainer may use them.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from torch import nn

from rnnkit.errors import UserError
from rnnkit.atomic import write_json, write_text
from rnnkit.io.checkpoint import load_model_weights, save_model

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
            return json.loads(path.read_text(encoding="utf-8"))
        except ValueError as err:
            raise UserError(f"{path}: invalid JSON ({err})") from None

    # weights
    def save_model(self, model: nn.Module) -> Path:
        return save_model(self.file(MODEL), model)

    def load_weights(self, model: nn.Module) -> nn.Module:
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


def load(run_dir: str | Path) -> nn.Module:
    """Rebuild the trained model of a run folder, in eval mode, ready for `predict`."""
    from rnnkit.models import build_model  # the package imports every module that registers a model

    run = RunDir(run_dir)
    config = run.read_config()
    model_cfg = config.get("model")
    if not isinstance(model_cfg, dict) or "name" not in model_cfg:
        raise UserError(f"{run.file(CONFIG)}: has no 'model' entry with a registered model name")
    try:
        model = build_model(model_cfg)
    except (ValueError, TypeError) as err:
        raise UserError(f"{run.file(CONFIG)}: cannot rebuild the model ({err})") from None
    run.load_weights(model)
    return model.eval()
