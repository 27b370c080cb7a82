"""Leg movements from ankle acceleration: hand-made tilts at the limits, simulated nights
against their truth, and the indices against counts made in the test."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from somnomotor.accel_night import analyze_accelerometer
from somnomotor.detect.accel_movements import AccelMovementParams, detect_accel_movements
from somnomotor.io.accel import AccelRecording
from somnomotor.simulate.accel import simulate_accel_night, write_accel_csv

FS = 50.0


def _quiet(seconds: float, seed: int = 0, noise_g: float = 0.004) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    return (np.array([0.2, -0.97, 0.1]) + rng.normal(0, noise_g, (n, 3))).astype(np.float32)


def _tilt(xyz: np.ndarray, onset_s: float, dur_s: float, angle_deg: float) -> None:
    """Rotate gravity by angle_deg about the sensor's x axis with 0.1-s ramps (in place)."""
    i0, i1 = int(onset_s * FS), int((onset_s + dur_s) * FS)
    ramp = int(0.1 * FS)
    prof = np.ones(i1 - i0)
    prof[:ramp] = np.linspace(0, 1, ramp)
    prof[-ramp:] = np.linspace(1, 0, ramp)
    a = np.radians(angle_deg) * prof
    y, z = xyz[i0:i1, 1].copy(), xyz[i0:i1, 2].copy()
    xyz[i0:i1, 1] = y * np.cos(a) - z * np.sin(a)
    xyz[i0:i1, 2] = y * np.sin(a) + z * np.cos(a)


def _rec(xyz: np.ndarray) -> AccelRecording:
    return AccelRecording(xyz, FS, dt.datetime(2026, 1, 1, 23, 0), "csv", "hand.csv")


def test_a_single_tilt_is_one_movement_with_its_onset_and_duration() -> None:
    xyz = _quiet(300)
    _tilt(xyz, 100.0, 2.0, 5.0)
    det = detect_accel_movements(xyz, FS)
    assert len(det.events) == 1
    on, d = det.events.onset_s[0], det.events.duration_s[0]
    assert abs(on - 100.0) < 0.15
    assert abs(d - 2.0) < 0.4


def test_tilts_too_small_for_the_ankle_are_not_seen() -> None:
    xyz = _quiet(300)
    for k, onset in enumerate(range(20, 280, 30)):
        _tilt(xyz, float(onset), 2.0, 0.3)
    assert len(detect_accel_movements(xyz, FS).events) == 0


def test_duration_limits_come_from_the_plm_rules_0_5_s_and_10_s() -> None:
    """0.4 s is no LM; 0.6 s is; 9.5 s is a candidate; 12 s is an LM but breaks a series."""
    xyz = _quiet(1200, seed=2)
    onsets = [100.0, 200.0, 300.0, 400.0]
    for onset, dur in zip(onsets, (0.4, 0.6, 9.5, 12.0)):
        _tilt(xyz, onset, dur, 6.0)
    res = analyze_accelerometer(_rec(xyz), time_in_bed=(dt.datetime(2026, 1, 1, 23, 0),
                                                        dt.datetime(2026, 1, 1, 23, 20)))
    frame = res.result.events.frame
    assert len(frame) == 3  # the 0.4-s tilt is dropped
    assert list(frame["candidate"].astype(bool)) == [True, True, False]


def test_a_periodic_series_and_its_index_counted_by_hand() -> None:
    """Eight tilts 20 s apart, one 150 s away: 8 PLM and 9 LM in 20 min of bed."""
    xyz = _quiet(1200, seed=3)
    series = [300.0 + 20.0 * k for k in range(8)]
    for onset in series + [700.0]:
        _tilt(xyz, onset, 1.5, 6.0)
    res = analyze_accelerometer(_rec(xyz), time_in_bed=(dt.datetime(2026, 1, 1, 23, 0),
                                                        dt.datetime(2026, 1, 1, 23, 20)))
    ix = res.result.index_values()
    hours = 1200 / 3600
    assert ix["accel_lm_count"] == 9 and ix["accel_plm_count"] == 8
    assert ix["accel_lm_index"] == pytest.approx(9 / hours)
    assert ix["accel_plm_index"] == pytest.approx(8 / hours)
    assert "plms_index" not in ix


