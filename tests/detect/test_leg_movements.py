"""Leg-movement detection from raw tibialis EMG: rules at their boundaries and accuracy on
synthetic EMG whose true movements are known (band-limited noise with a known envelope)."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from scipy import signal as sps

from somnomotor._errors import (
    ChannelNotFoundError,
    ParameterError,
    SignalQualityError,
    SomnomotorError,
    SomnomotorWarning,
)
from somnomotor.detect.leg_movements import (
    LegMovementDetection,
    LegMovementDetectionParams,
    detect_leg_movements,
)
from somnomotor.detect.matching import match_events
from somnomotor.recording import Channel, Recording

FS = 512.0
SQRT_2_OVER_PI = np.sqrt(2 / np.pi)  # mean |x| / std of a Gaussian


def band_noise(rng: np.random.Generator, n: int, fs: float = FS) -> np.ndarray:
    """Unit-variance Gaussian noise band-limited to 15-90 Hz (inside the EMG pass band)."""
    sos = sps.butter(4, [15, 90], "bandpass", fs=fs, output="sos")
    z = sps.sosfiltfilt(sos, rng.standard_normal(n))
    return z / z.std()


def mean_rect_to_sigma(level_uV: float) -> float:
    """Standard deviation of Gaussian EMG whose mean rectified value is ``level_uV``."""
    return level_uV / SQRT_2_OVER_PI


def synth_leg(
    rng: np.random.Generator,
    *,
    duration_s: float = 600.0,
    rest_uV: float = 1.5,
    burst_uV: tuple[float, float] = (15.0, 60.0),
    dur_s: tuple[float, float] = (0.6, 8.0),
    gap_s: tuple[float, float] = (6.0, 40.0),
    fs: float = FS,
) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """EMG (µV) with bursts of known extent; levels are mean rectified µV."""
    n = int(duration_s * fs)
    level = np.full(n, mean_rect_to_sigma(rest_uV))
    truth: list[tuple[float, float]] = []
    t = 5.0
    while True:
        d = rng.uniform(*dur_s)
        if t + d > duration_s - 5:
            break
        level[int(t * fs):int((t + d) * fs)] = mean_rect_to_sigma(rng.uniform(*burst_uV))
        truth.append((t, t + d))
        t += d + rng.uniform(*gap_s)
    return (band_noise(rng, n, fs) * level).astype(np.float32), truth


def recording(*legs: tuple[str, np.ndarray], fs: float = FS, ecg: np.ndarray | None = None
              ) -> Recording:
    chans = []
    roles: dict[str, tuple[str, ...]] = {}
    for role, x in legs:
        label = {"leg_left": "LAT", "leg_right": "RAT", "leg": "Leg"}[role]
        chans.append(Channel.from_array(label, x, fs_hz=fs))
        roles[role] = (label,)
    if ecg is not None:
        chans.append(Channel.from_array("ECG", ecg, fs_hz=fs))
        roles["ecg"] = ("ECG",)
    return Recording(channels=tuple(chans), roles=roles)


def f1_of(result: LegMovementDetection, truth: list[tuple[float, float]]) -> float:
    ev = result.events
    t = np.asarray(truth, dtype=float).reshape(-1, 2)
    return match_events(ev.onset_s, ev.offset_s, t[:, 0], t[:, 1], min_iou=0.2).f1


def stepped(levels: list[tuple[float, float]], *, rest_uV: float = 1.0, seed: int = 0,
            duration_s: float = 120.0) -> tuple[np.ndarray, np.ndarray]:
    """Rest EMG with stretches ``(start_s, end_s)`` at a given mean rectified level (µV)."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * FS)
    level = np.full(n, mean_rect_to_sigma(rest_uV))
    return (band_noise(rng, n) * level).astype(np.float32), level


# -- parameters -----------------------------------------------------------------------------

