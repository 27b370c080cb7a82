"""The numba fast paths of somnomotor.signal.rms against their plain numpy/scipy definitions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal as sps

from somnomotor._errors import ParameterError
from somnomotor.signal.filters import design_bandpass
from somnomotor.signal.rms import (
    binned_abs,
    bridge_gaps,
    diff_power,
    emg_bandpass,
    emg_bandpass32,
    intervals_hit,
    moving_rms,
    moving_rms_cs,
    rolling_min,
    runs,
    runs_above,
    sos_filtfilt32,
    stuck_runs,
)

FS = 512.0


def _emg(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n) * 2.0
    x[n // 3: n // 3 + 200] *= 20.0  # one burst
    return x


def test_bandpass32_equals_scipy_sosfiltfilt_10_100_hz() -> None:
    x = _emg(20000)
    sos = design_bandpass(FS, low_hz=10.0, high_hz=100.0, order=2,
                          zero_phase_edges=True)  # the standard EMG band (tested in signal/)
    ref = sps.sosfiltfilt(sos, x)
    got = emg_bandpass32(x, FS)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, ref, atol=1e-4 * np.abs(ref).max())
    np.testing.assert_allclose(got, emg_bandpass(x, FS), atol=1e-4 * np.abs(ref).max())


@pytest.mark.parametrize("fs", [200.0, 256.0, 512.0])
def test_sos_filtfilt32_equals_scipy_sosfiltfilt_for_a_notch_and_a_band_pass(fs: float) -> None:
    from somnomotor.signal.filters import design_notch

    t = np.arange(int(20 * fs)) / fs
    x = (_emg(t.size) + 30.0 * np.sin(2 * np.pi * 50.0 * t) + 40.0).astype(np.float32)
    for sos in (design_notch(fs, 50.0), design_notch(fs, 60.0),
                design_bandpass(fs, low_hz=10.0, high_hz=70.0, order=3)):
        ref = sps.sosfiltfilt(sos, x.astype(np.float64))
        got = sos_filtfilt32(x, sos)
        assert got.dtype == np.float32 and got.shape == x.shape
        np.testing.assert_allclose(got, ref, rtol=0, atol=2e-5 * np.abs(ref).max())
    # the notch takes the 50-Hz line out (-> the EMG and offset stay)
    hum_free = sos_filtfilt32(x, design_notch(fs, 50.0))
    line = 50 * 20  # the 50-Hz bin of a 20-s spectrum
    assert np.abs(np.fft.rfft(hum_free)[line]) < 0.02 * np.abs(np.fft.rfft(x)[line])
    with pytest.raises(ParameterError, match="more than 9 samples"):
        sos_filtfilt32(x[:9], design_notch(fs, 50.0))


def test_bandpass32_rejects_too_low_sampling_rate() -> None:
    with pytest.raises(ParameterError, match="too low"):
        emg_bandpass32(np.zeros(100), 20.0)


@pytest.mark.parametrize("half_width", [0, 1, 30, 500])
def test_rolling_min_equals_scipy_minimum_filter_with_nan_as_no_value(half_width: int) -> None:
    from scipy.ndimage import minimum_filter1d

    rng = np.random.default_rng(half_width)
    values = rng.random(700) * 10.0
    values[rng.random(700) < 0.2] = np.nan
    values[100:200] = np.nan  # a stretch without a finite value
    filled = np.where(np.isfinite(values), values, np.inf)
    ref = minimum_filter1d(filled, size=2 * half_width + 1, mode="constant", cval=np.inf)
    ref = np.where(np.isfinite(ref), ref, np.nan)
    np.testing.assert_array_equal(rolling_min(values, half_width), ref)
    assert rolling_min(values[:0], half_width).size == 0


@pytest.mark.parametrize("w", [1, 25, 26])
def test_moving_rms_cs_equals_moving_rms_and_power_cumsum(w: int) -> None:
    x = _emg(3000).astype(np.float32)
    env, cs = moving_rms_cs(x, w)
    np.testing.assert_allclose(env, moving_rms(x.astype(np.float64), w), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(cs[1:], np.cumsum(np.square(x.astype(np.float64))), rtol=1e-9)
    assert cs[0] == 0.0


@pytest.mark.parametrize("inclusive", [True, False])
def test_runs_above_equals_threshold_runs_bridged(inclusive: bool) -> None:
    env = np.abs(_emg(50000, seed=3)).astype(np.float32)
    thr = float(np.sort(env)[int(0.97 * env.size)])  # an exact sample value: tests >= vs >
    lo, hi = 1000, 45000
    mask = env[lo:hi] >= thr if inclusive else env[lo:hi] > thr
    s, e = runs(mask)
    s, e = bridge_gaps(s + lo, e + lo, 7)
    a, b, pk = runs_above(env, lo, hi, thr, inclusive=inclusive, max_gap=7)
    np.testing.assert_array_equal(a, s)
    np.testing.assert_array_equal(b, e)
    np.testing.assert_allclose(pk, [env[i:j].max() for i, j in zip(s, e, strict=True)])


def test_binned_abs_max_and_mean() -> None:
    x = _emg(1000)
    edges = np.array([0, 10, 10, 500, 1000])
    mx, mean = binned_abs(x, edges)
    assert np.isnan(mx[1]) and np.isnan(mean[1])  # empty bin
    assert mx[2] == pytest.approx(np.abs(x[10:500]).max())
    assert mean[3] == pytest.approx(np.abs(x[500:1000]).mean())


def test_stuck_runs_need_the_extreme_value_for_min_length() -> None:
    raw = np.sin(np.arange(2000) / 10.0) * 100.0
    raw[300:340] = raw.max()  # railing at the top: 40 samples
    raw[800:805] = raw.min()  # too short
    raw[1200:1300] = 3.0  # long, but not at an extreme: a flat stretch, not saturation
    s, e = stuck_runs(raw, 10)
    assert s.tolist() == [300] and e.tolist() == [340]


def test_intervals_hit_marks_overlapping_bins_only() -> None:
    edges = np.array([0, 100, 200, 300, 400])
    hit = intervals_hit(np.array([150, 300]), np.array([160, 301]), edges)
    assert hit.tolist() == [False, True, False, True]


def test_diff_power_is_mean_squared_first_difference() -> None:
    x = _emg(4000)
    got = diff_power(x, np.array([0, 1000, 3990]), 1000, stride=1)
    assert got[0] == pytest.approx(np.mean(np.diff(x[:1000]) ** 2))
    assert got[2] == pytest.approx(np.mean(np.diff(x[3990:]) ** 2))  # cut at the end