def test_series_rule_at_its_10_s_limit_comes_from_plm_rules() -> None:
    """Onsets 9.8 s apart are no series (WASM 2016: IMI >= 10 s); 10.2 s apart are."""
    for imi, expect in ((9.8, 0), (10.2, 5)):
        xyz = _quiet(600, seed=4)
        for k in range(5):
            _tilt(xyz, 100.0 + imi * k, 1.0, 6.0)
        res = analyze_accelerometer(_rec(xyz), time_in_bed=(dt.datetime(2026, 1, 1, 23, 0),
                                                            dt.datetime(2026, 1, 1, 23, 10)))
        assert res.result.index_values()["accel_plm_count"] == expect, imi


def _reference_plm(onsets: np.ndarray) -> int:
    """Runs of >= 4 consecutive onsets 10-90 s apart, written here without score_plm."""
    count, run = 0, 1
    for i in range(1, onsets.size + 1):
        if i < onsets.size and 10.0 <= onsets[i] - onsets[i - 1] <= 90.0:
            run += 1
            continue
        count += run if run >= 4 else 0
        run = 1
    return count


@pytest.mark.parametrize("fs, seed", [(25.0, 0), (50.0, 1), (100.0, 2), (50.0, 5)])
def test_simulated_nights_against_truth(fs: float, seed: int) -> None:
    night = simulate_accel_night(duration_h=1.0, fs_hz=fs, seed=seed, series_per_h=3.0)
    tr = night.truth
    start = night.recording.start
    bed = (start + dt.timedelta(seconds=tr.in_bed_s), start + dt.timedelta(seconds=tr.out_of_bed_s))
    res = analyze_accelerometer(night.recording, time_in_bed=bed)
    ev = res.result.events
    on, off = ev.onset_s, ev.offset_s
    vis = [m for m in tr.movements if m.visible]
    hidden = [m for m in tr.movements if not m.visible]
    assert len(vis) >= 20

    def seen(m) -> bool:
        return bool(np.any((on < m.onset_s + m.duration_s) & (off > m.onset_s)))

    recall = np.mean([seen(m) for m in vis])
    assert recall >= 0.95
    turns = [(a - 1.0, a + d + 1.0) for a, d in tr.posture_changes]
    matched = [any(o < m.onset_s + m.duration_s and f > m.onset_s for m in tr.movements)
               or any(o < b and f > a for a, b in turns) for o, f in zip(on, off)]
    assert np.mean(matched) >= 0.95  # no invented movements
    assert np.mean([seen(m) for m in hidden]) <= 0.05  # invisible ones stay invisible
    hours = (tr.out_of_bed_s - tr.in_bed_s) / 3600
    ref = _reference_plm(np.array(sorted(m.onset_s for m in vis))) / hours
    got = res.result.index_values()["accel_plm_index"]
    # one missed movement can break one series of four: 4 PLM in a 1-h night
    assert abs(got - ref) <= max(4.0 / hours, 0.15 * ref), (got, ref)


