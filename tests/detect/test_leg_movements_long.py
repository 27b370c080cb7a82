"""A leg active for up to 45 s is a long movement, not noise; a raised level for 60 s or more
is noise (docs/leg-movement-detection.md, "Long movements and noise").

IRLSSG large-muscle-group movements last 3-45 s in adults (scoring-rules.md 5.5); WASM 2016
counts an LM longer than 10 s as an LM (not a candidate). Signals are made here: 15-90 Hz
Gaussian noise whose mean rectified level steps from a 1.5-µV rest to the stated level.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import signal as sps

from somnomotor.detect.leg_movements import detect_leg_movements
from somnomotor.recording import Channel, Recording
from somnomotor.signal.quality import noise_mask, runs

FS = 256.0
REST_UV = 1.5
START_S = 100.0


def _leg(level_uV: float, duration_s: float, *, seed: int = 3, total_s: float = 300.0
         ) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(total_s * FS)
    z = sps.sosfiltfilt(sps.butter(4, [15, 90], "bandpass", fs=FS, output="sos"),
                        rng.standard_normal(n))
    z /= np.mean(np.abs(z))  # mean rectified 1
    level = np.full(n, REST_UV)
    level[int(START_S * FS):int((START_S + duration_s) * FS)] = level_uV
    return (z * level).astype(np.float32)


def _detect(x: np.ndarray):  # type: ignore[no-untyped-def]
    rec = Recording(channels=(Channel.from_array("LAT", x, fs_hz=FS),),
                    roles={"leg_left": ("LAT",)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return detect_leg_movements(rec)


@pytest.mark.parametrize("duration_s", [31.0, 44.0])
@pytest.mark.parametrize("level_uV", [20.0, 40.0])
def test_a_long_strong_burst_is_one_movement(duration_s: float, level_uV: float) -> None:
    # 20 and 40 µV: the raised level is above the 15-µV noise limit; before, a burst whose
    # level stayed above it for >= 40 s (30 s of the 10-s minimum) was "noise", and one
    # longer than 30 s became its own baseline near its ends and was cut in two
    res = _detect(_leg(level_uV, duration_s))
    assert len(res.unscorable) == 0
    assert len(res.events) == 1
    assert res.events.onset_s[0] == pytest.approx(START_S, abs=0.1)
    assert res.events.duration_s[0] == pytest.approx(duration_s, abs=0.2)


@pytest.mark.parametrize("duration_s", [62.0, 90.0])
def test_a_raised_floor_for_60_s_or_more_is_noise(duration_s: float) -> None:
    res = _detect(_leg(20.0, duration_s))
    assert len(res.events) == 0
    f = res.unscorable.frame
    assert list(f["reason"]) == ["noise"]
    assert f["onset_s"].iloc[0] == pytest.approx(START_S, abs=0.5)
    assert f["onset_s"].iloc[0] + f["duration_s"].iloc[0] == pytest.approx(
        START_S + duration_s, abs=0.5)


@pytest.mark.parametrize("raised_s,is_noise", [(58.0, False), (62.0, True)])
def test_noise_mask_needs_60_s_of_raised_level(raised_s: float, is_noise: bool) -> None:
    fs = 100.0
    upper = np.full(int(300 * fs), 3.0, dtype=np.float32)
    upper[int(100 * fs):int((100 + raised_s) * fs)] = 20.0
    s, e = runs(noise_mask(upper, fs, noise_limit_uV=15.0))
    assert len(s) == int(is_noise)
    if is_noise:
        assert abs(s[0] / fs - 100) < 0.2 and abs(e[0] / fs - (100 + raised_s)) < 0.2
