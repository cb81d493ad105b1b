"""`SequenceClassifier`: a sequence in, one label out (sentiment, topic, a digit read row by row).

    ids (B, T) ──Embedding [+ hashed n-gram vectors]──> (B, T, E) ──[Conv1D+ReLU -> MaxPool]──> (B, T', C)
        ──Recurrent (Bi)LSTM/GRU/SimpleRNN stack, lengths-aware──> (B, T', D*H)
        ──pool over time (last | max | mean | attention, or several concatenated)──> (B, P)
        ──Dropout──> Dense ──> logits (B, 1) for two classes, (B, K) for K > 2

The front end is article 003's advice (a cheap 1-D convnet shortens long sequences before the
LSTM); the pooling choices are article 000's ("max pooling or mean pooling over the N time steps'
vectors, for classification"), plus the final state ("last") and additive attention (Bahdanau et
al. 2015; Yang et al. 2016's attention pooling for document classification).

Padding must be at the END of each sequence (post-padding, id 0); `lengths` (B,) says how many
steps are real and, when omitted, is derived from the non-zero ids. Every stage honours the
lengths: padded embeddings are zeros, convolution outputs past the end are masked before pooling,
the recurrent layer skips padded steps, and time pooling ignores them. So a padded batch gives the
same outputs as each sequence alone, and the length-bucketed batches of `rnnkit.data` cost nothing
for their padding.

With `ngram_buckets` > 0 each step's vector also adds the vectors of the 2..`ngram_max`-grams of ids ending
there, hashed into that many buckets (`rnnkit.layers.ngrams`: fastText's hashed bigrams, Joulin et al. 2016,
read by the recurrent layer as Johnson & Zhang's region embeddings are): still the recurrent model, with
richer inputs, not a linear path around it.

The conv front end and the poolings are layers (`rnnkit.layers.ConvFrontEnd`, `rnnkit.layers.pooling`);
this file composes them. `SequenceImageClassifier` (`images.py`) reads images with the same model.
"""
from __future__ import annotations

from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..engine.masks import compact_steps, prefix_lengths
from ..layers import ConvFrontEnd, recurrent_layer
from ..layers.ngrams import HashedNgramEmbedding
from ..layers.pooling import AttentionPooling, concat_pooled, make_pooling, parse_pooling
from ..validation import check_positive, check_rate
from .choices import CELLS
from .registry import register


