"""Sleep starts: multi-muscle jerks at the wake-to-sleep transition; propriospinal pattern."""

from __future__ import annotations

import numpy as np
import pytest
from _motor_helpers import add_noise_burst, iou_f1, quiet, recording

from somnomotor._errors import ParameterError
from somnomotor.detect.sleep_starts import (
    SleepStartParams,
    detect_sleep_starts,
    transition_windows,
)
from somnomotor.hypnogram import Hypnogram

STAGES = ["W", "W", "N1", "N2", "N2"]  # transition W->N1 at 60 s; N1 until 90 s
DUR = 150.0


def _night(jerks: list[tuple[float, dict[str, float]]], *, axial: bool = False,
           stages: list[str] = STAGES, duration: float = DUR) -> dict:
    """``jerks``: (onset_s, {label: delay_s}) with 120-ms bursts (0.6 s for the axial one)."""
    labels = {"Chin": "chin", "LAT": "leg_left", "RAT": "leg_right", "FDS": "arm_left"}
    if axial:
        labels["RectAbd"] = "axial"
    data = {lab: quiet(duration, seed=i) for i, lab in enumerate(labels)}
    for k, (t, parts) in enumerate(jerks):
        for lab, delay in parts.items():
            dur = 0.6 if labels[lab] == "axial" else 0.12
            add_noise_burst(data[lab], t + delay, dur, 150.0, seed=100 * k + len(lab))
    return recording({lab: (role, data[lab]) for lab, role in labels.items()}, stages=stages)


def test_window_is_last_wake_epoch_and_following_n1_epochs() -> None:
    hyp = Hypnogram(tuple(STAGES), source="test")
    assert transition_windows(hyp, SleepStartParams()) == [(30.0, 90.0)]
    hyp2 = Hypnogram(("N2", "W", "N1", "N1", "N1", "N2"), source="test")
    # wake only from 30 s (never back into sleep); N1 up to 60 s after the transition
    assert transition_windows(hyp2, SleepStartParams()) == [(30.0, 120.0)]


def test_jerk_in_two_muscles_at_the_transition_is_a_sleep_start() -> None:
    res = detect_sleep_starts(_night([(55.0, {"Chin": 0.0, "LAT": 0.03})]))
    assert len(res.events) == 1
    ev = res.events.frame.iloc[0]
    assert ev["trial_type"] == "sleep_start"
    assert ev["onset_s"] == pytest.approx(55.0, abs=0.03)
    assert ev["muscles"] == "Chin,LAT" and ev["n_muscles"] == 2
    assert ev["stage"] == "W"
    assert bool(ev["typical_duration"]) is True
    assert res.index("sleep_start_count").value == 1
    assert res.index("sleep_starts_per_transition").value == 1.0


def test_jerk_in_one_muscle_only_is_not_a_sleep_start() -> None:
    res = detect_sleep_starts(_night([(55.0, {"LAT": 0.0})]))
    assert len(res.events) == 0


def test_muscles_more_than_spread_apart_are_not_one_jerk() -> None:
    res = detect_sleep_starts(_night([(55.0, {"Chin": 0.0, "LAT": 0.4})]))
    assert len(res.events) == 0


def test_jerk_outside_the_transition_window_is_not_counted() -> None:
    # 100 s is N2 (after the N1 epoch), 10 s is wake long before sleep onset
    res = detect_sleep_starts(_night([(100.0, {"Chin": 0.0, "LAT": 0.0}),
                                      (10.0, {"Chin": 0.0, "RAT": 0.0})]))
    assert len(res.events) == 0
    res = detect_sleep_starts(_night([(75.0, {"Chin": 0.0, "RAT": 0.02, "FDS": 0.05})]))
    assert len(res.events) == 1 and res.events.frame["stage"].iloc[0] == "N1"


def test_propriospinal_pattern_axial_first_then_slow_spread() -> None:
    res = detect_sleep_starts(_night(
        [(50.0, {"RectAbd": 0.0, "FDS": 0.06, "LAT": 0.12, "RAT": 0.13})], axial=True))
    ev = res.events.frame.iloc[0]
    assert ev["first_muscle"] == "RectAbd"
    assert ev["propriospinal_pattern"] is True or ev["propriospinal_pattern"] == 1
    assert ev["propriospinal_assessment"] == "pattern present"
    assert res.index("propriospinal_pattern_count").value == 1


def test_propriospinal_pattern_absent_when_a_limb_starts_first() -> None:
    res = detect_sleep_starts(_night(
        [(50.0, {"LAT": 0.0, "RectAbd": 0.05, "RAT": 0.12})], axial=True))
    ev = res.events.frame.iloc[0]
    assert not ev["propriospinal_pattern"]
    assert ev["propriospinal_assessment"] == "pattern absent"
    assert res.index("propriospinal_pattern_count").value == 0


