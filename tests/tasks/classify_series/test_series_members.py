"""The series task's ensemble over seeds: how many members a default run trains (the points budget), and a run
of members end to end: the run folder's model is their average, which `evaluate` and `predict` read, each
member trained with its own seed into members/K/, `--epochs` the epochs of every member."""
import json

import numpy as np
import pytest
import torch

from rnnkit.data.ts_format import read_ts
from rnnkit.io.run import load
from rnnkit.models.series_ensemble import SeriesEnsemble
from rnnkit.tasks.classify_series.config import SeriesConfig
from rnnkit.tasks.classify_series.data import Scaling
from rnnkit.tasks.classify_series.train import members_to_train
from rnnkit.tasks.config import make_config
from testkit import call_cli as call

from test_classify_series import synthetic_files  # this folder is on sys.path (rootdir imports)


@pytest.mark.parametrize("given, epochs, fit_series, longest, expected", [
    ({"members": None}, 500, 30, 251, 3),  # ArrowHead: 3.8 million points a member
    ({"members": None}, 334, 40, 150, 3),  # GunPoint: 2.0 million, capped at MAX_MEMBERS
    ({"members": None}, 334, 40, 361, 2),  # PickupGestureWiimoteZ: 4.8 million
    ({"members": None}, 100, 160, 427, 1),  # OSULeaf: 6.8 million
    ({"members": None}, 62, 83, 2000, 1),  # PigCVP: one member over the budget still trains
    ({"members": 5}, 100, 160, 427, 5), ({"members": 1}, 500, 30, 251, 1)])  # a --members given is kept
def test_members_given_are_kept_and_the_default_keeps_to_the_points_budget(given, epochs, fit_series, longest, expected):
    assert members_to_train(make_config(SeriesConfig, given), epochs, fit_series, longest) == expected


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return synthetic_files(tmp_path_factory.mktemp("members"), 40, 20)


def test_a_run_of_members_delivers_and_saves_their_average(capsys, files):
    run = files / "run"
    code, out, err = call(capsys, "train", "classify-series", "--data", files / "train.ts", "--test-data",
                          files / "test.ts", "--members", 2, "--hidden-size", 4, "--epochs", 3, "--baseline", "false",
                          "--fast", "native", "--run-dir", run, "--quiet")
    assert code == 0, err
    ensemble = load(run)
    assert isinstance(ensemble, SeriesEnsemble) and ensemble.count == 2
    second = load(run / "members" / "1")  # member 1's own folder: its kept weights, trained with seed 1
    assert json.loads((run / "members" / "1" / "config.json").read_text())["task_config"]["seed"] == 1
    epochs = [r for r in map(json.loads, (run / "members" / "1" / "metrics.jsonl").read_text().splitlines())
              if r.get("kind") == "epoch"]
    assert len(epochs) == 3  # --epochs: every member's
    for name, value in second.state_dict().items():
        torch.testing.assert_close(ensemble.members[1].state_dict()[name], value)
    assert not torch.equal(ensemble.members[0].head.weight, ensemble.members[1].head.weight)  # seeds differ
    code, out, err = call(capsys, "evaluate", run, "--json")
    assert code == 0, err
    metrics = json.loads(out)
    report = (run / "report.md").read_text()
    assert f"- acc: {metrics['acc']:.4f}" in report and f"- loss: {metrics['loss']:.4f}" in report  # the same model
    assert "## Members" in report and "| 1 | 1 |" in report
    code, out, err = call(capsys, "predict", run, "--input", files / "test.ts")
    assert code == 0, err
    predicted = [json.loads(line)["probability"] for line in out.splitlines()]
    x, lengths = Scaling.load(run / "scaling.json").arrays(read_ts(files / "test.ts"))
    with torch.no_grad():
        mean = torch.stack([m.predict_proba(torch.from_numpy(x), torch.from_numpy(lengths))
                            for m in ensemble.members]).mean(0).numpy()  # (N, 2) the members' average
    np.testing.assert_allclose(predicted, mean.max(1), atol=1e-6)
