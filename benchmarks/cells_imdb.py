"""The recurrent cells on IMDB at an equal time budget (issue 28, item 6): the IMDB half of the table
whose PTB half is `cells_ptb.py`.

For each cell, the `sentiment` task's model and data (`rnnkit train sentiment --dataset imdb --cell X`'s
defaults: English word tokens, a 30,000-word vocabulary, texts cut to their last 400 tokens, 4% of the
training texts held out (seeded, by label), a bidirectional cell(160) over 128-d embeddings started from
PPMI-SVD word vectors of the training texts, embedding dropout 0.4, variational input dropout 0.25,
max+mean pooling, head dropout 0.5, length-bucketed batches of 64, Adam lr 2e-3, gradient norm clipped
at 1.0) is trained from the same seed for the SAME BUDGET of process CPU seconds (one thread: on an idle
machine that is wall time; on a shared one CPU time is the equal measure). The task's cosine schedule
runs to 0 over its epochs; here it runs to 0 over the budget (lr = 2e-3 * (1 + cos(pi * spent / budget)) / 2,
set before each step), so each cell ends its budget as the task ends its run. Then the held-out texts and
the full IMDB test split (25,000 reviews) are scored with the last weights.

What differs from `rnnkit train sentiment`: the stopping rule (a budget instead of 3 epochs), the
schedule's horizon (the budget), no keep-best (one validation pass at the end), and one model alone: no
second view (the task trains a second seed on long texts) and no TF-IDF baseline or blend. The word
vectors, the tokens and the vocabulary do not depend on the cell: they are computed once, outside the budget.

    OMP_NUM_THREADS=1 python benchmarks/cells_imdb.py --budget 120 [--cells lstm gru slstm mlstm mingru minlstm]
"""
from __future__ import annotations

import argparse
import math
import time
from dataclasses import replace

import numpy as np
import torch

from rnnkit.data.text import encode_tokens, resolve_tokenizer
from rnnkit.data.text_batches import BucketedBatches
from rnnkit.data.word_vectors import ppmi_svd_vectors
from rnnkit.tasks.text.config import SentimentConfig
from rnnkit.tasks.text.data import dataset_splits, prepare, with_validation
from rnnkit.tasks.text.model import build_model, predict_proba, scores
from rnnkit.training import seed_everything
from rnnkit.training.losses import get_loss
from rnnkit.training.optim import clip_gradients, make_optimizer

CELLS = ("lstm", "gru", "slstm", "mlstm", "mingru", "minlstm")


def train_for(model, batches: BucketedBatches, config: SentimentConfig, budget: float) -> dict:
    """Adam over length-bucketed batches (re-formed each epoch, as the task's) until `budget` CPU seconds
    are spent, the learning rate cosine-decayed over the budget; what was done."""
    optimizer = make_optimizer("adam", model.parameters(), lr=config.lr)
    loss_fn = get_loss("binary_crossentropy")
    model.train()
    steps = texts = epoch = 0
    losses: list[float] = []
    c0, w0 = time.process_time(), time.perf_counter()
    while True:
        batches.set_epoch(epoch)
        for i in range(len(batches)):
            spent = time.process_time() - c0
            if spent >= budget:
                cpu, wall = time.process_time() - c0, time.perf_counter() - w0
                last = losses[-50:]
                return dict(steps=steps, texts=texts, epochs=steps / len(batches), cpu_s=cpu, wall_s=wall,
                            train_loss=sum(last) / len(last) if last else float("nan"))
            for group in optimizer.param_groups:
                group["lr"] = config.lr * (1 + math.cos(math.pi * spent / budget)) / 2
            ids, lengths, labels = batches[i]  # (B, T), (B,), (B,)
            loss = loss_fn(model(ids, lengths), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            clip_gradients(model.parameters(), norm=config.clip_norm, value=None)
            optimizer.step()
            steps, texts = steps + 1, texts + len(labels)
            losses.append(loss.item())
        epoch += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", nargs="+", default=list(CELLS), choices=CELLS)
    parser.add_argument("--budget", type=float, default=120.0, help="training CPU seconds per cell (the table's 120)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--limit", type=int, help="use only the first N texts of each split (a quick check)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = SentimentConfig(dataset="imdb", seed=0, second_view="none", baseline="none")
    t0 = time.perf_counter()
    splits, _, _ = dataset_splits(config)
    if args.limit:  # IMDB's splits are sorted by label: a random few of each split
        picks = {k: np.random.default_rng(0).permutation(len(s[0]))[:args.limit] for k, s in splits.items() if s}
        splits = {k: ([splits[k][0][i] for i in pick], splits[k][1][pick]) for k, pick in picks.items()}
    held = with_validation(splits, config)
    data = prepare(held, config, resolve_tokenizer(config.tokenizer, held["train"][0]), None)
    vectors = ppmi_svd_vectors(encode_tokens(data.tokens["train"], data.vocab, None), len(data.vocab),
                               config.embedding_dim, seed=config.seed)
    print(f"IMDB: {len(data.ids['train']):,} training, {len(data.ids['valid']):,} held-out and "
          f"{len(data.ids['test']):,} test texts, {len(data.vocab):,} words, word vectors; prepared in "
          f"{time.perf_counter() - t0:.0f} s. {args.budget:.0f} CPU s of training per cell, {args.threads} "
          f"thread(s), torch {torch.__version__}")
    print("| cell | runner | parameters | steps | epochs | train CPU s | train wall s | texts / CPU s | "
          "train loss (last 50) | valid acc | test acc | test CPU s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for cell in args.cells:
        cell_config = replace(config, cell=cell)
        seed_everything(cell_config.seed)
        model = build_model(cell_config, 2, len(data.vocab))
        model.load_word_vectors(vectors)
        plan = model.rnn.plan(torch.zeros(4, 2, cell_config.embedding_dim, requires_grad=True), torch.tensor([4, 3]))
        batches = BucketedBatches(data.ids["train"], data.labels["train"], cell_config.batch_size, seed=cell_config.seed)
        done = train_for(model, batches, cell_config, args.budget)
        valid = scores(predict_proba(model, data.ids["valid"]), data.labels["valid"])
        c1 = time.process_time()
        test = scores(predict_proba(model, data.ids["test"]), data.labels["test"])
        test_cpu = time.process_time() - c1
        params = sum(p.numel() for p in model.parameters())
        print(f"| {cell} | {plan.runner} | {params:,} | {done['steps']:,} | {done['epochs']:.2f} | "
              f"{done['cpu_s']:.0f} | {done['wall_s']:.0f} | {done['texts'] / done['cpu_s']:,.1f} | "
              f"{done['train_loss']:.4f} | {valid['acc']:.4f} | {test['acc']:.4f} | {test_cpu:.0f} |", flush=True)


if __name__ == "__main__":
    main()
