"""models.blend's helpers for the rules that choose a run's blend: the per-row log loss and the paired gain's
test against its standard error."""
import numpy as np

from rnnkit.models.blend import clear_gain, log_loss, log_losses


def test_log_losses_are_the_rows_of_the_mean_log_loss():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5], [1.0, 0.0]])
    labels = np.array([0, 0, 1, 1])
    rows = log_losses(probs, labels)
    assert np.allclose(rows, [-np.log(0.9), -np.log(0.2), -np.log(0.5), -np.log(1e-12)])
    assert log_loss(probs, labels) == float(rows.mean())


def test_a_gain_is_clear_only_beyond_its_standard_errors():
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 1, 100)
    noise -= noise.mean()  # mean 0, standard error 0.1 exactly
    se = noise.std(ddof=1) / 10
    assert clear_gain(noise + 1.5 * se, 1.0)[0] and not clear_gain(noise + 1.5 * se, 2.0)[0]
    clear, mean, error = clear_gain(noise + 2.5 * se, 2.0)
    assert clear and np.isclose(mean, 2.5 * se) and np.isclose(error, se)
    assert not clear_gain(np.array([5.0]), 2.0)[0]  # one case says nothing about its noise
    assert clear_gain(np.full(10, 0.01), 2.0)[0] and not clear_gain(np.zeros(10), 2.0)[0]  # no noise at all
