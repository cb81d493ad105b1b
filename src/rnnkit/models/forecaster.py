"""`Forecaster`: the last `lookback` steps of a series in, the next `horizon` target values out.

    x (B, L, F) ──[Conv1D+ReLU -> MaxPool]──> (B, L', C) ──Recurrent stack──> h_L (B, H)
    ŷ = W h_L + b  +  A x_{L-p+1:L, 0}                                       (B, horizon[, Q])

With `normalize`, the target column is taken out of its window's level first and put back after:

    z_0 = (x_0 - μ) / σ,   ŷ = μ + σ ŷ_z
    "last":   μ = x_{L,0}, σ = 1                  (the forecast is a change from the last value: differencing)
    "window": μ, σ = mean, std of x_{1:L,0}      (per-window normalisation, RevIN without its affine
                                                  part, Kim et al. 2022)

so a series that leaves the training period's range (a trend, a level shift) reaches the network and the
skip at the level it was trained on.

The recurrent part is article 003's: any rnnkit cell and variant, stacked, with variational
(recurrent) dropout, optionally behind its Conv1D front end. The second term is an optional linear
autoregressive skip over the last p target values (LSTNet, Lai et al. 2018): the network then learns
what a linear model on the lags misses, rather than relearning the linear part from scratch;
`start_linear` starts it AT a fitted linear model (W = 0, A and b from e.g. a ridge regression).

Quantile outputs (Q > 1, e.g. 0.1, 0.5, 0.9) are trained with the pinball loss
    ρ_τ(y - ŷ_τ) = max(τ (y - ŷ_τ), (τ - 1)(y - ŷ_τ)),
averaged over quantiles τ, steps and samples; the 0.5 quantile is then the point forecast.
"""
from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import Tensor, nn

from ..layers import ConvFrontEnd, recurrent_layer
from ..validation import check_positive
from .registry import register


NORMALIZE = ("none", "last", "window")
EPS = 1e-5
"""added to the window's variance under normalize="window" (a flat window)"""


def window_levels(target: Tensor, normalize: str) -> tuple[Tensor, Tensor, Tensor]:
    """(z, μ, σ) of windows' target values `target` (B, L) under `normalize` (see the module docstring):
    z (B, L) = (target - μ) / σ, μ and σ (B, 1)."""
    if normalize == "window":
        mu = target.mean(1, keepdim=True)  # (B, 1)
        sigma = torch.sqrt(target.var(1, unbiased=False, keepdim=True) + EPS)  # (B, 1)
    elif normalize == "last":
        mu, sigma = target[:, -1:], torch.ones_like(target[:, -1:])
    else:
        mu, sigma = torch.zeros_like(target[:, -1:]), torch.ones_like(target[:, -1:])
    return (target - mu) / sigma, mu, sigma


def pinball_loss(quantiles: Sequence[float]):
    """loss(output (B, horizon, Q), target (B, horizon)) -> mean pinball loss over τ in `quantiles`."""
    taus = torch.tensor(list(quantiles), dtype=torch.float32)

    def pinball(output: Tensor, target: Tensor) -> Tensor:
        error = target.unsqueeze(-1) - output  # (B, horizon, Q)
        tau = taus.to(output.device)
        return torch.maximum(tau * error, (tau - 1) * error).mean()

    return pinball


