"""`SequenceTagger`: one tag per token (word segmentation, POS tagging, NER), the BiLSTM-CRF of Huang et
al. 2015 and Lample et al. 2016.

    ids (B, T) ──Embedding──> (B, T, E) [‖ per-word character BiLSTM (B, T, 2C)]
        ──Recurrent (Bi)LSTM/GRU/SimpleRNN stack, lengths-aware──> (B, T, D*H)
        ──Dropout──> Linear ──> emissions x_t (B, T, K)
        ──> softmax p(y_t | x) = softmax(x_t)                 (crf=False: each step on its own)
        ──> CRF     p(y | x) ∝ exp(Σ_t x_t(y_t) + A[y_{t-1}, y_t])  (crf=True: the sequence as a whole)

With bigram features (character-level Chinese: segmentation, NER) each token t also gets the vectors
of the bigrams c_{t-1}c_t and c_tc_{t+1}, concatenated to its own (Chen et al. 2015, Yang et al. 2017:
the standard way a BiLSTM-CRF segmenter sees which character pairs form words). With character
features each word's first L characters go through a character BiLSTM whose two final states are
concatenated to the word vector (Lample et al.'s character representation). The input is then
(B, T, 1 [+ 2] [+ L]): column 0 the token ids, then the two bigram ids, then the character ids (0-padded).

The trainer's loss is `model.loss(emissions, targets)`: targets (B, T) with -100 at padding; the CRF
loss is the negative log-likelihood per real token (summed over sentences, divided by the token count,
so its scale matches the softmax's cross-entropy). `decode(x, lengths)` gives the best tag ids.
"""
from __future__ import annotations

from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..layers import Recurrent, recurrent_layer
from ..layers.crf import CRF, allowed_transitions
from ..validation import check_positive, check_rate
from .registry import register

IGNORE = -100  # the padding target, torch's ignore_index


