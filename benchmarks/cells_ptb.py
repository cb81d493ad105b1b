"""The recurrent cells on PTB at an equal time budget (issue 28, item 6): which cell wins on this CPU.

For each cell, the `lm` task's word-level model and data (`rnnkit train lm --cell X`'s defaults: PTB,
2 x cell(200) over 200-d embeddings, init U(-0.1, 0.1), batch 20, bptt 20, SGD lr 20 without momentum,
gradient norm clipped at 0.25 on the per-token mean loss, each window's state carried, detached) is
trained from the same seed for the SAME BUDGET of process CPU seconds (one thread: on an idle machine
that is wall time; on a shared one CPU time is the equal measure), reading the training streams in
order from the start (a second epoch restarts them from a zero state, as the task's epochs). Then the
validation and test texts are scored as the task scores them (`rnnkit.tasks.lm.predict.score`: 10
streams, each after 200 tokens of burn-in). The learning rate is not decayed (the task decays it only
after its 4th epoch, which no budget here reaches). What differs from `rnnkit train lm` is only the
stopping rule (a budget instead of whole epochs) and that no weights are kept by validation (one
validation pass at the end).

    OMP_NUM_THREADS=1 python benchmarks/cells_ptb.py --budget 120 [--cells lstm gru slstm mlstm mingru minlstm]

`--steps N --output-precision bfloat16` instead trains a fixed number of steps with the output layer's
matmuls in bf16 (the lm option `output_precision`), to compare perplexity with float32 step for step.
"""
from __future__ import annotations

import argparse
import math
import time

import torch
import torch.nn.functional as F

from rnnkit.data.lm_streams import StreamWindows
from rnnkit.models.language_model import CarriedState
from rnnkit.tasks.lm.config import LMConfig
from rnnkit.tasks.lm.data import load_corpus, scoring_windows
from rnnkit.tasks.lm.model import build_model
from rnnkit.tasks.lm.predict import score
from rnnkit.training import Trainer

CELLS = ("lstm", "gru", "slstm", "mlstm", "mingru", "minlstm")


def train_for(model, windows: StreamWindows, config: LMConfig, budget: float, max_steps: int | None = None) -> dict:
    """SGD over the training streams in order until `budget` CPU seconds are spent (or `max_steps` steps
    are taken); what was done."""
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr)
    carried = CarriedState(model)
    model.train()
    steps = tokens = 0
    losses: list[float] = []
    c0, w0 = time.process_time(), time.perf_counter()

    def done() -> bool:
        return steps >= max_steps if max_steps else time.process_time() - c0 >= budget

    while not done():
        carried.reset()  # each pass over the text starts from a zero state, as the task's epochs
        for i in range(len(windows)):
            x, y = windows[i]
            logits = carried(x)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip_norm)
            optimizer.step()
            steps, tokens = steps + 1, tokens + y.numel()
            losses.append(loss.item())
            if done():
                break
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    last = losses[-100:]
    return dict(steps=steps, tokens=tokens, epochs=steps / len(windows),
                cpu_s=cpu, wall_s=wall, train_ppl=math.exp(sum(last) / len(last)) if last else float("nan"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", nargs="+", default=list(CELLS), choices=CELLS)
    parser.add_argument("--budget", type=float, default=120.0, help="training CPU seconds per cell")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, help="stop after this many steps instead of the budget")
    parser.add_argument("--output-precision", default="float32", choices=["float32", "bfloat16"],
                        help="the lm option of the same name (the output layer's matmuls in training)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    limit = f"{args.steps} steps" if args.steps else f"{args.budget:.0f} CPU s"
    print(f"PTB words, {limit} of training per cell, output layer {args.output_precision}, {args.threads} thread(s), "
          f"torch {torch.__version__}")
    print("| cell | runner | parameters | steps | epochs | train CPU s | train wall s | tokens / CPU s | "
          "train ppl (last 100) | valid ppl | test ppl |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for cell in args.cells:
        config = LMConfig(cell=cell, seed=0, output_precision=args.output_precision)
        corpus = load_corpus(config)
        torch.manual_seed(config.seed)
        model = build_model(config, len(corpus.vocab))
        windows = StreamWindows(corpus.ids["train"], config.batch_size, config.bptt, what="ptb train")
        plan = model.rnn.plan(torch.zeros(config.bptt, config.batch_size, config.embedding_dim, requires_grad=True))
        done = train_for(model, windows, config, args.budget, args.steps)
        carried = CarriedState(model)
        trainer = Trainer(model, metrics=["perplexity"], quiet=True, forward_module=carried)
        valid = score(trainer, carried, scoring_windows(corpus.ids["valid"], config.eval_batch_size, config, "valid"),
                      corpus.level, prefix="val_")
        test = score(trainer, carried, scoring_windows(corpus.ids["test"], config.test_batch_size, config, "test"),
                     corpus.level, prefix="test_")
        params = sum(p.numel() for p in model.parameters())
        print(f"| {cell} | {plan.runner} | {params:,} | {done['steps']:,} | {done['epochs']:.2f} | {done['cpu_s']:.0f} | "
              f"{done['wall_s']:.0f} | {done['tokens'] / done['cpu_s']:,.0f} | {done['train_ppl']:.1f} | "
              f"{valid['val_perplexity']:.2f} | {test['test_perplexity']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
