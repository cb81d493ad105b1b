"""Platt scaling of class probabilities (rnnkit.models.calibration): the identity leaves probabilities
untouched (the same array), the fit matches scikit-learn's logistic regression on the log-odds where the prior
is negligible, recovers a known scale and class biases, stays near the identity on a handful of texts, and
survives a JSON round trip."""
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from rnnkit.models.calibration import Scaling, fit_scaling


def drawn(n, scale, bias, k, seed):
    """Probabilities p and labels drawn from softmax(scale log p + bias): the scaling that calibrates p."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(k), n)
    q = Scaling(scale, tuple(bias)).apply(p)
    return p, np.array([rng.choice(k, p=row) for row in q])


def test_the_identity_returns_the_same_array():
    p = np.array([[0.3, 0.7], [0.9, 0.1]])
    assert Scaling().apply(p) is p and Scaling(1.0, (0.0,)).apply(p) is p
    assert Scaling.from_json(None).identity  # a run saved before the scaling


def test_two_classes_match_scikit_learns_logistic_regression_on_the_log_odds():
    p, y = drawn(20_000, 1.7, [0.4], 2, 0)
    scaling, loss = fit_scaling(p, y)
    log_odds = np.log(p[:, 1] / p[:, 0])[:, None]
    reference = LogisticRegression(C=1e6, tol=1e-10, max_iter=1000).fit(log_odds, y)
    assert scaling.scale == pytest.approx(reference.coef_[0, 0], rel=2e-3)
    assert scaling.bias[0] == pytest.approx(reference.intercept_[0], abs=2e-3)
    assert loss == pytest.approx(-np.mean(reference.predict_log_proba(log_odds)[np.arange(len(y)), y]), rel=1e-4)


def test_a_known_scale_and_class_biases_are_recovered_and_lower_the_log_loss():
    p, y = drawn(30_000, 0.5, [0.8, -0.6], 3, 1)
    scaling, loss = fit_scaling(p, y)
    assert scaling.scale == pytest.approx(0.5, abs=0.03)
    np.testing.assert_allclose(scaling.bias, [0.8, -0.6], atol=0.05)
    raw = -np.mean(np.log(p[np.arange(len(y)), y]))
    assert loss < raw - 0.05
    np.testing.assert_allclose(scaling.apply(p).sum(1), 1.0)


def test_a_handful_of_texts_leaves_the_scaling_near_the_identity():
    p = np.array([[0.4, 0.6], [0.7, 0.3], [0.45, 0.55]])  # all three right: the unpenalised scale runs off
    scaling, _ = fit_scaling(p, np.array([1, 0, 1]))
    assert 1.0 < scaling.scale < 3.0 and scaling.bias == ()  # the prior holds it; too few texts for a bias


def test_class_biases_need_ten_examples_of_every_class():
    p, y = drawn(400, 1.0, [1.5, 0.0], 3, 2)
    assert len(fit_scaling(p, y)[0].bias) == 2
    rare = np.flatnonzero(y == 2)[9:]  # nine of class 2 kept
    keep = np.setdiff1d(np.arange(len(y)), rare)
    scaling, _ = fit_scaling(p[keep], y[keep])
    assert scaling.bias == () and scaling.scale != 1.0


def test_the_scaling_survives_json():
    scaling = Scaling(1.25, (0.5, -0.25))
    assert Scaling.from_json(scaling.to_json()) == scaling
