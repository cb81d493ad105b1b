"""The series run's MiniRocket baseline: on the model's own training and test series, the blend weight
chosen on the validation series alone, the report's first line when the model loses, evaluate and predict
delivering the same blend; and --epochs meaning what it says."""
import json

import numpy as np
import pytest

from rnnkit.models.minirocket import RocketLinear
from rnnkit.models.blend import WEIGHTS as BLEND_WEIGHTS, blend
from rnnkit.tasks.classify_series.baseline import accuracy, choose_weight
from rnnkit.tasks.classify_series.config import SeriesConfig
from rnnkit.tasks.classify_series.train import epochs_to_train
from rnnkit.tasks.config import make_config
from testkit import call_cli as call

from test_classify_series import synthetic_files  # this folder is on sys.path (rootdir imports)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return synthetic_files(tmp_path_factory.mktemp("series"), 60, 30)


def test_minirocket_separates_shapes_and_gives_probabilities():
    rng = np.random.default_rng(0)
    t = np.linspace(0, 1, 40)
    x = np.stack([np.sin(2 * np.pi * (1 + k % 2) * t) + 0.3 * rng.normal(size=40) for k in range(60)])[:, :, None]
    y = np.arange(60) % 2
    model = RocketLinear(2).fit(x[:40], y[:40], x[40:50], y[40:50])
    probs = model.predict_proba(x[50:])
    assert probs.shape == (10, 2) and np.allclose(probs.sum(1), 1) and accuracy(probs, y[50:]) == 1.0
    short = RocketLinear(2).fit(x[:40, :5], y[:40])  # 5 steps: padded to MiniRocket's 9
    assert short.predict_proba(x[50:, :5]).shape == (10, 2)
    assert model.predict_proba(x[50:, :30]).shape == model.predict_proba(np.pad(x[50:], ((0, 0), (0, 5), (0, 0)))).shape
    np.testing.assert_array_equal(model.predict_proba(np.pad(x[50:], ((0, 0), (0, 5), (0, 0)))), probs)  # cut back


def test_many_classes_of_few_series_fit_without_a_regression_warning():
    """52 classes of 2 series (UCR's PigCVP) are classes: scikit-learn's guess that so many unique labels may be
    a regression target is not printed beside the run."""
    import warnings

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 30, 1)), np.arange(40) % 30  # more classes than half the series
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model = RocketLinear(30).fit(x, y, x[:10], y[:10])
    assert model.predict_proba(x).shape == (40, 30)


def shapes(n, seed=0, classes=2, steps=40, noise=0.3):
    """Noisy sines whose frequency is the class: (x (n, steps, 1), y (n,))."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, steps)
    y = np.arange(n) % classes
    return np.stack([np.sin(2 * np.pi * (1 + k) * t) + noise * rng.normal(size=steps) for k in y])[:, :, None], y


def test_the_refit_uses_every_training_series_and_keeps_the_chosen_C():
    """C is chosen on the validation rows; the refit is transform and classifier fitted again on fit and
    validation rows with that C: a class only the validation rows hold is then known, and the result is
    exactly a fresh fit on all rows at that C."""
    x, y = shapes(60, classes=3)
    fit_rows = np.flatnonzero(y != 2)[:30]  # class 2 only among the validation rows
    valid_rows = np.setdiff1d(np.arange(60), fit_rows)
    model = RocketLinear(3).fit(x[fit_rows], y[fit_rows], x[valid_rows], y[valid_rows])
    chosen = model.C
    assert model.predict_proba(x)[:, 2].max() == 0  # the first fit never saw class 2
    model.refit(x, y)
    assert model.C == chosen and list(model.linear.classes_) == [0, 1, 2]
    fresh = RocketLinear(3)
    fresh.C = chosen
    np.testing.assert_array_equal(model.predict_proba(x), fresh.refit(x, y).predict_proba(x))
    assert accuracy(model.predict_proba(x[valid_rows]), y[valid_rows]) == 1.0


def noisy_fit_clean_valid():
    """Training series with a fifth of their labels flipped and a few clean validation series: the validation
    series alone (separable) ask for the grid's largest C, every training series for a small one."""
    x, y = shapes(40, seed=1, noise=1.5)
    y = np.where(np.random.default_rng(2).random(40) < 0.2, 1 - y, y)
    vx, vy = shapes(8, seed=3, noise=0.1)
    return x, y, vx, vy


