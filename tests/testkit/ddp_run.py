"""Two-process DDP run for test_distributed: `python -m testkit.ddp_run OUT_DIR`.

Rank r trains with run_dir OUT_DIR/run<r>: only rank 0 may write, so run1 must never appear.
Each rank also reports its final weights' digest and validation metrics to OUT_DIR/rank<r>.json.
"""
import json
import sys
from pathlib import Path


def worker(out: str) -> None:
    import torch

    from rnnkit.io.checkpoint import tensors_digest
    from rnnkit.training import Trainer, seed_everything
    from rnnkit.training import distributed as ddp
    from testkit.tiny_models import TinyLSTMClassifier, first_token_task

    rank = ddp.rank()
    seed_everything(0)
    x, y = first_token_task(256)
    model = TinyLSTMClassifier()
    trainer = Trainer(model, lr=0.03, run_dir=Path(out) / f"run{rank}", quiet=True, checkpoint_every=2)
    history = trainer.fit((x, y), epochs=3, batch_size=16, validation_split=0.25)
    logs = {k: v[-1] for k, v in history.history.items()}
    digest = tensors_digest(model.state_dict())
    (Path(out) / f"rank{rank}.json").write_text(json.dumps({"world": ddp.world_size(), "digest": digest, **logs}))


if __name__ == "__main__":
    from rnnkit.training.distributed import spawn

    spawn(worker, 2, sys.argv[1])
