"""`Recurrent`: any cell over a batch of sequences, stacked and in both directions.

The layer owns what is not one step: the time loop (delegated to `rnnkit.engine`), stacking
(article 003's stacked SimpleRNNs), direction (article 002's bidirectional and deep bidirectional
RNNs), variable lengths, initial states and dropout. Reversal is padding-aware (flax): each sequence
is reversed within its own length, so a padded batch gives the same results as each sequence alone.

Dropout follows Keras and Gal & Ghahramani (2016), as article 003 describes: `dropout` drops input
features and `recurrent_dropout` drops units of h(t-1) where it enters the recurrent matmul, each
with ONE mask per sequence reused at every step. `inter_layer_dropout` is torch's `dropout` between
stacked layers. Zoneout, weight drop, layer norm and cell_clip are cell options (see the cells).

Masks may mark real steps anywhere (Keras' `pad_sequences` pads at the start): such a batch is run
compacted (`rnnkit.engine.masks.compact_steps`), so every runner computes exactly what each sequence
gives without its padded steps: the state is carried through a padded step unchanged and the
step outputs zeros (the Keras-style layers in `keras_rnn` output at masked steps what Keras does).

Stacking as Feng et al. (2024) stack minGRU and minLSTM (nanoGPT's pre-norm block with the recurrent
layer in place of attention): `norm="layer"` or `"rms"` normalises each layer's input before its cells
(LayerNorm, Ba et al. 2016; RMSNorm, Zhang & Sennrich 2019), and `residual=True` adds each layer's input
to its (merged) output:  y_l = y_{l-1} + RNN_l(Norm_l(y_{l-1})),  y_0 = x. Any cell may be stacked so;
the feed-forward block between layers is the model's, not the layer's.

Long sequences: `tbptt=k` cuts gradients every k steps (truncated BPTT) and `checkpoint_chunks=k`
recomputes activations chunk by chunk in backward (`rnnkit.engine.chunked`); both may be set (equal k).
Which runner serves the layer is the engine's decision (`rnnkit.engine.plan_run`, asked once per
forward: `Recurrent.plan`; the engine then runs each cell on the runner planned for it without planning
again): vanilla stacks (every cell torch's math, no dropout active, concat merge) may run through
torch's native kernel in ONE call for all layers and directions. Rows of a mask that are all padding
are the engine's (`rnnkit.engine.contract.keeping_empty_rows`).
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ..cells import make_cell
from ..engine import (NATIVE_STACK, Masks, Plan, check_fast, needs_grad, plan_run, run_long_sequence, run_native_stack,
                      run_sequence)
from ..engine.contract import as_lengths
from ..engine.masks import alive_masks, compact_steps, gather_time, prefix_lengths
from ..validation import check_choice, check_non_negative, check_positive, check_rate

MERGE_MODES = ("concat", "sum", "mul", "ave")
NORMS = {None: None, "layer": nn.LayerNorm, "rms": nn.RMSNorm}  # a stacked layer's input normalisation


def reverse_padded(x: Tensor, lengths: Tensor | None) -> Tensor:
    """Reverse time-major `x` (T, B, ...) within each sequence's length; padding stays in place."""
    if lengths is None:
        return x.flip(0)
    t = torch.arange(x.shape[0], device=x.device).unsqueeze(0)  # (1, T)
    lengths = lengths.to(x.device).unsqueeze(1)  # (B, 1)
    return gather_time(x, torch.where(t < lengths, lengths - 1 - t, t))  # index (B, T)


def variational_mask(p: float, shape: tuple[int, ...], like: Tensor) -> Tensor:
    """One dropout mask per sequence, scaled by 1/(1-p) so expectations are unchanged."""
    return torch.bernoulli(torch.full(shape, 1.0 - p, dtype=like.dtype, device=like.device)) / (1.0 - p)


