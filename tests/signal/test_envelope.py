"""The two-threshold LM rule on hand-built envelopes, running extrema, morphology window."""

from __future__ import annotations

import numpy as np
import pytest

from somnomotor.signal.envelope import (
    has_median_window_above,
    hysteresis_events,
    moving_average,
    running_max,
    running_min,
)

FS = 100.0  # envelope rate, Hz: 1 sample = 10 ms


def envelope(*spans: tuple[float, float, float], total_s: float = 20.0, rest: float = 1.0
             ) -> np.ndarray:
    """Constant rest level with ``(start_s, end_s, level_uV)`` spans."""
    env = np.full(int(total_s * FS), rest, dtype=np.float32)
    for a, b, level in spans:
        env[int(round(a * FS)):int(round(b * FS))] = level
    return env


def test_onset_is_first_sample_at_baseline_plus_8_uV() -> None:
    env = envelope((5.0, 7.0, 20.0))
    env[499] = 8.99  # just below high = 1 + 8
    env[500] = 9.0  # exactly at the threshold: onset
    starts, ends = hysteresis_events(env, 3.0, 9.0, fs_hz=FS)
    assert starts.tolist() == [500] and ends.tolist() == [700]


@pytest.mark.parametrize("dip_s,n_events", [(0.4, 1), (0.49, 1), (0.5, 2), (0.6, 2)])
def test_offset_needs_a_run_of_0_5_s_at_or_below_baseline_plus_2_uV(dip_s: float,
                                                                    n_events: int) -> None:
    env = envelope((5.0, 7.0, 20.0), (7.0 + dip_s, 9.0 + dip_s, 20.0))
    starts, ends = hysteresis_events(env, 3.0, 9.0, fs_hz=FS)
    assert len(starts) == n_events
    if n_events == 2:
        assert ends[0] == 700  # the offset is the START of the quiet run


def test_dip_between_low_and_high_threshold_does_not_end_the_movement() -> None:
    env = envelope((5.0, 7.0, 20.0), (7.0, 9.0, 5.0), (9.0, 10.0, 20.0))
    starts, ends = hysteresis_events(env, 3.0, 9.0, fs_hz=FS)
    assert starts.tolist() == [500] and ends.tolist() == [1000]


def test_value_exactly_at_low_threshold_counts_as_quiet() -> None:
    env = envelope((5.0, 6.0, 20.0), (6.0, 7.0, 3.0))
    starts, ends = hysteresis_events(env, 3.0, 9.0, fs_hz=FS)
    assert ends.tolist() == [600]


def test_event_open_at_the_end_closes_there() -> None:
    env = envelope((19.0, 20.0, 20.0))
    starts, ends = hysteresis_events(env, 3.0, 9.0, fs_hz=FS)
    assert starts.tolist() == [1900] and ends.tolist() == [2000]


def test_infinite_high_threshold_disables_onsets() -> None:
    env = envelope((5.0, 7.0, 20.0))
    high = np.full(env.size, 9.0, dtype=np.float32)
    high[400:800] = np.inf
    assert hysteresis_events(env, 3.0, high, fs_hz=FS)[0].size == 0


@pytest.mark.parametrize("w", [1, 2, 5, 51])
def test_running_extrema_equal_naive_centred_window(w: int) -> None:
    x = np.random.default_rng(w).standard_normal(500).astype(np.float32)
    half = w // 2
    naive_max = [x[max(0, i - half):min(x.size, i - half + w)].max() for i in range(x.size)]
    naive_min = [x[max(0, i - half):min(x.size, i - half + w)].min() for i in range(x.size)]
    assert np.array_equal(running_max(x, w), naive_max)
    assert np.array_equal(running_min(x, w), naive_min)
    naive_mean = [x[max(0, i - half):min(x.size, i - half + w)].mean() for i in range(x.size)]
    assert np.allclose(moving_average(x, w), naive_mean, atol=1e-5)


def test_median_window_criterion_is_exact_median() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        x = rng.exponential(2.0, size=int(rng.integers(30, 80))).astype(np.float32)
        w = 11
        t = float(rng.uniform(1, 3))
        med = max(np.median(x[i:i + w]) for i in range(x.size - w + 1))
        assert has_median_window_above(x, t, w) == (med >= t)


def test_crossing_times_find_the_thresholds_between_samples_on_a_linear_ramp() -> None:
    from somnomotor.signal.envelope import crossing_times, hysteresis_events

    fs = 100.0
    t = np.arange(1000) / fs
    # rest 0 µV, a ramp to 20 µV from 2.003 s to 2.203 s, plateau, a ramp down 5.003-5.203 s
    env = np.interp(t, [0.0, 2.003, 2.203, 5.003, 5.203, 10.0], [0.0, 0.0, 20.0, 20.0, 0.0, 0.0])
    starts, ends = hysteresis_events(env.astype(np.float32), 2.0, 8.0, fs_hz=fs)
    assert starts.size == 1
    on, off = crossing_times(env, starts, ends, 2.0, 8.0, fs_hz=fs)
    # 8 µV is reached 0.4 of the way up the ramp, 2 µV is left 0.9 of the way down
    assert on[0] == pytest.approx(2.083, abs=1e-9)
    assert off[0] == pytest.approx(5.183, abs=1e-9)
    # on the whole-sample grid the same event starts and ends later
    assert starts[0] / fs > on[0] and ends[0] / fs > off[0]


