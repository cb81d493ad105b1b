"""history.png: readable after one epoch (the validation point drawn, whole-number epochs)."""
import pytest

from rnnkit.training.history import History


def visible_ticks(ax):
    lo, hi = ax.get_xlim()
    return [t for t in ax.get_xticks() if lo <= t <= hi]


@pytest.mark.parametrize("epochs", [1, 2, 7, 23])
def test_epoch_ticks_are_whole_numbers_and_every_point_is_drawn(epochs):
    history = History()
    for e in range(epochs):
        history.append(e, {"loss": 1.0 / (e + 1), "acc": 0.5, "val_loss": 1.2 / (e + 1), "val_acc": 0.4, "lr": 1e-3})
    fig = history.figure()
    assert [ax.get_title() for ax in fig.axes] == ["Training and validation loss", "Training and validation acc"]
    for ax in fig.axes:
        ticks = visible_ticks(ax)
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
        assert min(ticks) >= 1 and max(ticks) <= epochs
        train, val = ax.get_lines()
        assert list(val.get_xdata()) == list(range(1, epochs + 1))
        assert val.get_marker() not in ("None", "", " ", None)  # one point of a line shows only as a marker
        lo, hi = ax.get_xlim()
        assert lo < 1 and hi > epochs  # the first and last points are not on the frame


def test_plot_writes_a_png(tmp_path):
    history = History()
    history.append(0, {"loss": 0.7, "val_loss": 0.8})
    path = history.plot(tmp_path / "history.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["history.png"]  # no temp file left