def test_presets_differ_only_in_rule_specific_fields() -> None:
    wasm = LegMovementDetectionParams.wasm_2016()
    aasm = LegMovementDetectionParams.aasm()
    assert wasm.onset_above_baseline_uV == aasm.onset_above_baseline_uV == 8.0
    assert wasm.offset_above_baseline_uV == aasm.offset_above_baseline_uV == 2.0
    assert wasm.min_duration_s == aasm.min_duration_s == 0.5
    assert wasm.morphology_window_s == 0.5 and aasm.morphology_window_s is None
    # the offset's quiet period tolerates one brief resting spike under both rule sets
    for p in (wasm, aasm):
        assert (p.offset_rest_spike_max_s, p.offset_rest_spike_below_uV,
                p.offset_rest_spike_min_quiet_s) == (0.1, 5.0, 0.1)
    assert LegMovementDetectionParams() == wasm


@pytest.mark.parametrize("field,value", [("onset_above_baseline_uV", -1.0),
                                         ("offset_above_baseline_uV", 9.0),
                                         ("rule_set", "aasm2007"),
                                         ("min_duration_s", 0.0),
                                         ("offset_rest_spike_max_s", -0.1),
                                         ("offset_rest_spike_min_quiet_s", -0.1),
                                         ("offset_rest_spike_below_uV", 2.0),
                                         ("offset_rest_spike_below_uV", 8.5)])
def test_invalid_parameters_raise_parameter_error(field: str, value: object) -> None:
    with pytest.raises(ParameterError, match=field.split("_")[0]):
        dataclasses.replace(LegMovementDetectionParams(), **{field: value})


# -- bad input --------------------------------------------------------------------------------

def test_no_leg_channel_raises_channel_not_found() -> None:
    rec = Recording(channels=(Channel.from_array("C3", np.zeros(1000), fs_hz=FS),),
                    roles={"eeg": ("C3",)})
    with pytest.raises(ChannelNotFoundError, match="leg"):
        detect_leg_movements(rec)


