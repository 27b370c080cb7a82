"""Cohort montages end to end: MESA, MrOS/CFS, SHHS and WSC-like EDFs through the CLI.

A leg movement sensor (piezo, < 100 Hz, non-voltage unit) is never scored with the EMG
rules: the leg step is skipped with the reason, summary.json says why, one stderr line says
so, every other analysis still runs, and the exit code is 0. WSC's linked tibialis EMG at
100 Hz is scored, with a warning, and finds the bursts put into it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.signal import butter, sosfiltfilt

from somnomotor.cli.main import main

DURATION_S = 600.0


def _write(path: Path, signals: list[tuple[str, np.ndarray, float, str, str]]) -> Path:
    """signals: (label, data, fs_hz, unit, transducer)."""
    import edfio

    edf_signals = []
    for label, data, fs, unit, transducer in signals:
        peak = max(1.0, float(np.max(np.abs(data))) * 1.1)
        edf_signals.append(edfio.EdfSignal(
            np.asarray(data, float), fs, label=label, physical_dimension=unit,
            transducer_type=transducer, physical_range=(-peak, peak)))
    edfio.Edf(edf_signals, starttime=dt.time(22, 0),
              recording=edfio.Recording(startdate=dt.date(2026, 1, 1))).write(path)
    return path


def _noise(rng: np.random.Generator, fs: float, sd: float) -> np.ndarray:
    return rng.normal(0.0, sd, int(DURATION_S * fs))


def _emg_with_bursts(rng: np.random.Generator, fs: float, onsets: list[float],
                     durations: list[float], *, hardware_low_pass_hz: float) -> np.ndarray:
    """Resting EMG (1 µV sd) with bursts of 25 µV sd, both low-passed like the amplifier."""
    x = rng.normal(0.0, 1.0, int(DURATION_S * fs))
    for onset, dur in zip(onsets, durations, strict=True):
        a, b = int(round(onset * fs)), int(round((onset + dur) * fs))
        x[a:b] += rng.normal(0.0, 25.0, b - a)
    sos = butter(4, hardware_low_pass_hz, fs=fs, output="sos")
    return sosfiltfilt(sos, x)


def _eeg_chin_ecg(rng: np.random.Generator, *, eeg: str, chin: str, ecg: str,
                  fs: float = 256.0) -> list[tuple[str, np.ndarray, float, str, str]]:
    return [(eeg, _noise(rng, fs, 20.0), fs, "uV", "Gold cup electrode"),
            (chin, _noise(rng, fs, 3.0), fs, "uV", "Gold cup electrode"),
            (ecg, _noise(rng, fs, 50.0), fs, "uV", "Ag/AgCl patch")]


def _analyze(path: Path, out: Path, *extra: str) -> int:
    return main(["analyze", str(path), "--out", str(out), "--no-auto-staging", *extra])


def _summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("unit", "transducer", "extra", "kind"), [
    ("uV", "", (), "motion"),                                     # rate alone
    ("", "Compumedics Limb Movement Sensor (Piezo)", (), "piezo"),  # transducer
    ("mV", "", ("--channel-map", "mesa"), "piezo"),               # the MESA map
])
def test_mesa_like_leg_is_not_scored_and_the_rest_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], unit: str, transducer: str,
        extra: tuple[str, ...], kind: str) -> None:
    rng = np.random.default_rng(3)
    path = _write(tmp_path / "mesa.edf", [
        *_eeg_chin_ecg(rng, eeg="EEG3", chin="EMG", ecg="EKG"),
        ("Leg", _noise(rng, 32.0, 0.2), 32.0, unit, transducer)])
    out = tmp_path / "out"
    assert _analyze(path, out, *extra) == 0
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if "'Leg'" in ln and "not tibialis EMG" in ln]
    assert len(lines) == 1, err
    assert "has no side" not in err  # no note on how a combined EMG leg is scored
    summary = _summary(out)
    leg = summary["leg_sensor"]
    assert (leg["kind"], leg["scored"], leg["fs_hz"]) == (kind, False, 32.0)
    assert "n/a" in leg["reason"]
    assert summary["skipped_analyses"]["leg_movements"] == leg["reason"]
    assert summary["skipped_analyses"]["rhythmic_leg_activity"] == leg["reason"]
    assert "leg_movements" not in summary["analyses"]
    assert not [ix for ix in summary["indices"] if ix["family"] == "leg_movements"]
    assert summary["channel_mapping"]["leg"] == ["Leg"]
    # the other analyses ran, on the chin, never on the leg sensor
    assert "fragmentary_myoclonus" in summary["analyses"]
    frame = pd.read_csv(out / "events.tsv", sep="\t")
    on_leg = frame[frame["channel"].astype(str) == "Leg"]
    assert set(on_leg["trial_type"]) <= {"leg_motion", "leg_motion_long"}
    # the separate movement-sensor count, under its own names
    motion = [ix["name"] for ix in summary["indices"] if ix["family"] == "leg_motion"]
    assert motion == ["leg_motion_count", "leg_motion_index", "leg_motion_long_count"]


@pytest.mark.parametrize(("legs", "chins", "eeg", "ecg", "cmap"), [
    (("Leg L", "Leg R"), ("L Chin", "R Chin"), "C3", "ECG L", "mros"),
    (("L Leg", "R Leg"), ("EMG1", "EMG2"), "C3", "ECG1", "cfs"),
])
@pytest.mark.parametrize("use_map", [False, True])
def test_mros_and_cfs_like_piezo_legs_are_not_scored(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], legs: tuple[str, str],
        chins: tuple[str, str], eeg: str, ecg: str, cmap: str, use_map: bool) -> None:
    rng = np.random.default_rng(5)
    signals = [*_eeg_chin_ecg(rng, eeg=eeg, chin=chins[0], ecg=ecg),
               (chins[1], _noise(rng, 256.0, 3.0), 256.0, "uV", "Gold cup electrode")]
    signals += [(label, _noise(rng, 64.0, 5.0), 64.0, "uV", "") for label in legs]
    path = _write(tmp_path / f"{cmap}.edf", signals)
    out = tmp_path / "out"
    assert _analyze(path, out, *(("--channel-map", cmap) if use_map else ())) == 0
    err = capsys.readouterr().err
    assert sum("not tibialis EMG" in ln for ln in err.splitlines()) == 1, err
    leg = _summary(out)["leg_sensor"]
    assert leg["kind"] == ("piezo" if use_map else "motion")
    assert not leg["scored"]
    assert [c["fs_hz"] for c in leg["channels"]] == [64.0, 64.0]
    assert {c["label"] for c in leg["channels"]} == set(legs)
    summary = _summary(out)
    assert "fragmentary_myoclonus" in summary["analyses"]
    # the piezo legs are not EMG channels: one chin EMG is left, too few for sleep starts
    assert summary["skipped_analyses"]["sleep_starts"] == "fewer than two EMG channels"
    frame = pd.read_csv(out / "events.tsv", sep="\t")
    assert set(frame[frame["trial_type"] != "leg_motion"]["channel"].astype(str)).isdisjoint(legs)
    assert "leg_motion" in summary["analyses"]


def test_explicitly_asking_for_legs_on_a_piezo_montage_fails_with_the_reason(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(6)
    path = _write(tmp_path / "mros.edf", [
        *_eeg_chin_ecg(rng, eeg="C3", chin="L Chin", ecg="ECG L"),
        ("Leg L", _noise(rng, 64.0, 5.0), 64.0, "uV", ""),
        ("Leg R", _noise(rng, 64.0, 5.0), 64.0, "uV", "")])
    assert _analyze(path, tmp_path / "out", "--only", "leg_movements",
                    "--channel-map", "mros") == 1
    err = capsys.readouterr().err
    assert "cannot run leg_movements" in err and "piezoelectric" in err
    assert not (tmp_path / "out").exists()


def test_shhs_like_night_without_leg_runs_the_rest(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(7)
    path = _write(tmp_path / "shhs.edf", [
        ("EEG", _noise(rng, 125.0, 20.0), 125.0, "uV", ""),
        ("EEG(sec)", _noise(rng, 125.0, 20.0), 125.0, "uV", ""),
        ("EMG", _noise(rng, 125.0, 3.0), 125.0, "uV", ""),
        ("ECG", _noise(rng, 125.0, 50.0), 125.0, "mV", ""),
        ("EOG(L)", _noise(rng, 50.0, 30.0), 50.0, "uV", ""),
        ("SaO2", 95.0 + _noise(rng, 1.0, 0.5), 1.0, "%", "")])
    out = tmp_path / "out"
    assert _analyze(path, out, "--channel-map", "shhs") == 0
    assert "not tibialis EMG" not in capsys.readouterr().err
    summary = _summary(out)
    assert summary["leg_sensor"]["kind"] == "none"
    assert summary["leg_sensor"]["scored"] is False
    assert "no tibialis" in summary["skipped_analyses"]["leg_movements"]
    assert "fragmentary_myoclonus" in summary["analyses"]
    assert "leg_motion" not in summary["analyses"]


# Ground truth for the WSC nights: LM onsets (s) and durations (s), IMIs 20-40 s.
BURST_ONSETS = [40.0, 72.5, 101.0, 135.0, 160.0, 199.5, 230.0, 262.0, 300.0, 331.0, 365.5,
                400.0, 428.0, 461.0, 497.5, 530.0, 561.0]
BURST_DURATIONS = [1.0, 2.0, 1.5, 3.0, 0.8, 2.5, 1.2, 4.0, 1.0, 2.0, 1.5, 3.0, 0.9, 2.2, 1.6,
                   2.8, 1.1]


@pytest.mark.parametrize(("fs_hz", "low_pass_hz", "warned"), [
    (100.0, 30.0, True),   # Grass Heritage (2000-2009), NSRR montage page
    (200.0, 70.0, False),  # Grass Comet (2009-)
])
def test_wsc_like_linked_tibialis_is_scored_and_finds_the_bursts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], fs_hz: float,
        low_pass_hz: float, warned: bool) -> None:
    rng = np.random.default_rng(11)
    leg = _emg_with_bursts(rng, fs_hz, BURST_ONSETS, BURST_DURATIONS,
                           hardware_low_pass_hz=low_pass_hz)
    path = _write(tmp_path / "wsc.edf", [
        ("C3_M2", _noise(rng, fs_hz, 20.0), fs_hz, "uV", ""),
        ("cchin_l", _noise(rng, fs_hz, 3.0), fs_hz, "uV", ""),
        ("ECG", _noise(rng, fs_hz, 50.0), fs_hz, "uV", ""),
        ("lleg_r", leg, fs_hz, "uV", "")])
    out = tmp_path / "out"
    assert _analyze(path, out, "--channel-map", "wsc") == 0
    capsys.readouterr()
    summary = _summary(out)
    sensor = summary["leg_sensor"]
    assert (sensor["kind"], sensor["scored"]) == ("emg", True)
    assert summary["channel_mapping"]["leg"] == ["lleg_r"]
    assert sensor["emg_band_hz"] == [10.0, pytest.approx(0.45 * fs_hz)]
    assert "leg_motion" not in summary["analyses"]
    leg_warnings = summary["analyses"]["leg_movements"]["warnings"]
    assert any("not comparable" in w for w in leg_warnings) is warned
    events = pd.read_csv(out / "events.tsv", sep="\t")
    lms = events[events["trial_type"] == "leg_movement"].sort_values("onset")
    # every burst found once and nothing else; onsets within 0.5 s (the WASM minimum
    # LM duration; measured: max 0.33 s, median 0.03 s at 100 Hz with the 30-Hz hardware
    # low pass; max 0.04 s at 200 Hz)
    assert len(lms) == len(BURST_ONSETS), lms[["onset", "duration"]]
    onset_error_s = np.abs(lms["onset"].to_numpy() - np.array(BURST_ONSETS))
    assert np.max(onset_error_s) < 0.5, onset_error_s


def test_cohort_with_the_mros_map_skips_legs_on_every_night(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "edfs"
    folder.mkdir()
    for i in range(2):
        rng = np.random.default_rng(20 + i)
        _write(folder / f"mros-visit1-aa{i:04d}.edf", [
            *_eeg_chin_ecg(rng, eeg="C3", chin="L Chin", ecg="ECG L"),
            ("Leg L", _noise(rng, 64.0, 5.0), 64.0, "uV", ""),
            ("Leg R", _noise(rng, 64.0, 5.0), 64.0, "uV", "")])
    out = tmp_path / "cohort"
    assert main(["cohort", str(folder), "--out", str(out), "--jobs", "1",
                 "--no-auto-staging", "--channel-map", "mros"]) == 0
    err = capsys.readouterr().err
    assert sum("piezoelectric" in ln for ln in err.splitlines()) == 2, err
    table = pd.read_csv(out / "cohort.tsv", sep="\t")
    assert list(table["status"]) == ["ok", "ok"]
    assert not any(c.startswith(("plm", "lm_")) for c in table.columns)
    for name in table["output"]:
        leg = _summary(Path(name))["leg_sensor"]
        assert (leg["kind"], leg["scored"], leg["channel_map"]) == ("piezo", False, "mros")


def test_cohort_with_an_unknown_map_fails_before_any_night(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(30)
    _write(tmp_path / "a.edf", _eeg_chin_ecg(rng, eeg="C3", chin="EMG", ecg="ECG"))
    assert main(["cohort", str(tmp_path / "a.edf"), "--out", str(tmp_path / "o"),
                 "--channel-map", "mros3"]) == 1
    assert "unknown channel map 'mros3'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_channels_command_says_the_piezo_leg_is_not_scored(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(40)
    path = _write(tmp_path / "cfs.edf", [
        *_eeg_chin_ecg(rng, eeg="C3", chin="EMG1", ecg="ECG1"),
        ("L Leg", _noise(rng, 64.0, 5.0), 64.0, "uV", ""),
        ("R Leg", _noise(rng, 64.0, 5.0), 64.0, "uV", "")])
    assert main(["channels", str(path), "--channel-map", "cfs"]) == 0
    out = capsys.readouterr().out
    leg_line = next(ln for ln in out.splitlines() if ln.strip().startswith("leg_movements"))
    assert "not scored" in leg_line and "piezoelectric" in leg_line