@register("sequence_classifier")
class SequenceClassifier(nn.Module):
    """Embedding (or float features) -> [conv front end] -> recurrent stack -> time pooling -> Dense.

    Args:
        num_classes: 2 gives one logit (binary cross-entropy); K > 2 gives K logits.
        vocab_size: token ids in [0, vocab_size) with 0 the padding id; or None for float inputs
            (B, T, input_size), e.g. pixel rows.
        input_size: feature size of float inputs (only with vocab_size=None).
        embedding_dim: size of the word vectors.
        ngram_buckets: > 0 adds hashed n-gram vectors to the word vectors (`HashedNgramEmbedding`), 0 none.
        ngram_max: the longest n-gram hashed (2: bigrams; 3: bigrams and trigrams).
        embedding_dropout: drops whole word vectors (the same word everywhere in a sequence is not
            tied; a dropped step's vector is all zeros), a cheap regulariser for small corpora.
        cell: "lstm", "gru" or "rnn" (SimpleRNN); hidden_size, num_layers, bidirectional as in
            `rnnkit.Recurrent` (an mlstm stack: `rnnkit.layers.recurrent_layer`, its parallel form); cell_options
            go to the cell (e.g. {"reset_after": False}).
        dropout, recurrent_dropout: Keras' variational input / recurrent dropout inside the stack.
        inter_layer_dropout: dropout between stacked layers (torch's `dropout`).
        conv_filters: > 0 adds the Conv1D+MaxPool front end with `conv_kernel` and `conv_pool`.
        pooling: one or more of "last", "max", "mean", "attention" joined by "+"; their outputs
            are concatenated.
        attention_size: hidden size of the attention scorer.
        head_dropout: dropout before the output layer (article 000's Dropout(0.5)).
        fast: runner for the recurrent layers ("auto" picks the fastest that fits).
    """

    def __init__(self, num_classes: int = 2, vocab_size: int | None = 20000, *, input_size: int | None = None,
                 embedding_dim: int = 128, ngram_buckets: int = 0, ngram_max: int = 2,
                 embedding_dropout: float = 0.0, cell: str = "lstm",
                 hidden_size: int = 64, num_layers: int = 1, bidirectional: bool = True,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, inter_layer_dropout: float = 0.0,
                 conv_filters: int = 0, conv_kernel: int = 5, conv_pool: int = 2,
                 pooling: str | Sequence[str] = "max+mean", attention_size: int = 64, head_dropout: float = 0.5,
                 fast: str = "auto", cell_options: dict[str, Any] | None = None):
        super().__init__()
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}")
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
        if (vocab_size is None) == (input_size is None):
            raise ValueError(f"give vocab_size (token ids) or input_size (float features), got "
                             f"vocab_size={vocab_size!r}, input_size={input_size!r}")
        self.num_classes, self.vocab_size, self.input_size = num_classes, vocab_size, input_size
        self.embedding_dim, self.ngram_buckets, self.ngram_max = embedding_dim, ngram_buckets, ngram_max
        self.embedding_dropout = check_rate("embedding_dropout", embedding_dropout)
        self.cell, self.hidden_size, self.num_layers = cell, hidden_size, num_layers
        self.bidirectional = bool(bidirectional)
        self.conv_filters, self.conv_kernel, self.conv_pool = conv_filters, conv_kernel, conv_pool
        self.pooling = parse_pooling(pooling)
        self.attention_size = attention_size
        self.head_dropout = check_rate("head_dropout", head_dropout)
        self.cell_options = dict(cell_options or {})
        self.fast = fast

        if vocab_size is not None:
            check_positive("vocab_size", vocab_size)
            check_positive("embedding_dim", embedding_dim)
            self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)  # id 0 -> zeros
            nn.init.uniform_(self.embedding.weight, -0.05, 0.05)  # Keras' default
            with torch.no_grad():
                self.embedding.weight[0].zero_()
            features = embedding_dim
            self.ngrams = HashedNgramEmbedding(ngram_buckets, embedding_dim, ngram_max) if ngram_buckets else None
        else:
            if ngram_buckets:
                raise ValueError(f"ngram_buckets needs a model over token ids (vocab_size given), got {ngram_buckets!r}")
            self.embedding = self.ngrams = None
            features = check_positive("input_size", input_size)
        self.front = None
        if conv_filters:
            check_positive("conv_filters", conv_filters)
            check_positive("conv_kernel", conv_kernel)
            check_positive("conv_pool", conv_pool)
            self.front = ConvFrontEnd(features, conv_filters, conv_kernel, conv_pool)  # its conv is "front.conv"
            features = conv_filters
        self.rnn = recurrent_layer(cell, features, hidden_size, num_layers, bidirectional=bidirectional,
                                   return_sequences=True, return_state=True, dropout=dropout,
                                   recurrent_dropout=recurrent_dropout, inter_layer_dropout=inter_layer_dropout,
                                   fast=fast, **self.cell_options)
        size = self.rnn.output_size
        # attention is the one pooling with weights; it stays the attribute `attention` so state_dict
        # keys ("attention.proj.weight", ...) and saved run folders keep their names
        self.attention = AttentionPooling(size, check_positive("attention_size", attention_size)) \
            if "attention" in self.pooling else None
        # a plain tuple, not a ModuleList: registering it would give the attention weights a second name
        self.poolings = tuple(self.attention if n == "attention" else make_pooling(n, size, self.rnn.num_directions)
                              for n in self.pooling)
        self.head = nn.Linear(size * len(self.pooling), 1 if num_classes == 2 else num_classes)

    def load_word_vectors(self, vectors) -> None:
        """Start the embedding from given word vectors (V, E), e.g. `rnnkit.data.word_vectors`; <pad> stays 0."""
        if self.embedding is None:
            raise ValueError("load_word_vectors needs a model over token ids (vocab_size given)")
        vectors = torch.as_tensor(vectors, dtype=self.embedding.weight.dtype)
        if tuple(vectors.shape) != tuple(self.embedding.weight.shape):
            raise ValueError(f"word vectors must have shape {tuple(self.embedding.weight.shape)}, "
                             f"got {tuple(vectors.shape)}")
        with torch.no_grad():
            self.embedding.weight.copy_(vectors)
            self.embedding.weight[0].zero_()

    def load_language_models(self, forward: nn.Module, backward: nn.Module | None = None) -> None:
        """Start the embedding and the recurrent stack from language models (`LanguageModel`s over the same
        vocabulary, cell and sizes): the embedding and each layer's forward cell from `forward`, and for a
        bidirectional model (one layer) the backward cell from `backward`, a language model of the reversed
        texts (ULMFiT, Howard & Ruder 2018). <pad> stays 0; the pooling and the output layer keep their own."""
        if self.embedding is None or self.front is not None or not hasattr(self.rnn, "cells"):
            raise ValueError("load_language_models needs a model whose recurrent cells read the embedding "
                             "(token ids, no conv front end, a stepped cell)")
        directions = (forward, backward)[:self.rnn.num_directions]
        if self.bidirectional and (backward is None or self.num_layers != 1):
            raise ValueError(f"a bidirectional classifier takes one layer and a backward language model, got "
                             f"num_layers={self.num_layers} and backward={type(backward).__name__}")
        self.load_word_vectors(forward.embedding.weight)
        for direction, lm in enumerate(directions):
            if len(lm.rnn.cells) != self.num_layers:
                raise ValueError(f"the language model has {len(lm.rnn.cells)} recurrent layers, the classifier "
                                 f"{self.num_layers}")
            for layer in range(self.num_layers):
                try:
                    self.rnn.cells[layer * len(directions) + direction].load_state_dict(lm.rnn.cells[layer].state_dict())
                except RuntimeError as err:  # another cell or size: torch names the mismatched tensors
                    raise ValueError(f"the language model's layer {layer} does not fit the classifier's: {err}") from None

    @property
    def output_activation(self) -> str:
        """What turns the logits into probabilities (predict uses it)."""
        return "sigmoid" if self.num_classes == 2 else "softmax"

    def real_ids_first(self, ids: Tensor) -> tuple[Tensor, Tensor]:
        """(ids, lengths) with the padding (id 0) of each row moved to its end, the real ids kept in their
        order, and the count of real ids (at least 1). Padding anywhere (Keras' `pad_sequences` pads at the
        start) then gives what the sequence gives alone, as a masked `Recurrent` does: the recurrence, the
        convolution and the poolings see the real steps only. Post-padded ids (the common case) are as given."""
        real = ids != 0
        lengths = prefix_lengths(real)
        if lengths is None:
            order, _, lengths = compact_steps(real)
            ids = ids.gather(1, order)
        return ids, lengths.clamp(min=1)

    def features(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """The pooled sequence representation (B, P) that the output layer reads."""
        if self.embedding is not None:
            if x.dtype.is_floating_point:
                raise ValueError(f"SequenceClassifier with vocab_size expects integer ids, got a {x.dtype} tensor")
            if lengths is None:
                x, lengths = self.real_ids_first(x)
            h = self.embedding(x)  # (B, T, E)
            if self.ngrams is not None:
                h = h + self.ngrams(x)  # (B, T, E)
            if self.embedding_dropout and self.training:
                keep = torch.bernoulli(h.new_full(x.shape, 1 - self.embedding_dropout)).unsqueeze(-1)  # (B, T, 1)
                h = h * keep / (1 - self.embedding_dropout)
        else:
            h = x.to(self.head.weight.dtype)  # (B, T, F) float features in the model's dtype
        if lengths is not None:
            lengths = torch.as_tensor(lengths, device=h.device).long().clamp(1, h.shape[1])
        if self.front is not None:
            h, lengths = self.front(h, lengths), self.front.output_lengths(lengths)  # (B, T', C)
        out, state = self.rnn(h, lengths=lengths)  # (B, T', D*H); state[0] (L*D, B, H)
        final = None
        if "last" in self.pooling:  # the top layer's final state, each direction: what "last" reads
            final = torch.cat(tuple(state[0][-self.rnn.num_directions:]), -1)  # (B, D*H)
        return concat_pooled(self.poolings, out, lengths, final)  # (B, P)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        z = F.dropout(self.features(x, lengths), self.head_dropout, self.training)
        return self.head(z)  # (B, 1) or (B, K) logits

    def predict_proba(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """(B, K) class probabilities, also for two classes."""
        logits = self.forward(x, lengths)
        if self.num_classes == 2:
            p = torch.sigmoid(logits)  # (B, 1)
            return torch.cat((1 - p, p), -1)  # (B, 2)
        return torch.softmax(logits, -1)

    def get_config(self) -> dict[str, Any]:
        return dict(num_classes=self.num_classes, vocab_size=self.vocab_size, input_size=self.input_size,
                    embedding_dim=self.embedding_dim, ngram_buckets=self.ngram_buckets, ngram_max=self.ngram_max,
                    embedding_dropout=self.embedding_dropout, cell=self.cell,
                    hidden_size=self.hidden_size, num_layers=self.num_layers, bidirectional=self.bidirectional,
                    dropout=self.rnn.dropout, recurrent_dropout=self.rnn.recurrent_dropout,
                    inter_layer_dropout=self.rnn.inter_layer_dropout, conv_filters=self.conv_filters,
                    conv_kernel=self.conv_kernel, conv_pool=self.conv_pool, pooling="+".join(self.pooling),
                    attention_size=self.attention_size, head_dropout=self.head_dropout, fast=self.fast,
                    cell_options=self.cell_options)
