"""simulate_night: determinism, ground-truth consistency, profile targets, signal levels.

Rates are computed here with an independent, minimal count of periodic runs (not the
project's scorer): bilateral parts merged, candidates 0.5-10 s (mono) / 0.5-15 s
(bilateral), runs of >= 4 with onset-to-onset intervals 10-90 s (WASM 2016, Ferri et al.
Sleep Med 2016;26:86).
"""

from __future__ import annotations

import numpy as np
import pytest

from somnomotor._errors import ParameterError
from somnomotor.simulate import simulate_night

SHORT_H = 0.3


def _independent_plms_rate(truth) -> float:  # type: ignore[no-untyped-def]
    lm = truth.leg_movements_table().frame
    merged = lm.groupby("movement_id").agg(
        onset=("onset_s", "min"), end=("onset_s", lambda s: 0), n=("side", "size"))
    ends = (lm["onset_s"] + lm["duration_s"]).groupby(lm["movement_id"]).max()
    merged["end"] = ends
    merged["dur"] = merged["end"] - merged["onset"]
    merged["cand"] = np.where(merged["n"] > 1, merged["dur"].between(0.5, 15.0),
                              merged["dur"].between(0.5, 10.0))
    merged = merged.sort_values("onset")
    in_runs: list[float] = []
    run: list[float] = []
    for on, cand in zip(merged["onset"], merged["cand"], strict=True):
        if not cand or (run and not 10.0 <= on - run[-1] <= 90.0):
            if len(run) >= 4:
                in_runs += run
            run = []
        if cand:
            run.append(on)
    if len(run) >= 4:
        in_runs += run
    hyp = truth.hypnogram
    asleep = np.isin(hyp.stage_at(in_runs), ["N1", "N2", "N3", "R"]).sum() if in_runs else 0
    return float(asleep) / (hyp.total_sleep_time_s / 3600.0)


@pytest.fixture(scope="module")
def plmd_night():  # type: ignore[no-untyped-def]
    return simulate_night("plmd", seed=3, duration_h=SHORT_H)


def test_same_seed_gives_identical_arrays_and_truth() -> None:
    a = simulate_night("plmd", seed=7, duration_h=0.15)
    b = simulate_night("plmd", seed=7, duration_h=0.15)
    for ca, cb in zip(a.recording.channels, b.recording.channels, strict=True):
        assert ca.label == cb.label
        np.testing.assert_array_equal(ca.data(), cb.data())
    assert a.truth.to_json() == b.truth.to_json()


def test_different_seed_gives_different_night() -> None:
    a = simulate_night("plmd", seed=7, duration_h=0.15)
    b = simulate_night("plmd", seed=8, duration_h=0.15)
    assert not np.array_equal(a.recording.channel("LAT").data(), b.recording.channel("LAT").data())
    assert a.truth.to_json() != b.truth.to_json()


def test_truth_leg_movements_lie_inside_the_night_on_existing_channels(plmd_night) -> None:  # type: ignore[no-untyped-def]
    rec, truth = plmd_night.recording, plmd_night.truth
    lm = truth.leg_movements_table()
    assert len(lm) > 0
    assert (lm.onset_s >= 0).all() and (lm.offset_s <= rec.duration_s).all()
    assert set(lm.frame["side"]) <= {"left", "right"}
    by_side = {"left": rec.roles["leg_left"][0], "right": rec.roles["leg_right"][0]}
    for side, channel in zip(lm.frame["side"], lm.frame["channel"], strict=True):
        assert by_side[side] == channel


