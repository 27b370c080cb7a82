"""The onset rule's +8 µV applies to the EMG level a movement sustains, not to a 0.1-s
fluctuation (docs/leg-movement-detection.md, "Sustained onset level").

All signals are made here by hand with numpy/scipy (seeded). Levels are mean rectified µV:
the carrier is normalised to mean |x| = 1 and multiplied by the level, so "5 µV over a
1-µV rest" means the rectified signal averages 6 µV on the burst's plateau.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from scipy import signal as sps

from somnomotor.detect.leg_movements import (
    LegMovementDetection,
    LegMovementDetectionParams,
    detect_leg_movements,
)
from somnomotor.recording import Channel, Recording

FS = 512.0
REST_UV = 1.0


def carrier(rng: np.random.Generator, n: int, *, spiky: bool) -> np.ndarray:
    """10-100 Hz band-limited Gaussian noise (4th-order Butterworth, zero phase), mean |x|
    = 1. ``spiky``: times a log-normal gain that changes within ~25 ms (sigma 0.5), so
    that the carrier is heavy-tailed (kurtosis about 3 e^1 = 8 instead of 3)."""
    z = sps.sosfiltfilt(sps.butter(4, [10, 100], "bandpass", fs=FS, output="sos"),
                        rng.standard_normal(n))
    if spiky:
        g = sps.sosfiltfilt(sps.butter(2, 40, "lowpass", fs=FS, output="sos"),
                            rng.standard_normal(n))
        z = z * np.exp(0.5 * g / g.std())
    return z / np.mean(np.abs(z))


def burst_shape(rng: np.random.Generator, *, modulation: float,
                plateau_s: tuple[float, float]) -> np.ndarray:
    """Raised-cosine attack (0.05-0.4 s), plateau with a slow (6 knots/s) random amplitude
    modulation of +-``modulation``, raised-cosine decay (0.1-0.8 s); plateau mean ~1."""
    att = int(rng.uniform(0.05, 0.4) * FS)
    plat = int(rng.uniform(*plateau_s) * FS)
    dec = int(rng.uniform(0.1, 0.8) * FS)
    s = np.concatenate([0.5 - 0.5 * np.cos(np.pi * np.arange(att) / att), np.ones(plat),
                        0.5 + 0.5 * np.cos(np.pi * np.arange(dec) / dec)])
    knots = int(s.size / FS * 6) + 2
    mod = np.interp(np.arange(s.size), np.linspace(0, s.size - 1, knots),
                    rng.uniform(-1, 1, knots))
    return s * (1 + modulation * mod)


def burst_night(seed: int, *, excess_uV: float, modulation: float, spiky: bool,
                plateau_s: tuple[float, float], duration_s: float
                ) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """1-µV rest (Gaussian carrier) with a burst every 8-16 s of rest; on a burst the level
    is rest + ``excess_uV`` x shape, on one carrier (Gaussian or spiky)."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * FS)
    x = REST_UV * carrier(rng, n, spiky=False)
    c = carrier(rng, n, spiky=spiky)
    truth = []
    t = 10.0
    while True:
        shape = burst_shape(rng, modulation=modulation, plateau_s=plateau_s)
        a = int(t * FS)
        if a + shape.size > n - int(10 * FS):
            break
        x[a:a + shape.size] = (REST_UV + excess_uV * shape) * c[a:a + shape.size]
        truth.append((t, t + shape.size / FS))
        t += shape.size / FS + rng.uniform(8.0, 16.0)
    return x.astype(np.float32), truth


