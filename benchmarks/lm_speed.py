"""Training tokens per second of a word-level language model: rnnkit's `LanguageModel` (default path,
`fast="auto"`) against the same model on torch's `nn.LSTM`, in one process, same batch and bptt.

    python benchmarks/lm_speed.py [--vocab 10000] [--hidden 200] [--layers 2] [--batch 20] [--bptt 20]
                                  [--steps 30] [--rounds 3] [--threads N]

Both models are embedding -> 2 x LSTM(200) -> dense(V) with the same initial weights (and a third, rnnkit
with `output_precision="bfloat16"`: the output layer's matmuls in bf16 in training); one training step
is forward, cross-entropy, backward, clipping at norm 5 and an SGD step, the state carried (detached)
from window to window. The three are timed in alternating rounds (the machine's load moves; each round
times all three), the median round of each is printed with the ratios to nn.LSTM, in wall time and in CPU time of
the process (with one thread, CPU time is the fair measure on a machine shared with other jobs).
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

from rnnkit.models.language_model import LanguageModel, detach_state


class TorchLM(nn.Module):
    """The same model on torch's nn.LSTM, with the weights of an rnnkit LanguageModel."""

    def __init__(self, model: LanguageModel):
        super().__init__()
        rnn = model.rnn
        self.embedding = nn.Embedding.from_pretrained(model.embedding.weight.detach().clone(), freeze=False)
        self.lstm = nn.LSTM(rnn.input_size, rnn.hidden_size, rnn.num_layers, batch_first=True)
        self.decoder = nn.Linear(model.decoder.in_features, model.decoder.out_features)
        self.decoder.load_state_dict(model.decoder.state_dict())

    def forward(self, ids, state=None):
        out, state = self.lstm(self.embedding(ids), state)
        return self.decoder(out), state


def tokens_per_second(model: nn.Module, data: torch.Tensor, bptt: int, steps: int) -> tuple[float, float]:
    """(tokens per wall second, tokens per CPU second of this process: the fair figure on a loaded machine)."""
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    state, done, t0, c0 = None, 0, 0.0, 0.0
    for i in range(steps + 3):  # 3 warm-up steps
        if i == 3:
            t0, c0 = time.perf_counter(), time.process_time()
        t = (i * bptt) % (data.shape[1] - bptt - 1)
        x, y = data[:, t:t + bptt], data[:, t + 1:t + 1 + bptt]
        logits, state = model(x, state)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        state = detach_state(state)
        done += x.numel() if i >= 3 else 0
    return done / (time.perf_counter() - t0), done / (time.process_time() - c0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in (("vocab", 10000), ("embedding", 200), ("hidden", 200), ("layers", 2), ("batch", 20),
                          ("bptt", 20), ("steps", 30), ("rounds", 3), ("threads", 0)):
        parser.add_argument(f"--{name}", type=int, default=default)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    data = torch.randint(0, args.vocab, (args.batch, args.bptt * (args.steps + 4) + 2))
    ours = LanguageModel(args.vocab, args.embedding, args.hidden, args.layers)
    theirs = TorchLM(ours)
    bf16 = LanguageModel(args.vocab, args.embedding, args.hidden, args.layers, output_precision="bfloat16")
    bf16.load_state_dict(ours.state_dict())
    plan = ours.rnn.plan(torch.zeros(args.bptt, args.batch, args.embedding, requires_grad=True))
    models = {"rnnkit (fast=auto)": ours, "rnnkit, bf16 output": bf16, "torch nn.LSTM": theirs}
    speeds: dict[str, list[tuple[float, float]]] = {name: [] for name in models}
    for _ in range(args.rounds):
        for name, model in models.items():
            speeds[name].append(tokens_per_second(model, data, args.bptt, args.steps))
    print(f"LM training, vocab {args.vocab}, {args.layers} x LSTM({args.hidden}), batch {args.batch}, bptt {args.bptt}, "
          f"{torch.get_num_threads()} threads; rnnkit runner: {plan.runner} ({plan.reason})")
    print(f"{'path':<22}{'tokens/s wall':>16}{'tokens/CPU-s':>16}   rounds (wall/CPU)")
    medians = {}
    for name, values in speeds.items():
        medians[name] = [statistics.median(v[k] for v in values) for k in (0, 1)]
        rounds = " ".join(f"{w:.0f}/{c:.0f}" for w, c in values)
        print(f"{name:<22}{medians[name][0]:>16.0f}{medians[name][1]:>16.0f}   {rounds}")
    ours_m, theirs_m = medians["rnnkit (fast=auto)"], medians["torch nn.LSTM"]
    print(f"rnnkit / torch: {ours_m[0] / theirs_m[0]:.2f} (wall), {ours_m[1] / theirs_m[1]:.2f} (CPU time)")
    bf16_m = medians["rnnkit, bf16 output"]
    print(f"rnnkit bf16 output / torch: {bf16_m[0] / theirs_m[0]:.2f} (wall), {bf16_m[1] / theirs_m[1]:.2f} (CPU time)")


if __name__ == "__main__":
    main()
