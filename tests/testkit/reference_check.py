"""One check that a torch runner computes what a NumPy reference cell does (`rnnkit.reference`), in float64:
outputs, final states, and the gradients of a random loss with respect to the inputs, the initial state
and every parameter (the cell must already hold the reference's weights); and `perturbed`, which moves a
module's weights off their initial values so that no gate sits at a symmetric point."""
import numpy as np
import torch


def assert_runner_matches_reference(runner, cell, ref, x: np.ndarray, state0: tuple, lengths: np.ndarray | None,
                                    rng: np.random.Generator) -> None:
    d_out = rng.standard_normal(x.shape[:2] + (ref.output_size,))
    d_final = tuple(rng.standard_normal((x.shape[1], s)) for s in ref.state_sizes())
    out_ref, final_ref, cache = ref.forward(x, state0, lengths)
    grads_ref, dx_ref, dstate_ref = ref.backward(cache, d_out, d_final)

    xt = torch.tensor(x, requires_grad=True)
    st = tuple(torch.tensor(s, requires_grad=True) for s in state0)
    out, final = runner(cell, xt, st, None if lengths is None else torch.tensor(lengths))
    loss = (out * torch.tensor(d_out)).sum() + sum((f * torch.tensor(d)).sum() for f, d in zip(final, d_final))
    params = dict(cell.named_parameters())
    grads = torch.autograd.grad(loss, [xt, *st, *params.values()])

    np.testing.assert_allclose(out.detach().numpy(), out_ref, atol=1e-12)
    for f, fr in zip(final, final_ref):
        np.testing.assert_allclose(f.detach().numpy(), fr, atol=1e-12)
    np.testing.assert_allclose(grads[0].numpy(), dx_ref, atol=1e-10)
    for g, gr in zip(grads[1 : 1 + len(st)], dstate_ref):
        np.testing.assert_allclose(g.numpy(), gr, atol=1e-10)
    for name, g in zip(params, grads[1 + len(st) :]):
        np.testing.assert_allclose(g.numpy(), grads_ref[name], atol=1e-10, err_msg=name)


def perturbed(module, seed: int = 0):
    """`module` with N(0, 0.5^2) noise from its own seeded generator added to every parameter."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.5 * torch.randn(p.shape, dtype=p.dtype, generator=generator))
    return module
