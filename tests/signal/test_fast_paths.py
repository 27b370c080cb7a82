"""The fast paths of leg-movement detection give the results of the plain definitions.

Each compiled shortcut (four-stream band-pass, thresholds on the 0.1-s grid, window sums at
candidates, the morphology test in one call, run finding, weighted median) is checked
against the straightforward computation it replaces, on inputs built to hit its edges.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal as sps

from somnomotor.detect._leg_checks import _weighted_median
from somnomotor.signal.envelope import (
    block_any,
    block_max,
    block_min,
    has_median_window_above,
    hysteresis_events,
    moving_average,
    segment_means,
    segment_peak_mean_above,
)
from somnomotor.signal.filters import (
    block_envelope,
    design_bandpass,
    filter_segment,
    mains_ratio,
    mains_ratios,
    median_windows_above,
)
from somnomotor.signal.quality import dilate, runs

FS = 512.0


@pytest.mark.parametrize("seconds", [0.013, 1.0, 7.3, 61.7])
def test_four_stream_bandpass_envelope_equals_zero_phase_filter_of_whole_signal(
        seconds: float) -> None:
    # lengths that leave a short last chunk, fewer blocks than streams, or a partial block
    n = int(seconds * FS) + 3
    x = (np.random.default_rng(2).standard_normal(n) * 5).astype(np.float32)
    sos = design_bandpass(FS)
    blocks = block_envelope(x, FS, sos=sos, decimation=5, chunk_s=10.0, pad_s=2.0)
    ref = np.abs(sps.sosfiltfilt(sos, x.astype(np.float64), padtype="odd",
                                 padlen=min(int(2 * FS), n - 1)))
    edges = np.arange(0, n, 5)
    ref_env = np.add.reduceat(ref, edges) / np.diff(np.append(edges, n))
    inner = slice(int(1.0 * FS / 5), max(int(1.0 * FS / 5), ref_env.size - int(1.0 * FS / 5)))
    assert blocks.envelope_uV.size == ref_env.size
    assert np.allclose(blocks.envelope_uV[inner], ref_env[inner], rtol=1e-3, atol=1e-3)
    # raw statistics per block, from their definitions
    xr = np.append(x, np.repeat(x[-1], (-n) % 5)).reshape(-1, 5)
    assert np.array_equal(blocks.max_abs_uV, np.abs(xr).max(axis=1))
    jumps = np.abs(np.diff(np.concatenate([[x[0]], x])))
    jr = np.append(jumps, np.zeros((-n) % 5, dtype=np.float32)).reshape(-1, 5)
    assert np.array_equal(blocks.max_jump_uV, jr.max(axis=1))


def test_raw_block_statistics_flag_zero_blocks_and_jumps_across_chunk_edges() -> None:
    x = (np.random.default_rng(3).standard_normal(int(30 * FS)) * 3).astype(np.float32)
    x[5120:5130] = 0.0  # exactly two all-zero blocks of 5 samples
    x[4 * 768] += 200.0  # a jump on a stream boundary (chunk of 3 s = 4 streams of 768 samples)
    blocks = block_envelope(x, FS, sos=design_bandpass(FS), decimation=5, chunk_s=6.0)
    assert np.flatnonzero(blocks.all_zero).tolist() == [1024, 1025]
    assert np.argmax(blocks.max_jump_uV) == (4 * 768) // 5


@pytest.mark.parametrize("spike_rule", [False, True])
def test_hysteresis_on_coarse_thresholds_equals_repeated_thresholds(spike_rule: bool) -> None:
    rng = np.random.default_rng(4)
    n, k = 3001, 10
    # a quieter rest with the spike rule, so that short excursions end events differently
    env = np.abs(rng.standard_normal(n)).astype(np.float32) * (1.2 if spike_rule else 3.0)
    env[500:800] += 12.0
    env[1500:1560] += 9.0
    env[2990:] += 20.0  # an event still open at the end
    base_c = (1.0 + 0.5 * rng.random(-(-n // k))).astype(np.float32)
    base_c[150:160] = np.inf  # non-finite baseline: no onset there
    low_c = base_c + np.float32(2.0)
    high_c = base_c + np.float32(8.0)
    blocked = np.zeros(n, dtype=bool)
    blocked[1500:1520] = True
    high_full = np.repeat(high_c, k)[:n].copy()
    high_full[blocked] = np.inf
    spike: dict[str, object] = {}
    spike_c: dict[str, object] = {}
    if spike_rule:  # the tolerated-spike limit is a per-block threshold like the others
        below_c = base_c + np.float32(3.0)
        spike = {"rest_excursion_max_s": 0.05, "rest_excursion_min_quiet_s": 0.03,
                 "rest_excursion_below": np.repeat(below_c, k)[:n]}
        spike_c = {**spike, "rest_excursion_below": below_c}
    ref = hysteresis_events(env, np.repeat(low_c, k)[:n], high_full, fs_hz=100.0, **spike)
    got = hysteresis_events(env, low_c, high_c, fs_hz=100.0, step=k, no_onset=blocked,
                            **spike_c)
    assert [a.tolist() for a in got] == [a.tolist() for a in ref]
    assert got[0].size >= 2
    if spike_rule:  # the rule made a difference here (846 without it)
        assert got[1][0] == 800


def test_segment_sums_with_step_equal_sums_of_repeated_values() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal(1003).astype(np.float32)
    coarse = rng.standard_normal(101).astype(np.float32)
    starts = np.array([0, 5, 17, 990])
    ends = np.array([3, 6, 400, 1003])
    fine = np.repeat(coarse, 10)[:1003]
    want = [fine[s:e].mean() for s, e in zip(starts, ends)]
    assert np.allclose(segment_means(coarse, starts, ends, step=10), want, rtol=1e-6)
    assert np.allclose(segment_means(x, starts, ends), [x[s:e].mean() for s, e in
                                                        zip(starts, ends)], rtol=1e-6)
    peak, mean = segment_peak_mean_above(x, coarse, starts, ends, step=10)
    assert np.allclose(peak, [(x[s:e] - fine[s:e]).max() for s, e in zip(starts, ends)])
    assert np.allclose(mean, [(x[s:e] - fine[s:e]).mean() for s, e in zip(starts, ends)],
                       rtol=1e-5)


def test_morphology_in_one_call_equals_filter_segment_and_median_window() -> None:
    rng = np.random.default_rng(6)
    x = (rng.standard_normal(int(40 * FS)) * 2).astype(np.float32)
    x[5000:6000] *= 8  # a 2-s burst
    x[9000:9100] *= 30  # a short spike train: median stays low
    sos = design_bandpass(FS)
    starts = np.array([4900, 8950, 15000, 0, x.size - 300])
    stops = np.array([6100, 9200, 15200, 200, x.size])
    thr = np.array([5.0, 5.0, 1.0, 1.0, 30.0], dtype=np.float32)
    w = 257
    want = [has_median_window_above(np.abs(filter_segment(x, s, e, sos=sos, pad=512)),
                                    float(t), min(w, e - s))
            for s, e, t in zip(starts, stops, thr)]
    got = median_windows_above(x, starts, stops, thr, sos=sos, pad=512, window=w)
    assert got.tolist() == want
    assert want[0] and not want[1]


def test_moving_average_and_block_extremes_equal_their_definitions() -> None:
    rng = np.random.default_rng(7)
    for n in (1, 2, 5, 37):
        x = rng.standard_normal(n).astype(np.float32)
        for w in (1, 2, 3, 6, 11):
            half = w // 2
            want = [x[max(0, i - half):min(n, i - half + w)].mean() for i in range(n)]
            assert np.allclose(moving_average(x, w), want, rtol=1e-6, atol=1e-7)
        for k in (1, 3, 10):
            assert np.array_equal(block_max(x, k), [x[i:i + k].max() for i in range(0, n, k)])
            assert np.array_equal(block_min(x, k), [x[i:i + k].min() for i in range(0, n, k)])
            m = x > 0.5
            assert np.array_equal(block_any(m, k), [m[i:i + k].any() for i in range(0, n, k)])


def test_runs_and_dilate_match_the_edges_of_true_stretches() -> None:
    mask = np.array([1, 1, 0, 0, 1, 0, 1, 1, 1], dtype=bool)
    s, e = runs(mask)
    assert s.tolist() == [0, 4, 6] and e.tolist() == [2, 5, 9]
    assert runs(np.zeros(5, dtype=bool))[0].size == 0
    assert dilate(mask, 1, 0).tolist() == [1, 1, 0, 1, 1, 1, 1, 1, 1]
    assert dilate(np.zeros(4, dtype=bool), 2, 2).tolist() == [0, 0, 0, 0]


def test_weighted_median_equals_median_of_repeated_values() -> None:
    rng = np.random.default_rng(8)
    for _ in range(200):
        m = int(rng.integers(1, 12))
        v = rng.standard_normal(m).astype(np.float32)
        v[rng.random(m) < 0.3] = np.float32(1.25)  # ties
        c = rng.integers(0, 4, m)
        if c.sum() == 0:
            assert np.isnan(_weighted_median(v, c))
            continue
        assert _weighted_median(v, c) == float(np.median(np.repeat(v, c)))


def test_mains_ratios_from_one_spectrum_equal_single_line_ratios() -> None:
    t = np.arange(int(60 * FS)) / FS
    x = np.random.default_rng(9).standard_normal(t.size) + 4 * np.sin(2 * np.pi * 60 * t)
    r50, r60 = mains_ratios(x, FS, (50.0, 60.0))
    assert r50 == mains_ratio(x, FS, 50.0) and r60 == mains_ratio(x, FS, 60.0)
    assert r60 > 30 > r50


def test_local_maxima_and_window_max_at_equal_running_maximum() -> None:
    from somnomotor.signal.envelope import local_maxima, running_max, window_max_at

    rng = np.random.default_rng(10)
    for n in (1, 4, 57, 400):
        for half in (0, 1, 3, 20):
            x = np.round(rng.standard_normal(n) * 2).astype(np.float32)  # many ties
            full = running_max(x, 2 * half + 1)
            assert local_maxima(x, half).tolist() == np.flatnonzero(x == full).tolist()
            idx = np.flatnonzero(rng.random(n) < 0.4)
            assert np.array_equal(window_max_at(x, idx, half), full[idx])


def test_scorable_median_is_the_median_over_the_scorable_samples() -> None:
    # reference: the baseline repeated to the envelope's samples, the unscorable and the
    # non-finite ones removed, np.median of the rest
    from somnomotor.detect._leg_checks import _scorable_median

    rng = np.random.default_rng(11)
    for n, k in [(1000, 10), (1003, 10), (37, 4), (50, 50)]:
        base = (rng.random(-(-n // k)) * 10).astype(np.float32)
        base[rng.integers(0, base.size, 2)] = np.inf
        for unscorable in (np.zeros(n, bool), rng.random(n) < 0.3, np.ones(n, bool)):
            values = np.repeat(base, k)[:n]
            keep = ~unscorable & np.isfinite(values)
            got = _scorable_median(base, unscorable, k)
            if keep.any():
                assert got == float(np.median(values[keep]))
            else:
                assert np.isnan(got)
