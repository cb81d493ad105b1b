"""`Seq2Seq`: an encoder-decoder with attention (Sutskever et al. 2014; Bahdanau et al. 2015; Luong et al. 2015).

    source ids x_1..x_S ──Embedding──> Recurrent encoder (stacked, optionally bidirectional) ──> h_1..h_S
    decoder state s_0 = bridge(encoder's final state)
    for t = 1..T, reading y_{t-1} (<s> first):
        Luong:    s_t = RNN(s_{t-1}, [E y_{t-1}; h~_{t-1}])       (h~_{t-1} only with input feeding)
                  c_t = sum_s a_t(s) h_s,  a_t = softmax_s score(s_t, h_s)
        Bahdanau: c_t from the query s_{t-1};  s_t = RNN(s_{t-1}, [E y_{t-1}; c_t])
        both:     h~_t = tanh(W_c [c_t; s_t]),   p(y_t | y_<t, x) = softmax(W_o h~_t)

The scores (dot, general, additive) are `rnnkit.layers.Attention`'s, masked over padded source steps.
The decoder is a stack of rnnkit cells held by a `Recurrent` layer: one step at a time (`step`, used by
greedy and beam search in `decoding` and by training with a teacher-forcing ratio below 1), or, for
Luong attention without input feeding under full teacher forcing, the whole target at once through the
same layer (its fast runners), attention then applied to every step in one batched product. An mlstm
encoder, and an mlstm decoder's whole-target pass, run the parallel form (`rnnkit.layers.recurrent_layer`).

The bridge (`bridge`): "copy" hands layer l of the encoder's final state (both directions concatenated)
to decoder layer l when sizes, layers and cell match; "linear" maps the top encoder layer's final state
through tanh(W x + b) to every decoder layer's state; "zeros" starts from zeros; "auto" copies when it
can, else "linear".

Training through `rnnkit.training.Trainer`: a batch of pairs is ONE tensor x (B, 2, L) (row 0 the source
ids, row 1 the decoder's inputs <s> y_1 .. y_{T-1}, both post-padded with 0) with lengths (B, 2) (source
and target lengths); the targets are y_1 .. y_T </s> padded with -100, so the cross-entropy and the
token accuracy leave padding out. `teacher_forcing` (set per epoch by a callback) is the chance that a
training step reads the true previous token rather than the model's own last guess (scheduled sampling,
Bengio et al. 2015).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..layers import recurrent_layer
from ..layers.attention import SCORES, Attention
from ..validation import check_choice, check_positive, check_rate
from .choices import ATTENTIONS, BRIDGES
from .registry import register

PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3
"""Reserved ids of every target vocabulary (sources use the first two)."""


@dataclass
class DecoderState:
    """What one decoder step needs: the memory (fixed per sentence) and the recurrent parts.

    memory (N, S, Dm), keys (N, S, K), mask (N, S); layers: one state tuple of (N, size) tensors per
    decoder layer; feed (N, Dh): h~_{t-1} for input feeding, else None."""

    memory: Tensor
    keys: Tensor
    mask: Tensor
    layers: list[tuple[Tensor, ...]]
    feed: Tensor | None

    def select(self, index: Tensor) -> "DecoderState":
        """Reorder the recurrent parts (beam search keeps a sentence's beams together, so the memory,
        the same for every beam of a sentence, stays)."""
        return replace(self, layers=[tuple(s.index_select(0, index) for s in st) for st in self.layers],
                       feed=None if self.feed is None else self.feed.index_select(0, index))

    def repeat(self, k: int) -> "DecoderState":
        """Every sentence's state k times in a row (k beams per sentence)."""
        rep = lambda t: t.repeat_interleave(k, dim=0)  # noqa: E731
        return DecoderState(rep(self.memory), rep(self.keys), rep(self.mask),
                            [tuple(rep(s) for s in st) for st in self.layers],
                            None if self.feed is None else rep(self.feed))