def test_too_short_and_too_long_flags_follow_the_duration_rules(plmd_night) -> None:  # type: ignore[no-untyped-def]
    frame = plmd_night.truth.leg_movements_table().frame
    np.testing.assert_array_equal(frame["too_short"].astype(bool), frame["duration_s"] < 0.5)
    np.testing.assert_array_equal(frame["too_long"].astype(bool), frame["duration_s"] > 10.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_plmd_profile_true_plms_rate_above_30_per_h(seed: int) -> None:
    truth = simulate_night("plmd", seed=seed, duration_h=0.5).truth
    assert _independent_plms_rate(truth) > 30.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_healthy_profile_true_plms_rate_below_5_per_h(seed: int) -> None:
    truth = simulate_night("healthy", seed=seed, duration_h=0.5).truth
    assert _independent_plms_rate(truth) < 5.0


def test_respiratory_related_movements_start_within_wasm_window_after_event_end(plmd_night) -> None:  # type: ignore[no-untyped-def]
    truth = plmd_night.truth
    resp = {e.event_id: e for e in truth.events_of(("apnea", "hypopnea"))}
    linked = [e for e in truth.events_of("leg_movement") if e.flags.get("cause") == "respiratory"]
    for e in linked:
        end = resp[e.flags["linked_to"]].offset_s
        assert -2.0 <= e.onset_s - end <= 10.25


def test_respiratory_events_last_10_to_40_s_and_are_annotated(plmd_night) -> None:  # type: ignore[no-untyped-def]
    truth, rec = plmd_night.truth, plmd_night.recording
    resp = truth.events_of(("apnea", "hypopnea"))
    assert all(10.0 <= e.duration_s <= 40.0 for e in resp)
    ann = rec.annotations.select(("apnea", "hypopnea"))
    np.testing.assert_allclose(np.sort(ann.onset_s), np.sort([e.onset_s for e in resp]))
    assert len(rec.annotations.select("lights_off")) == 1
    assert len(rec.annotations.select("lights_on")) == 1


def test_rectified_emg_during_a_true_burst_exceeds_rest_plus_8_uV(plmd_night) -> None:  # type: ignore[no-untyped-def]
    rec, truth = plmd_night.recording, plmd_night.truth
    checked = 0
    for e in truth.events_of("leg_movement"):
        if e.duration_s < 0.5 or e.amplitude_uV is None or e.amplitude_uV < 10:
            continue
        ch = rec.channel(e.channel)
        x = ch.data()
        core = slice(int((e.onset_s + 0.3 * e.duration_s) * ch.fs_hz),
                     int((e.onset_s + 0.7 * e.duration_s) * ch.fs_hz))
        rest = truth.channel(e.channel).rest_epoch_uV[int(e.onset_s // 30)]
        assert np.abs(x[core]).mean() > rest + 8.0
        checked += 1
    assert checked > 10


def test_resting_level_of_legs_is_within_the_stated_range() -> None:
    night = simulate_night("healthy", seed=5, duration_h=SHORT_H)
    rec, truth = night.recording, night.truth
    for label in ("LAT", "RAT"):
        x = rec.channel(label).data()
        fs = rec.channel(label).fs_hz
        ct = truth.channel(label)
        busy = np.zeros(x.size, dtype=bool)
        for e in truth.events:
            if e.channel == label:
                busy[int((e.onset_s - 1) * fs):int((e.offset_s + 1) * fs)] = True
        win = int(10 * fs)
        means = [np.abs(x[i:i + win]).mean() for i in range(0, x.size - win, win)
                 if not busy[i:i + win].any()]
        assert len(means) > 10
        # 10-s means of rectified noise scatter by ~1 %; allow 5 % beyond the stated range.
        assert ct.rest_min_uV * 0.95 <= min(means) and max(means) <= ct.rest_max_uV * 1.05
        assert 1.0 <= ct.rest_min_uV and ct.rest_max_uV <= 4.0


def test_high_rest_condition_puts_leg_rest_at_5_to_8_uV() -> None:
    truth = simulate_night("healthy", seed=1, duration_h=0.15, conditions=("high_rest",)).truth
    for label in ("LAT", "RAT"):
        ct = truth.channel(label)
        assert 5.0 <= ct.rest_min_uV and ct.rest_max_uV <= 8.0


def test_near_threshold_condition_keeps_amplitudes_just_above_8_uV() -> None:
    truth = simulate_night("plmd", seed=1, duration_h=0.15, conditions=("near_threshold",)).truth
    amps = [e.amplitude_uV for e in truth.events_of("leg_movement")]
    assert amps and all(10.5 <= a <= 13.0 for a in amps)


def test_disconnected_condition_leaves_a_flat_stretch_on_one_leg() -> None:
    night = simulate_night("healthy", seed=4, duration_h=0.15, conditions=("disconnected",))
    arts = [a for a in night.truth.artefacts if a.reason in ("disconnected", "saturation")]
    assert len(arts) == 1
    a = arts[0]
    ch = night.recording.channel(a.channel)
    seg = ch.data()[int(a.onset_s * ch.fs_hz) + 1:int((a.onset_s + a.duration_s) * ch.fs_hz) - 1]
    assert seg.size > ch.fs_hz * 10 and np.ptp(seg) == 0.0


def test_pops_are_large_brief_transients_recorded_as_artefacts() -> None:
    night = simulate_night("healthy", seed=2, duration_h=0.15, conditions=("pops",))
    pops = [a for a in night.truth.artefacts if a.reason == "pop"]
    assert pops
    for a in pops:
        ch = night.recording.channel(a.channel)
        seg = ch.data()[int(a.onset_s * ch.fs_hz):int((a.onset_s + 0.02) * ch.fs_hz) + 2]
        assert np.abs(seg).max() > 0.5 * a.amplitude_uV


def test_mains_condition_adds_a_50_hz_peak() -> None:
    night = simulate_night("healthy", seed=2, duration_h=0.1, conditions=("mains",))
    ch = night.recording.channel("LAT")
    spec = np.abs(np.fft.rfft(ch.data()[: int(60 * ch.fs_hz)]))
    f = np.fft.rfftfreq(int(60 * ch.fs_hz), 1 / ch.fs_hz)
    assert spec[np.argmin(np.abs(f - 50.0))] > 10 * np.median(spec[(f > 40) & (f < 60)])


def test_noisy_profile_applies_its_default_conditions_and_clean_removes_them() -> None:
    noisy = simulate_night("noisy", seed=0, duration_h=0.1).truth
    assert {"ecg_bleed", "mains", "pops", "disconnected"} <= set(noisy.conditions)
    clean = simulate_night("noisy", seed=0, duration_h=0.1, conditions=("clean",)).truth
    assert clean.conditions == ("clean",) and not clean.artefacts


def test_bad_arguments_raise_parameter_error_with_allowed_values() -> None:
    with pytest.raises(ParameterError, match="allowed are"):
        simulate_night("nope", duration_h=0.1)
    with pytest.raises(ParameterError, match="condition"):
        simulate_night("healthy", duration_h=0.1, conditions=("sparkles",))
    with pytest.raises(ParameterError, match="string"):
        simulate_night("healthy", duration_h=0.1, conditions="mains")
    with pytest.raises(ParameterError, match="leg_fs_hz"):
        simulate_night("healthy", duration_h=0.1, leg_fs_hz=100.0)


def test_recording_has_roles_rates_and_simulated_hypnogram(plmd_night) -> None:  # type: ignore[no-untyped-def]
    rec = plmd_night.recording
    assert rec.roles["leg_left"] == ("LAT",) and rec.roles["leg_right"] == ("RAT",)
    assert rec.roles["chin"] == ("Chin1-Chin2",)
    assert rec.channel("LAT").fs_hz == 512.0 and rec.channel("C4-M1").fs_hz == 256.0
    assert rec.channel("ECG").fs_hz == 256.0
    assert rec.hypnogram is not None and rec.hypnogram.source == "simulated"
    assert all(c.unit == "uV" for c in rec.channels)