class Recurrent(nn.Module):
    """Run a cell ("rnn", "lstm", "gru", "mingru", "minlstm") over sequences.

    Args:
        cell: cell name; `cell_options` go to its constructor (e.g. peephole=True, proj_size=64,
            reset_after=False, activation="relu").
        input_size, hidden_size: feature sizes.
        num_layers: stacked layers; layer l > 0 reads layer l-1's (merged) outputs.
        bidirectional: add a reverse-direction cell per layer; outputs merged by `merge_mode`
            ("concat" as torch, or "sum", "mul", "ave" as Keras' Bidirectional).
        batch_first: inputs and outputs are (B, T, F) if True (default), else (T, B, F).
        return_sequences: return every step's output (B, T, D*H) rather than the last one (B, D*H).
        return_state: also return the final state as a tuple of (L*D, B, size) tensors, torch's
            layout: index = layer * D + direction.
        dropout, recurrent_dropout, inter_layer_dropout: see the module docstring.
        fast: runner choice, see `rnnkit.engine.dispatch` ("auto", "fused", "native", "compiled", "loop").
        tbptt: if > 0, truncated BPTT: the state is detached every `tbptt` steps.
        checkpoint_chunks: if > 0, activation checkpointing in chunks of that many steps.
        residual: add each layer's input to its output (its width must equal the layer's output
            width); padded steps still output zeros; with return_sequences=False the output is the
            top layer's output at each sequence's last real step.
        norm: None, "layer" or "rms": normalise each layer's input first (pre-norm; one learned gain,
            and for "layer" a bias, per layer).
        cell_options: e.g. peephole=True, proj_size=64, layer_norm=True, cell_clip=3.0, zoneout=0.1
            (zoneout_h / zoneout_c for LSTM), weight_drop=0.5, reset_after=False, activation="relu".

    forward(x, lengths=None, mask=None, initial_state=None): `lengths` (B,) in [1, T] (padding at the
    end) or a (B, T) boolean `mask` marking real steps anywhere (a row may be all padding: it outputs
    zeros and returns its initial state). Padded steps output zeros and do not change the state; the
    backward direction reads each sequence's real steps in reverse. `initial_state` uses the same
    layout as the returned state.
    """

    def __init__(
        self,
        cell: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        *,
        bidirectional: bool = False,
        merge_mode: str = "concat",
        batch_first: bool = True,
        return_sequences: bool = True,
        return_state: bool = False,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        inter_layer_dropout: float = 0.0,
        fast: str = "auto",
        tbptt: int = 0,
        checkpoint_chunks: int = 0,
        residual: bool = False,
        norm: str | None = None,
        **cell_options,
    ):
        super().__init__()
        check_positive("input_size", input_size)
        check_positive("hidden_size", hidden_size)
        check_positive("num_layers", num_layers)
        check_choice("merge_mode", merge_mode, MERGE_MODES)
        self.cell_kind = cell
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bidirectional, self.merge_mode, self.batch_first = bool(bidirectional), merge_mode, batch_first
        self.return_sequences, self.return_state = return_sequences, return_state
        self.dropout = check_rate("dropout", dropout)
        self.recurrent_dropout = check_rate("recurrent_dropout", recurrent_dropout)
        self.inter_layer_dropout = check_rate("inter_layer_dropout", inter_layer_dropout)
        self.fast = check_fast(fast)
        check_non_negative("tbptt", tbptt)
        check_non_negative("checkpoint_chunks", checkpoint_chunks)
        if tbptt and checkpoint_chunks and tbptt != checkpoint_chunks:
            raise ValueError(f"tbptt and checkpoint_chunks must be equal when both are set, got {tbptt} and {checkpoint_chunks}")
        self.tbptt, self.checkpoint_chunks = tbptt, checkpoint_chunks
        self.residual, self.norm = bool(residual), check_choice("norm", norm, tuple(NORMS))
        self.cell_options = dict(cell_options)
        self.num_directions = 2 if bidirectional else 1
        cells = []
        layer_input = input_size
        for _ in range(num_layers):
            for _ in range(self.num_directions):
                cells.append(make_cell(cell, layer_input, hidden_size, **cell_options))
            layer_input = self._merged_size(cells[-1].output_size)
        self.cells = nn.ModuleList(cells)
        if self.residual and input_size != self.output_size:
            raise ValueError(f"residual=True needs input_size equal to the layer's output size {self.output_size}, "
                             f"got {input_size}")
        widths = [input_size] + [self.output_size] * (num_layers - 1)  # what each layer reads
        self.norms = None if norm is None else nn.ModuleList(NORMS[norm](w) for w in widths)
        if self.recurrent_dropout and self.cells[0].weight_hh is None:
            raise ValueError(f"recurrent_dropout makes no sense for cell {cell!r}: its gates do not read h(t-1)")

    # ---- sizes -------------------------------------------------------------------------------------
    def _merged_size(self, size: int) -> int:
        return size * self.num_directions if self.merge_mode == "concat" else size

    @property
    def output_size(self) -> int:
        return self._merged_size(self.cells[-1].output_size)

    @property
    def state_sizes(self) -> tuple[int, ...]:
        return self.cells[0].state_sizes

    # ---- forward -----------------------------------------------------------------------------------
    def _steps(self, x: Tensor, lengths: Tensor | None, mask: Tensor | None):
        """(lengths (`as_lengths`) or None when every step is real, compaction (order, restore) or None).
        A mask's all-padding rows get length 0: the engine runs them as rows with no step."""
        T, B = x.shape[0], x.shape[1]
        compaction = None
        if mask is not None:
            if lengths is not None:
                raise ValueError("pass lengths or mask, not both")
            mask = torch.as_tensor(mask, device=x.device)
            mask = mask if self.batch_first else mask.t()  # (B, T)
            if tuple(mask.shape) != (B, T):
                raise ValueError(f"mask must have shape {(B, T)}, got {tuple(mask.shape)}")
            if mask.dtype != torch.bool and not bool(((mask == 0) | (mask == 1)).all()):
                raise ValueError("mask must be boolean (or 0/1): True where a step is real")
            lengths = prefix_lengths(mask)
            if lengths is None:  # padding not (only) at the end: run the real steps moved to the front
                order, restore, lengths = compact_steps(mask)
                compaction = (order, restore)
            lengths = as_lengths(lengths)
        elif lengths is not None:
            lengths = as_lengths(lengths)
            if tuple(lengths.shape) != (B,):
                raise ValueError(f"lengths must have shape ({B},), got {tuple(lengths.shape)}")
            if torch.compiler.is_exporting():  # traced for ONNX (fast="onnx"): the values are the graph's input
                return lengths, None
            if B and (int(lengths.min()) < 1 or int(lengths.max()) > T):
                raise ValueError(f"lengths must be in [1, {T}] (empty sequences are not allowed), got {lengths.tolist()}")
        if lengths is None or (B and int(lengths.min()) == T):
            return None, compaction
        return lengths, compaction

    def _merge(self, a: Tensor, b: Tensor) -> Tensor:
        if self.merge_mode == "concat":
            return torch.cat((a, b), -1)
        if self.merge_mode == "sum":
            return a + b
        if self.merge_mode == "mul":
            return a * b
        return (a + b) / 2

    def forward(self, x: Tensor, lengths: Tensor | None = None, mask: Tensor | None = None, initial_state=None):
        if x.dim() != 3:
            raise ValueError(f"input must be 3-D ({'B, T, F' if self.batch_first else 'T, B, F'}), got shape {tuple(x.shape)}")
        if self.batch_first:
            x = x.transpose(0, 1)  # (T, B, I)
        if x.shape[-1] != self.input_size:
            raise ValueError(f"input feature size must be {self.input_size}, got {x.shape[-1]}")
        T, B = x.shape[0], x.shape[1]
        if T == 0:
            raise ValueError("input sequence is empty (0 time steps)")
        lengths, compaction = self._steps(x, lengths, mask)
        initial = self._split_state(initial_state, B, x)
        if compaction is not None:
            x = gather_time(x, compaction[0])  # (T, B, I): each row's real steps first
        last = None
        if self.tbptt or self.checkpoint_chunks:
            outputs, finals, last = self._forward_cells(x, lengths, initial)  # each chunk's run is planned on its own
        else:
            plan = self.plan(x, lengths, initial)
            if plan.runner == NATIVE_STACK:
                outputs, finals = self._forward_native(x, lengths, initial)
            else:
                outputs, finals, last = self._forward_cells(x, lengths, initial, plan.cells)
        if compaction is not None:
            outputs = gather_time(outputs, compaction[1])  # back to where each step came from
        return self._finish(outputs, finals, lengths, last)

    def _forward_cells(self, x: Tensor, lengths: Tensor | None, initial: list, runners: tuple[str, ...] = ()):
        """Layer by layer, direction by direction: (outputs (T, B, D*H), final states, the top layer's
        last outputs with residual=True, else None: they are its cells' final h). runners: the plan's
        runner of each cell, or () when each run is planned by the engine (chunked runs)."""
        T, B = x.shape[0], x.shape[1]
        finals, last_outputs = [], None
        layer_input = x
        for layer in range(self.num_layers):
            skip = layer_input  # what residual=True adds to this layer's output
            if layer > 0 and self.inter_layer_dropout and self.training:
                layer_input = nn.functional.dropout(layer_input, self.inter_layer_dropout, True)
            if self.norms is not None:
                layer_input = self.norms[layer](layer_input)  # (T, B, width)
            direction_outputs = []
            for direction in range(self.num_directions):
                index = layer * self.num_directions + direction
                cell = self.cells[index]
                seq = layer_input if direction == 0 else reverse_padded(layer_input, lengths)
                if self.dropout and self.training:
                    seq = seq * variational_mask(self.dropout, (1, B, seq.shape[-1]), seq)  # (T, B, I)
                rec_mask = None
                if self.recurrent_dropout and self.training:
                    rec_mask = variational_mask(self.recurrent_dropout, (B, cell.weight_hh.shape[1]), seq)
                runner = runners[index] if runners else None
                out, final = self._run(cell, seq, initial[index], lengths, Masks(recurrent=rec_mask), runner)
                direction_outputs.append(out if direction == 0 else reverse_padded(out, lengths))
                finals.append(final)
            layer_input = direction_outputs[0]
            if self.bidirectional:
                layer_input = self._merge(direction_outputs[0], direction_outputs[1])
            if self.residual:
                layer_input = layer_input + skip
                if lengths is not None:  # padded steps output zeros, as without the residual
                    layer_input = layer_input * alive_masks(lengths, T, layer_input)  # (T, B, width)
        if self.residual:  # the top layer's output at each sequence's last real step
            last = torch.full((B,), T - 1) if lengths is None else (lengths - 1).clamp(min=0)  # (B,)
            last = last.to(x.device).view(1, -1, 1).expand(1, B, layer_input.shape[-1])
            last_outputs = [layer_input.gather(0, last)[0]]  # (B, width)
        return layer_input, finals, last_outputs

    def _finish(self, outputs: Tensor, finals: list, lengths: Tensor | None, last: list | None = None):
        if self.return_sequences:
            output = outputs.transpose(0, 1) if self.batch_first else outputs  # (B, T, D*H)
        else:  # the top layer's last output (its cells' final h), zero for a row with no step (all padding)
            last = last or [f[0] for f in finals[-self.num_directions:]]  # each (B, H)
            # (an exported graph reads lengths >= 1, and cannot branch on their values)
            if lengths is not None and not torch.compiler.is_exporting() and bool((lengths == 0).any()):
                rows = (lengths == 0).to(last[0].device).view(-1, 1)  # (B, 1)
                last = [o.masked_fill(rows, 0.0) for o in last]
            output = last[0] if len(last) == 1 else self._merge(*last)  # (B, D*H)
        if not self.return_state:
            return output
        state = tuple(torch.stack([f[k] for f in finals]) for k in range(len(finals[0])))  # each (L*D, B, size)
        return output, state

    def _run(self, cell, seq: Tensor, state, lengths, masks: Masks, runner: str | None):
        """One cell over the sequence, on the runner the layer's plan chose (chunked runs plan each chunk)."""
        if self.tbptt or self.checkpoint_chunks:
            return run_long_sequence(cell, seq, state, lengths, masks.recurrent, self.fast,
                                     chunk=self.tbptt or self.checkpoint_chunks, truncate=bool(self.tbptt),
                                     checkpoint=bool(self.checkpoint_chunks))
        return run_sequence(cell, seq, state, lengths, masks, self.fast, runner=runner)

    def plan(self, x: Tensor, lengths: Tensor | None = None, initial: list | None = None) -> Plan:
        """Which runner serves this layer for time-major input `x` (read only for whether it requires
        grad), and why: "native-stack" (every layer and direction in one torch call), or the runner of
        each cell's run (`Plan.cells`). `forward` asks once and runs what this says."""
        return plan_run(list(self.cells), self.fast, padded=lengths is not None, needs_grad=self._needs_grad(x, initial),
                        recurrent_dropout=bool(self.recurrent_dropout and self.training),
                        stack_blocker=self._stack_blocker())

    def _needs_grad(self, x: Tensor, initial: list | None) -> list[bool]:
        """Per cell, whether autograd will record its run (`rnnkit.engine.needs_grad` of its input, state and
        weights): a layer's input requires grad where any cell of the layer below recorded its run."""
        if not torch.is_grad_enabled():
            return [False] * len(self.cells)
        flags, flowing = [], x.requires_grad
        for layer in range(self.num_layers):
            cells = range(layer * self.num_directions, (layer + 1) * self.num_directions)
            flags += [flowing or needs_grad(self.cells[i], *(initial[i] if initial else ())) for i in cells]
            flowing = any(flags[-self.num_directions:])
        return flags

    def _stack_blocker(self) -> str | None:
        """Why this layer cannot be one native call whatever its cells, or None when it can."""
        if self.tbptt or self.checkpoint_chunks:
            return "long sequences run in chunks"
        if self.residual or self.norms is not None:
            return "residual connections and normalisation sit between the layers"
        if self.training and (self.dropout or self.recurrent_dropout):
            return "dropout and recurrent dropout are drawn per layer and direction"
        if self.bidirectional and self.merge_mode != "concat":
            return f"torch's kernel concatenates directions, not merge_mode={self.merge_mode!r}"
        return None

    def _forward_native(self, x: Tensor, lengths: Tensor | None, initial: list):
        dropout = self.inter_layer_dropout if self.training else 0.0
        return run_native_stack(list(self.cells), x, initial, lengths, self.num_layers, self.bidirectional, dropout,
                                self.training)  # (T, B, D*H), final states

    def _split_state(self, initial_state, batch_size: int, like: Tensor):
        count = self.num_layers * self.num_directions
        if initial_state is None:
            return [cell.init_state(batch_size, dtype=like.dtype, device=like.device) for cell in self.cells]
        if isinstance(initial_state, Tensor):
            initial_state = (initial_state,)
        if len(initial_state) != len(self.state_sizes):
            raise ValueError(f"initial_state must have {len(self.state_sizes)} tensors, got {len(initial_state)}")
        for k, (s, size) in enumerate(zip(initial_state, self.state_sizes)):
            if tuple(s.shape) != (count, batch_size, size):
                raise ValueError(f"initial_state[{k}] must have shape {(count, batch_size, size)}, got {tuple(s.shape)}")
        return [tuple(s[i] for s in initial_state) for i in range(count)]

    def extra_repr(self) -> str:
        parts = [repr(self.cell_kind), str(self.input_size), str(self.hidden_size)]
        defaults = dict(num_layers=1, bidirectional=False, merge_mode="concat", batch_first=True, return_sequences=True,
                        return_state=False, dropout=0.0, recurrent_dropout=0.0, inter_layer_dropout=0.0, fast="auto",
                        tbptt=0, checkpoint_chunks=0, residual=False, norm=None)
        for name, default in defaults.items():
            value = getattr(self, name)
            if value != default:
                parts.append(f"{name}={value!r}")
        parts += [f"{k}={v!r}" for k, v in self.cell_options.items()]
        return ", ".join(parts)

    def get_config(self) -> dict:
        return dict(cell=self.cell_kind, input_size=self.input_size, hidden_size=self.hidden_size,
                    num_layers=self.num_layers, bidirectional=self.bidirectional, merge_mode=self.merge_mode,
                    batch_first=self.batch_first, return_sequences=self.return_sequences,
                    return_state=self.return_state, dropout=self.dropout, recurrent_dropout=self.recurrent_dropout,
                    inter_layer_dropout=self.inter_layer_dropout, fast=self.fast, tbptt=self.tbptt,
                    checkpoint_chunks=self.checkpoint_chunks, residual=self.residual, norm=self.norm,
                    **self.cell_options)
