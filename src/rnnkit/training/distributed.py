"""Distributed data parallel on torch.distributed: process groups, reductions, and `--nproc N`.

`rnnkit train ... --nproc N` calls `spawn(fn, N)`, which starts N processes on this machine with
`torch.multiprocessing`, each joining a process group (gloo on CPU, nccl on GPU) over loopback.
Under `torchrun -m rnnkit train ...` (one or many nodes) the group is set up from torchrun's
environment (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) by `init_from_env()`. The trainer then wraps
the model in `DistributedDataParallel`, shards the data with `DistributedSampler`, all-reduces its
metric sums, and only rank 0 writes the run folder. A spawned rank that returns waits at a final
barrier, destroys the group and leaves with `os._exit` (see `_flush_and_exit`).
"""
from __future__ import annotations

import os
import sys
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


def _flush_and_exit(code: int) -> None:
    """Leave a spawned worker at once: flush what Python buffers, then exit without interpreter teardown.

    DistributedDataParallel keeps its process group alive after `destroy_process_group` (measured:
    gloo's two worker threads, its TCP loop thread and, on rank 0, the store's server thread all
    still run after it and after `gc.collect()`), so a normal exit tears those threads down during
    interpreter finalisation. A gloo thread that is still busy then (it drops the tensors of its last
    collective, whose Python objects it preserved, or runs a future's callback) needs the GIL of a
    finalising interpreter, is ended by pthread_exit, and the rank dies of SIGABRT ("terminate called
    without an active exception" when the unwinding meets a noexcept destructor). Whether a thread
    is that late is a matter of scheduling: it showed on a loaded machine only. Once every rank is
    past the final barrier and the group is destroyed, no peer needs this process any more, and
    `os._exit` ends it with no finalisation for those threads to race."""
    import logging

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    os._exit(code)


def leave_group(code: int) -> None:
    """End a torchrun rank: after success wait for every rank, then destroy the group and exit at once
    (`_flush_and_exit`: DDP keeps gloo threads alive that interpreter teardown would race); after a
    failure skip the barrier, which peers may never reach. Without a process group: return."""
    if not is_distributed():
        return
    if code == 0:
        dist.barrier()
    dist.destroy_process_group()
    _flush_and_exit(code)


def _exit_code(err: SystemExit) -> int:
    if err.code is None:
        return 0
    if isinstance(err.code, int):
        return err.code
    print(err.code, file=sys.stderr)
    return 1


def _worker(local_rank: int, nproc: int, port: int, fn: Callable, args: tuple) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(local_rank),
                      LOCAL_RANK=str(local_rank), WORLD_SIZE=str(nproc))
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // nproc))
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
    # the store's server lives in the parent (`spawn`), so it outlives every rank
    store = dist.TCPStore("127.0.0.1", port, nproc, is_master=False, timeout=dist.constants.default_pg_timeout)
    dist.init_process_group(backend(), store=store, rank=local_rank, world_size=nproc)
    del store
    try:
        fn(*args)
    except SystemExit as err:  # a worker's own exit (a user error: every rank exits with it)
        dist.destroy_process_group()
        _flush_and_exit(_exit_code(err))
    except BaseException:
        # torch's spawn wrapper records the traceback for the parent, which stops the other ranks;
        # no barrier here: a peer may be waiting in a collective this rank will never join
        dist.destroy_process_group()
        raise
    dist.barrier()  # no rank leaves while another still has a collective with it in flight
    dist.destroy_process_group()
    _flush_and_exit(0)


def spawn(fn: Callable, nproc: int, *args) -> None:
    """Run `fn(*args)` in `nproc` local processes joined in one process group over loopback.

    This process hosts the group's TCP store on a port the system picks while binding it (no
    choose-then-bind race with other programs or concurrent runs) and keeps it until every rank
    has exited."""
    if nproc < 1:
        raise ValueError(f"nproc={nproc!r}; expected >= 1")
    import torch.multiprocessing as mp

    store = dist.TCPStore("127.0.0.1", 0, is_master=True, wait_for_workers=False,
                          timeout=dist.constants.default_pg_timeout)
    context = mp.start_processes(_worker, args=(nproc, store.port, fn, args), nprocs=nproc, join=False,
                                 start_method="spawn")
    try:
        while not context.join():
            pass
    except KeyboardInterrupt:  # Ctrl-C: stop every rank now (a terminal's Ctrl-C reached them too; a
        for process in context.processes:  # `kill -INT` of this process alone did not), then say so
            if process.is_alive():
                process.terminate()
        for process in context.processes:
            process.join()
        raise
    del store  # the server stops only now, after every rank has exited
