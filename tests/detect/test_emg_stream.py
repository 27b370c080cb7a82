"""The motor-event power and band-passed stretches computed from parts of the channel equal
the whole-channel computation, across the boundaries of the groups and parts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal as sps

from somnomotor.detect import _emg_kernels as K
from somnomotor.detect._bursts import EnvelopeCache, _checked_design, odd_window
from somnomotor.detect._emg_stream import FilteredWindows, streamed_power
from somnomotor.recording import Channel, Recording


def _emg(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n) * 5.0
    for start in rng.integers(0, n - 2000, 40):  # bursts 20-200x the rest
        x[start:start + 1500] *= rng.uniform(20, 200)
    return x.astype(np.float32)


def _plain_filtfilt(x: np.ndarray, sos: np.ndarray) -> np.ndarray:
    """Forward pass from a zero state, backward pass from a zero state at the last sample:
    what the lanes compute, written the textbook way (float64)."""
    fwd = sps.sosfilt(sos, x.astype(np.float64))
    return sps.sosfilt(sos, fwd[::-1])[::-1]


def _plain_power(y: np.ndarray, win: int, step: int) -> np.ndarray:
    """Mean of y**2 over ``win`` samples centred on every ``step``-th sample (clipped)."""
    h = win // 2
    c = np.concatenate(([0.0], np.cumsum(y.astype(np.float64) ** 2)))
    centres = np.arange(0, y.size, step)
    lo = np.maximum(centres - h, 0)
    hi = np.minimum(centres + h + 1, y.size)
    return (c[hi] - c[lo]) / (hi - lo)


@pytest.mark.parametrize(("fs", "extra", "part_groups"), [
    (512.0, 12_345, 1), (512.0, 0, 2), (256.0, 7, 1), (200.0, 99_999, 3)])
def test_streamed_power_equals_the_whole_channel(fs: float, extra: int,
                                                 part_groups: int) -> None:
    step = max(1, int(fs // 128))
    rows = K.power_group_rows(step)
    group = K.N_LANES * rows
    n = 5 * group + extra  # several parts, a partial group at the end (or none)
    x = _emg(n, seed=int(fs) + extra)
    sos, warm = _checked_design(fs, (10.0, 100.0))
    win = odd_window(0.02, fs)
    y_whole, p_whole = K.filtfilt2_power(x, sos, warm, K.N_LANES, win, step)
    reads: list[tuple[int, int]] = []

    def read(a: int, b: int) -> np.ndarray:
        reads.append((a, b))
        return x[a:b].copy()

    p = streamed_power(read, n, sos, warm, win, step, part_groups=part_groups)
    assert np.array_equal(p, p_whole)  # bit for bit
    assert max(b - a for a, b in reads) < n  # never the whole channel at once
    # and both are the textbook power of the textbook zero-phase filter, boundaries included
    y_ref = _plain_filtfilt(x, sos)
    p_ref = _plain_power(y_ref, win, step)
    scale = float(np.max(p_ref))
    boundaries = np.arange(0, n, group)
    near = np.unique(np.clip((boundaries[:, None] + np.arange(-40, 41)[None, :]) // step, 0,
                             p.size - 1))
    assert np.allclose(p[near], p_ref[near], rtol=1e-4, atol=1e-6 * scale)
    assert np.allclose(p, p_ref, rtol=1e-4, atol=1e-6 * scale)
    assert np.allclose(y_whole, y_ref, atol=1e-5 * float(np.max(np.abs(y_ref))))


def test_filtered_windows_equal_the_whole_channel_across_groups() -> None:
    fs = 512.0
    step = 4
    group = K.N_LANES * K.power_group_rows(step)
    n = 3 * group + 5_000
    x = _emg(n, seed=7)
    sos, warm = _checked_design(fs, (10.0, 100.0))
    y_whole, _ = K.filtfilt2_power(x, sos, warm, K.N_LANES, odd_window(0.02, fs), step)
    y_ref = _plain_filtfilt(x, sos)
    filt = FilteredWindows(lambda a, b: x[a:b], n, sos, warm, step)
    assert filt.size == n and len(filt) == n
    rows = K.power_group_rows(step)
    windows = [(0, 1), (0, 300), (n - 300, n), (n - 1, n), (group - 150, group + 150),
               (2 * group - 1, 2 * group + 1), (rows - 10, rows + 10),  # a lane edge
               (group - 5, 3 * group + 5), (0, n), (10, 5)]
    for a, b in windows:
        got = filt[a:b]
        assert np.array_equal(got, y_whole[a:b]), (a, b)
        assert np.allclose(got, y_ref[a:b], atol=1e-5 * float(np.max(np.abs(y_ref)))), (a, b)
    # many short stretches in time order (the potentials of a night) reuse the groups
    for a in range(0, n - 100, 997):
        assert np.array_equal(filt[a:a + 77], y_whole[a:a + 77])
    with pytest.raises(ValueError):
        filt[0:10:2]


def test_envelope_cache_keeps_the_power_of_the_whole_channel() -> None:
    fs = 512.0
    x = _emg(2 * K.N_LANES * K.power_group_rows(4) + 333, seed=3)
    rec = Recording(channels=(Channel.from_array("Chin", x, fs_hz=fs),),
                    roles={"chin": ("Chin",)})
    env = EnvelopeCache().get(rec, "Chin", "chin")
    sos, warm = _checked_design(fs, (10.0, 100.0))
    y, p = K.filtfilt2_power(x, sos, warm, K.N_LANES, odd_window(0.02, fs), 4)
    assert np.array_equal(env.power, p)
    assert env.n_samples == x.size
    assert np.array_equal(env.filtered[1000:1500], y[1000:1500])
    assert not isinstance(env.filtered, np.ndarray)  # no full-rate copy is kept
