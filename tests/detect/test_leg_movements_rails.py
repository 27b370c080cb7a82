"""Strong movements that clip at the channel's rail are movements; only rail contact that is
clearly not EMG is unscorable (docs/leg-movement-detection.md, "Rails and clipping").

Every signal is made here by hand with numpy/scipy (seeded): EMG is band-limited 10-100 Hz
Gaussian noise scaled to a known mean rectified level, optionally made spiky by a fast
log-normal gain; clipping is ``np.clip`` at the rail, as an amplifier or an EDF writer does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import warnings
from pathlib import Path

import edfio
import numpy as np
import pandas as pd
import pytest
from scipy import signal as sps

from somnomotor.detect.leg_movements import (
    LegMovementDetection,
    LegMovementDetectionParams,
    detect_leg_movements,
)
from somnomotor.detect.matching import match_events
from somnomotor.io.edf import read_recording
from somnomotor.recording import Channel, Recording
from somnomotor.score.plm import score_plm

FS = 512.0
BLOCK_MIN_S = 0.5  # the detector's limit for a blocked amplifier (rail_block_min_s)


def emg_noise(rng: np.random.Generator, n: int, *, spiky: bool = False) -> np.ndarray:
    """EMG-like noise with mean |x| = 1: 10-100 Hz band-limited Gaussian noise (4th-order
    Butterworth, zero phase); ``spiky`` multiplies it by a log-normal gain that changes
    within ~25 ms (sigma 0.5: kurtosis about 3 e^1 = 8 instead of 3)."""
    sos = sps.butter(4, [10, 100], "bandpass", fs=FS, output="sos")
    z = sps.sosfiltfilt(sos, rng.standard_normal(n))
    if spiky:
        g = sps.sosfiltfilt(sps.butter(2, 40, "lowpass", fs=FS, output="sos"),
                            rng.standard_normal(n))
        z = z * np.exp(0.5 * g / g.std())
    return z / np.mean(np.abs(z))


def one_leg(x: np.ndarray, physical_range: tuple[float, float] | None = None) -> Recording:
    return Recording(channels=(Channel.from_array("LAT", x, fs_hz=FS,
                                                  physical_range=physical_range),),
                     roles={"leg_left": ("LAT",)})


def detect(x: np.ndarray, physical_range: tuple[float, float] | None = None, *,
           params: LegMovementDetectionParams | None = None) -> LegMovementDetection:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return detect_leg_movements(one_leg(x, physical_range), params)


def strong_bursts(rng: np.random.Generator, *, level_uV: tuple[float, float], spiky: bool,
                  duration_s: float = 600.0) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """1-µV rest with 1-4-s bursts at a mean rectified level drawn from ``level_uV``."""
    n = int(duration_s * FS)
    rest = emg_noise(rng, n)
    carrier = emg_noise(rng, n, spiky=spiky)
    x = rest.copy()
    truth = []
    t = 10.0
    while t < duration_s - 15:
        d = rng.uniform(1.0, 4.0)
        a, b = int(t * FS), int((t + d) * FS)
        x[a:b] = rng.uniform(*level_uV) * carrier[a:b]
        truth.append((t, t + d))
        t += d + rng.uniform(8.0, 25.0)
    return x.astype(np.float32), truth


def unscorable_of(result: LegMovementDetection, reason: str) -> pd.DataFrame:
    return result.unscorable.frame.query("reason == @reason")


# -- clipped strong movements are scored ---------------------------------------------------

@pytest.mark.parametrize("rail_uV,level_uV", [(100.0, (25.0, 40.0)), (1000.0, (250.0, 400.0))])
@pytest.mark.parametrize("spiky", [False, True], ids=["gaussian", "spiky"])
@pytest.mark.parametrize("range_known", [True, False], ids=["edf_range", "no_range"])
def test_clipped_strong_bursts_are_scored_with_the_unclipped_timing(
        rail_uV: float, level_uV: tuple[float, float], spiky: bool, range_known: bool) -> None:
    rng = np.random.default_rng(int(rail_uV) + 7 * spiky)
    x, truth = strong_bursts(rng, level_uV=level_uV, spiky=spiky)
    clipped = np.clip(x, -rail_uV, rail_uV)
    touching = sum(np.abs(x[int(a * FS):int(b * FS)]).max() >= rail_uV for a, b in truth)
    assert touching >= 0.8 * len(truth), "most bursts must reach the rail, or the test is empty"
    # No ECG here; the leg's own bleed-peak search finds different "beats" in the clipped
    # and the unclipped signal and blanks different 80-ms pieces: not what is tested.
    params = dataclasses.replace(LegMovementDetectionParams(), ecg_suppression=False)
    free = detect(x, params=params)
    res = detect(clipped, (-rail_uV, rail_uV) if range_known else None, params=params)
    assert len(res.unscorable) == 0
    tr = np.asarray(truth)
    assert match_events(res.events.onset_s, res.events.offset_s, tr[:, 0], tr[:, 1]).f1 == 1.0
    assert len(res.events) == len(free.events)
    # Clipping lowers the envelope only at the peaks, far above both thresholds - except
    # that the band-pass spreads a spike of several mV at a burst's edge over tens of ms
    # (zero phase: before it too), which the rail cuts down. Measured: clipped minus
    # unclipped onset/offset up to 55 ms (a 6.9-mV spike at the edge), median < 1 ms.
    d_on = res.events.onset_s - free.events.onset_s
    d_off = res.events.offset_s - free.events.offset_s
    assert np.abs(d_on).max() <= 0.06 and np.abs(d_off).max() <= 0.06
    assert np.median(np.abs(d_on)) <= 0.002 and np.median(np.abs(d_off)) <= 0.002
    # ... and moves no detected edge more than 15 ms further from the burst's true edge
    # (measured worst: 11 ms), none on the median
    for got, ref, true in ((res.events.onset_s, free.events.onset_s, tr[:, 0]),
                           (res.events.offset_s, free.events.offset_s, tr[:, 1])):
        worse = np.abs(got - true) - np.abs(ref - true)
        assert worse.max() <= 0.015 and np.median(worse) <= 0.001


@pytest.mark.parametrize("run_s,blocked", [(BLOCK_MIN_S - 0.01, False),
                                           (BLOCK_MIN_S + 0.01, True)])
def test_continuous_rail_run_inside_a_burst_is_clipped_emg_up_to_0_5_s(run_s: float,
                                                                        blocked: bool) -> None:
    rng = np.random.default_rng(31)
    n = int(120 * FS)
    x = emg_noise(rng, n)
    x[int(60 * FS):int(64 * FS)] *= 150.0  # a 4-s strong burst, 150 µV mean rectified
    x = np.clip(x, -1000.0, 1000.0).astype(np.float32)
    free = detect(x, (-1000.0, 1000.0))
    assert len(free.events) == 1 and len(free.unscorable) == 0
    start = int(61.5 * FS)
    x[start:start + int(round(run_s * FS))] = 1000.0  # pinned at the rail
    res = detect(x, (-1000.0, 1000.0))
    sat = unscorable_of(res, "saturation")
    if blocked:
        assert len(sat) == 1
        assert sat["onset_s"].iloc[0] == pytest.approx(61.5 - 0.25, abs=0.03)
        assert sat["duration_s"].iloc[0] == pytest.approx(run_s + 0.5, abs=0.05)
        assert len(res.events) == 0  # the movement touching a blocked amplifier is not scored
    else:
        assert len(sat) == 0
        assert len(res.events) == 1  # the same movement as without the pinned stretch
        assert res.events.onset_s[0] == pytest.approx(free.events.onset_s[0], abs=0.01)
        assert res.events.offset_s[0] == pytest.approx(free.events.offset_s[0], abs=0.01)


# -- rail contact that is not EMG is unscorable --------------------------------------------

@pytest.mark.parametrize("rail_uV", [100.0, 1000.0])
@pytest.mark.parametrize("shape", ["step_0.2s", "step_0.45s", "negative_step", "spike_2_samples",
                                   "two_steps_0.3s_apart", "chatter_0.45s"])
def test_rail_contact_in_quiet_emg_is_unscorable_and_no_movement(rail_uV: float,
                                                                 shape: str) -> None:
    rng = np.random.default_rng(32)
    n = int(120 * FS)
    x = emg_noise(rng, n)  # 1 µV mean rectified rest on both sides
    a = int(60 * FS)
    length = {"step_0.2s": int(0.2 * FS), "step_0.45s": int(0.45 * FS),
              "negative_step": int(0.2 * FS), "spike_2_samples": 2,
              "two_steps_0.3s_apart": int(0.5 * FS), "chatter_0.45s": int(0.45 * FS)}[shape]
    x[a:a + length] = -rail_uV if shape == "negative_step" else rail_uV
    if shape == "two_steps_0.3s_apart":  # 0.1 s at the rail, 0.3 s of rest, 0.1 s at it
        x[a + int(0.1 * FS):a + int(0.4 * FS)] = emg_noise(rng, int(0.4 * FS) - int(0.1 * FS))
    if shape == "chatter_0.45s":  # pinned, but one sample in ten drops 5 % below the rail
        x[a + 5:a + length - 5:10] = 0.95 * rail_uV
    res = detect(x.astype(np.float32), (-rail_uV, rail_uV))
    assert len(res.events) == 0
    sat = unscorable_of(res, "saturation")
    assert len(sat) == 1
    on, dur = sat["onset_s"].iloc[0], sat["duration_s"].iloc[0]
    # the contact widened by 0.25 s on each side (the band-pass rings about 0.15 s there)
    assert on == pytest.approx(60.0 - 0.25, abs=0.03)
    assert on + dur == pytest.approx(60.0 + length / FS + 0.25, abs=0.03)


def test_rail_step_without_a_known_range_is_found_from_the_repeated_rail_value() -> None:
    rng = np.random.default_rng(33)
    x = emg_noise(rng, int(120 * FS))
    x[int(60 * FS):int(60.2 * FS)] = 800.0  # >= 3 blocks at the same largest value
    res = detect(x.astype(np.float32))
    assert len(res.events) == 0
    assert unscorable_of(res, "saturation")["duration_s"].sum() == pytest.approx(0.7, abs=0.05)


@pytest.mark.parametrize("pinned", ["near_rail_with_noise", "exactly_at_rail"])
def test_long_blocked_stretch_is_unscorable_and_drops_movements_touching_it(pinned: str) -> None:
    rng = np.random.default_rng(34)
    n = int(180 * FS)
    x = emg_noise(rng, n)
    for t0 in (50.0, 90.1, 100.0):  # 2-s movements of 40 µV mean rectified
        x[int(t0 * FS):int((t0 + 2) * FS)] *= 40.0
    a, b = int(85 * FS), int(90 * FS)  # 5 s blocked; the movement at 90.1 s touches it
    if pinned == "near_rail_with_noise":
        x[a:b] = 1000.0 - np.abs(2.0 * rng.standard_normal(b - a))  # within 1 % of the rail
    else:
        x[a:b] = 1000.0
    res = detect(np.clip(x, -1000, 1000).astype(np.float32), (-1000.0, 1000.0))
    covered = 0.0
    for on, dur in zip(res.unscorable.onset_s, res.unscorable.duration_s):
        covered += max(0.0, min(90.0, on + dur) - max(85.0, on))
    assert covered >= 0.98 * 5.0
    assert sorted(np.round(res.events.onset_s).tolist()) == [50.0, 100.0]


# -- nothing downstream drops the other leg's movement -----------------------------------

def test_other_legs_movement_inside_a_clipped_movement_is_kept_bilateral() -> None:
    rng = np.random.default_rng(35)
    n = int(120 * FS)
    left = emg_noise(rng, n)
    right = emg_noise(rng, n)
    left[int(60 * FS):int(63 * FS)] *= 350.0  # clips at the rail
    right[int(61 * FS):int(62.5 * FS)] *= 30.0  # starts inside the left's movement
    left = np.clip(left, -1000, 1000).astype(np.float32)
    assert (np.abs(left) >= 1000).sum() > 10
    rec = Recording(channels=(
        Channel.from_array("LAT", left, fs_hz=FS, physical_range=(-1000.0, 1000.0)),
        Channel.from_array("RAT", right.astype(np.float32), fs_hz=FS,
                           physical_range=(-1000.0, 1000.0))),
        roles={"leg_left": ("LAT",), "leg_right": ("RAT",)})
    det = detect_leg_movements(rec)
    assert len(det.unscorable) == 0
    assert sorted(det.events.frame["side"]) == ["left", "right"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = score_plm(det.events, hypnogram=None, unscorable=det.unscorable,
                        recording_duration_s=120.0)
    frame = res.events.frame
    assert len(frame) == 1
    assert frame["leg"].iloc[0] == "bilateral" and frame["n_components"].iloc[0] == 2


# -- the EDF physical range is the rail ------------------------------------------------------

@pytest.mark.parametrize("unit,scale", [("uV", 1.0), ("mV", 1e-3)])
def test_edf_physical_range_is_read_in_uV_and_clipped_bursts_are_scored(
        tmp_path: Path, unit: str, scale: float) -> None:
    rng = np.random.default_rng(36)
    x, truth = strong_bursts(rng, level_uV=(25.0, 40.0), spiky=True, duration_s=300.0)
    assert (np.abs(x) > 100).sum() > 100
    # the amplifier's range: the strong bursts clip at ±100 µV
    clipped = np.clip(x.astype(float), -100.0, 100.0)
    sig = edfio.EdfSignal(clipped * scale, FS, label="Leg L",
                          physical_dimension=unit, physical_range=(-100 * scale, 100 * scale))
    path = tmp_path / "clipped.edf"
    edfio.Edf([sig], starttime=dt.time(23, 0, 0)).write(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = read_recording(path, roles={"leg_left": "Leg L"})
    ch = rec.channel_for("leg_left")
    assert ch.physical_range == pytest.approx((-100.0, 100.0), rel=1e-6)
    assert np.abs(ch.data()).max() == pytest.approx(100.0, rel=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = detect_leg_movements(rec)
    assert len(res.unscorable) == 0
    tr = np.asarray(truth)
    assert match_events(res.events.onset_s, res.events.offset_s, tr[:, 0], tr[:, 1]).f1 == 1.0


def test_in_memory_channel_rejects_a_bad_physical_range() -> None:
    from somnomotor._errors import ParameterError

    with pytest.raises(ParameterError, match="physical_range"):
        Channel.from_array("LAT", np.zeros(10), fs_hz=FS, physical_range=(5.0, -5.0))