def test_c_is_chosen_by_cross_validated_log_loss_over_every_training_series():
    """choose_c against the slow way (each fold a fresh MiniRocket fitted at each C through the public refit,
    sklearn's log loss); the smallest C within the tie; and where a few separable validation series chose
    C=10 (the rule before, which left Coffee's and GunPoint's refit sure of its test mistakes), the
    cross-validation over all 48 series chooses the most regularised C."""
    from sklearn.model_selection import StratifiedKFold
    from rnnkit.models.minirocket import C_GRID
    from rnnkit.tasks.classify_series.baseline import LOSS_TIE
    x, y, vx, vy = noisy_fit_clean_valid()
    every_x, every_y = np.concatenate([x, vx]), np.concatenate([y, vy])
    losses = []
    for C in C_GRID:
        out = np.zeros((48, 2))
        for rest, rows in StratifiedKFold(5, shuffle=True, random_state=0).split(every_x, every_y):
            fold = RocketLinear(2)
            fold.C = C
            out[rows] = fold.refit(every_x[rest], every_y[rest]).predict_proba(every_x[rows])
        losses.append(-np.mean(np.log(np.clip(out[np.arange(48), every_y], 1e-12, 1))))
    expected = min(C for C, loss in zip(C_GRID, losses) if loss <= min(losses) + LOSS_TIE)
    assert RocketLinear(2).choose_c(every_x, every_y, LOSS_TIE).C == expected == 0.01
    assert RocketLinear(2).choose_c(every_x, every_y).C == C_GRID[int(np.argmin(losses))]
    assert RocketLinear(2).fit(x, y, vx, vy).C == 10.0  # what the validation series alone choose
    kept = RocketLinear(2)
    kept.C = 0.1
    assert kept.choose_c(x[:1], y[:1]).C == 0.1  # one series: nothing to cross-validate, C stays
    few = np.array([0, 0, 1])  # 3 folds of one series: one fold's other two series are both class 0
    assert RocketLinear(2).choose_c(x[[0, 2, 1]], few).C in C_GRID  # fitted where it can be, no error


def test_the_run_baseline_is_fitted_on_the_fit_rows_at_the_cross_validated_c_and_refitted_on_all():
    from rnnkit.tasks.classify_series.baseline import LOSS_TIE, fit_run_baseline
    x, y, vx, vy = noisy_fit_clean_valid()
    tx, ty = shapes(10, seed=4)
    every_x, every_y = np.concatenate([x, vx]), np.concatenate([y, vy])
    lengths = np.full(48, 40)
    fit, valid, test = (x, lengths[:40], y), (vx, lengths[:8], vy), (tx, lengths[:10], ty)
    result = fit_run_baseline(2, 0, fit, valid, test, everything=(every_x, lengths, every_y))
    first = RocketLinear(2)
    first.C = RocketLinear(2).choose_c(every_x, every_y, LOSS_TIE).C
    first.refit(x, y)
    assert result.refit and result.fitted_on == 48 and result.model.C == first.C == 0.01
    np.testing.assert_array_equal(result.probs["valid"], first.predict_proba(vx))  # what chose w
    np.testing.assert_array_equal(result.probs["test"], first.refit(every_x, every_y).predict_proba(tx))
    train = (x[:40], lengths[:40], y[:40])
    same = fit_run_baseline(2, 0, train, valid, test, everything=train)  # --valid-data: fit is all already
    assert not same.refit and same.fitted_on == 40


def test_hydra_counts_are_scaled_as_aeon_scales_them():
    torch = pytest.importorskip("torch")
    from aeon.classification.convolution_based._hydra import _SparseScaler
    from rnnkit.models.minirocket import SparseScaler
    rng = np.random.default_rng(0)
    counts = np.where(rng.random((20, 7)) < 0.4, 0.0, rng.poisson(3, (20, 7)).astype(float))
    counts[:, 0] = 0.0  # a feature that never fires
    theirs = _SparseScaler()
    theirs.fit(torch.from_numpy(counts[:12]))
    ours = SparseScaler().fit(counts[:12])
    np.testing.assert_allclose(ours.transform(counts[12:]), theirs.transform(torch.from_numpy(counts[12:])).numpy(),
                               rtol=1e-7, atol=1e-12)  # aeon takes the share of zeros in float32