def test_crossing_times_keep_the_signal_edges_for_events_cut_by_them() -> None:
    from somnomotor.signal.envelope import crossing_times

    fs = 10.0
    env = np.full(50, 20.0)
    on, off = crossing_times(env, np.array([0]), np.array([50]), 2.0, 8.0, fs_hz=fs,
                             first_sample_s=0.05)
    assert on[0] == pytest.approx(0.0)
    assert off[0] == pytest.approx(5.0)


def test_crossing_times_use_per_block_thresholds() -> None:
    from somnomotor.signal.envelope import crossing_times

    fs = 10.0
    env = np.array([0.0, 0.0, 0.0, 0.0, 10.0, 10.0, 10.0, 0.0, 0.0, 0.0])
    high = np.array([9.0, 5.0])  # one value per 5 samples
    on, off = crossing_times(env, np.array([4]), np.array([7]), np.array([1.0, 1.0]), high,
                             fs_hz=fs, step=5)
    assert on[0] == pytest.approx((3 + 0.9) / fs)  # threshold of block 0 (sample 4 // 5 = 0)
    assert off[0] == pytest.approx((6 + 0.9) / fs)


# -- the offset's quiet period on a noisy envelope: a brief, small resting spike inside it --
# Rest 1 µV, offset threshold 3 µV (rest + 2), onset 9 µV (rest + 8), tolerated spikes stay
# below 6 µV (rest + 5); a movement of 20 µV from 5.0 to 7.0 s, so the envelope first falls
# to the offset threshold at sample 700. Spike times are chosen on the 10-ms grid.
SPIKE_RULE = {"rest_excursion_max_s": 0.11, "rest_excursion_below": 6.0,
              "rest_excursion_min_quiet_s": 0.1}


def movement_then_spike(spike_start_s: float, spike_s: float, level: float) -> np.ndarray:
    return envelope((5.0, 7.0, 20.0), (spike_start_s, spike_start_s + spike_s, level))


@pytest.mark.parametrize("spike_s,offset_sample", [
    (0.09, 700), (0.10, 700), (0.11, 700),  # no longer than the 0.11-s window: rest
    (0.12, 732), (0.20, 740),  # longer: the quiet period starts after it, as without the rule
])
def test_rest_spike_longer_than_the_limit_postpones_the_offset(spike_s: float,
                                                              offset_sample: int) -> None:
    env = movement_then_spike(7.2, spike_s, 4.0)
    starts, ends = hysteresis_events(env, 3.0, 9.0, fs_hz=FS, **SPIKE_RULE)
    assert starts.tolist() == [500] and ends.tolist() == [offset_sample]


@pytest.mark.parametrize("level,offset_sample", [(5.9, 700), (6.0, 725), (8.5, 725)])
def test_rest_spike_reaching_the_level_limit_postpones_the_offset(level: float,
                                                                  offset_sample: int) -> None:
    env = movement_then_spike(7.2, 0.05, level)
    _, ends = hysteresis_events(env, 3.0, 9.0, fs_hz=FS, **SPIKE_RULE)
    assert ends.tolist() == [offset_sample]


@pytest.mark.parametrize("quiet_s,offset_sample", [(0.09, 714), (0.10, 700), (0.30, 700)])
def test_return_above_the_threshold_within_0_1_s_of_the_drop_is_still_the_movement(
        quiet_s: float, offset_sample: int) -> None:
    env = movement_then_spike(7.0 + quiet_s, 0.05, 4.0)
    _, ends = hysteresis_events(env, 3.0, 9.0, fs_hz=FS, **SPIKE_RULE)
    assert ends.tolist() == [offset_sample]


def test_without_the_spike_rule_every_sample_above_the_threshold_breaks_the_period() -> None:
    env = movement_then_spike(7.2, 0.05, 4.0)
    assert hysteresis_events(env, 3.0, 9.0, fs_hz=FS)[1].tolist() == [725]
    assert hysteresis_events(env, 3.0, 9.0, fs_hz=FS, rest_excursion_max_s=None,
                             rest_excursion_below=6.0)[1].tolist() == [725]
    assert hysteresis_events(env, 3.0, 9.0, fs_hz=FS, **SPIKE_RULE)[1].tolist() == [700]


@pytest.mark.parametrize("spike_s,offset_sample", [(0.10, 700), (0.15, 760)])
def test_spike_running_past_the_end_of_the_0_5_s_period_is_judged_whole(
        spike_s: float, offset_sample: int) -> None:
    # the spike begins 0.45 s into the quiet period and is still going on at 0.5 s
    env = movement_then_spike(7.45, spike_s, 4.0)
    _, ends = hysteresis_events(env, 3.0, 9.0, fs_hz=FS, **SPIKE_RULE)
    assert ends.tolist() == [offset_sample]


