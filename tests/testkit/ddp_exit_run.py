"""A spawned DDP run whose gloo worker thread is still busy when the ranks exit: `python -m testkit.ddp_exit_run OUT_DIR`.

DistributedDataParallel keeps its process group (and so gloo's worker threads) alive after
`destroy_process_group`. Here the last all_reduce's future has a callback that holds a gloo worker
thread for a second, so the thread still needs the interpreter after the worker function returns:
a rank that exited through interpreter finalisation aborted (SIGABRT) every time. Each rank writes
rank<r>.ok to the folder given, after its last collective."""
import sys
import time
from pathlib import Path


def worker(out: str) -> None:
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    model = DistributedDataParallel(torch.nn.Linear(2, 2))  # keeps the process group alive
    model(torch.ones(4, 2)).sum().backward()
    future = dist.all_reduce(torch.ones(3), async_op=True).get_future()
    future.then(lambda _: time.sleep(1.0))  # runs on a gloo worker thread
    future.wait()
    (Path(out) / f"rank{dist.get_rank()}.ok").write_text("")


if __name__ == "__main__":
    from rnnkit.training.distributed import spawn

    spawn(worker, 2, sys.argv[1])