def test_multirocket_hydra_leaves_torch_seed_and_threads_as_they_were():
    """aeon's Hydra seeds torch's global generator and sets its thread count; the recurrent model trained
    after the baseline must draw the weights and use the threads it would have without it."""
    import torch
    x, y = shapes(20)
    threads = torch.get_num_threads()
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    model = RocketLinear(2, transform="multirocket-hydra").fit(x, y)
    assert model.predict_proba(x).shape == (20, 2)
    assert torch.get_num_threads() == threads
    torch.testing.assert_close(torch.rand(3), expected)
    assert model.features(x).shape[1] > 10_000  # MultiRocket's ~50,000 features and Hydra's counts


def test_the_blend_weight_is_the_best_on_the_validation_series():
    labels = np.array([0, 1, 0, 1, 0, 1])
    model = np.array([[.9, .1], [.4, .6], [.6, .4], [.45, .55], [.8, .2], [.3, .7]])  # wrong on series 2
    base = np.array([[.6, .4], [.7, .3], [.9, .1], [.2, .8], [.7, .3], [.4, .6]])  # wrong on series 1
    w = choose_weight(model, base, labels, prior=0)
    assert accuracy(blend(model, base, w), labels) == 1.0
    assert accuracy(blend(model, base, w), labels) == max(accuracy(blend(model, base, v), labels) for v in BLEND_WEIGHTS)
    assert choose_weight(np.eye(2)[labels] * 0.98 + 0.01, base, labels, prior=0) == 0.0  # a sure, right model takes none


def test_a_weight_chosen_on_few_validation_series_is_pulled_toward_the_average():
    """ArrowHead's default run: on its 6 validation series the model is right on all, MiniRocket wrong on
    one, so the best weight is 0 (the rule before: the model alone, 81.71% on test where MiniRocket refitted
    scored 86.86%). Six series are weak evidence against the average: counted beside PRIOR_SERIES = 10
    series' worth of the equal weight, (6 x 0 + 10 x 0.5) / 16 = 0.31 -> 0.3; the same evidence over 300
    series keeps the model alone ((300 x 0 + 5) / 310 = 0.016 -> 0)."""
    from rnnkit.tasks.classify_series.baseline import PRIOR_SERIES
    assert PRIOR_SERIES == 10
    labels = np.array([0, 1, 0, 1, 0, 1])
    model = np.eye(2)[labels] * 0.9 + 0.05  # right and sure
    base = np.eye(2)[labels] * 0.6 + 0.2
    base[2] = [0.1, 0.9]  # wrong and sure on one series
    assert choose_weight(model, base, labels, prior=0) == 0.0
    assert choose_weight(model, base, labels) == 0.3
    many = np.tile(np.arange(6), 50)
    assert choose_weight(model[many], base[many], labels[many]) == 0.0
    assert choose_weight(base[::-1], model[::-1], labels[::-1]) == 0.7  # the same, the members swapped


def test_when_validation_cannot_tell_the_blend_is_the_equal_weight_average():
    """Both right on every validation series, MiniRocket the more confident: every weight is equally accurate
    and their log losses all within LOSS_TIE, so the chooser takes the average, not the surer classifier
    (the old tie-break, the lowest log loss, took MiniRocket alone: weight 1)."""
    from rnnkit.tasks.classify_series.baseline import LOSS_TIE
    from rnnkit.models.minirocket import class_log_loss
    labels = np.array([0, 1, 1, 0, 1, 0, 0, 1, 1, 0])
    model = np.eye(2)[labels] * 0.996 + 0.002  # right, p = 0.998
    base = np.eye(2)[labels] * 0.99998 + 0.00001  # right, p = 0.99999
    losses = [class_log_loss(labels, blend(model, base, w), 2) for w in BLEND_WEIGHTS]
    assert min(losses) == losses[-1] and max(losses) - min(losses) < LOSS_TIE  # the tie the rule is for
    assert choose_weight(model, base, labels) == 0.5
    assert choose_weight(base, model, labels) == 0.5  # the same whichever is the surer


