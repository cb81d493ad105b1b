"""What each of rnnkit's models exports to ONNX: the graphs, their named inputs and outputs, and the
probe batches `rnnkit.io.onnx_export` checks them on. Batch ("batch") and time ("time", "source")
axes are dynamic; padded batches carry their `lengths` (int64, each in [1, time], padding at the end).

    SequenceClassifier, SeriesClassifier
                                        ids (batch, time) int64 | features (batch, time, C), lengths
                                        -> probabilities (batch, K)
    SequenceImageClassifier             images (batch, H, W) -> probabilities (batch, K)
    SequenceTagger                      ids (batch, time [, F]), lengths -> emissions (batch, time, K)
                                        (with a CRF, Viterbi over the emissions stays rnnkit's)
    LanguageModel                       ids (batch, time), h [, c] (layers, batch, H) -> logits
                                        (batch, time, V), h_out [, c_out]: one step (time 1) from the
                                        carried state is streaming generation; a prompt is time > 1
    Forecaster                          window (batch, time, F) -> forecast (batch, horizon [, Q])
    Sequential (Keras-style)            x (batch, time [, F]) [, lengths with Embedding(mask_zero=True)]
                                        -> output (its last layer's); time fixed when a Flatten reads it
    Seq2Seq                             two graphs:
        encoder: source (batch, source), lengths -> memory, keys, mask, h [, c] (layers, batch, H) [, feed]
        decoder: previous (batch,), memory, keys, mask, h [, c] [, feed] -> log_probs (batch, V),
                 h_out [, c_out] [, feed_out], attention (batch, source): one step of greedy or beam search
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn
from torch.export import Dim

from rnnkit.errors import UserError
from rnnkit.models.classifier import SequenceClassifier
from rnnkit.models.series_classifier import SeriesClassifier
from rnnkit.models.forecaster import Forecaster
from rnnkit.models.images import SequenceImageClassifier
from rnnkit.models.language_model import LanguageModel
from rnnkit.models.seq2seq import DecoderState, Seq2Seq
from rnnkit.models.sequential import Sequential
from rnnkit.models.tagger import SequenceTagger

PROBES = ((3, 7), (2, 11))
"""(batch, time) of the two probe batches every graph is checked on."""
AXES = {"batch": Dim("batch", min=1, max=1 << 20), "time": Dim("time", min=2, max=1 << 20),
        "source": Dim("source", min=2, max=1 << 20), "columns": Dim("columns", min=2, max=1 << 10)}


@dataclass
class Graph:
    """One ONNX graph: `module(*inputs) -> outputs` (a tuple, or one tensor), its probe batches (each a
    dict input name -> tensor, in argument order), output names, and each input's dynamic axes."""

    name: str
    module: nn.Module
    probes: list[dict[str, Tensor]]
    outputs: list[str]
    axes: dict[str, dict[int, str]] = field(default_factory=dict)

    def dynamic_shapes(self) -> tuple[Any, ...]:
        """torch.export's dynamic shapes of `Positional(module)`: one entry per input in order (a dict
        axis -> Dim, or None), all inside the one varargs parameter."""
        return (tuple({axis: AXES[dim] for axis, dim in self.axes.get(name, {}).items()} or None
                      for name in self.probes[0]),)


class Positional(nn.Module):
    """`module(*inputs)`: every graph's inputs are one varargs parameter to torch.export, whatever the
    names in the module's own signature."""

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module

    def forward(self, *inputs: Tensor):
        return self.module(*inputs)


def _lengths(batch: int, time: int, generator: torch.Generator) -> Tensor:
    """Lengths in [1, time], the first row full, so each batch is padded and as long as its longest row."""
    lengths = torch.randint(1, time + 1, (batch,), generator=generator)
    lengths[0] = time
    return lengths


def _ids(batch: int, time: int, vocab: int, lengths: Tensor, generator: torch.Generator, *extra: int) -> Tensor:
    ids = torch.randint(1, vocab, (batch, time, *extra), generator=generator)
    past = torch.arange(time)[None, :] >= lengths[:, None]  # (batch, time)
    return ids.masked_fill(past.view(batch, time, *(1 for _ in extra)), 0)


class Probabilities(nn.Module):
    """A classifier's class probabilities, as `rnnkit predict` reports them."""

    def __init__(self, model: SequenceClassifier):
        super().__init__()
        self.model = model

    def forward(self, *inputs: Tensor) -> Tensor:
        return self.model.predict_proba(*inputs)


class Stepper(nn.Module):
    """A language model's call with its state as separate tensors: (ids, h [, c]) -> (logits, h [, c])."""

    def __init__(self, model: LanguageModel):
        super().__init__()
        self.model = model

    def forward(self, ids: Tensor, *state: Tensor):
        logits, new = self.model(ids, state)
        return (logits, *new)


