"""The seq2seq task's model: `rnnkit.models.seq2seq.Seq2Seq` from the config, and decoding a list of
sources with it (sorted by length into batches, results back in input order)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from rnnkit.data.batching import collate
from rnnkit.models.decoding import decode
from rnnkit.models.seq2seq import Seq2Seq
from rnnkit.tasks.seq2seq.config import Seq2SeqConfig
from rnnkit.training.outputs import eval_mode

MODEL_FIELDS = ("embedding_dim", "cell", "hidden_size", "encoder_layers", "bidirectional", "decoder_cell",
                "decoder_hidden_size", "decoder_layers", "attention", "input_feeding", "bridge", "dropout", "fast")
"""Config fields that are the model's constructor arguments of the same name."""


def build_model(config: Seq2SeqConfig, source_vocab: int, target_vocab: int) -> Seq2Seq:
    return Seq2Seq(source_vocab, target_vocab, **{name: getattr(config, name) for name in MODEL_FIELDS})


@dataclass
class Decoded:
    """One source's hypotheses: target id lists best first, their scores, and the best one's attention (T, S)."""

    ids: list[list[int]]
    scores: list[float]
    attention: np.ndarray | None = None


def decode_all(model: Seq2Seq, sources: list[np.ndarray], *, beam: int = 1, nbest: int = 1,
               length_penalty: float = 1.0, max_len: int | None = None, batch_size: int = 256,
               keep_attention: bool = False) -> list[Decoded]:
    """Greedy (beam 1) or beam search over every source, batch by batch, in input order."""
    order = np.argsort([len(s) for s in sources], kind="stable")
    out: list[Decoded | None] = [None] * len(sources)
    with torch.no_grad(), eval_mode(model):
        for start in range(0, len(order), batch_size):
            index = order[start:start + batch_size]
            ids, lengths = collate([sources[i] for i in index])
            limit = max_len or 2 * int(lengths.max()) + 10
            state = model.encode(ids, lengths)
            hyps = decode(model, state, len(index), limit, beam, nbest, length_penalty, keep_attention)
            for row, i in enumerate(index):
                attention = None
                if hyps.attention is not None:
                    attention = hyps.attention[row, 0, : hyps.lengths[row, 0], : lengths[row]].numpy()
                out[i] = Decoded(hyps.sequences(row), hyps.scores[row].tolist(), attention)
    return out


def describe(config: Seq2SeqConfig) -> str:
    """`rnnkit summary` of a config: the model for a small vocabulary (the real one depends on the data)."""
    from rnnkit.models.summary import model_summary

    return model_summary(build_model(config, 64, 64))
