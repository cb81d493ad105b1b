"""The reference package's contract: parameter shapes, argument checks, no torch, the helper."""

import ast
from pathlib import Path

import numpy as np
import pytest

import rnnkit.reference
from rnnkit.reference import GRU, LSTM, SimpleRNN, numerical_gradient, relative_error


def test_parameter_shapes_follow_the_documented_layout():
    assert {k: v.shape for k, v in SimpleRNN(3, 4).params.items()} == {
        "weight_ih": (4, 3), "weight_hh": (4, 4), "bias": (4,)}
    assert {k: v.shape for k, v in LSTM(3, 4, peephole=True, proj_size=2).params.items()} == {
        "weight_ih": (16, 3), "weight_hh": (16, 2), "bias": (16,), "weight_ci": (4,),
        "weight_cf": (4,), "weight_co": (4,), "weight_hr": (2, 4)}
    assert {k: v.shape for k, v in GRU(3, 4).params.items()} == {
        "weight_ih": (12, 3), "weight_hh": (12, 4), "bias": (12,), "bias_hh": (12,)}
    assert "bias_hh" not in GRU(3, 4, reset_after=False).params


def test_keras_parameter_count_lstm_128_on_256_inputs():
    """One bias per gate: LSTM(128) on 256 inputs has 197,120 parameters, as in Keras."""
    assert sum(p.size for p in LSTM(256, 128).params.values()) == 197_120


def test_output_and_state_shapes():
    x = np.zeros((5, 2, 3))
    outputs, (h, c), _ = LSTM(3, 4, proj_size=2).forward(x)
    assert outputs.shape == (5, 2, 2) and h.shape == (2, 2) and c.shape == (2, 4)
    outputs, (h,), _ = GRU(3, 4).forward(x)
    assert outputs.shape == (5, 2, 4) and h.shape == (2, 4)


def test_seed_fixes_the_initialisation():
    a, b, c = LSTM(3, 4, seed=1), LSTM(3, 4, seed=1), LSTM(3, 4, seed=2)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert not np.array_equal(a.params["weight_ih"], c.params["weight_ih"])


@pytest.mark.parametrize("make, quoted", [
    (lambda: SimpleRNN(3, 4, activation="sigmoid"), "'sigmoid'"),
    (lambda: SimpleRNN(0, 4), "input_size"),
    (lambda: LSTM(3, 4, proj_size=4), "proj_size"),
    (lambda: GRU(3, 2.5), "2.5"),
    (lambda: LSTM(3, 4).forward(np.zeros((5, 2, 7))), "(5, 2, 7)"),
    (lambda: LSTM(3, 4).forward(np.zeros((5, 2, 3)), lengths=[5, 6]), "[5, 6]"),
    (lambda: LSTM(3, 4).forward(np.zeros((5, 2, 3)), state0=(np.zeros((2, 4)),)), "((2, 4),)"),
])
def test_bad_arguments_raise_value_error_quoting_the_value(make, quoted):
    with pytest.raises(ValueError) as info:
        make()
    assert quoted in str(info.value)


def test_reference_never_imports_torch():
    folder = Path(rnnkit.reference.__file__).parent
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "torch" for n in names), path.name


def test_numerical_gradient_of_a_known_function():
    a = np.random.default_rng(0).standard_normal((3, 2))
    before = a.copy()
    grad = numerical_gradient(lambda: np.sum(np.sin(a) * a**2), a)
    exact = np.cos(a) * a**2 + 2 * a * np.sin(a)
    assert relative_error(grad, exact) < 1e-8
    np.testing.assert_array_equal(a, before)              # perturbations were undone


def test_the_teaching_example_in_lstm_docstring_runs():
    import textwrap

    import rnnkit.reference.lstm

    code = textwrap.dedent(rnnkit.reference.lstm.__doc__.split("::", 1)[1])
    scope = {}
    exec(compile(code, "lstm.py docstring", "exec"), scope)
    assert scope["outputs"].shape == (5, 2, 4)
    assert np.all(scope["outputs"][3:, 1] == 0.0) and np.all(scope["outputs"][:3, 1] != 0.0)
    assert scope["grads"]["weight_hh"].shape == (16, 4)
    assert scope["d_c0"].shape == (2, 4)