class Encoder(nn.Module):
    """`Seq2Seq.encode` over a batch padded to its longest source, its state as tensors."""

    def __init__(self, model: Seq2Seq):
        super().__init__()
        self.model = model

    def forward(self, source: Tensor, lengths: Tensor):
        m = self.model
        memory, final = m.encoder(m.source_embedding(source), lengths=lengths)  # (B, S, Dm), each (Le*D, B, size)
        mask = torch.arange(source.shape[1], device=source.device)[None, :] < lengths[:, None]  # (B, S)
        layers = m._bridge(final)
        states = [torch.stack([layer[k] for layer in layers]) for k in range(len(layers[0]))]  # each (Ld, B, size)
        feed = [memory.new_zeros(source.shape[0], m.options["decoder_hidden_size"])] if m.input_feeding else []
        return (memory, m.attention.keys(memory), mask, *states, *feed)


class DecoderStep(nn.Module):
    """`Seq2Seq.step` with its `DecoderState` as tensors."""

    def __init__(self, model: Seq2Seq):
        super().__init__()
        self.model = model

    def forward(self, previous: Tensor, memory: Tensor, keys: Tensor, mask: Tensor, *state: Tensor):
        m = self.model
        feed = state[-1] if m.input_feeding else None
        states = state[:-1] if m.input_feeding else state
        layers = [tuple(s[l] for s in states) for l in range(m.options["decoder_layers"])]
        log_probs, new, weights = m.step(previous, DecoderState(memory, keys, mask, layers, feed))
        stacked = [torch.stack([layer[k] for layer in new.layers]) for k in range(len(states))]
        return (log_probs, *stacked, *([new.feed] if m.input_feeding else []), weights)


def graphs_of(model: nn.Module, seed: int = 0) -> list[Graph]:
    """The graphs `model` exports, with probe batches drawn from `seed`; UserError for a model with none."""
    g = torch.Generator().manual_seed(seed)
    dtype = next(model.parameters()).dtype
    if isinstance(model, SequenceImageClassifier):
        probes = [{"images": torch.rand(b, model.height, model.width, generator=g, dtype=dtype)} for b, _ in PROBES]
        return [Graph("classifier", Probabilities(model), probes, ["probabilities"], {"images": {0: "batch"}})]
    if isinstance(model, (SequenceClassifier, SeriesClassifier)):
        vocab_size = getattr(model, "vocab_size", None)  # a SeriesClassifier reads features only
        longest = getattr(model, "longest", None)  # LSTM-FCN's dimension shuffle reads at most its training length
        probes = []
        for b, t in PROBES:
            t = min(t, longest) if longest else t
            lengths = _lengths(b, t, g)
            x = _ids(b, t, vocab_size, lengths, g) if vocab_size is not None else \
                torch.randn(b, t, model.input_size, generator=g, dtype=dtype)
            probes.append({"ids" if vocab_size is not None else "features": x, "lengths": lengths})
        first = next(iter(probes[0]))
        return [Graph("classifier", Probabilities(model), probes, ["probabilities"],
                      {first: {0: "batch", 1: "time"}, "lengths": {0: "batch"}})]
    if isinstance(model, SequenceTagger):
        bigrams = 2 if model.bigram_embedding is not None else 0
        probes = []
        for (b, t), chars in zip(PROBES, (5, 7)):  # characters a word: the run's max_word_chars, any
            chars = chars if model.char_rnn is not None else 0
            columns = 1 + bigrams + chars if bigrams or chars else 0
            lengths = _lengths(b, t, g)
            ids = _ids(b, t, model.vocab_size, lengths, g, *((columns,) if columns else ()))
            if bigrams:  # bigram ids within their own vocabulary
                ids[..., 1:3] = ids[..., 1:3] % model.bigram_vocab_size
            if chars:  # each word's characters, then 0s
                spelt = torch.arange(chars) < torch.randint(1, chars + 1, (b, t, 1), generator=g)
                ids[..., 1 + bigrams:] = (ids[..., 1 + bigrams:] % model.char_vocab_size).clamp(min=1) * spelt * \
                    (ids[..., :1] != 0)
            probes.append({"ids": ids, "lengths": lengths})
        axes = {"ids": {0: "batch", 1: "time", **({2: "columns"} if chars else {})}, "lengths": {0: "batch"}}
        return [Graph("tagger", model, probes, ["emissions"], axes)]
    if isinstance(model, LanguageModel):
        rnn = model.rnn
        names = carried_state_names(rnn, "language model")
        probes = []
        for b, t in PROBES:
            count = rnn.num_layers * rnn.num_directions
            state = {n: torch.randn(count, b, size, generator=g, dtype=dtype) * 0.5
                     for n, size in zip(names, rnn.state_sizes)}
            probes.append({"ids": torch.randint(0, model.vocab_size, (b, t), generator=g), **state})
        axes = {"ids": {0: "batch", 1: "time"}, **{n: {1: "batch"} for n in names}}
        return [Graph("lm", Stepper(model), probes, ["logits", *(n + "_out" for n in names)], axes)]
    if isinstance(model, Forecaster):
        shortest = max(model.ar_lags, model.conv_kernel + model.conv_pool if model.front is not None else 0)
        probes = [{"window": torch.randn(b, shortest + t, model.input_size, generator=g, dtype=dtype)}
                  for b, t in PROBES]
        return [Graph("forecaster", model, probes, ["forecast"], {"window": {0: "batch", 1: "time"}})]
    if isinstance(model, Seq2Seq):
        return _seq2seq_graphs(model, g)
    if isinstance(model, Sequential):
        return [_sequential_graph(model, g, dtype)]
    raise UserError(f"cannot export to ONNX: no ONNX graph is defined for a {type(model).__name__} (rnnkit exports "
                    "its classifiers, taggers, language models, forecasters, seq2seq and Sequential models)")


