"""A table of a model's layers and parameter counts, for any nn.Module."""
from __future__ import annotations

from torch import nn


def model_summary(model: nn.Module) -> str:
    """The model's own Keras-style `summary()` when it has one, else a table of its children."""
    if hasattr(model, "summary"):
        try:
            text = model.summary(print_fn=None)
            if isinstance(text, str):
                return text
        except (TypeError, ValueError):
            pass
    rows = [(name, type(child).__name__, sum(p.numel() for p in child.parameters()))
            for name, child in model.named_children()]
    width = max([len(f"{n} ({t})") for n, t, _ in rows] + [20]) + 2
    lines = [f'Model: "{type(model).__name__}"', "Layer (type)".ljust(width) + "Param #", "=" * (width + 12)]
    lines += [f"{n} ({t})".ljust(width) + f"{c:,}" for n, t, c in rows]
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    lines += ["=" * (width + 12), f"Total params: {total:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {total - trainable:,}"]
    return "\n".join(lines)
