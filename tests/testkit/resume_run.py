"""A small training run for the kill -9 resume test: `python -m testkit.resume_run RUN_DIR [--resume] [--slow]`."""
import sys
import time

import torch

from rnnkit.training import LambdaCallback, Trainer, seed_everything
from testkit.tiny_models import TinyLSTMClassifier, first_token_task

torch.set_num_threads(1)
run_dir, resume, slow = sys.argv[1], "--resume" in sys.argv, "--slow" in sys.argv
seed_everything(0)
x, y = first_token_task(192)
model = TinyLSTMClassifier()
callbacks = [LambdaCallback(on_batch_end=lambda t, step, logs: time.sleep(0.15))] if slow else []
trainer = Trainer(model, lr=0.02, run_dir=run_dir, checkpoint_every=3, schedule="cosine", quiet=True,
                  callbacks=callbacks, seed=7)
trainer.fit((x, y), epochs=3, batch_size=16, validation_split=0.25, resume=resume)
