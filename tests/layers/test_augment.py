"""random_shift: each image moved by its own whole-pixel offset within the bound, border filled with 0;
scale_and_jitter: one factor per series and channel, then noise per point."""
import torch

from rnnkit.layers.augment import random_shift


def _inside(h, w, dy, dx):
    mask = torch.zeros(h, w)
    mask[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = 1
    return mask


def test_random_shift_moves_each_image_by_a_whole_offset_within_the_bound():
    torch.manual_seed(0)
    images = torch.rand(64, 6, 7) + 1  # no zeros inside, so the filled border shows
    shifted = random_shift(images, 2)
    seen = set()
    for img, out in zip(images, shifted):
        matches = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                   if torch.equal(out, torch.roll(img, (dy, dx), (0, 1)) * _inside(6, 7, dy, dx))]
        assert len(matches) == 1
        seen.add(matches[0])
    assert len(seen) > 10  # offsets differ from image to image


def test_same_seed_same_shifts():
    images = torch.rand(8, 5, 5)
    torch.manual_seed(3)
    first = random_shift(images, 1)
    torch.manual_seed(3)
    assert torch.equal(random_shift(images, 1), first)


def test_scale_and_jitter_scales_each_channel_of_each_series_then_adds_noise():
    from rnnkit.layers.augment import scale_and_jitter
    torch.manual_seed(0)
    series = torch.rand(2000, 5, 3) + 1
    scaled = scale_and_jitter(series, 0.2, 0.0)
    factors = scaled / series  # (B, T, C): one factor per series and channel
    torch.testing.assert_close(factors, factors[:, :1].expand_as(factors))
    assert abs(factors[:, 0].std().item() - 0.2) < 0.02 and abs(factors[:, 0].mean().item() - 1) < 0.02
    noise = scale_and_jitter(series, 0.0, 0.1) - series
    assert abs(noise.std().item() - 0.1) < 0.005 and noise[0, 0, 0] != noise[0, 1, 0]
    assert torch.equal(scale_and_jitter(series, 0.0, 0.0), series)


def test_slice_windows_cuts_each_series_to_a_random_window_of_its_real_points():
    from rnnkit.layers.augment import slice_windows
    torch.manual_seed(0)
    lengths = torch.tensor([10, 7, 1, 10])
    series = torch.arange(4 * 10 * 2, dtype=torch.float32).view(4, 10, 2)  # every point distinct
    starts = set()
    for _ in range(200):
        windows, width = slice_windows(series, lengths, 0.6)
        assert windows.shape == (4, 6, 2) and width.tolist() == [6, 5, 1, 6]
        for i, (n, w) in enumerate(zip(lengths.tolist(), width.tolist())):
            start = int((windows[i, 0, 0] - series[i, 0, 0]).item()) // 2
            assert 0 <= start <= n - w  # inside the series' real points
            torch.testing.assert_close(windows[i, :w], series[i, start:start + w])  # consecutive, channels kept
            starts.add((i, start))
    assert {s for i, s in starts if i == 0} == set(range(5)) and {s for i, s in starts if i == 1} == {0, 1, 2}
    torch.manual_seed(3)
    first = slice_windows(series, None, 0.5)
    torch.manual_seed(3)
    again = slice_windows(series, None, 0.5)
    assert torch.equal(first[0], again[0]) and first[1].tolist() == [5] * 4  # seeded; None: every series whole
