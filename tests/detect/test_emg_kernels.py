"""The fast EMG kernels against plain references (scipy, numpy, a Python loop)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal as sps

from somnomotor.detect import _emg_kernels as K
from somnomotor.detect._bursts import bandpass_emg
from somnomotor.signal.filters import design_bandpass


def _reference_filtfilt(x: np.ndarray, sos: np.ndarray) -> np.ndarray:
    """One chain forward, one backward, zero initial state (float64)."""
    y = sps.sosfilt(sos, x.astype(np.float64))
    return sps.sosfilt(sos, y[::-1])[::-1]


@pytest.mark.parametrize("n", [1, 2, 5, 100, 300, 5_000, 123_457])
@pytest.mark.parametrize("fs", [256.0, 512.0])
def test_four_lane_band_pass_equals_one_forward_backward_pass(n: int, fs: float) -> None:
    rng = np.random.default_rng(n)
    # DC offset and a large artefact: the lanes' zero-state start must not leak into the output
    x = (rng.normal(0, 5, n) + 300.0).astype(np.float32)
    x[n // 3:n // 3 + 50] += 3000.0
    sos = design_bandpass(fs, low_hz=10.0, high_hz=100.0, order=2,
                          zero_phase_edges=True)  # the standard EMG band (tested in signal/)
    ref = _reference_filtfilt(x, sos)
    got = bandpass_emg(x, fs)
    assert got.dtype == np.float32 and got.shape == x.shape
    scale = max(1.0, float(np.abs(ref).max()))
    assert np.max(np.abs(got - ref)) <= 1e-5 * scale


def test_warm_up_covers_the_decay_of_the_slowest_pole() -> None:
    sos = sps.butter(2, [10.0, 100.0], btype="bandpass", fs=512.0, output="sos")
    warm = K.warm_up_samples(sos)
    r = max(float(np.abs(np.roots(s[3:])).max()) for s in sos)
    assert r**warm < 1e-15 <= r**(warm - 2)


@pytest.mark.parametrize(("n", "win", "step"), [
    (1001, 11, 4), (1, 11, 4), (7, 11, 4), (20_011, 11, 4), (20_011, 11, 1), (9_000, 3, 5),
    (5_000, 11, 11), (12, 11, 1),
])
def test_decimated_mean_square_is_the_centred_window_mean_of_the_square(
        n: int, win: int, step: int) -> None:
    y = np.random.default_rng(1).normal(0, 3, n).astype(np.float32)
    # a burst 1e4 times the rest before quiet samples: the running sum must not keep a
    # rounding residue of it (the windows after the burst are compared at rtol 1e-6)
    y[n // 3:n // 3 + 40] *= 1e4
    got = K.decimated_mean_square(y, win, step)
    h = win // 2
    ref = [np.mean(y[max(0, c - h):c + h + 1].astype(np.float64) ** 2)
           for c in range(0, y.size, step)]
    np.testing.assert_allclose(got, ref, rtol=1e-6)


@pytest.mark.parametrize("n", [1, 4, 9, 500, 10_007])
def test_centred_mean_matches_a_shrinking_window_reference(n: int) -> None:
    y = np.random.default_rng(n).random(n).astype(np.float32)
    y[n // 2:n // 2 + 3] *= 1e4  # large values must not leave a residue in the running sum
    win = 7
    got = K.centered_mean(y, win)
    ref = [np.mean(y[max(0, i - 3):i + 4]) for i in range(n)]
    np.testing.assert_allclose(got, ref, rtol=1e-5)


def _reference_hysteresis(p, on_thr, off_thr, block):
    """Sample-by-sample state machine (the definition the kernel must follow)."""
    runs, inside, start, peak = [], False, 0, 0.0
    for i, v in enumerate(p):
        b = min(i // block, len(on_thr) - 1)
        if not inside:
            if v > on_thr[b]:
                inside, start, peak = True, i, v
        else:
            peak = max(peak, v)
            if v < off_thr[b]:
                runs.append((start, i, peak))
                inside = False
    if inside:
        runs.append((start, len(p), peak))
    return runs


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hysteresis_runs_equal_a_sample_by_sample_state_machine(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, block = 20_000, 997  # blocks not a multiple of the kernel's 16-sample skip
    p = rng.exponential(1.0, n).astype(np.float32)
    for a in rng.integers(0, n - 50, 60):  # bursts of various lengths across block edges
        p[a:a + rng.integers(1, 50)] += np.float32(rng.uniform(3, 12))
    on = rng.uniform(4.0, 8.0, n // block + 1).astype(np.float32)
    off = (on * 0.3).astype(np.float32)
    s, e, pk = K.hysteresis_runs(p, on, off, block)
    ref = _reference_hysteresis(p, on, off, block)
    assert len(ref) > 20
    assert list(zip(s.tolist(), e.tolist(), pk.tolist())) == [
        (a, b, float(c)) for a, b, c in ref]


def test_hysteresis_runs_start_above_on_and_end_below_off_per_block() -> None:
    p = np.zeros(30, np.float32)
    p[2:6] = [5, 2, 2, 0.5]  # starts above on (4) in block 0, ends at the 0.5 (< off 1)
    p[12:15] = [3, 3, 0]  # block 1 has on = 2.5: a run
    p[25:27] = 3  # block 2 (and beyond: the last block's thresholds) on = 10: no run
    s, e, pk = K.hysteresis_runs(p, np.array([4, 2.5, 10], np.float32),
                                 np.array([1, 1, 1], np.float32), 10)
    assert list(s) == [2, 12] and list(e) == [5, 14] and list(pk) == [5, 3]


@pytest.mark.parametrize("n", [1, 5, 100, 16 * 8012 - 1, 16 * 8012 + 1, 2 * 16 * 8012 + 777])
@pytest.mark.parametrize(("win", "step"), [(11, 4), (11, 1), (3, 5)])
def test_fused_band_pass_and_power_equal_the_two_separate_kernels(n: int, win: int,
                                                                  step: int) -> None:
    from somnomotor.detect._bursts import _design

    x = np.random.default_rng(n).normal(0, 5, n).astype(np.float32)
    if n > 100:
        x[n // 3:n // 3 + 60] += 3000.0  # a burst: running sums must not keep its residue
    sos, warm = _design(512.0, 10.0, 100.0)
    y_ref = K.filtfilt2(x, sos, warm, K.N_LANES)
    p_ref = K.decimated_mean_square(y_ref, win, step)
    y, p = K.filtfilt2_power(x, sos, warm, K.N_LANES, win, step)
    np.testing.assert_array_equal(y, y_ref)
    assert p.shape == p_ref.shape
    np.testing.assert_allclose(p, p_ref, rtol=1e-6)
