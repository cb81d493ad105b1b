"""Per-token features and the units that follow them: the experiment of Karpathy, Johnson and Fei-Fei
(2015), "Visualizing and understanding recurrent networks", which found cells that track whether the
text is inside quotes or how far a line has run.

A feature is one number per token: "quotes" (1 inside a quotation: after an odd number of `"`
characters in the tokens before it, so an opening quote reads 0 and a closing one 1), "position" (the
token's index, 0 first), or a user's file (one line per text, one number per token, whitespace-separated).
`correlated_units` ranks every unit of every traced quantity by Pearson's r with the feature over all
tokens of all texts (padded steps left out).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import UserError

FEATURES = ("quotes", "position")


def token_feature(tokens: Sequence[str], kind: str) -> np.ndarray:
    """(T,) the named feature of each token."""
    if kind == "position":
        return np.arange(len(tokens), dtype=np.float64)
    if kind == "quotes":
        before = np.cumsum([0] + [t.count('"') for t in tokens[:-1]])  # quote characters before each token
        return (before % 2).astype(np.float64)
    raise ValueError(f"feature must be one of {FEATURES} or a file, got {kind!r}")


def read_feature_file(path: str | Path, token_counts: Sequence[int]) -> list[np.ndarray]:
    """One array per text from a file of one line per text, one number per token."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"--feature {path}: neither {' nor '.join(FEATURES)} nor a file")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(lines) != len(token_counts):
        raise UserError(f"{path}: {len(lines)} line(s) of feature values for {len(token_counts)} text(s); expected one "
                        "line per text")
    out = []
    for row, (line, count) in enumerate(zip(lines, token_counts), 1):
        try:
            values = np.array([float(v) for v in line.split()])
        except ValueError as err:
            raise UserError(f"{path}: line {row}: {err}; expected numbers") from None
        if len(values) != count:
            raise UserError(f"{path}: line {row}: {len(values)} value(s) for {count} token(s); expected one per token")
        out.append(values)
    return out


def correlations(values: Sequence[np.ndarray], feature: Sequence[np.ndarray]) -> np.ndarray:
    """(units,) Pearson's r of each unit with the feature, over the steps of every text; values: one
    (T, units) array per text, NaN at padded steps; 0 where a unit or the feature does not vary."""
    x = np.concatenate([np.asarray(v, dtype=np.float64) for v in values])  # (N, units)
    f = np.concatenate([np.asarray(v, dtype=np.float64) for v in feature])  # (N,)
    keep = ~np.isnan(x).any(1)
    x, f = x[keep], f[keep]
    xc, fc = x - x.mean(0), f - f.mean()
    denom = np.sqrt((xc ** 2).sum(0) * (fc ** 2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (xc * fc[:, None]).sum(0) / denom
    return np.where(denom > 0, r, 0.0)


def correlated_units(panels: Sequence[dict[str, np.ndarray]], feature: Sequence[np.ndarray], top: int = 5) -> list[dict]:
    """The `top` units of each quantity by |r| with the feature: [{"panel", "unit", "r"}], strongest first.
    panels: per text, {quantity name: (T, units)}."""
    found = []
    for name in panels[0]:
        r = correlations([p[name] for p in panels], feature)
        for unit in np.argsort(-np.abs(r))[:top]:
            found.append({"panel": name, "unit": int(unit), "r": float(r[unit])})
    return sorted(found, key=lambda u: -abs(u["r"]))