def carried_state_names(layer, what: str) -> list[str]:
    """The graph's names of the state a step carries (h, and c for an LSTM); UserError for a cell whose state
    is more (the mLSTM's h, C, n, m: its parallel form exports, but not as a state carried between graphs)."""
    sizes = layer.state_sizes
    if len(sizes) > 2:
        raise UserError(f"cannot export to ONNX: the {what}'s graph carries the state h [, c] from step to step, and "
                        f"a {type(layer.cells[0]).__name__}'s state is {len(sizes)} tensors")
    return ["h", "c"][:len(sizes)]


def _seq2seq_graphs(model: Seq2Seq, g: torch.Generator) -> list[Graph]:
    o = model.options
    encoder, decoder = Encoder(model), DecoderStep(model)
    names = carried_state_names(model.decoder, "seq2seq decoder") + (["feed"] if model.input_feeding else [])
    encoder_probes, decoder_probes = [], []
    for b, s in PROBES:
        lengths = _lengths(b, s, g)
        source = {"source": _ids(b, s, o["source_vocab"], lengths, g), "lengths": lengths}
        encoder_probes.append(source)
        with torch.no_grad():
            memory, keys, mask, *state = encoder(*source.values())
        previous = torch.randint(0, o["target_vocab"], (b,), generator=g)
        state = [t + 0.1 * torch.randn(t.shape, generator=g, dtype=t.dtype) for t in state]  # not the first step only
        decoder_probes.append({"previous": previous, "memory": memory, "keys": keys, "mask": mask,
                               **dict(zip(names, state))})
    src = {0: "batch", 1: "source"}
    state_axes = {n: ({0: "batch"} if n == "feed" else {1: "batch"}) for n in names}
    return [Graph("encoder", encoder, encoder_probes, ["memory", "keys", "mask", *names],
                  {"source": src, "lengths": {0: "batch"}}),
            Graph("decoder", decoder, decoder_probes, ["log_probs", *(n + "_out" for n in names), "attention"],
                  {"previous": {0: "batch"}, "memory": src, "keys": src, "mask": src, **state_axes})]


def _sequential_graph(model: Sequential, g: torch.Generator, dtype: torch.dtype) -> Graph:
    """A Keras-style model: ids or features in, its last layer's output out. With a masking Embedding the
    lengths are an input too (padding at the end), as the mask would otherwise be read from the ids."""
    from rnnkit.layers import Embedding, Flatten

    first = model.layers[0] if len(model.layers) else None
    shape = first.input_shape if first is not None else None
    embedding = first if isinstance(first, Embedding) else None
    if embedding is None and (shape is None or shape[-1] is None):
        raise UserError("cannot export to ONNX: the Sequential model's input shape is unknown; give its first "
                        "layer input_shape=(steps, features)")
    fixed = embedding.input_length if embedding is not None else shape[0] if len(shape) > 1 else None
    flattened = any(isinstance(layer, Flatten) for layer in model.layers)
    if flattened and fixed is None:
        raise UserError("cannot export to ONNX: a Flatten layer needs a fixed number of steps; give the first "
                        "layer input_length (Embedding) or input_shape=(steps, features)")
    probes = []
    for b, t in PROBES:
        t = fixed if flattened else t
        if embedding is not None:
            lengths = _lengths(b, t, g)
            probe = {"x": _ids(b, t, embedding.input_dim, lengths, g)}
            if embedding.mask_zero:
                probe["lengths"] = lengths
        else:
            probe = {"x": torch.randn(b, t, *shape[1:], generator=g, dtype=dtype) if len(shape) > 1
                     else torch.randn(b, *shape, generator=g, dtype=dtype)}
        probes.append(probe)
    x_axes = {0: "batch"} if flattened or (embedding is None and len(shape) == 1) else {0: "batch", 1: "time"}
    return Graph("model", model, probes, ["output"], {"x": x_axes, "lengths": {0: "batch"}})