def test_propriospinal_pattern_not_assessable_without_axial_channel() -> None:
    res = detect_sleep_starts(_night([(55.0, {"Chin": 0.0, "LAT": 0.03})]))
    assert res.events.frame["propriospinal_assessment"].iloc[0].startswith("not assessable")
    assert res.events.frame["propriospinal_pattern"].iloc[0] is None
    assert res.index("propriospinal_pattern_count").value is None
    assert res.extra["propriospinal"].startswith("not assessable")


def test_sleep_starts_found_with_event_f1_at_least_0_9() -> None:
    rng = np.random.default_rng(3)
    stages = (["W", "W", "N1", "N2", "N2"] * 6)
    hyp = Hypnogram(tuple(stages), source="test")
    windows = transition_windows(hyp, SleepStartParams())
    jerks = []
    truth = []
    labels = ["Chin", "LAT", "RAT", "FDS"]
    for a, b in windows:
        for t in (a + rng.uniform(1, 12), a + rng.uniform(18, 28), b - rng.uniform(2, 20)):
            muscles = rng.choice(labels, size=int(rng.integers(2, 5)), replace=False)
            parts = {str(m): float(rng.uniform(0, 0.08)) for m in muscles}
            jerks.append((float(t), parts))
            truth.append((t + min(parts.values()), t + max(parts.values()) + 0.12))
    rec = _night(jerks, stages=stages, duration=len(stages) * 30.0)
    res = detect_sleep_starts(rec)
    det = list(zip(res.events.onset_s, res.events.offset_s, strict=True))
    assert iou_f1(det, truth, min_iou=0.3) >= 0.9


def test_without_hypnogram_nothing_is_reported_and_it_says_why() -> None:
    rec = _night([(55.0, {"Chin": 0.0, "LAT": 0.03})], stages=None)  # type: ignore[arg-type]
    res = detect_sleep_starts(rec)
    assert len(res.events) == 0
    assert any("no hypnogram" in w for w in res.warnings)


@pytest.mark.parametrize("kwargs", [
    {"min_channels": 0}, {"psm_latency_s": (0.2, 0.03)}, {"roles": ("eog",)},
    {"k_background": 0.0},
])
def test_bad_parameters_raise_parameter_error(kwargs: dict) -> None:
    with pytest.raises(ParameterError):
        SleepStartParams(**kwargs)


@pytest.mark.parametrize("seed", [1, 2])
def test_sleep_starts_on_simulated_nights_with_event_f1_at_least_0_9(seed: int) -> None:
    from somnomotor.simulate.night import simulate_night

    night = simulate_night("sleep_starts", seed=seed, duration_h=1.5, leg_fs_hz=256.0)
    res = detect_sleep_starts(night.recording)
    truth = [(e.onset_s, e.offset_s) for e in night.truth.events if e.kind == "sleep_start"]
    assert len(truth) >= 3
    det = list(zip(res.events.onset_s, res.events.offset_s, strict=True))
    assert iou_f1(det, truth, min_iou=0.3) >= 0.9


# -- one jerk is one event; brief two-muscle jerks; leg movements are not jerks -------------
def test_long_lumpy_jerk_is_one_event_however_many_bursts() -> None:
    # a 1.25-s jerk: the chin burst has a 0.15-s dip (two bursts), the leg starts with it, the
    # arm starts 0.4 s later (beyond the 0.25-s onset spread) - still one sleep start
    labels = {"Chin": "chin", "LAT": "leg_left", "RAT": "leg_right", "FDS": "arm_left"}
    data = {lab: quiet(DUR, seed=i) for i, lab in enumerate(labels)}
    add_noise_burst(data["Chin"], 50.0, 0.5, 150.0, seed=1)
    add_noise_burst(data["Chin"], 50.65, 0.6, 150.0, seed=2)
    add_noise_burst(data["LAT"], 50.02, 1.2, 150.0, seed=3)
    add_noise_burst(data["FDS"], 50.4, 0.3, 150.0, seed=4)
    res = detect_sleep_starts(recording({lab: (role, data[lab]) for lab, role in labels.items()},
                                        stages=STAGES))
    assert len(res.events) == 1
    ev = res.events.frame.iloc[0]
    assert ev["onset_s"] == pytest.approx(50.0, abs=0.05)
    assert ev["onset_s"] + ev["duration_s"] == pytest.approx(51.25, abs=0.08)
    assert set(ev["muscles"].split(",")) == {"Chin", "LAT", "FDS"}