def test_a_log_loss_gap_beyond_the_tie_still_decides_among_equally_accurate_weights():
    labels = np.array([0, 1] * 5)
    model = np.eye(2)[labels] * 0.2 + 0.4  # right but unsure: p = 0.6, log loss 0.51
    base = np.eye(2)[labels] * 0.98 + 0.01  # right and sure: p = 0.99
    w = choose_weight(model, base, labels, prior=0)
    assert w == 1.0  # every weight is right on all ten; only the surest is within 0.01 nats of the lowest loss
    assert choose_weight(model, base, labels) == 0.75  # ten series against the prior's ten: half way to 0.5
    wrong = np.eye(2)[1 - labels] * 0.98 + 0.01  # MiniRocket wrong everywhere: accuracy decides first
    assert choose_weight(model, wrong, labels, prior=0) == 0.0  # right only below 0.17, and 0.05 costs 0.05 nats


@pytest.mark.parametrize("given, longest, expected", [
    ({"epochs": 1}, 150, 1), ({"epochs": 7, "min_steps": 600}, 150, 7), ({}, 150, 334), ({"min_steps": 0}, 150, 50),
    ({}, 5000, 50), ({"min_steps": 0}, 20000, 12), ({"epochs": 400}, 20000, 400), ({}, 10 ** 9, 1)])
def test_epochs_given_are_the_epochs_trained_and_the_default_keeps_to_its_budget(given, longest, expected):
    """An --epochs given is trained whatever the series; the default's 1000 steps (GunPoint's 150 points: 334
    epochs of 3 steps) are cut to 12 million points (steps x 16 x length) for long series, and never to 0."""
    from rnnkit.tasks.classify_series.train import POINTS_BUDGET
    assert POINTS_BUDGET == 12_000_000
    assert epochs_to_train(make_config(SeriesConfig, given), steps_per_epoch=3, longest=longest) == expected


def test_a_run_reports_minirocket_on_the_same_series_and_delivers_the_blend(capsys, files):
    run = files / "run"
    code, out, err = call(capsys, "train", "classify-series", "--data", files / "train.ts", "--test-data",
                          files / "test.ts", "--hidden-size", 4, "--epochs", 1, "--fast", "native", "--run-dir", run)
    assert code == 0, err
    assert len((run / "metrics.jsonl").read_text().splitlines()) == 1  # --epochs 1 trains one epoch
    assert "baseline (MiniRocket + logistic regression" in out
    saved = json.loads((run / "blend.json").read_text())
    assert saved["refit"] is True and "(fitted on 48 series), then refitted on all 60 training series with that C: test acc=" in out  # 48 fit + 12 validation
    table = saved["accuracy"]
    assert set(table) == {"model", "baseline", "run"} and set(table["baseline"]) == {"valid", "test"}
    assert saved["weight"] in BLEND_WEIGHTS
    assert "then fitted again on all 60 training series with that C" in (run / "report.md").read_text()
    assert "reference (1-NN, Euclidean distance): not computed, the series are not all of one length" in out
    first = (run / "report.md").read_text().splitlines()[0]
    assert ("does NOT beat MiniRocket" in first) == (table["model"]["test"] <= table["baseline"]["test"]), first
    code, out, err = call(capsys, "evaluate", run, "--json")
    assert code == 0, err
    metrics = json.loads(out)
    assert metrics["samples"] == 30  # the same test series
    assert metrics["acc_baseline"] == pytest.approx(table["baseline"]["test"])  # MiniRocket refitted: the same
    assert metrics["acc"] == pytest.approx(table["run"]["test"]) and metrics["acc_model"] == pytest.approx(table["model"]["test"])
    code, out, err = call(capsys, "predict", run, "--input", files / "test.ts")
    assert code == 0, err
    predicted = [json.loads(line)["label"] for line in out.splitlines()]
    truth = [line.rsplit(":", 1)[1] for line in (files / "test.ts").read_text().splitlines() if line and line[0] not in "@#"]
    assert np.mean(np.array(predicted) == np.array(truth)) == pytest.approx(table["run"]["test"])
    code, out, err = call(capsys, "evaluate", run, "--backtest", 2)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "it is for forecast runs" in err