@register("seq2seq")
class Seq2Seq(nn.Module):
    """Encoder-decoder with attention over token ids; see the module docstring.

    Args:
        source_vocab, target_vocab: vocabulary sizes (targets reserve <pad> 0, <unk> 1, <s> 2, </s> 3).
        embedding_dim: size of source and target token vectors.
        cell, hidden_size, encoder_layers, bidirectional: the encoder (`rnnkit.Recurrent`).
        decoder_cell, decoder_hidden_size, decoder_layers: the decoder (default: the encoder's cell,
            hidden_size times the encoder's directions, so "copy" can bridge, and encoder_layers).
        attention: "dot", "general" (Luong) or "bahdanau" (additive, its query the previous state).
        input_feeding: Luong's: h~_{t-1} joins the decoder's input.
        bridge: see the module docstring.
        dropout: on embeddings, between stacked layers and before the output layer.
        fast: runner of the recurrent layers (`rnnkit.engine.dispatch`).
    """

    def __init__(self, source_vocab: int, target_vocab: int, *, embedding_dim: int = 64, cell: str = "lstm",
                 hidden_size: int = 128, encoder_layers: int = 1, bidirectional: bool = True,
                 decoder_cell: str | None = None, decoder_hidden_size: int | None = None,
                 decoder_layers: int | None = None, attention: str = "general", input_feeding: bool = False,
                 bridge: str = "auto", dropout: float = 0.0, fast: str = "auto"):
        super().__init__()
        check_choice("attention", attention, ATTENTIONS)
        check_choice("bridge", bridge, BRIDGES)
        if attention == "bahdanau" and input_feeding:
            raise ValueError("input_feeding is Luong's (dot, general); Bahdanau's decoder reads c_t already")
        directions = 2 if bidirectional else 1
        self.options = dict(source_vocab=check_positive("source_vocab", source_vocab),
                            target_vocab=check_positive("target_vocab", target_vocab),
                            embedding_dim=embedding_dim, cell=cell, hidden_size=hidden_size,
                            encoder_layers=encoder_layers, bidirectional=bool(bidirectional),
                            decoder_cell=decoder_cell or cell,
                            decoder_hidden_size=decoder_hidden_size or hidden_size * directions,
                            decoder_layers=decoder_layers or encoder_layers, attention=attention,
                            input_feeding=bool(input_feeding), bridge=bridge,
                            dropout=check_rate("dropout", dropout), fast=fast)
        o = self.options
        self.attention_kind, self.input_feeding, self.dropout = attention, o["input_feeding"], o["dropout"]
        self.teacher_forcing = 1.0
        E, Hd, Ld = embedding_dim, o["decoder_hidden_size"], o["decoder_layers"]
        self.source_embedding = nn.Embedding(source_vocab, E, padding_idx=PAD_ID)
        self.target_embedding = nn.Embedding(target_vocab, E, padding_idx=PAD_ID)
        self.encoder = recurrent_layer(cell, E, hidden_size, encoder_layers, bidirectional=bidirectional,
                                       return_state=True, inter_layer_dropout=dropout, fast=fast)
        memory = self.encoder.output_size
        context = memory
        decoder_input = E + (Hd if input_feeding else 0) + (context if attention == "bahdanau" else 0)
        self.decoder = recurrent_layer(o["decoder_cell"], decoder_input, Hd, Ld, inter_layer_dropout=dropout, fast=fast)
        self.attention = Attention("additive" if attention == "bahdanau" else attention, Hd, memory)
        self.combine = nn.Linear(context + Hd, Hd)  # W_c
        self.output = nn.Linear(Hd, target_vocab)  # W_o
        self.bridge_kind = self._bridge_kind(bridge)
        if self.bridge_kind == "linear":
            # bridge k reads the encoder's state tensor k (its last one where the encoder has fewer), its
            # directions side by side: D*H wide for every cell but the mLSTM, whose memory is K*d*d. An mLSTM
            # decoder never reads h_{t-1}: no bridge to it (its weights would get no gradient), it starts at 0
            read, unread = self.encoder.state_sizes, (0,) if o["decoder_cell"] == "mlstm" else ()
            self.bridges = nn.ModuleDict({str(k): nn.Linear(self.encoder.num_directions * read[min(k, len(read) - 1)],
                                                            Ld * size)
                                          for k, size in enumerate(self.decoder.state_sizes) if k not in unread})

    def _bridge_kind(self, bridge: str) -> str:
        o = self.options
        # each state tensor of the encoder's directions side by side must be the decoder's (an mLSTM's matrix
        # memory is not: two d x d memories side by side are not one 2d x 2d memory)
        side_by_side = tuple(self.encoder.num_directions * size for size in self.encoder.state_sizes)
        fits = (o["decoder_cell"] == o["cell"] and o["decoder_layers"] == o["encoder_layers"]
                and o["decoder_hidden_size"] == self.encoder.output_size and self.decoder.state_sizes == side_by_side)
        if bridge == "copy" and not fits:
            raise ValueError("bridge='copy' needs the decoder's cell, layers and hidden size (the encoder's "
                             f"hidden size times its directions, {self.encoder.output_size}) to match the encoder's, "
                             "and its state to be the encoder's directions side by side (not a bidirectional mlstm's)")
        return ("copy" if fits else "linear") if bridge == "auto" else bridge

    def get_config(self) -> dict[str, Any]:
        return dict(self.options)

    # ---- encoder ---------------------------------------------------------------------------------
    def encode(self, source: Tensor, lengths: Tensor) -> DecoderState:
        """Source ids (B, S) post-padded, lengths (B,) -> the decoder's state before its first step."""
        lengths = torch.as_tensor(lengths, device=source.device).long()
        source = source[:, : int(lengths.max())]
        embedded = F.dropout(self.source_embedding(source), self.dropout, self.training)
        memory, final = self.encoder(embedded, lengths=lengths)  # (B, S, Dm), each (Le*D, B, size)
        mask = torch.arange(source.shape[1], device=source.device)[None, :] < lengths[:, None]
        feed = memory.new_zeros(source.shape[0], self.options["decoder_hidden_size"]) if self.input_feeding else None
        return DecoderState(memory, self.attention.keys(memory), mask, self._bridge(final), feed)

    def _bridge(self, final: tuple[Tensor, ...]) -> list[tuple[Tensor, ...]]:
        """The encoder's final state -> one state tuple per decoder layer."""
        Le, D, Ld = self.options["encoder_layers"], self.encoder.num_directions, self.options["decoder_layers"]
        B = final[0].shape[1]
        if self.bridge_kind == "zeros":
            return [cell.init_state(B, dtype=final[0].dtype, device=final[0].device) for cell in self.decoder.cells]
        # (Le*D, B, H) -> (Le, B, D*H): each layer's directions side by side, as the encoder's outputs
        layers = [f.view(Le, D, B, -1).permute(0, 2, 1, 3).reshape(Le, B, -1) for f in final]
        if self.bridge_kind == "copy":
            return [tuple(f[l] for f in layers) for l in range(Ld)]
        kinds = [torch.tanh(self.bridges[str(k)](layers[min(k, len(layers) - 1)][-1])).view(B, Ld, -1)
                 if str(k) in self.bridges else final[0].new_zeros(B, Ld, size)
                 for k, size in enumerate(self.decoder.state_sizes)]
        return [tuple(kind[:, l] for kind in kinds) for l in range(Ld)]

    # ---- decoder ---------------------------------------------------------------------------------
    def step(self, previous: Tensor, state: DecoderState) -> tuple[Tensor, DecoderState, Tensor]:
        """One decoder step: previous tokens (N,) -> (log-probabilities (N, V), new state, attention (N, S))."""
        inputs = [F.dropout(self.target_embedding(previous), self.dropout, self.training)]
        if state.feed is not None:
            inputs.append(state.feed)
        if self.attention_kind == "bahdanau":  # the query is the top layer's previous output s_{t-1}
            context, weights = self.attention(state.layers[-1][0].unsqueeze(1), state.memory, state.mask, state.keys)
            inputs.append(context.squeeze(1))
        x, layers = torch.cat(inputs, -1), []
        for l, (cell, carried) in enumerate(zip(self.decoder.cells, state.layers)):
            if l > 0:
                x = F.dropout(x, self.dropout, self.training)
            new, _ = cell.step(cell.project_input(x), carried)
            layers.append(new)
            x = new[0]
        if self.attention_kind != "bahdanau":
            context, weights = self.attention(x.unsqueeze(1), state.memory, state.mask, state.keys)
        attentional = torch.tanh(self.combine(torch.cat([context.squeeze(1), x], -1)))  # h~_t
        logits = self.output(F.dropout(attentional, self.dropout, self.training))
        state = replace(state, layers=layers, feed=attentional if self.input_feeding else None)
        return torch.log_softmax(logits, -1), state, weights.squeeze(1)

    def teacher_forced(self, source: Tensor, source_lengths: Tensor, decoder_inputs: Tensor,
                       target_lengths: Tensor) -> Tensor:
        """Logits (B, T, V) of every target step given the true previous tokens (with a chance
        1 - teacher_forcing, in training, of the model's own previous guess instead)."""
        state = self.encode(source, source_lengths)
        target_lengths = torch.as_tensor(target_lengths, device=source.device).long()
        decoder_inputs = decoder_inputs[:, : int(target_lengths.max())]
        sampling = self.training and self.teacher_forcing < 1.0
        if self.attention_kind != "bahdanau" and not self.input_feeding and not sampling:
            return self._whole_target(state, decoder_inputs, target_lengths)
        logits, previous = [], decoder_inputs[:, 0]
        for t in range(decoder_inputs.shape[1]):
            log_probs, state, _ = self.step(previous, state)
            logits.append(log_probs)
            if t + 1 < decoder_inputs.shape[1]:
                previous = decoder_inputs[:, t + 1]
                if sampling:  # scheduled sampling: per sentence, the model's own guess instead
                    own = torch.rand(previous.shape, device=previous.device) >= self.teacher_forcing
                    previous = torch.where(own, log_probs.argmax(-1), previous)
        return torch.stack(logits, 1)  # log-probabilities are logits to softmax cross-entropy

    def _whole_target(self, state: DecoderState, decoder_inputs: Tensor, target_lengths: Tensor) -> Tensor:
        """Luong without input feeding: every s_t from one recurrent pass, then attention for all t."""
        embedded = F.dropout(self.target_embedding(decoder_inputs), self.dropout, self.training)
        initial = tuple(torch.stack([layer[k] for layer in state.layers]) for k in range(len(state.layers[0])))
        outputs = self.decoder(embedded, lengths=target_lengths, initial_state=initial)  # (B, T, Hd)
        context, _ = self.attention(outputs, state.memory, state.mask, state.keys)
        attentional = torch.tanh(self.combine(torch.cat([context, outputs], -1)))
        return self.output(F.dropout(attentional, self.dropout, self.training))

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        """The Trainer's call: x (B, 2, L) source ids and decoder inputs, lengths (B, 2); see the module docstring."""
        lengths = torch.as_tensor(lengths, device=x.device)
        return self.teacher_forced(x[:, 0], lengths[:, 0], x[:, 1], lengths[:, 1])


