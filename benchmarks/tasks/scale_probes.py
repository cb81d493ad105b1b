"""New-user probes at scale (TASKS.md "New-user probes at scale"): how the classify-series baseline's cost grows
with the number of series and classes. Windows of 64 steps cut from aeon's bundled long real series (Daphnet's 9
accelerometer channels, ElectricDevices, InternalBleeding16), each labelled by its channel and its 500-step
segment (a real grouping: hundreds of classes); MiniRocket + logistic regression fitted as a run fits it
(5-fold choice of C, fit, refit), timed at growing N. Usage: python benchmarks/tasks/scale_probes.py N [N ...]
(one process per N keeps each peak RSS apart)."""
from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import numpy as np

import aeon
from rnnkit.models.minirocket import RocketLinear

DATA = Path(aeon.__file__).parent / "datasets" / "data"
STEPS, SEGMENT = 64, 500


def channels() -> list[np.ndarray]:
    daphnet = np.genfromtxt(DATA / "Daphnet_S06R02E0" / "S06R02E0.csv", delimiter=",", skip_header=1)[:, 1:10]
    bleeding = np.genfromtxt(DATA / "KDD-TSAD_135" / "135_UCR_Anomaly_InternalBleeding16_TEST.csv",
                             delimiter=",", skip_header=1)[:, 1]
    devices = np.genfromtxt(DATA / "segmentation" / "ElectricDevices.csv", delimiter=",")[:, 1]
    return [daphnet[:, j] for j in range(9)] + [bleeding, devices]


def windows(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n windows (n, STEPS, 1), each standardised, labelled by (channel, segment)."""
    xs, ys, label = [], [], 0
    for series in channels():
        for start in range(0, len(series) - SEGMENT + 1, SEGMENT):
            seg = series[start:start + SEGMENT]
            for s in range(0, SEGMENT - STEPS + 1):
                xs.append(seg[s:s + STEPS])
                ys.append(label)
            label += 1
    x, y = np.asarray(xs), np.asarray(ys)
    x = (x - x.mean(1, keepdims=True)) / (x.std(1, keepdims=True) + 1e-8)
    pick = np.random.default_rng(seed).choice(len(y), size=min(n, len(y)), replace=False)
    return x[pick, :, None], y[pick]


def main(n: int) -> None:
    x, y = windows(n)
    k = int(y.max()) + 1
    t0 = time.perf_counter()
    model = RocketLinear(k, 0).choose_c(x, y, 0.01)
    t1 = time.perf_counter()
    model.fit(x, y)
    t2 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"N={len(y)} classes={len(np.unique(y))} choose_c={t1 - t0:.1f}s fit={t2 - t1:.1f}s C={model.C:g} "
          f"peak_rss={rss:.0f}MB", flush=True)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        main(int(arg))