@register("forecaster")
class Forecaster(nn.Module):
    """See the module docstring. `input_size` features per step, column 0 the (scaled) target;
    `quantiles` empty for a point forecast (B, horizon), else (B, horizon, Q)."""

    def __init__(self, input_size: int, horizon: int = 1, *, cell: str = "lstm", hidden_size: int = 64,
                 num_layers: int = 1, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 inter_layer_dropout: float = 0.0, conv_filters: int = 0, conv_kernel: int = 5, conv_pool: int = 2,
                 ar_lags: int = 0, quantiles: Sequence[float] = (), normalize: str = "none", fast: str = "auto",
                 cell_options: dict[str, Any] | None = None):
        super().__init__()
        if normalize not in NORMALIZE:
            raise ValueError(f"normalize must be one of {NORMALIZE}, got {normalize!r}")
        self.normalize = normalize
        self.input_size, self.horizon = check_positive("input_size", input_size), check_positive("horizon", horizon)
        self.quantiles = [float(q) for q in quantiles]
        if any(not 0 < q < 1 for q in self.quantiles):
            raise ValueError(f"quantiles must lie in (0, 1), got {self.quantiles}")
        self.conv_filters, self.conv_kernel, self.conv_pool = conv_filters, conv_kernel, conv_pool
        self.ar_lags, self.fast, self.cell_options = ar_lags, fast, dict(cell_options or {})
        features = input_size
        self.front = None
        if conv_filters:
            self.front = ConvFrontEnd(input_size, conv_filters, conv_kernel, conv_pool)
            features = conv_filters
        self.rnn = recurrent_layer(cell, features, hidden_size, num_layers, dropout=dropout,
                                   recurrent_dropout=recurrent_dropout, inter_layer_dropout=inter_layer_dropout,
                                   return_sequences=False, fast=fast, **self.cell_options)
        outputs = horizon * max(1, len(self.quantiles))
        self.head = nn.Linear(self.rnn.output_size, outputs)
        self.ar = nn.Linear(ar_lags, outputs, bias=False) if ar_lags else None

    @torch.no_grad()
    def start_linear(self, weight, bias) -> None:
        """Start as a linear model on the lags: A = `weight` (horizon, ar_lags), b = `bias` (horizon,)
        (e.g. a ridge regression's) and W = 0, so the network begins where the linear model ends and
        training adds what it misses. Quantile outputs all start at that line."""
        if self.ar is None:
            raise ValueError("start_linear needs ar_lags > 0")
        q = max(1, len(self.quantiles))
        weight = torch.as_tensor(weight, dtype=torch.float32).reshape(self.horizon, 1, self.ar_lags)
        bias = torch.as_tensor(bias, dtype=torch.float32).reshape(self.horizon, 1)
        self.ar.weight.copy_(weight.expand(-1, q, -1).reshape(-1, self.ar_lags))
        self.head.bias.copy_(bias.expand(-1, q).reshape(-1))
        self.head.weight.zero_()

    def levels(self, target: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """`window_levels` of windows' target values (B, L) as this model takes them."""
        return window_levels(target, self.normalize)

    def forward(self, x: Tensor) -> Tensor:
        x = x.to(self.head.weight.dtype)  # (B, L, F) in the model's dtype
        z, mu, sigma = self.levels(x[..., 0])  # (B, L), (B, 1), (B, 1)
        if self.normalize != "none":
            x = torch.cat([z.unsqueeze(-1), x[..., 1:]], -1)  # (B, L, F), the target column normalised
        h = self.front(x) if self.front is not None else x
        y = self.head(self.rnn(h))  # the top layer's last output (B, H) -> (B, horizon * Q)
        if self.ar is not None:
            y = y + self.ar(z[:, -self.ar_lags:])
        if self.normalize != "none":
            y = mu + sigma * y  # (B, horizon * Q), back at the window's level
        return y.view(x.shape[0], self.horizon, -1) if self.quantiles else y  # shape[0]: symbolic in export

    def point(self, output: Tensor) -> Tensor:
        """(B, horizon): the median of a quantile forecast, or the forecast itself."""
        if not self.quantiles:
            return output
        return output[..., min(range(len(self.quantiles)), key=lambda i: abs(self.quantiles[i] - 0.5))]

    def get_config(self) -> dict[str, Any]:
        return dict(input_size=self.input_size, horizon=self.horizon, cell=self.rnn.cell_kind,
                    hidden_size=self.rnn.hidden_size, num_layers=self.rnn.num_layers, dropout=self.rnn.dropout,
                    recurrent_dropout=self.rnn.recurrent_dropout, inter_layer_dropout=self.rnn.inter_layer_dropout,
                    conv_filters=self.conv_filters, conv_kernel=self.conv_kernel, conv_pool=self.conv_pool,
                    ar_lags=self.ar_lags, quantiles=self.quantiles, normalize=self.normalize, fast=self.fast,
                    cell_options=self.cell_options)