@register("sequence_tagger")
class SequenceTagger(nn.Module):
    """Embedding [+ character BiLSTM] -> recurrent stack -> Linear emissions -> softmax or CRF.

    Args:
        num_tags, vocab_size: tag ids in [0, num_tags); token ids in [0, vocab_size), 0 the padding.
        embedding_dim, embedding_dropout: word vectors and the rate of whole-vector dropout.
        cell, hidden_size, num_layers, bidirectional, dropout, recurrent_dropout, inter_layer_dropout,
            fast, cell_options: as `rnnkit.Recurrent` (an mlstm stack: `rnnkit.layers.recurrent_layer`, its
            parallel form).
        head_dropout: dropout before the emission layer.
        crf: a CRF output layer (else per-step softmax).
        scheme, tags: with a chunk scheme (BIO, BIOES, BMES) and the tag names, the CRF forbids the
            transitions the scheme cannot produce.
        bigram_vocab_size: > 0 adds the two bigram vectors (bigram_dim each) per token.
        char_vocab_size: > 0 adds the character BiLSTM (char_dim, char_hidden) over per-word characters.
    """

    def __init__(self, num_tags: int, vocab_size: int, *, embedding_dim: int = 100, embedding_dropout: float = 0.0,
                 cell: str = "lstm", hidden_size: int = 128, num_layers: int = 1, bidirectional: bool = True,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, inter_layer_dropout: float = 0.0,
                 head_dropout: float = 0.5, crf: bool = True, scheme: str | None = None,
                 tags: Sequence[str] | None = None, bigram_vocab_size: int = 0, bigram_dim: int = 50,
                 char_vocab_size: int = 0, char_dim: int = 25,
                 char_hidden: int = 25, fast: str = "auto", cell_options: dict[str, Any] | None = None):
        super().__init__()
        self.num_tags = check_positive("num_tags", num_tags)
        self.vocab_size = check_positive("vocab_size", vocab_size)
        self.embedding_dim = check_positive("embedding_dim", embedding_dim)
        self.embedding_dropout = check_rate("embedding_dropout", embedding_dropout)
        self.head_dropout = check_rate("head_dropout", head_dropout)
        self.cell, self.hidden_size, self.num_layers, self.bidirectional = cell, hidden_size, num_layers, bidirectional
        self.use_crf, self.scheme, self.tags = bool(crf), scheme, list(tags) if tags is not None else None
        self.char_vocab_size, self.char_dim, self.char_hidden = char_vocab_size, char_dim, char_hidden
        self.bigram_vocab_size, self.bigram_dim = bigram_vocab_size, bigram_dim
        self.fast, self.cell_options = fast, dict(cell_options or {})
        if self.tags is not None and len(self.tags) != num_tags:
            raise ValueError(f"tags has {len(self.tags)} names for num_tags={num_tags}")

        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        features = embedding_dim
        self.bigram_embedding = None
        if bigram_vocab_size:
            self.bigram_embedding = nn.Embedding(bigram_vocab_size, check_positive("bigram_dim", bigram_dim),
                                                 padding_idx=0)
            features += 2 * bigram_dim
        self.char_embedding = self.char_rnn = None
        if char_vocab_size:
            self.char_embedding = nn.Embedding(char_vocab_size, check_positive("char_dim", char_dim), padding_idx=0)
            self.char_rnn = Recurrent("lstm", char_dim, check_positive("char_hidden", char_hidden),
                                      bidirectional=True, return_sequences=False, fast=fast)
            features += 2 * char_hidden
        self.rnn = recurrent_layer(cell, features, hidden_size, num_layers, bidirectional=bidirectional,
                                   return_sequences=True, dropout=dropout, recurrent_dropout=recurrent_dropout,
                                   inter_layer_dropout=inter_layer_dropout, fast=fast, **self.cell_options)
        self.head = nn.Linear(self.rnn.output_size, num_tags)
        allowed = allowed_transitions(scheme, self.tags) if crf and scheme and self.tags else None
        self.crf = CRF(num_tags, allowed) if crf else None

    def _char_features(self, chars: Tensor) -> Tensor:
        """(B, T, L) character ids -> (B, T, 2C): the character BiLSTM's final states of each word."""
        B, T, L = chars.shape
        flat = chars.reshape(B * T, L)
        lengths = (flat != 0).sum(1)
        real = lengths > 0  # padded words have no characters: their features stay 0
        if torch.onnx.is_in_onnx_export():  # every word read, the padded ones zeroed after: no data-dependent shape
            final = self.char_rnn(self.char_embedding(flat), lengths=lengths.clamp(min=1))
            final = final[0] if isinstance(final, tuple) else final
            return (final * real.unsqueeze(-1).to(final.dtype)).reshape(B, T, -1)
        out = flat.new_zeros(B * T, 2 * self.char_hidden, dtype=self.char_embedding.weight.dtype)
        if real.any():
            h = self.char_embedding(flat[real])
            final = self.char_rnn(h, lengths=lengths[real])
            out[real] = final[0] if isinstance(final, tuple) else final
        return out.reshape(B, T, -1)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """(B, T, K) emission scores; x (B, T) token ids or (B, T, 1 [+ 2] [+ L]) with bigram and
        character ids."""
        extra = self.bigram_embedding is not None or self.char_rnn is not None
        if extra and x.dim() != 3:
            raise ValueError("a tagger with bigram or character features expects (B, T, 1 [+ 2] [+ L]) inputs")
        words = x[..., 0] if x.dim() == 3 else x
        if lengths is None:
            lengths = (words != 0).sum(1).clamp(min=1)
        lengths = torch.as_tensor(lengths, device=words.device).long()
        h = self.embedding(words)
        if self.bigram_embedding is not None:
            h = torch.cat((h, self.bigram_embedding(x[..., 1:3]).flatten(-2)), -1)
        if self.embedding_dropout and self.training:
            keep = torch.bernoulli(h.new_full(words.shape, 1 - self.embedding_dropout)).unsqueeze(-1)
            h = h * keep / (1 - self.embedding_dropout)
        if self.char_rnn is not None:
            h = torch.cat((h, self._char_features(x[..., 3 if self.bigram_embedding is not None else 1:])), -1)
        out = self.rnn(h, lengths=lengths)
        out = out[0] if isinstance(out, tuple) else out
        return self.head(F.dropout(out, self.head_dropout, self.training))

    def loss(self, emissions: Tensor, targets: Tensor) -> Tensor:
        """Mean loss per real token: CRF negative log-likelihood, or cross-entropy per step."""
        targets = targets.long()
        mask = targets != IGNORE
        if self.crf is None:
            return F.cross_entropy(emissions.reshape(-1, self.num_tags), targets.reshape(-1), ignore_index=IGNORE)
        return -self.crf.log_likelihood(emissions, targets, mask).sum() / mask.sum().clamp(min=1)

    @torch.no_grad()
    def decode(self, x: Tensor, lengths: Tensor) -> list[list[int]]:
        """The best tag ids of each sentence (Viterbi with a CRF, else each step's argmax)."""
        return self.best_paths(self.forward(x, lengths), lengths)

    @torch.no_grad()
    def best_paths(self, emissions: Tensor, lengths: Tensor) -> list[list[int]]:
        """The best tag ids of each row of (B, T, K) emission scores, as `decode` takes them: given the scores
        (a caller may add its own per-token scores to the model's first)."""
        lengths = torch.as_tensor(lengths).long().cpu()
        mask = torch.arange(emissions.shape[1])[None, :] < lengths[:, None]
        best = self.crf.decode(emissions, mask.to(emissions.device)) if self.crf is not None else emissions.argmax(-1)
        return [row[:n].tolist() for row, n in zip(best.cpu(), lengths.tolist())]

    def get_config(self) -> dict[str, Any]:
        return dict(num_tags=self.num_tags, vocab_size=self.vocab_size, embedding_dim=self.embedding_dim,
                    embedding_dropout=self.embedding_dropout, cell=self.cell, hidden_size=self.hidden_size,
                    num_layers=self.num_layers, bidirectional=self.bidirectional, dropout=self.rnn.dropout,
                    recurrent_dropout=self.rnn.recurrent_dropout, inter_layer_dropout=self.rnn.inter_layer_dropout,
                    head_dropout=self.head_dropout, crf=self.use_crf, scheme=self.scheme, tags=self.tags,
                    bigram_vocab_size=self.bigram_vocab_size, bigram_dim=self.bigram_dim,
                    char_vocab_size=self.char_vocab_size, char_dim=self.char_dim, char_hidden=self.char_hidden,
                    fast=self.fast, cell_options=self.cell_options)