def test_two_jerks_1_s_apart_stay_two_events() -> None:
    res = detect_sleep_starts(_night([(50.0, {"Chin": 0.0, "LAT": 0.02}),
                                      (51.0, {"Chin": 0.0, "RAT": 0.02})]))
    assert len(res.events) == 2


def test_brief_jerk_in_arm_and_chin_is_found_in_raised_wake_chin_tone() -> None:
    # chin tone in wake 4x the sleep level (the resting level of the whole night is lower);
    # a 0.2-s jerk in the arm and the chin of 120 µV RMS
    labels = {"Chin": "chin", "LAT": "leg_left", "RAT": "leg_right", "FDS": "arm_left"}
    stages = ["N2"] * 6 + ["W", "W", "N1", "N2"] + ["N2"] * 6
    dur = 30.0 * len(stages)
    data = {lab: quiet(dur, seed=i) for i, lab in enumerate(labels)}
    a, b = round(180 * 512.0), round(240 * 512.0)
    data["Chin"][a:b] *= 4.0
    add_noise_burst(data["Chin"], 235.0, 0.2, 120.0, seed=7)
    add_noise_burst(data["FDS"], 235.03, 0.2, 120.0, seed=8)
    res = detect_sleep_starts(recording({lab: (role, data[lab]) for lab, role in labels.items()},
                                        stages=stages))
    assert len(res.events) == 1
    assert set(res.events.frame["muscles"].iloc[0].split(",")) == {"Chin", "FDS"}


@pytest.mark.parametrize(("burst_s", "is_jerk"), [(0.3, True), (0.45, True), (0.6, False),
                                                   (1.5, False)])
def test_both_legs_only_is_a_leg_movement_from_0_5_s(burst_s: float, is_jerk: bool) -> None:
    labels = {"Chin": "chin", "LAT": "leg_left", "RAT": "leg_right"}
    data = {lab: quiet(DUR, seed=i) for i, lab in enumerate(labels)}
    add_noise_burst(data["LAT"], 55.0, burst_s, 150.0, seed=1)
    add_noise_burst(data["RAT"], 55.05, burst_s, 150.0, seed=2)
    res = detect_sleep_starts(recording({lab: (role, data[lab]) for lab, role in labels.items()},
                                        stages=STAGES))
    assert len(res.events) == (1 if is_jerk else 0)


def test_loud_peak_inside_a_long_leg_movement_is_no_jerk_burst() -> None:
    # a 6-s leg movement (30 µV RMS) with a 150-ms peak three times as loud (90 µV RMS on
    # top), and a potential in the arm at the same moment: the leg peak is a fragment of the
    # movement, no two-muscle jerk
    labels = {"Chin": "chin", "LAT": "leg_left", "FDS": "arm_left"}
    data = {lab: quiet(DUR, seed=i) for i, lab in enumerate(labels)}
    add_noise_burst(data["LAT"], 52.0, 6.0, 30.0, seed=1)
    add_noise_burst(data["LAT"], 55.0, 0.15, 90.0, seed=2)
    add_noise_burst(data["FDS"], 55.02, 0.12, 150.0, seed=3)
    res = detect_sleep_starts(recording({lab: (role, data[lab]) for lab, role in labels.items()},
                                        stages=STAGES))
    assert len(res.events) == 0


def test_jerk_found_when_the_chin_is_tense_just_before_sleep_onset() -> None:
    # the chin is tense (about 25 µV in the 10-100 Hz band) only in the last 20 s of wake, too
    # short for the resting level to follow; a 0.2-s jerk of 150 µV RMS in chin and arm
    labels = {"Chin": "chin", "LAT": "leg_left", "FDS": "arm_left"}
    stages = ["N2"] * 6 + ["W", "W", "N1", "N2"] + ["N2"] * 6
    dur = 30.0 * len(stages)
    data = {lab: quiet(dur, seed=i) for i, lab in enumerate(labels)}
    add_noise_burst(data["Chin"], 220.0, 20.0, 40.0, seed=6)
    add_noise_burst(data["Chin"], 235.0, 0.2, 150.0, seed=7)
    add_noise_burst(data["FDS"], 235.03, 0.2, 150.0, seed=8)
    res = detect_sleep_starts(recording({lab: (role, data[lab]) for lab, role in labels.items()},
                                        stages=stages))
    assert len(res.events) == 1
    ev = res.events.frame.iloc[0]
    assert set(ev["muscles"].split(",")) == {"Chin", "FDS"}
    assert ev["duration_s"] < 0.4
