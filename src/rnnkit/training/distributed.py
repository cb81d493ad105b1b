"""Distributed data parallel on torch.distributed: process groups, reductions, and `--nproc N`.

`rnnkit train ... --nproc N` calls `spawn(fn, N)`, which starts N processes on this machine with
`torch.multiprocessing`, each joining a process group (gloo on CPU, nccl on GPU) over loopback.
Under `torchrun -m rnnkit train ...` (one or many nodes) the group is set up from torchrun's
environment (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) by `init_from_env()`. The trainer then wraps
the model in `DistributedDataParallel`, shards the data with `DistributedSampler`, all-reduces its
metric sums, and only rank 0 writes the run folder.
"""
from __future__ import annotations

import os
import socket
from typing import Callable

import torch
import torch.distributed as dist


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    return dist.get_rank() if is_distributed() else 0


def world_size() -> int:
    return dist.get_world_size() if is_distributed() else 1


def is_main() -> bool:
    return rank() == 0


def all_reduce_sum(t: torch.Tensor) -> torch.Tensor:
    """Sum `t` over ranks (a no-op on one process). float64 sums travel as float64."""
    if not is_distributed():
        return t
    out = t.clone().to(_device())
    dist.all_reduce(out, op=dist.ReduceOp.SUM)
    return out.to(t.device)


def barrier() -> None:
    if is_distributed():
        dist.barrier()


def _device() -> torch.device:
    if is_distributed() and dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def backend() -> str:
    return "nccl" if torch.cuda.is_available() else "gloo"


def init_from_env() -> bool:
    """Join the process group torchrun describes in the environment; False when not under it."""
    if is_distributed():
        return True
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return False
    if torch.cuda.is_available():
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend())
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(local_rank: int, nproc: int, port: int, fn: Callable, args: tuple) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(local_rank),
                      LOCAL_RANK=str(local_rank), WORLD_SIZE=str(nproc))
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // nproc))
    init_from_env()
    try:
        fn(*args)
    finally:
        dist.destroy_process_group()


def spawn(fn: Callable, nproc: int, *args) -> None:
    """Run `fn(*args)` in `nproc` local processes joined in one process group over loopback."""
    if nproc < 1:
        raise ValueError(f"nproc={nproc!r}; expected >= 1")
    import torch.multiprocessing as mp

    mp.spawn(_worker, args=(nproc, free_port(), fn, args), nprocs=nproc, join=True)