@pytest.mark.parametrize("value", [0.0, 12.5])
def test_constant_leg_channels_raise_signal_quality_error_naming_them(value: float) -> None:
    x, _ = synth_leg(np.random.default_rng(1), duration_s=60)
    rec = recording(("leg_left", np.full(x.size, value, np.float32)),
                    ("leg_right", np.full(x.size, value, np.float32)))
    with pytest.raises(SignalQualityError, match="LAT.*RAT") as info:
        detect_leg_movements(rec)
    assert isinstance(info.value, SomnomotorError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize("value", [0.0, 12.5])
def test_one_constant_leg_is_left_out_and_the_other_scored(value: float) -> None:
    x, _ = synth_leg(np.random.default_rng(1), duration_s=60)
    rec = recording(("leg_left", x), ("leg_right", np.full(x.size, value, np.float32)))
    with pytest.warns(SomnomotorWarning, match="RAT.*left out: flat all night"):
        res = detect_leg_movements(rec)
    assert res.legs_scored == ("left",)
    assert list(res.legs_left_out) == ["right"]
    assert set(res.events.frame["channel"]) <= {"LAT"}
    assert not len(res.unscorable) or set(res.unscorable.frame["channel"]) == {"LAT"}


# -- the LM rules at their boundaries -------------------------------------------------------

@pytest.mark.parametrize("burst_s,expected", [(0.4, 0), (0.6, 1)])
def test_minimum_duration_0_5_s(burst_s: float, expected: int) -> None:
    x, level = stepped([])
    level[int(60 * FS):int((60 + burst_s) * FS)] = mean_rect_to_sigma(30.0)
    x = (band_noise(np.random.default_rng(3), x.size) * level).astype(np.float32)
    res = detect_leg_movements(recording(("leg_left", x)))
    assert len(res.events) == expected
    if expected:
        assert res.events.duration_s[0] == pytest.approx(burst_s, abs=0.12)


@pytest.mark.parametrize("dip_s,expected", [(0.35, 1), (0.7, 2)])
def test_offset_needs_0_5_s_below_low_threshold(dip_s: float, expected: int) -> None:
    rng = np.random.default_rng(4)
    n = int(120 * FS)
    level = np.full(n, mean_rect_to_sigma(1.0))
    level[int(60 * FS):int(62 * FS)] = mean_rect_to_sigma(30.0)
    s2 = 62 + dip_s
    level[int(s2 * FS):int((s2 + 2) * FS)] = mean_rect_to_sigma(30.0)
    x = (band_noise(rng, n) * level).astype(np.float32)
    res = detect_leg_movements(recording(("leg_left", x)))
    assert len(res.events) == expected


def test_onset_at_first_crossing_of_baseline_plus_8_uV() -> None:
    rng = np.random.default_rng(5)
    n = int(120 * FS)
    level = np.full(n, mean_rect_to_sigma(1.0))
    level[int(60 * FS):int(63 * FS)] = mean_rect_to_sigma(40.0)
    x = (band_noise(rng, n) * level).astype(np.float32)
    res = detect_leg_movements(recording(("leg_left", x)))
    assert len(res.events) == 1
    # the 0.1-s smoothing crosses +8 µV a few hundredths of a second before the step
    assert res.events.onset_s[0] == pytest.approx(60.0, abs=0.06)
    assert res.events.offset_s[0] == pytest.approx(63.0, abs=0.06)


def test_amplitude_below_8_uV_rise_is_not_a_movement() -> None:
    rng = np.random.default_rng(6)
    n = int(120 * FS)
    level = np.full(n, mean_rect_to_sigma(1.0))
    level[int(60 * FS):int(63 * FS)] = mean_rect_to_sigma(5.0)  # +3-4 µV over baseline
    x = (band_noise(rng, n) * level).astype(np.float32)
    assert len(detect_leg_movements(recording(("leg_left", x))).events) == 0


def spiky_empty(rng: np.random.Generator) -> np.ndarray:
    """Rest EMG with a 2-s stretch of sparse large spikes: the smoothed envelope rises above
    +8 µV, also averaged over 0.5 s (the spikes are about 10 µV rectified mean), but the
    rectified EMG is at rest most of the time (median below +2 µV)."""
    n = int(120 * FS)
    x = band_noise(rng, n) * mean_rect_to_sigma(1.0)
    t = np.arange(-10, 11) / FS
    spike = 350.0 * np.sin(2 * np.pi * 60 * t) * np.exp(-(t / 0.006) ** 2)
    c_s = 60.0
    while c_s < 62.0:  # irregular spacing: a periodic train would be a spectral line
        c = int(c_s * FS)
        x[c - 10:c + 11] += spike
        c_s += rng.uniform(0.12, 0.28)
    return x.astype(np.float32)


def test_wasm_morphology_rejects_spiky_empty_event() -> None:
    x = spiky_empty(np.random.default_rng(7))
    wasm = detect_leg_movements(recording(("leg_left", x)))
    aasm = detect_leg_movements(recording(("leg_left", x)), LegMovementDetectionParams.aasm())
    assert len(aasm.events) == 1  # the envelope rule alone takes it
    assert len(wasm.events) == 0  # the 0.5-s running median never reaches +2 µV


def test_long_movement_is_reported_whole_under_both_rule_sets() -> None:
    rng = np.random.default_rng(8)
    n = int(120 * FS)
    level = np.full(n, mean_rect_to_sigma(1.0))
    level[int(40 * FS):int(58 * FS)] = mean_rect_to_sigma(30.0)
    x = (band_noise(rng, n) * level).astype(np.float32)
    for params in (LegMovementDetectionParams.wasm_2016(), LegMovementDetectionParams.aasm()):
        res = detect_leg_movements(recording(("leg_left", x)), params)
        assert len(res.events) == 1
        assert res.events.duration_s[0] == pytest.approx(18.0, abs=0.1)


# -- unscorable stretches -------------------------------------------------------------------

def test_baseline_above_noise_limit_is_unscorable_noise_without_movements() -> None:
    rng = np.random.default_rng(9)
    n = int(300 * FS)
    level = np.full(n, mean_rect_to_sigma(1.5))
    level[int(100 * FS):int(200 * FS)] = mean_rect_to_sigma(20.0)  # baseline > 15 µV
    level[int(150 * FS):int(152 * FS)] = mean_rect_to_sigma(80.0)  # would be a movement
    x = (band_noise(rng, n) * level).astype(np.float32)
    res = detect_leg_movements(recording(("leg_left", x)))
    noise = res.unscorable.frame.query("reason == 'noise'")
    assert len(noise) >= 1
    covered = noise["duration_s"].sum()
    assert covered == pytest.approx(100, abs=6)
    assert not ((res.events.onset_s > 100) & (res.events.onset_s < 200)).any()
    assert res.unscorable_s["LAT"] == pytest.approx(covered, abs=2)


@pytest.mark.parametrize("fill,reason", [(0.0, "disconnected"), (3.0, "flat")])
def test_flat_stretch_is_unscorable_and_has_no_movements(fill: float, reason: str) -> None:
    x, truth = synth_leg(np.random.default_rng(10), duration_s=300)
    x[int(100 * FS):int(160 * FS)] = fill
    res = detect_leg_movements(recording(("leg_left", x)))
    rows = res.unscorable.frame.query("reason == @reason")
    assert len(rows) == 1
    assert rows["onset_s"].iloc[0] == pytest.approx(100, abs=0.5)
    assert rows["duration_s"].iloc[0] == pytest.approx(60, abs=1.0)
    inside = (res.events.offset_s > 100) & (res.events.onset_s < 160)
    assert not inside.any()


def test_blocked_amplifier_stretch_is_unscorable() -> None:
    x, _ = synth_leg(np.random.default_rng(11), duration_s=300)
    rng = np.random.default_rng(12)
    seg = slice(int(100 * FS), int(110 * FS))
    # pinned at the rail, a few µV of noise on it
    x[seg] = 300 - np.abs(rng.standard_normal(x[seg].size))
    x = np.clip(x, -300, 300)
    res = detect_leg_movements(recording(("leg_left", x)))
    sat = res.unscorable.frame.query("reason == 'saturation'")
    assert sat["duration_s"].sum() >= 9.0
    assert not ((res.events.offset_s > 100) & (res.events.onset_s < 110)).any()


def test_noise_clipped_at_the_rail_for_10_s_is_one_long_movement() -> None:
    """Strong activity that hits both rails all the time is a leg that moved hard."""
    x, _ = synth_leg(np.random.default_rng(11), duration_s=300)
    rng = np.random.default_rng(12)
    seg = slice(int(100 * FS), int(110 * FS))
    x[seg] = np.clip(400 * rng.standard_normal(x[seg].size), -300, 300)
    x = np.clip(x, -300, 300)
    res = detect_leg_movements(recording(("leg_left", x)))
    assert len(res.unscorable) == 0
    inside = res.events.frame[(res.events.offset_s > 100) & (res.events.onset_s < 110)]
    assert len(inside) == 1
    assert inside["onset_s"].iloc[0] == pytest.approx(100, abs=0.1)
    assert inside["duration_s"].iloc[0] == pytest.approx(10, abs=0.2)


def test_electrode_pops_are_unscorable_and_make_no_movements() -> None:
    rng = np.random.default_rng(13)
    x, truth = synth_leg(rng, duration_s=600)
    pops = [t1 + 3.0 for _, t1 in truth[::2]]
    n = x.size
    for k, tp in enumerate(pops):
        i = int(tp * FS)
        x[i:] += (((-1) ** k) * 400.0 * np.exp(-np.arange(n - i) / FS)).astype(np.float32)
    res = detect_leg_movements(recording(("leg_left", x)))
    found = res.unscorable.frame.query("reason == 'pop'")["onset_s"].to_numpy()
    assert len(found) == len(pops)
    assert np.allclose(np.sort(found), pops, atol=0.4)
    assert f1_of(res, truth) >= 0.95



def test_one_large_emg_spike_inside_a_movement_is_not_a_pop() -> None:
    # A 15-µV, 1.5-s movement whose carrier holds one isolated motor-unit-like spike of
    # +-400 µV (two samples, back to the EMG within 4 ms) 0.2 s after its start: a jump of
    # 800 µV, > 15x the movement's envelope, and no other jump near it. An electrode pop is a
    # step the signal stays displaced by; this spike is not one, so the movement is scored.
    x, _ = stepped([(100.0, 101.5)], rest_uV=1.5, seed=3)
    rng = np.random.default_rng(3)
    lm = slice(int(100.0 * FS), int(101.5 * FS))
    x[lm] = (band_noise(rng, lm.stop - lm.start) * mean_rect_to_sigma(15.0)).astype(np.float32)
    i = int(100.2 * FS)
    x[i], x[i + 1] = 400.0, -400.0
    res = detect_leg_movements(recording(("leg_left", x)))
    assert res.unscorable.frame.query("reason == 'pop'").empty
    assert f1_of(res, [(100.0, 101.5)]) == 1.0


@pytest.mark.parametrize("tau_s", [0.05, 1.0])
def test_a_step_decaying_within_tens_of_ms_is_still_a_pop(tau_s: float) -> None:
    # The fastest decay the pop rule keeps: a 300-µV step falling with tau 0.05 s stays
    # displaced by 0.69 of the jump on average over the 40 ms after it (1 - e^-0.8) / 0.8).
    x, _ = stepped([], rest_uV=1.5, seed=4)
    i = int(60.0 * FS)
    x[i:] += (300.0 * np.exp(-np.arange(x.size - i) / (tau_s * FS))).astype(np.float32)
    res = detect_leg_movements(recording(("leg_left", x)))
    found = res.unscorable.frame.query("reason == 'pop'")["onset_s"].to_numpy()
    assert found.size == 1 and abs(found[0] - 60.0) < 0.4
    assert len(res.events) == 0


@pytest.mark.parametrize("amp_uV", [300.0, 1000.0])
def test_a_pop_decaying_faster_than_the_step_test_keeps_is_no_movement(amp_uV: float) -> None:
    # A step stored after a 10-Hz high-pass decays with tau 16 ms: (1 - e^-2.5) / 2.5 = 0.37
    # of the jump over the 40 ms after it, so it is not marked as a pop; its transient is
    # far shorter than the 0.5-s minimum, so it makes no leg movement either.
    x, _ = stepped([], rest_uV=1.5, seed=4)
    i = int(60.0 * FS)
    x[i:] += (amp_uV * np.exp(-np.arange(x.size - i) / (0.016 * FS))).astype(np.float32)
    res = detect_leg_movements(recording(("leg_left", x)))
    assert res.unscorable.frame.query("reason == 'pop'").empty
    assert len(res.events) == 0


# -- accuracy on synthetic nights ------------------------------------------------------------

def ecg_bleed(n: int, rng: np.random.Generator, *, amp_uV: float, hr_bpm: float = 70.0
              ) -> tuple[np.ndarray, np.ndarray]:
    """QRS-like spikes (µV) at a jittered heart rate, and an ECG channel with the same beats."""
    beats = []
    t = 0.3
    while t < n / FS - 1:
        beats.append(t)
        t += 60 / hr_bpm * rng.uniform(0.9, 1.1)
    tt = np.arange(-40, 41) / FS
    qrs = -np.gradient(np.exp(-(tt / 0.012) ** 2)) * FS * 0.012  # biphasic, about ±0.9
    bleed = np.zeros(n)
    for b in beats:
        i = int(b * FS)
        if i + 41 < n:
            bleed[i - 40:i + 41] += amp_uV * qrs
    return bleed, np.asarray(beats)


CONDITIONS = ["clean", "drift", "high_rest", "ecg", "ecg_with_channel", "mains", "pops",
              "near_threshold"]


@pytest.mark.parametrize("condition", CONDITIONS)
def test_per_leg_f1_on_synthetic_nights(condition: str) -> None:
    rng = np.random.default_rng(100 + CONDITIONS.index(condition))
    duration = 900.0
    kwargs: dict = {}
    if condition == "high_rest":
        kwargs = {"rest_uV": 5.0, "burst_uV": (20.0, 60.0)}
    if condition == "near_threshold":
        kwargs = {"burst_uV": (13.0, 18.0)}
    left, t_left = synth_leg(rng, duration_s=duration, **kwargs)
    right, t_right = synth_leg(rng, duration_s=duration, **kwargs)
    n = left.size
    ecg = None
    t = np.arange(n) / FS
    if condition == "drift":
        for x in (left, right):
            x += (300 * np.sin(2 * np.pi * 0.05 * t) + 50 * np.sin(2 * np.pi * 0.7 * t)).astype(
                np.float32)
            x *= (1 + 0.8 * np.sin(2 * np.pi * t / 400) ** 2).astype(np.float32)
    if condition in ("ecg", "ecg_with_channel"):
        bleed, _ = ecg_bleed(n, rng, amp_uV=40.0)
        left += bleed.astype(np.float32)
        right += (0.6 * bleed).astype(np.float32)
        if condition == "ecg_with_channel":
            ecg = (bleed * 20 + rng.standard_normal(n) * 5).astype(np.float32)
    if condition == "mains":
        for x in (left, right):
            x += (30 * np.sin(2 * np.pi * 50 * t + 0.3)).astype(np.float32)
    if condition == "pops":
        for x, tr in ((left, t_left), (right, t_right)):
            for k, (_, t1) in enumerate(tr[::3]):
                i = int((t1 + 2.5) * FS)
                x[i:] += (((-1) ** k) * 300.0 * np.exp(-np.arange(n - i) / FS)).astype(np.float32)
    res = detect_leg_movements(recording(("leg_left", left), ("leg_right", right), ecg=ecg))
    target = 0.95 if condition == "clean" else 0.90
    for label, truth in (("LAT", t_left), ("RAT", t_right)):
        sub = dataclasses.replace(res, events=res.events.select("leg_movement"))
        rows = sub.events.frame["channel"] == label
        ev = sub.events.frame[rows]
        tr = np.asarray(truth)
        m = match_events(ev["onset_s"], ev["onset_s"] + ev["duration_s"], tr[:, 0], tr[:, 1])
        assert m.f1 >= target, (condition, label, m)
    assert set(res.events.frame["side"]) <= {"left", "right"}


def test_strong_ecg_bleed_alone_gives_no_movements() -> None:
    rng = np.random.default_rng(21)
    n = int(600 * FS)
    rest = band_noise(rng, n) * mean_rect_to_sigma(1.5)
    for hr in (55.0, 110.0):
        bleed, _ = ecg_bleed(n, rng, amp_uV=60.0, hr_bpm=hr)
        x = (rest + bleed).astype(np.float32)
        res = detect_leg_movements(recording(("leg_left", x)))
        assert len(res.events) == 0, hr
        assert res.ecg_beats_blanked["LAT"] > 0.8 * 600 * hr / 60


def test_single_combined_leg_channel_reports_bilateral_side() -> None:
    x, truth = synth_leg(np.random.default_rng(22), duration_s=300)
    res = detect_leg_movements(recording(("leg", x)))
    assert set(res.events.frame["side"]) == {"bilateral"}
    assert f1_of(res, truth) >= 0.95


def test_result_keeps_no_signal_and_progress_reaches_one() -> None:
    x, _ = synth_leg(np.random.default_rng(23), duration_s=120)
    seen: list[float] = []
    res = detect_leg_movements(recording(("leg_left", x), ("leg_right", x.copy())),
                               progress=seen.append)
    assert seen and seen[-1] == 1.0 and all(0 <= v <= 1 for v in seen)
    for value in vars(res).values():
        assert not (isinstance(value, np.ndarray) and value.size >= 1000)
    assert list(res.events.frame.columns[:4]) == ["onset_s", "duration_s", "trial_type",
                                                  "channel"]
    assert {"side", "peak_uV", "mean_uV"} <= set(res.events.frame.columns)
    assert (res.events.frame["mean_uV"] > 0).all()


def test_quiet_recording_gives_empty_result_not_none() -> None:
    rng = np.random.default_rng(24)
    x = (band_noise(rng, int(120 * FS)) * mean_rect_to_sigma(1.5)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = detect_leg_movements(recording(("leg_left", x)))
    assert res is not None and len(res.events) == 0
    assert list(res.events.frame.columns) == ["onset_s", "duration_s", "trial_type", "channel",
                                              "side", "peak_uV", "mean_uV"]