def test_analyze_command_on_an_accelerometer_csv(tmp_path: Path, capsys) -> None:
    from somnomotor.cli.main import main

    night = simulate_accel_night(duration_h=0.5, fs_hz=25.0, seed=7, pre_bed_min=2,
                                 post_bed_min=2)
    path = tmp_path / "night.csv"
    write_accel_csv(night, str(path))
    out = tmp_path / "res"
    assert main(["analyze", str(path), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "accel_plm_index" in text and "not the PSG plms_index" in text
    assert "r = 0.87" in text and "simulated nights only" in text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["recording_kind"] == "accelerometer"
    names = {i["name"] for i in summary["indices"]}
    assert {"accel_lm_index", "accel_plm_index"} <= names and "plms_index" not in names
    rows = (out / "events.tsv").read_text().splitlines()
    assert any("\taccel_leg_movement\t" in r for r in rows)
    assert not any("\tleg_movement\t" in r for r in rows)


def test_params_refuse_bad_values() -> None:
    from somnomotor._errors import ParameterError

    with pytest.raises(ParameterError, match="leg"):
        AccelMovementParams(leg="both")
    with pytest.raises(ParameterError, match="off_fraction"):
        AccelMovementParams(off_fraction=1.5)


def test_analyze_takes_time_in_bed_from_the_diary(tmp_path: Path, capsys) -> None:
    from somnomotor.cli.main import main

    night = simulate_accel_night(duration_h=0.5, fs_hz=25.0, seed=8, pre_bed_min=4,
                                 post_bed_min=4, start=dt.datetime(2026, 1, 5, 22, 30))
    path = tmp_path / "night.csv"
    write_accel_csv(night, str(path))
    diary = tmp_path / "diary.csv"
    diary.write_text("date,bedtime,rise_time\n2026-01-05,22:34,23:04\n")
    out = tmp_path / "res"
    assert main(["analyze", str(path), "--out", str(out), "--diary", str(diary), "--report"]) == 0
    assert "Only 1 night(s): too few for a median" in (out / "nights.html").read_text()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["time_in_bed"]["source"] == "diary"
    assert summary["time_in_bed"]["start_s"] == pytest.approx(240.0)
    assert summary["time_in_bed"]["end_s"] == pytest.approx(2040.0)
    hours = {i["name"]: i["value"] for i in summary["indices"]}["accel_time_in_bed_worn_h"]
    assert hours == pytest.approx(0.5)


def test_diary_option_is_refused_for_an_edf_night(make_edf, two_leg_signals, tmp_path: Path,
                                                  capsys) -> None:
    from somnomotor.cli.main import main

    edf = make_edf(signals=two_leg_signals)
    diary = tmp_path / "diary.csv"
    diary.write_text("date,bedtime,rise_time\n2026-01-01,22:00,06:00\n")
    assert main(["analyze", str(edf), "--out", str(tmp_path / "o"), "--diary", str(diary)]) == 1
    assert "--diary gives the time in bed of accelerometer nights" in capsys.readouterr().err


def test_a_recording_of_several_days_is_split_into_nights(tmp_path: Path, capsys) -> None:
    """Two evenings in one 32-h file: noon-to-noon windows, one folder per night."""
    from somnomotor.accel_night import split_nights
    from somnomotor.cli.main import main

    fs = 10.0
    start = dt.datetime(2026, 1, 1, 18, 0)
    pieces = []
    for k, post_min in enumerate((1080, 120)):  # 18:00 -> 18:00, then 18:00 -> 02:00
        n = simulate_accel_night(duration_h=2.0, fs_hz=fs, seed=20 + k, pre_bed_min=240,
                                 post_bed_min=post_min, start=start + dt.timedelta(days=k))
        pieces.append(n.recording.acceleration_g)
    rec = AccelRecording(np.vstack(pieces), fs, start, "csv", "week.csv")
    nights = split_nights(rec)
    # Jan 1 evening: 18:00 -> Jan 2 noon (18 h); Jan 2 evening: noon -> Jan 3 02:00 (14 h)
    assert [d for d, _ in nights] == [dt.date(2026, 1, 1), dt.date(2026, 1, 2)]
    assert nights[0][1].duration_s == pytest.approx(18 * 3600)
    assert nights[1][1].start == dt.datetime(2026, 1, 2, 12, 0)
    assert nights[1][1].duration_s == pytest.approx(14 * 3600)
    path = tmp_path / "week.csv"
    import pandas as pd

    times = pd.Timestamp(start) + pd.to_timedelta(np.arange(rec.n_samples) / fs, unit="s")
    pd.DataFrame({"time": times.strftime("%Y-%m-%d %H:%M:%S.%f"), "x": rec.acceleration_g[:, 0],
                  "y": rec.acceleration_g[:, 1], "z": rec.acceleration_g[:, 2]}
                 ).to_csv(path, index=False, float_format="%.4f")
    diary = tmp_path / "diary.csv"
    diary.write_text("date,bedtime,rise_time\n" + "".join(
        f"2026-01-0{k},22:00,00:00\n" for k in (1, 2)))
    out = tmp_path / "res"
    assert main(["analyze", str(path), "--out", str(out), "--diary", str(diary), "--report"]) == 0
    for k in (1, 2):
        summary = json.loads((out / f"2026-01-0{k}" / "summary.json").read_text())
        assert summary["time_in_bed"]["source"] == "diary"
        assert summary["time_in_bed"]["end_s"] - summary["time_in_bed"]["start_s"] == 7200.0
    assert (out / "nights.html").exists()
    assert "not the PSG plms_index" in capsys.readouterr().out