def test_a_run_made_before_the_refit_still_evaluates_with_the_baseline_it_was_made_with(capsys, files, tmp_path):
    """A blend.json without `refit` (runs before 2026-12-07): MiniRocket is fitted on the fit rows with C chosen
    on the validation series again, as that run delivered it."""
    import shutil
    from rnnkit.tasks.classify_series.data import Scaling, hold_out, label_ids, label_map_of, load_files
    run = tmp_path / "old"
    code, out, err = call(capsys, "train", "classify-series", "--data", files / "train.ts", "--test-data",
                          files / "test.ts", "--hidden-size", 4, "--epochs", 1, "--fast", "native", "--run-dir", run)
    assert code == 0, err
    saved = json.loads((run / "blend.json").read_text())
    (run / "blend.json").write_text(json.dumps({k: v for k, v in saved.items() if k not in ("refit", "C")}))
    config = make_config(SeriesConfig, {"data": str(files / "train.ts"), "test_data": str(files / "test.ts")})
    loaded = load_files(config)
    labels = label_map_of(loaded.train)
    scaling = Scaling.fit(loaded.train, True)
    held = hold_out(config, loaded, scaling, labels)
    first = RocketLinear(2).fit(held.fit[0], held.fit[-1], held.valid[0], held.valid[-1])
    expected = accuracy(first.predict_proba(scaling.arrays(loaded.test)[0]), label_ids(loaded.test, labels))
    code, out, err = call(capsys, "evaluate", run, "--json")
    assert code == 0, err
    assert json.loads(out)["acc_baseline"] == pytest.approx(expected)
    shutil.rmtree(run)


def test_nearest_neighbour_is_the_closest_training_series_label():
    """1-NN with Euclidean distance, by brute force here: valid from the fit rows, test from every training row;
    the channels of a step count together; series of unequal length get no figure (the distance is undefined)."""
    from rnnkit.tasks.classify_series.baseline import nearest_neighbour

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(30, 12, 2)).astype(np.float32), rng.integers(0, 3, 30)
    lengths = np.full(30, 12)
    fit, valid, test = (x[:15], lengths[:15], y[:15]), (x[15:20], lengths[15:20], y[15:20]), (x[20:], lengths[20:], y[20:])
    everything = (x[:20], lengths[:20], y[:20])

    def by_hand(train, held):
        d = ((held[0][:, None] - train[0][None]) ** 2).sum(axis=(2, 3))
        return float(np.mean(train[-1][d.argmin(1)] == held[-1]))

    accs = nearest_neighbour(fit, valid, test, everything)
    assert accs == {"valid": by_hand(fit, valid), "test": by_hand(everything, test)}
    assert 0 < accs["test"] < 1  # neither trivially right nor wrong: the comparison can fail
    assert nearest_neighbour(fit, None, test, everything).keys() == {"test"}
    ragged = (x[20:], np.r_[lengths[20:29], 9], y[20:])
    assert nearest_neighbour(fit, valid, ragged, everything) == {}


def test_the_report_shows_the_nearest_neighbour_and_says_when_the_run_loses_to_it():
    from rnnkit.tasks.classify_series.baseline import RunBaseline, report_section, verdict

    table = {"model": {"valid": 0.7, "test": 0.7}, "baseline": {"valid": 0.8, "test": 0.8},
             "run": {"valid": 0.8, "test": 0.8}}
    assert "does NOT beat 1-NN" in verdict(table, 0.5, nearest=0.85)
    assert "1-NN" not in verdict(table, 0.5, nearest=0.75) and "1-NN" not in verdict(table, 0.5)
    x, y = shapes(20)
    result = RunBaseline(RocketLinear(2).fit(x, y), nearest={"valid": 0.9, "test": 0.85})
    section = report_section(result, table, 0.5)
    assert "| 1-NN, Euclidean distance (a reference, not blended) | 0.9000 | 0.8500 |" in section
    assert "**The run's prediction does NOT beat 1-NN, Euclidean distance** (0.8500)" in section
    assert "1-NN" not in report_section(RunBaseline(result.model), table, 0.5)
