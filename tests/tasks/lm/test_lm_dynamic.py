"""Dynamic evaluation: with learning rate 0 it is the static score; every token is scored before the model
learns from it; the weights come back after a pass; on a text unlike the training text it lowers the loss;
and the rate is chosen on validation, 0 (off) when adapting does not help there."""
import numpy as np
import pytest
import torch

from rnnkit.data.lm_streams import ScoringStreams, StreamWindows
from rnnkit.models.language_model import CarriedState, LanguageModel
from rnnkit.tasks.lm.dynamic import choose, dynamic_nats, gradient_rms
from rnnkit.training import Trainer


@pytest.fixture(scope="module")
def setup():
    torch.manual_seed(0)
    model = LanguageModel(20, 8, 16, 1)
    rng = np.random.default_rng(0)
    train = StreamWindows(rng.integers(1, 20, 2000), 4, 10)
    rms = gradient_rms(model, train, windows=10)
    return model, rms, np.where(rng.random(600) < 0.7, 3, rng.integers(1, 20, 600))  # one token 70% of the time


def test_rate_zero_is_the_static_score(setup):
    model, rms, text = setup
    windows = ScoringStreams(text, 3, 10, 20)
    static = Trainer(model, metrics=["perplexity"], quiet=True, forward_module=CarriedState(model)).evaluate(windows)
    assert np.exp(dynamic_nats(model, windows, rms, 0.0)) == pytest.approx(static["perplexity"], rel=1e-6)


def test_tokens_are_scored_before_they_are_learnt_and_the_weights_come_back(setup):
    model, rms, text = setup
    before = [p.detach().clone() for p in model.parameters()]
    one_window = ScoringStreams(text[:30], 1, 50)  # a single window: nothing learnt before it is scored
    assert dynamic_nats(model, one_window, rms, 0.05) == pytest.approx(dynamic_nats(model, one_window, rms, 0.0), rel=1e-6)
    dynamic_nats(model, ScoringStreams(text, 2, 10, 10), rms, 0.05, 0.01)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_adapting_learns_what_the_text_keeps_saying(setup):
    model, rms, text = setup  # trained on uniform ids, scored on a text where one id comes 70% of the time
    windows = ScoringStreams(text, 1, 10)
    static = dynamic_nats(model, windows, rms, 0.0)
    assert dynamic_nats(model, windows, rms, 1e-3) < static - 1.0  # nats per token


def test_the_rate_is_chosen_on_validation_and_zero_when_adapting_hurts():
    curve = {0.0: 1.0, 1e-5: 0.9, 3e-5: 0.8, 1e-4: 0.85}
    lr, decay, tried = choose(lambda lr, d: curve.get(lr, 2.0) - (0.01 if d == 1e-3 else 0), decays=(1e-3, 1e-2))
    assert (lr, decay) == (3e-5, 1e-3) and (3e-4, 0.0) not in tried  # stops at the first rate that is worse
    lr, decay, tried = choose(lambda lr, d: 1.0 + lr)
    assert (lr, decay) == (0.0, 0.0) and len(tried) == 2
