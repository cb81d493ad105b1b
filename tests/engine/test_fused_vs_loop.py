"""The fused BPTT path against the autograd loop (fast="loop"): every cell and option."""
import pytest
import torch

from testkit.cell_configs import CONFIGS, config_id
from rnnkit.cells import make_cell
from rnnkit.engine import Masks, run_sequence
from rnnkit.layers import Recurrent

T, B, I, H = 5, 3, 3, 4


def fixed_masks(cell, x, seed=3):
    generator = torch.Generator().manual_seed(seed)
    return Masks(zoneout=cell.sample_zoneout(x.shape[0], x.shape[1], x, generator=generator),
                 weight=cell.sample_weight_mask(x, generator=generator))


def perturbed_cell(kind, options, seed=0):
    torch.manual_seed(seed)
    cell = make_cell(kind, I, H, **options).double().train()
    with torch.no_grad():
        for p in cell.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return cell


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_fused_equals_loop_float64(config):
    cell = perturbed_cell(*config)
    x = torch.randn(T, B, I, dtype=torch.float64, requires_grad=True)
    state = tuple(torch.randn(B, s, dtype=torch.float64, requires_grad=True) for s in cell.state_sizes)
    lengths = torch.tensor([5, 2, 4])
    rec_mask = (torch.rand(B, cell.weight_hh.shape[1]) > 0.25).double() / 0.75
    masks = fixed_masks(cell, x)
    results = []
    for fast in ("loop", "fused"):
        out, final = run_sequence(cell, x, state, lengths, masks._replace(recurrent=rec_mask), fast)
        weights = torch.linspace(-1, 1, out.numel(), dtype=torch.float64).view_as(out)
        loss = (out * weights).sum() + sum((f * f).sum() for f in final)
        grads = torch.autograd.grad(loss, [x, *state, *cell.parameters()], allow_unused=True)
        results.append((out, final, grads))
    (out_r, final_r, grads_r), (out_f, final_f, grads_f) = results
    torch.testing.assert_close(out_f, out_r, rtol=1e-10, atol=1e-12)
    for a, b in zip(final_f, final_r):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    for (name, _), a, b in zip([("x", 0)] * (1 + len(state)) + list(cell.named_parameters()), grads_f, grads_r):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12, msg=name)


@pytest.mark.parametrize("config", [c for c in CONFIGS if c[1] and c[1] != {"activation": "relu"}][:12],
                         ids=config_id)
def test_fused_gradcheck(config):
    """Finite differences through the fused autograd.Function (inputs and initial state), fixed masks."""
    cell = perturbed_cell(*config)
    x = torch.randn(3, 2, I, dtype=torch.float64, requires_grad=True)
    state = tuple(torch.randn(2, s, dtype=torch.float64, requires_grad=True) for s in cell.state_sizes)
    masks = fixed_masks(cell, x)
    lengths = torch.tensor([3, 2])

    def fused(x, *state):
        out, final = run_sequence(cell, x, state, lengths, masks, "fused")
        return (out, *final)

    assert torch.autograd.gradcheck(fused, (x, *state), eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind, options", [
    ("lstm", {"peephole": True, "layer_norm": True, "zoneout": 0.1, "weight_drop": 0.3}),
    ("lstm", {"proj_size": 16, "cell_clip": 1.0}),
    ("gru", {"layer_norm": True, "zoneout": 0.1}),
    ("gru", {"reset_after": False, "weight_drop": 0.2}),
    ("rnn", {"zoneout": 0.1}),
])
def test_float32_realistic_sizes_layer(kind, options):
    """Recurrent layer, 2 bidirectional layers, lengths, initial state, dropout masks: fused vs loop."""
    torch.manual_seed(0)
    layers = {}
    for fast in ("loop", "fused"):
        torch.manual_seed(0)
        layers[fast] = Recurrent(kind, 24, 32, 2, bidirectional=True, return_state=True, recurrent_dropout=0.2,
                                 dropout=0.1, fast=fast, **options).train()
    x = torch.randn(8, 20, 24)
    lengths = torch.randint(1, 21, (8,))
    initial = tuple(0.5 * torch.randn(4, 8, s) for s in layers["fused"].state_sizes)
    results = {}
    for fast, layer in layers.items():
        torch.manual_seed(7)  # the same dropout, zoneout and weight-drop masks on both paths
        out, state = layer(x, lengths, initial_state=initial)
        loss = (out * torch.linspace(-1, 1, out.shape[-1])).sum() + state[0].pow(2).sum()
        loss.backward()
        results[fast] = (out, state, {n: p.grad for n, p in layer.named_parameters()})
    (out_r, state_r, g_r), (out_f, state_f, g_f) = results["loop"], results["fused"]
    assert (out_f - out_r).abs().max() <= 1e-5
    for a, b in zip(state_f, state_r):
        assert (a - b).abs().max() <= 1e-5
    for name in g_r:
        rel = (g_f[name] - g_r[name]).abs().max() / g_r[name].abs().max().clamp_min(1e-12)
        assert rel <= 1e-4, (name, rel.item())
