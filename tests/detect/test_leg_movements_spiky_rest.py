"""Twitches and offsets on a heavy-tailed ("spiky") resting EMG: on a 2.7-µV spiky rest the
0.1-s envelope's own fluctuations reach baseline + 2 µV within 0.5 s of a movement's end in
about 1 of 6 cases. Read literally ("stays <= 2 µV above resting for 0.5 s"), each such
brush pushes the offset to the next fully quiet 0.5 s and 0.25-0.3-s twitches become LMs of
0.6-0.75 s. The detector reads the quiet period as a scorer would: a single brief, small
spike of the rest inside it does not break it (``offset_rest_spike_max_s``); with that
reading switched off the errors come back (checked here too, so that these tests cannot
pass for another reason). See docs/leg-movement-detection.md, "Spiky resting EMG:
twitches and late offsets".

All signals are made here by hand with numpy/scipy (seeded), independently of the simulator:
10-95 Hz band-limited Gaussian noise times a log-normal gain that changes within ~25 ms
(40-Hz low-pass, sigma 0.5; excess kurtosis about 5), normalised to mean |x| = 1 and
multiplied by the level in mean rectified µV. At 2.7 µV the 0.1-s envelope of this rest
spans 1.3-5.0 µV (1st-99th percentile; measured), like the simulator's spiky night 1004
(1.3-5.2 µV).
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

FS = 200.0
REST_UV = 2.7
EDGE_S = 0.01  # raised-cosine rise and fall of every burst


def spiky_carrier(rng: np.random.Generator, n: int) -> np.ndarray:
    """Band-limited noise times a fast log-normal gain, mean |x| = 1."""
    z = sps.sosfiltfilt(sps.butter(4, [10, 95], "bandpass", fs=FS, output="sos"),
                        rng.standard_normal(n))
    g = sps.sosfiltfilt(sps.butter(2, 40, "lowpass", fs=FS, output="sos"),
                        rng.standard_normal(n))
    z = z * np.exp(0.5 * g / g.std())
    return z / np.mean(np.abs(z))


def night(seed: int, duration_s: float = 1200.0
          ) -> tuple[np.ndarray, list[tuple[float, float]], list[tuple[float, float]]]:
    """Spiky 2.7-µV rest with, alternating, a twitch of 0.25-0.30 s and a burst of 0.70 s,
    each 15-40 µV above rest (mean rectified), 8-16 s of rest between them. Returns the
    signal and the (start, end) in s of the twitches and of the 0.7-s bursts."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * FS)
    c = spiky_carrier(rng, n)
    level = np.full(n, REST_UV)
    twitches, bursts = [], []
    t, twitch = 10.0, True
    while t < duration_s - 12.0:
        dur = rng.uniform(0.25, 0.30) if twitch else 0.70
        m = int(round(dur * FS))
        e = int(round(EDGE_S * FS))
        shape = np.ones(m)
        ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(e) + 0.5) / e)
        shape[:e], shape[m - e:] = ramp, ramp[::-1]
        a = int(round(t * FS))
        level[a:a + m] += rng.uniform(15.0, 40.0) * shape
        (twitches if twitch else bursts).append((a / FS, (a + m) / FS))
        t = (a + m) / FS + rng.uniform(8.0, 16.0)
        twitch = not twitch
    return (level * c).astype(np.float32), twitches, bursts


def detect(x: np.ndarray, *, spike_rule: bool = True) -> LegMovementDetection:
    rec = Recording(channels=(Channel.from_array("LAT", x, fs_hz=FS),),
                    roles={"leg_left": ("LAT",)})
    params = LegMovementDetectionParams.wasm_2016()
    if not spike_rule:  # the literal reading: every sample above +2 µV breaks the period
        params = dataclasses.replace(params, offset_rest_spike_max_s=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return detect_leg_movements(rec, params)


def twitches_scored(res: LegMovementDetection, twitches: list[tuple[float, float]]) -> int:
    on = np.asarray(res.events.onset_s)
    off = np.asarray(res.events.offset_s)
    return sum(bool(((on < b) & (off > a)).any()) for a, b in twitches)


def offset_errors_s(res: LegMovementDetection, bursts: list[tuple[float, float]]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Detected minus true onset and offset of each 0.7-s burst (nearest detection), s."""
    on = np.asarray(res.events.onset_s)
    off = np.asarray(res.events.offset_s)
    err_on = np.array([on[np.argmin(np.abs(on - a))] - a for a, _ in bursts])
    err_off = np.array([off[np.argmin(np.abs(off - b))] - b for _, b in bursts])
    return err_on, err_off


@pytest.mark.parametrize("seed", [1, 2])
def test_short_twitches_on_spiky_rest_are_not_leg_movements(seed: int) -> None:
    x, twitches, _ = night(seed)
    assert len(twitches) >= 40
    hit = twitches_scored(detect(x), twitches)
    assert hit == 0, f"{hit} of {len(twitches)} twitches of 0.25-0.3 s scored as LMs"


@pytest.mark.parametrize("seed", [1, 2])
def test_burst_offset_on_spiky_rest_is_its_end(seed: int) -> None:
    """The 0.7-s bursts are LMs; the offset (envelope back to baseline + 2 µV) lies within
    0.15 s of the burst's true end (the 0.1-s smoothing moves it up to 0.05 s later) for
    all but one burst per night, and no offset is more than 0.6 s late: the rest's own
    fluctuations must not push it to the next quiet 0.5 s. Measured with the spike rule:
    1 (0.54 s) and 0 of 48 beyond 0.15 s; without it 5 and 6, up to 1.35 s."""
    x, _, bursts = night(seed)
    assert len(bursts) >= 40
    err_on, err_off = offset_errors_s(detect(x), bursts)
    assert np.abs(err_on).max() <= 0.1, err_on  # every burst found, onset on time
    late = err_off[np.abs(err_off) > 0.15]
    assert late.size <= 1, f"{late.size} of {len(bursts)} offsets off by > 0.15 s: {late}"
    assert np.abs(err_off).max() <= 0.6, err_off


def test_literal_quiet_period_scores_twitches_and_late_offsets_on_spiky_rest() -> None:
    """The same night with the spike rule switched off shows the errors the tests above
    rule out (measured: 3 of 48 twitches scored, 5 offsets > 0.15 s late, up to 1.35 s),
    so those tests pass because of the rule, not because this night is easy."""
    x, twitches, bursts = night(1)
    res = detect(x, spike_rule=False)
    assert twitches_scored(res, twitches) >= 2
    _, err_off = offset_errors_s(res, bursts)
    assert (np.abs(err_off) > 0.15).sum() >= 3
    assert err_off.max() > 1.0
