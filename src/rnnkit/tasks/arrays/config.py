"""The generic task's config: any registered model, trained on arrays from one .npz file."""
from __future__ import annotations

from dataclasses import field
from typing import Any

from rnnkit.training.config import TrainConfig, config_dataclass


@config_dataclass
class ArraysConfig(TrainConfig):
    data: str = ""
    """path to the .npz file with x_train, y_train (and optional lengths_*, *_valid, *_test) (required)"""
    model: dict[str, Any] = field(default_factory=dict)
    """the model's registered name and constructor arguments, as JSON: {"name": ..., ...} (required)"""
    imports: list[str] = field(default_factory=list)
    """modules to import before building the model (where custom models register themselves)"""
    from_logits: bool = True
    """whether the model returns logits (true) or probabilities (false, e.g. a final sigmoid)"""

    def __post_init__(self):
        if not self.data:
            raise ValueError("config key 'data' is required: the path of an .npz file")
        if not self.model.get("name"):
            raise ValueError("config key 'model' needs a registered model name: {\"name\": ...}")