def pack_pairs(sources: list[Tensor], targets: list[Tensor]) -> tuple[Tensor, Tensor, Tensor]:
    """Source and target id sequences (targets without <s> or </s>) -> the Trainer's (x, lengths, y)."""
    B = len(sources)
    L = max(max(len(s) for s in sources), max(len(t) for t in targets) + 1)
    x = torch.zeros(B, 2, L, dtype=torch.long)
    y = torch.full((B, L), -100, dtype=torch.long)
    lengths = torch.zeros(B, 2, dtype=torch.long)
    for i, (s, t) in enumerate(zip(sources, targets)):
        s, t = torch.as_tensor(s, dtype=torch.long), torch.as_tensor(t, dtype=torch.long)
        x[i, 0, : len(s)] = s
        x[i, 1, 0] = BOS_ID
        x[i, 1, 1: len(t) + 1] = t
        y[i, : len(t)] = t
        y[i, len(t)] = EOS_ID
        lengths[i] = torch.tensor([len(s), len(t) + 1])
    T = int(lengths[:, 1].max())
    return x, lengths, y[:, :T]


__all__ = ["Seq2Seq", "DecoderState", "pack_pairs", "ATTENTIONS", "BRIDGES", "SCORES",
           "PAD_ID", "UNK_ID", "BOS_ID", "EOS_ID"]