def detect(x: np.ndarray, *, params: LegMovementDetectionParams | None = None
           ) -> LegMovementDetection:
    rec = Recording(channels=(Channel.from_array("LAT", x, fs_hz=FS),),
                    roles={"leg_left": ("LAT",)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return detect_leg_movements(rec, params)


def bursts_scored(result: LegMovementDetection, truth: list[tuple[float, float]]) -> int:
    on, off = result.events.onset_s, result.events.offset_s
    return sum(bool(((on < b) & (off > a)).any()) for a, b in truth)


# -- sub-threshold bursts -------------------------------------------------------------------

@pytest.mark.parametrize("excess_uV", [4.0, 5.0])
@pytest.mark.parametrize("spiky", [False, True], ids=["gaussian", "spiky"])
def test_sub_threshold_bursts_with_55_percent_modulation_are_not_scored(
        spiky: bool, excess_uV: float) -> None:
    """A 5-µV excess modulated by +-55 % peaks at 7.75 µV over rest (4 µV: 6.2 µV), and
    its 0.1-s envelope crosses +8 µV on most bursts (5 µV, measured before the sustained
    level: 43 % Gaussian, 68 % spiky)."""
    total = scored = 0
    for seed in (1, 2, 3, 4):
        x, truth = burst_night(seed, excess_uV=excess_uV, modulation=0.55, spiky=spiky,
                               plateau_s=(0.5, 3.0), duration_s=900.0)
        res = detect(x)
        total += len(truth)
        scored += bursts_scored(res, truth)
        assert bursts_scored(res, truth) == len(res.events)  # nothing else is found
    assert total >= 200
    # Measured with the 0.3-s sustained level (and no ECG blanking of these ECG-free
    # signals): 5 µV 5 of 243 (Gaussian), 47 of 245 (spiky: the modulation alone lifts the
    # level to 7.75 µV, 3 % under the rule, and the heavy tail does the rest); 4 µV 0 of
    # 243 and 6 of 245. With the 0.5-s level: 0 / 14 and 0 / 0; without any: 92 / 166
    # (5 µV). The 0.3 s is the simulator's choice (docs/leg-movement-detection.md).
    limit = {(4.0, False): 0, (4.0, True): 8, (5.0, False): 8, (5.0, True): 55}[
        (excess_uV, spiky)]
    assert scored <= limit, f"{scored} of {total} sub-threshold bursts scored"


# -- near-threshold movements -------------------------------------------------------------

@pytest.mark.parametrize("spiky", [False, True], ids=["gaussian", "spiky"])
def test_10_5_uV_movements_are_scored(spiky: bool) -> None:
    """10.5 µV over rest (the low end of the simulator's near_threshold condition), +-40 %
    modulation, 1.2-4 s long: every one is an LM."""
    x, truth = burst_night(11, excess_uV=10.5, modulation=0.4, spiky=spiky,
                           plateau_s=(0.7, 3.0), duration_s=1200.0)
    assert len(truth) >= 70
    # There is no ECG here: the leg's own bleed search finds no train and blanks nothing
    # (it blanked 120-200 "beats" here before and lost one burst per night).
    no_ecg = detect(x, params=dataclasses.replace(LegMovementDetectionParams(),
                                                   ecg_suppression=False))
    assert bursts_scored(no_ecg, truth) == len(truth) == len(no_ecg.events)
    res = detect(x)
    assert bursts_scored(res, truth) == len(truth) == len(res.events)


# -- the rule at its boundary, deterministic levels ----------------------------------------

def sine_emg(levels: list[tuple[float, float, float]], duration_s: float = 120.0
             ) -> np.ndarray:
    """A 40-Hz sine whose mean rectified value is REST_UV, and ``rest + excess`` on the
    stretches ``(start_s, end_s, excess_uV)``. Mean |a sin| = 2a/pi; a 10-100-Hz band-pass
    passes 40 Hz at > 0.99 of its amplitude. Practically no noise (0.01 µV, so that no
    peak value repeats exactly, as a clipped rail would): the envelope *is* the level."""
    t = np.arange(int(duration_s * FS)) / FS
    level = np.full(t.size, REST_UV)
    for a, b, excess in levels:
        level[int(a * FS):int(b * FS)] = REST_UV + excess
    jitter = 0.01 * np.random.default_rng(0).standard_normal(t.size)
    return (level * np.pi / 2 * np.sin(2 * np.pi * 40 * t) + jitter).astype(np.float32)


@pytest.mark.parametrize("excess_uV,expected", [(7.6, 0), (8.4, 1)])
def test_steady_burst_is_scored_only_above_8_uV(excess_uV: float, expected: int) -> None:
    res = detect(sine_emg([(60.0, 62.0, excess_uV)]))
    assert len(res.events) == expected
    if expected:
        assert res.events.onset_s[0] == pytest.approx(60.0, abs=0.06)
        assert res.events.offset_s[0] == pytest.approx(62.0, abs=0.06)


def sustained_level(peak_s: float, window_s: float = 0.3) -> float:
    """From first principles: the largest ``window_s`` mean, after the onset, of the 0.1-s
    moving average of a level that is +6 µV for 1 s, +9 µV for ``peak_s``, +6 µV for 1 s."""
    dt = 1e-3
    t = np.arange(-1.0, 3.5, dt)
    level = np.where((t >= 0) & (t < 2 + peak_s), 6.0, 0.0)
    level[(t >= 1) & (t < 1 + peak_s)] = 9.0
    smooth = np.convolve(level, np.ones(101) / 101, mode="same")
    onset = int(np.argmax(smooth >= 8.0))
    w = int(round(window_s / dt))
    means = np.convolve(smooth[onset:], np.ones(w) / w, mode="valid")
    return float(means.max())


@pytest.mark.parametrize("peak_s,expected", [(0.15, 0), (0.3, 1)])
def test_a_short_peak_above_8_uV_counts_only_if_sustained_for_0_3_s(peak_s: float,
                                                                   expected: int) -> None:
    """+9 µV for ``peak_s`` inside a +6-µV burst: the 0.1-s envelope crosses +8 µV in both
    cases; the level sustained over 0.3 s is 7.3 µV (0.15 s) or 8.7 µV (0.3 s)."""
    reference = sustained_level(peak_s)
    assert (reference >= 8.0) == bool(expected)
    assert abs(reference - 8.0) >= 0.5  # away from the boundary by more than the filter's 1 %
    res = detect(sine_emg([(60.0, 61.0, 6.0), (61.0, 61.0 + peak_s, 9.0),
                           (61.0 + peak_s, 62.0 + peak_s, 6.0)]))
    assert len(res.events) == expected
    if expected:  # the onset is the 0.1-s envelope's crossing, at the +9-µV step
        assert res.events.onset_s[0] == pytest.approx(61.0, abs=0.05)