def test_offset_stays_at_the_first_drop_below_the_threshold_with_spikes_in_the_period() -> None:
    # two separate tolerated spikes: each is judged on its own
    env = envelope((5.0, 7.0, 20.0), (7.15, 7.25, 4.5), (7.35, 7.40, 5.5))
    _, ends = hysteresis_events(env, 3.0, 9.0, fs_hz=FS, **SPIKE_RULE)
    assert ends.tolist() == [700]
    # a dip that is too short still does not end the movement, spike rule or not
    env = envelope((5.0, 7.0, 20.0), (7.3, 9.0, 20.0))
    assert hysteresis_events(env, 3.0, 9.0, fs_hz=FS, **SPIKE_RULE)[1].tolist() == [900]


def test_spike_rule_parameters_are_checked() -> None:
    from somnomotor._errors import ParameterError

    env = movement_then_spike(7.2, 0.05, 4.0)
    with pytest.raises(ParameterError, match="rest_excursion_max_s"):
        hysteresis_events(env, 3.0, 9.0, fs_hz=FS, rest_excursion_max_s=-0.1)
    with pytest.raises(ParameterError, match="rest_excursion_min_quiet_s"):
        hysteresis_events(env, 3.0, 9.0, fs_hz=FS, rest_excursion_min_quiet_s=-0.1)


def test_moving_average_below_is_the_float32_comparison_of_the_average() -> None:
    # reference: the float32 average of the whole signal compared with the limit in float32
    # (numpy's own rule for a float32 array and a Python float), element by element
    from somnomotor.signal.envelope import moving_average_below

    rng = np.random.default_rng(3)
    for limit in (0.1, 0.7, 2.0):
        x = (rng.random(5000) * 2 * limit).astype(np.float32)
        x[::7] = np.float32(limit)  # means landing on the limit itself
        for window in (1, 2, 21):
            ref = np.empty(x.size, dtype=bool)
            half = window // 2
            for i in range(x.size):
                seg = x[max(0, i - half):min(x.size, i - half + window)].astype(np.float64)
                ref[i] = np.float32(seg.sum() / seg.size) < np.float32(limit)
            got = moving_average_below(x, window, limit)
            # sums in another order may differ in the last bit only where the mean is
            # within a rounding of the limit
            mean = np.array([x[max(0, i - half):i - half + window].astype(np.float64).mean()
                             for i in range(x.size)])
            close = np.abs(mean - limit) < 1e-5 * limit
            assert np.array_equal(got[~close], ref[~close])
    assert moving_average_below(np.zeros(0, dtype=np.float32), 3, 1.0).size == 0


def test_crossing_times_of_a_float32_envelope_equal_those_of_its_float64_copy() -> None:
    # the crossings are interpolated in float64 whatever the envelope's dtype
    from somnomotor.signal.envelope import crossing_times

    rng = np.random.default_rng(5)
    env = (rng.random(4000) * 12).astype(np.float32)
    starts = np.sort(rng.choice(np.arange(1, 3900), 40, replace=False))
    ends = np.minimum(starts + rng.integers(5, 90, 40), env.size)
    low = (rng.random(400) * 3).astype(np.float32)
    high = low + np.float32(6.0)
    got = crossing_times(env, starts, ends, low, high, fs_hz=FS, step=10, first_sample_s=0.02)
    ref = crossing_times(env.astype(np.float64), starts, ends, low.astype(np.float64),
                         high.astype(np.float64), fs_hz=FS, step=10, first_sample_s=0.02)
    assert np.array_equal(got[0], ref[0]) and np.array_equal(got[1], ref[1])


@pytest.mark.parametrize("min_off", [1, 2, 5])
def test_hysteresis_holds_the_densest_possible_events(min_off: int) -> None:
    # one sample at the onset level, then the shortest quiet run, over and over: an event
    # every min_off + 1 samples (counted by hand), up to the last sample
    period = min_off + 1
    n = period * 50 + 1
    env = np.zeros(n, dtype=np.float32)
    env[::period] = 10.0
    starts, ends = hysteresis_events(env, 2.0, 8.0, fs_hz=1.0, min_off_s=float(min_off))
    assert np.array_equal(starts, np.arange(0, n, period))
    assert np.array_equal(ends[:-1], starts[:-1] + 1)
    assert ends[-1] == n  # the last event is still open at the end


def test_moving_average_into_a_buffer_equals_a_new_array_and_refuses_its_input() -> None:
    rng = np.random.default_rng(9)
    x = (rng.random(1001) * 5).astype(np.float32)
    buf = np.full(x.size, np.nan, dtype=np.float32)
    got = moving_average(x, 11, out=buf)
    assert got is buf
    # reference: plain centred means, cut at the ends
    ref = np.array([x[max(0, i - 5):i + 6].astype(np.float64).mean() for i in range(x.size)])
    assert np.allclose(got, ref, rtol=1e-6)
    assert np.array_equal(got, moving_average(x, 11))
    with pytest.raises(ValueError):
        moving_average(x, 11, out=x)
    with pytest.raises(ValueError):
        moving_average(x, 11, out=np.zeros(x.size, dtype=np.float64))
