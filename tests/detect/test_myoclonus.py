"""Fragmentary myoclonus: Lins potential rule (75-150 ms, > 50 µV), FM indices, AASM EFM."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _motor_helpers import FS, add_noise_burst, add_potential, iou_f1, quiet, recording

from somnomotor._errors import ParameterError, SomnomotorWarning
from somnomotor.detect.myoclonus import (
    MyoclonusParams,
    detect_fragmentary_myoclonus,
    efm_minutes,
)
from somnomotor.hypnogram import Hypnogram


def _single(duration_s: float, amplitude_uv: float, params: MyoclonusParams | None = None,
            phase: float = 0.0) -> int:
    x = quiet(4.0)
    add_potential(x, 2.0, duration_s, amplitude_uv, phase=phase)
    res = detect_fragmentary_myoclonus(recording({"Chin": ("chin", x)}), params)
    return len(res.events)


# -- the potential rule at its boundaries ------------------------------------------------
@pytest.mark.parametrize("phase", [0.0, 1.0, 2.5])
def test_lins_minimum_duration_75ms_rejects_70ms_accepts_80ms(phase: float) -> None:
    assert _single(0.070, 100.0, phase=phase) == 0
    assert _single(0.080, 100.0, phase=phase) == 1


@pytest.mark.parametrize("phase", [0.0, 1.0, 2.5])
def test_lins_maximum_duration_150ms_accepts_145ms_rejects_155ms(phase: float) -> None:
    assert _single(0.145, 100.0, phase=phase) == 1
    assert _single(0.155, 100.0, phase=phase) == 0


@pytest.mark.parametrize("duration_s", [0.09, 0.12])
def test_lins_amplitude_above_50uv_rejects_49_accepts_51(duration_s: float) -> None:
    assert _single(duration_s, 49.0) == 0
    assert _single(duration_s, 51.0) == 1


def test_fmi25_variant_counts_potentials_between_25_and_50uv() -> None:
    assert _single(0.1, 30.0) == 0
    assert _single(0.1, 30.0, MyoclonusParams.fmi25()) == 1
    assert _single(0.1, 24.0, MyoclonusParams.fmi25()) == 0


def test_leg_movement_length_bursts_are_not_fm() -> None:
    x = quiet(6.0)
    add_noise_burst(x, 2.0, 1.0, 80.0)  # a 1-s leg movement, far above 50 µV
    res = detect_fragmentary_myoclonus(recording({"LAT": ("leg_left", x)}))
    assert len(res.events) == 0


def test_fm_event_columns_measure_the_potential() -> None:
    x = quiet(4.0)
    add_potential(x, 1.5, 0.1, 120.0)
    res = detect_fragmentary_myoclonus(
        recording({"RAT": ("leg_right", x)}, stages=["N2"]))
    ev = res.events.frame.iloc[0]
    assert ev["trial_type"] == "fragmentary_myoclonus"
    assert ev["channel"] == "RAT" and ev["role"] == "leg_right"
    assert ev["onset_s"] == pytest.approx(1.5, abs=0.006)
    assert ev["duration_s"] == pytest.approx(0.1, abs=0.008)
    assert ev["peak_uV"] == pytest.approx(120.0, rel=0.04)
    assert ev["stage"] == "N2"
    assert ev["confidence"] == "C"


# -- accuracy on potentials at random times, carriers and phases ---------------------------
def test_fm_potentials_found_with_event_f1_at_least_0_9() -> None:
    rng = np.random.default_rng(7)
    signals = {}
    truth = []
    for k, (label, role) in enumerate([("Chin", "chin"), ("LAT", "leg_left"),
                                       ("RAT", "leg_right"), ("FDS", "arm_left")]):
        x = quiet(120.0, seed=10 + k)
        t = 1.0
        while True:
            t += rng.uniform(0.8, 4.0)
            if t > 118.0:
                break
            d = rng.uniform(0.08, 0.145)
            add_potential(x, t, d, rng.uniform(60, 300), carrier_hz=rng.uniform(30, 60),
                          phase=rng.uniform(0, 2 * np.pi))
            truth.append((label, t, t + d))
            t += d
        signals[label] = (role, x)
    res = detect_fragmentary_myoclonus(recording(signals))
    f = res.events.frame
    scores = []
    for label in signals:
        det = f[f["channel"] == label]
        tr = [(a, b) for lab, a, b in truth if lab == label]
        scores.append(iou_f1(list(zip(det["onset_s"], det["onset_s"] + det["duration_s"],
                                      strict=True)), tr, min_iou=0.5))
    assert min(scores) >= 0.9, scores


# -- FM indices ------------------------------------------------------------------------
def test_fm_index_per_stage_is_potentials_per_hour_of_that_stage() -> None:
    stages = ["W", "N2", "N2", "R"]
    x = quiet(120.0)
    onsets = {"W": [3.0, 9.0], "N2": [31.0, 40.0, 50.0, 61.0, 75.0, 88.0], "R": [95.0]}
    for times in onsets.values():
        for t in times:
            add_potential(x, t, 0.1, 100.0)
    res = detect_fragmentary_myoclonus(recording({"Chin": ("chin", x)}, stages=stages))
    assert res.index("fm_index_W").value == pytest.approx(2 / (30 / 3600))
    assert res.index("fm_index_N2").value == pytest.approx(6 / (60 / 3600))
    assert res.index("fm_index_R").value == pytest.approx(1 / (30 / 3600))
    assert res.index("fm_index_N1").value is None  # no N1: no denominator
    assert res.index("fm_index_sleep").value == pytest.approx(7 / (90 / 3600))
    # mini-epoch unit [R]: 31.0 and 40.0 ... fall in different 3-s mini-epochs, so equal here
    assert res.index("fm_mini_epoch_index_sleep").value == pytest.approx(7 / (90 / 3600))
    assert "[R" in res.index("fm_mini_epoch_index_sleep").description


def test_fm_mini_epoch_index_counts_a_mini_epoch_once() -> None:
    x = quiet(60.0)
    for t in (31.0, 31.5, 32.2, 40.0):  # three potentials in the mini-epoch 30-33 s
        add_potential(x, t, 0.1, 100.0)
    res = detect_fragmentary_myoclonus(recording({"Chin": ("chin", x)}, stages=["W", "N2"]))
    assert res.index("fm_index_N2").value == pytest.approx(4 / (30 / 3600))
    assert res.index("fm_mini_epoch_index_sleep").value == pytest.approx(2 / (30 / 3600))


# -- EFM (AASM) ------------------------------------------------------------------------
def _efm_onsets(n_minutes: int, per_minute: int, start_min: int = 0) -> np.ndarray:
    return np.concatenate([
        (start_min + m) * 60.0 + 5.0 + 10.0 * np.arange(per_minute) for m in range(n_minutes)
    ]) if n_minutes else np.empty(0)


def test_efm_needs_20_minutes_19_is_not_enough() -> None:
    hyp = Hypnogram(tuple(["N2"] * 60), source="test")
    p = MyoclonusParams()
    assert efm_minutes(_efm_onsets(19, 5), hyp, p)[0] == 19
    assert efm_minutes(_efm_onsets(20, 5), hyp, p)[0] == 20


def test_efm_minute_needs_5_potentials_4_is_not_enough() -> None:
    hyp = Hypnogram(tuple(["N2"] * 60), source="test")
    p = MyoclonusParams()
    assert efm_minutes(_efm_onsets(25, 4), hyp, p)[0] == 0
    assert efm_minutes(_efm_onsets(25, 5), hyp, p)[0] == 25


def test_efm_counts_only_nrem_minutes() -> None:
    # minutes 0-9 REM, 10-29 N2: potentials in every minute, only the 20 NREM ones count
    hyp = Hypnogram(tuple(["R"] * 20 + ["N2"] * 40), source="test")
    assert efm_minutes(_efm_onsets(30, 6), hyp, MyoclonusParams())[0] == 20


@pytest.mark.parametrize(("n_minutes", "met"), [(19, False), (20, True)])
def test_efm_criterion_end_to_end_from_signal(n_minutes: int, met: bool) -> None:
    fs = 256.0
    x = quiet(21 * 60.0, fs=fs)
    for t in _efm_onsets(n_minutes, 5):
        add_potential(x, float(t), 0.1, 90.0, fs=fs)
    rec = recording({"LAT": ("leg_left", x)}, stages=["N2"] * 42, fs=fs)
    res = detect_fragmentary_myoclonus(rec)
    assert res.index("efm_minutes").value == n_minutes
    assert res.index("efm_criterion_met").value == (1.0 if met else 0.0)
    assert res.extra["efm_criterion_met"] is met
    assert ("not a diagnosis" in res.index("efm_criterion_met").flag) is met


# -- contract --------------------------------------------------------------------------
def test_without_hypnogram_stage_indices_are_absent_and_warned() -> None:
    x = quiet(4.0)
    add_potential(x, 1.0, 0.1, 100.0)
    res = detect_fragmentary_myoclonus(recording({"Chin": ("chin", x)}))
    assert res.index("fm_count").value == 1
    assert res.events.frame["stage"].iloc[0] == "n/a"
    assert any("no hypnogram" in w for w in res.warnings)
    with pytest.raises(KeyError):
        res.index("fm_index_sleep")


def test_result_keeps_no_copy_of_the_signal() -> None:
    x = quiet(4.0)
    add_potential(x, 1.0, 0.1, 100.0)
    res = detect_fragmentary_myoclonus(recording({"Chin": ("chin", x)}))
    for f in dataclasses.fields(res):
        value = getattr(res, f.name)
        assert not (isinstance(value, np.ndarray) and value.size >= x.size)
    assert all(not isinstance(v, np.ndarray) for v in res.extra.values())


def test_no_emg_channel_gives_empty_result_not_none() -> None:
    rec = recording({"Fpz": ("eeg", quiet(4.0))})
    res = detect_fragmentary_myoclonus(rec)
    assert res is not None and len(res.events) == 0
    assert res.index("fm_count").value == 0


def test_channel_sampled_below_50hz_is_skipped_with_warning() -> None:
    rec = recording({"Chin": ("chin", quiet(60.0, fs=1.0))}, fs=1.0)
    with pytest.warns(SomnomotorWarning, match="1.0 Hz"):
        res = detect_fragmentary_myoclonus(rec)
    assert len(res.events) == 0


@pytest.mark.parametrize("kwargs", [
    {"amplitude_uv": -5.0}, {"duration_s": (0.15, 0.075)}, {"roles": ("eeg",)},
    {"efm_minutes": 0}, {"window_s": 0.1},
])
def test_bad_parameters_raise_parameter_error(kwargs: dict) -> None:
    with pytest.raises(ParameterError):
        MyoclonusParams(**kwargs)


def test_params_report_confidence_tags() -> None:
    res = detect_fragmentary_myoclonus(recording({"Chin": ("chin", quiet(2.0))}))
    assert res.params["confidence"]["mini_epoch_s"] == "R"
    assert res.params["confidence"]["amplitude_uv"] == "C"
    assert FS == 512.0


@pytest.mark.parametrize("seed", [1, 2])
def test_fm_on_simulated_nights_with_event_f1_at_least_0_9(seed: int) -> None:
    from somnomotor.detect.matching import match_events
    from somnomotor.simulate.night import simulate_night

    night = simulate_night("fm", seed=seed, duration_h=0.5, leg_fs_hz=256.0)
    res = detect_fragmentary_myoclonus(night.recording)
    truth = [e for e in night.truth.events if e.kind == "fragmentary_myoclonus"]
    assert len(truth) >= 30
    f = res.events.frame
    tp = fp = fn = 0
    for label in {e.channel for e in truth} | set(f["channel"]):
        det = f[f["channel"] == label]
        tr = [e for e in truth if e.channel == label]
        m = match_events(det["onset_s"], det["onset_s"] + det["duration_s"],
                         [e.onset_s for e in tr], [e.offset_s for e in tr], min_iou=0.3)
        tp, fp, fn = tp + m.tp, fp + m.fp, fn + m.fn
    assert 2 * tp / (2 * tp + fp + fn) >= 0.9


# -- look-alikes: synchronous potentials and cardiac bleed -------------------------------
def _three_channels(shifts_s: tuple[float, float, float]) -> int:
    """FM count when one 100-ms, 80-µV potential sits in each of three channels."""
    sig = {}
    for k, (label, role) in enumerate((("Chin", "chin"), ("LAT", "leg_left"),
                                       ("RAT", "leg_right"))):
        x = quiet(6.0, seed=k)
        add_potential(x, 3.0 + shifts_s[k], 0.1, 80.0)
        sig[label] = (role, x)
    return len(detect_fragmentary_myoclonus(recording(sig)).events)


def test_potential_in_three_channels_at_once_is_not_fm_two_channels_are() -> None:
    # all three overlap: a generalised jerk, none counted
    assert _three_channels((0.0, 0.0, 0.0)) == 0
    # the third 0.5 s later: the first two overlap only each other (2 channels allowed)
    assert _three_channels((0.0, 0.02, 0.5)) == 3
    # every potential on its own
    assert _three_channels((0.0, 0.5, 1.0)) == 3


def _cardiac_recording(bleed: bool, *, with_ecg: bool = True, seed: int = 0):
    """10 min of chin EMG with 60 FM potentials (70-90 µV) and, optionally, cardiac bleed at
    every heartbeat: a 90-ms, 150-µV potential centred on the R peak (a QRS of FM size and
    length, 25-Hz carrier); an ECG channel with the same beats."""
    from somnomotor.simulate.cardiac import simulate_ecg

    rng = np.random.default_rng(seed)
    dur = 600.0
    beats = np.cumsum(rng.uniform(0.85, 1.15, 700)) + 0.5
    beats = beats[beats < dur - 1.0]
    chin = quiet(dur, seed=seed)
    if bleed:
        for t in beats:
            add_potential(chin, float(t) - 0.045, 0.09, 150.0, carrier_hz=25.0)
    onsets = np.sort(rng.uniform(2.0, dur - 2.0, 60))
    onsets = onsets[np.concatenate(([True], np.diff(onsets) > 0.5))]
    for k, t0 in enumerate(onsets):
        add_potential(chin, float(t0), 0.1, float(rng.uniform(70.0, 90.0)),
                      phase=float(k % 3))
    sig = {"Chin": ("chin", chin)}
    if with_ecg:
        sig["ECG"] = ("ecg", simulate_ecg(rng, beats, fs_hz=FS, duration_s=dur))
    truth = [(float(t), float(t) + 0.1) for t in onsets]
    return recording(sig), truth, beats


def test_cardiac_bleed_is_rejected_and_fm_away_from_beats_kept_with_f1_at_least_0_9() -> None:
    rec, truth, beats = _cardiac_recording(bleed=True)
    res = detect_fragmentary_myoclonus(rec)
    rejected = dict((i.name, i.value) for i in res.indices)["fm_cardiac_rejected"]
    assert rejected >= 0.9 * beats.size  # nearly every beat's bleed potential rejected
    f = res.events.frame
    det = np.column_stack((f["onset_s"], f["onset_s"] + f["duration_s"]))
    centres = np.array([a + 0.05 for a, _ in truth])
    apart = np.min(np.abs(centres[:, None] - beats[None, :]), axis=1) >= 0.2
    # an FM potential within 0.2 s of a 150-µV bleed potential cannot be told from it (it
    # fails the quiet-flank test or merges with it): the documented loss. Every detection
    # must be a true potential, and those apart from the beats must be found.
    det_centres = det.mean(axis=1)
    near_truth = np.min(np.abs(det_centres[:, None] - centres[None, :]), axis=1) <= 0.02
    assert near_truth.all()
    kept = [t for t, ok in zip(truth, apart, strict=True) if ok]
    det_apart = [tuple(d) for d in det
                 if np.min(np.abs(d.mean() - beats)) >= 0.2]
    assert iou_f1(det_apart, kept) >= 0.9


def test_clean_channel_keeps_potentials_near_heartbeats() -> None:
    rec, truth, beats = _cardiac_recording(bleed=False)
    res = detect_fragmentary_myoclonus(rec)
    values = dict((i.name, i.value) for i in res.indices)
    assert values["fm_cardiac_rejected"] == 0
    f = res.events.frame
    det = list(zip(f["onset_s"], f["onset_s"] + f["duration_s"], strict=True))
    assert iou_f1(det, truth) >= 0.95
    centres = np.array([a + 0.05 for a, _ in truth])
    near = np.min(np.abs(centres[:, None] - beats[None, :]), axis=1) <= 0.1
    assert near.sum() >= 3  # the test does put FM potentials next to beats


def test_without_ecg_channel_bleed_is_not_rejected_and_a_warning_says_so() -> None:
    rec, truth, beats = _cardiac_recording(bleed=True, with_ecg=False)
    res = detect_fragmentary_myoclonus(rec)
    assert any("no usable ECG channel" in w for w in res.warnings)
    assert len(res.events) > beats.size  # the bleed is counted: the documented limit
