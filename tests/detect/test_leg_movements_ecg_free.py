"""Without an ECG channel the leg's own ECG-bleed search must not fire on EMG without bleed,
and must still find real bleed (docs/leg-movement-detection.md, "ECG bleed without an ECG
channel").

Signals are made here: the hand-made burst nights of test_leg_movements_subthreshold (1-µV
rest, 10.5-µV bursts), and QRS bleed added by hand - a 25-Hz Gaussian-windowed wave of
about 80 ms (sigma 15 ms), 20-60 µV peak, at a heart rate of 60-90 beats/min with 3 %
respiratory modulation and 2 % beat-to-beat noise.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from somnomotor.detect.leg_movements import LegMovementDetectionParams
from somnomotor.signal.ecg import find_bleed_peaks
from test_leg_movements_subthreshold import FS, burst_night, bursts_scored, detect

NO_SUPPRESSION = dataclasses.replace(LegMovementDetectionParams(), ecg_suppression=False)


def _bleed(n: int, *, bpm: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """QRS bleed (µV) for ``n`` samples at FS, and the beat times in s."""
    rng = np.random.default_rng(seed)
    rr0 = 60.0 / bpm
    beats = []
    t = 1.0
    while t < n / FS - 1.0:
        beats.append(t)
        t += rr0 * (1 + 0.03 * np.sin(2 * np.pi * 0.25 * t)) * (1 + 0.02 * rng.standard_normal())
    tt = np.arange(-0.06, 0.06, 1 / FS)
    wave = np.exp(-0.5 * (tt / 0.015) ** 2) * np.sin(2 * np.pi * 25.0 * tt)
    wave /= np.abs(wave).max()
    out = np.zeros(n)
    amp = rng.uniform(20.0, 60.0)  # one electrode: the same size all night, +-10 %
    for b in beats:
        i = int(b * FS) + np.arange(tt.size) - tt.size // 2
        out[i] += amp * (1 + 0.1 * rng.standard_normal()) * wave
    return out, np.array(beats)


@pytest.mark.parametrize("spiky", [False, True], ids=["gaussian", "spiky"])
def test_ecg_free_emg_is_not_blanked(spiky: bool) -> None:
    # before: 121 (Gaussian) and 200 (spiky) "beats" blanked in these 20 min
    x, truth = burst_night(11, excess_uV=10.5, modulation=0.4, spiky=spiky,
                           plateau_s=(0.7, 3.0), duration_s=1200.0)
    res = detect(x)
    assert res.ecg_beats_blanked == {"LAT": 0}
    ref = detect(x, params=NO_SUPPRESSION)
    assert bursts_scored(res, truth) == len(truth) == len(res.events)
    np.testing.assert_array_equal(res.events.onset_s, ref.events.onset_s)
    np.testing.assert_array_equal(res.events.duration_s, ref.events.duration_s)


@pytest.mark.parametrize("bpm", [60.0, 90.0])
def test_bleed_without_ecg_channel_is_found_and_blanked(bpm: float) -> None:
    x, truth = burst_night(11, excess_uV=10.5, modulation=0.4, spiky=False,
                           plateau_s=(0.7, 3.0), duration_s=1200.0)
    bleed, beats = _bleed(x.size, bpm=bpm, seed=int(bpm))
    res = detect((x + bleed).astype(np.float32))
    # beats at rest (not within 0.5 s of a burst) are the ones the search can see
    at_rest = np.array([not any(a - 0.5 <= b <= c + 0.5 for a, c in truth) for b in beats])
    assert res.ecg_beats_blanked["LAT"] >= 0.9 * at_rest.sum()
    # and the movements come out as without bleed: every burst, nothing else
    assert bursts_scored(res, truth) >= len(truth) - 1
    assert len(res.events) == bursts_scored(res, truth)


def _train_envelope(n_beats: int, *, rr_s: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    fs = 100.0
    rng = np.random.default_rng(2)
    env = (1.0 + 0.05 * rng.standard_normal(int(60 * fs))).astype(np.float32)
    beats = (int(10 * fs) + np.arange(n_beats) * int(rr_s * fs)).astype(np.int64)
    for b in beats:
        env[b - 3:b + 4] += 15.0 * (1.0 - np.abs(np.arange(-3, 4)) / 4.0)  # peak at b
    return env, beats


@pytest.mark.parametrize("n_beats,found", [(9, False), (10, True)])
def test_a_train_of_10_regular_beats_is_needed(n_beats: int, found: bool) -> None:
    env, beats = _train_envelope(n_beats)
    peaks = find_bleed_peaks(env, 100.0)
    if found:
        np.testing.assert_array_equal(peaks, beats)  # all ten, where they are
    else:
        assert peaks.size == 0
    # the old rule (three in a row) took any of them
    assert find_bleed_peaks(env, 100.0, min_train_beats=None).size == n_beats


@pytest.mark.parametrize("rr_s,found", [(0.38, False), (0.42, True), (1.46, True),
                                        (1.54, False)])
def test_the_train_needs_a_sleep_heart_rate(rr_s: float, found: bool) -> None:
    env, _ = _train_envelope(20, rr_s=rr_s)
    assert (find_bleed_peaks(env, 100.0).size > 0) == found


def test_irregular_peaks_are_not_a_train() -> None:
    fs = 100.0
    rng = np.random.default_rng(4)
    env = (1.0 + 0.05 * rng.standard_normal(int(600 * fs))).astype(np.float32)
    t = 5.0
    while t < 590:
        b = int(t * fs)
        env[b - 3:b + 4] += 15.0
        t += rng.uniform(0.5, 1.5)  # heart-rate intervals, but no rhythm
    assert find_bleed_peaks(env, fs).size == 0
