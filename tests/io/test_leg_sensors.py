"""Leg channels that are not tibialis EMG are recognised and never scored with the EMG rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from somnomotor.io.edf import read_recording
from somnomotor.io.leg_sensors import classify_leg_sensor
from somnomotor.recording import Channel, Recording


def _recording(legs: dict[str, tuple[str, float, str, str]], *,
               kinds: dict[str, str] | None = None) -> Recording:
    """legs: role -> (label, fs_hz, unit, transducer); 10 s of zeros each."""
    channels = tuple(
        Channel(label=label, fs_hz=fs, unit=unit, n_samples=int(10 * fs),
                loader=lambda n=int(10 * fs): np.zeros(n, np.float32), transducer=transducer)
        for label, fs, unit, transducer in legs.values())
    roles = {role: (spec[0],) for role, spec in legs.items()}
    return Recording(channels=channels, roles=roles, sensor_kinds=kinds or {},
                     channel_map="test" if kinds else None)


def test_no_leg_channel_is_kind_none() -> None:
    sensor = classify_leg_sensor(Recording(channels=(Channel.from_array("EMG", np.zeros(100),
                                                                        fs_hz=100.0),),
                                           roles={"chin": ("EMG",)}))
    assert (sensor.kind, sensor.scored, sensor.reason) == ("none", False, "no leg channel")


@pytest.mark.parametrize(("fs_hz", "scored"), [(99.9, False), (100.0, True)])
def test_rate_boundary_at_100_hz(fs_hz: float, scored: bool) -> None:
    sensor = classify_leg_sensor(_recording({"leg": ("Leg", fs_hz, "uV", "")}))
    assert sensor.scored is scored
    assert sensor.kind == ("emg" if scored else "motion")
    if not scored:
        assert "below 100 Hz" in sensor.reason and "n/a" in sensor.reason


def test_mesa_like_leg_at_32_hz_is_not_scored() -> None:
    sensor = classify_leg_sensor(_recording({"leg": ("Leg", 32.0, "uV", "")}))
    assert not sensor.scored
    assert sensor.to_dict()["fs_hz"] == 32.0


@pytest.mark.parametrize(("transducer", "kind"), [
    ("Compumedics piezo leg leads", "piezo"),
    ("PIEZO", "piezo"),
    ("Limb movement sensor", "motion"),
    ("ActiGraph", "motion"),
    ("3-axis accelerometer", "motion"),
])
def test_transducer_text_makes_a_fast_channel_a_movement_sensor(transducer: str,
                                                                kind: str) -> None:
    # 256 Hz: only the transducer field says it is not EMG
    sensor = classify_leg_sensor(_recording({"leg_left": ("Leg L", 256.0, "uV", transducer),
                                             "leg_right": ("Leg R", 256.0, "uV", "AgAgCl")}))
    assert sensor.kind == kind
    assert not sensor.scored
    assert transducer in sensor.reason


@pytest.mark.parametrize("transducer", ["AgAgCl electrode", "Gold cup electrode",
                                        "surface EMG", ""])
def test_emg_transducer_or_none_at_256_hz_is_scored(transducer: str) -> None:
    sensor = classify_leg_sensor(_recording({"leg_left": ("LAT", 256.0, "uV", transducer),
                                             "leg_right": ("RAT", 256.0, "uV", transducer)}))
    assert (sensor.kind, sensor.scored, sensor.warnings) == ("emg", True, ())
    assert sensor.band_hz == (10.0, 100.0)


@pytest.mark.parametrize("unit", ["g", "mg", "counts", "%", "V/s"])
def test_a_unit_that_is_not_a_voltage_is_a_movement_sensor(unit: str) -> None:
    sensor = classify_leg_sensor(_recording({"leg": ("Leg", 256.0, unit, "")}))
    assert (sensor.kind, sensor.scored) == ("motion", False)
    assert f"unit {unit!r}" in sensor.reason


def test_map_kind_piezo_wins_at_any_rate() -> None:
    sensor = classify_leg_sensor(_recording({"leg": ("Leg", 512.0, "uV", "")},
                                            kinds={"Leg": "piezo"}))
    assert (sensor.kind, sensor.scored) == ("piezo", False)
    assert "channel map 'test' declares it piezo" in sensor.reason


def test_map_saying_emg_does_not_override_a_piezo_transducer() -> None:
    sensor = classify_leg_sensor(_recording({"leg": ("Leg", 512.0, "uV", "piezo")},
                                            kinds={"Leg": "emg"}))
    assert (sensor.kind, sensor.scored) == ("piezo", False)


def test_emg_declared_but_sampled_below_100_hz_is_refused_as_emg() -> None:
    sensor = classify_leg_sensor(_recording({"leg": ("lleg_r", 64.0, "uV", "")},
                                            kinds={"lleg_r": "emg"}))
    assert (sensor.kind, sensor.scored) == ("emg", False)
    assert "sampled at 64 Hz" in sensor.reason


def test_one_piezo_leg_stops_both() -> None:
    sensor = classify_leg_sensor(_recording({"leg_left": ("LAT", 256.0, "uV", ""),
                                             "leg_right": ("RAT", 256.0, "uV", "piezo")}))
    assert not sensor.scored and sensor.kind == "piezo"


@pytest.mark.parametrize(("fs_hz", "band_high_hz", "warned"), [
    (100.0, 45.0, True),    # WSC Grass Heritage
    (199.0, 89.55, True),
    (200.0, 90.0, False),   # WSC Grass Comet: AASM minimum reached; 100 Hz is Nyquist
    (201.0, 100.0, False),  # 100 Hz below Nyquist (100.5 Hz): the standard edge is kept
    (256.0, 100.0, False),
])
def test_emg_band_follows_the_detector_and_warns_below_200_hz(
        fs_hz: float, band_high_hz: float, warned: bool) -> None:
    sensor = classify_leg_sensor(_recording({"leg": ("lleg_r", fs_hz, "uV", "")}))
    assert sensor.scored
    assert sensor.band_hz == (10.0, pytest.approx(band_high_hz))
    assert bool(sensor.warnings) is warned
    if warned:
        assert "not comparable" in sensor.warnings[0]


def test_edf_transducer_field_is_kept_on_the_channel(tmp_path: Path) -> None:
    import edfio

    fs = 64.0
    signals = [edfio.EdfSignal(np.zeros(int(20 * fs)), fs, label=label,
                               transducer_type=transducer, physical_dimension="uV",
                               physical_range=(-100.0, 100.0))
               for label, transducer in (("L Leg", "Compumedics piezo leg leads"),
                                         ("R Leg", ""))]
    edfio.Edf(signals, starttime=dt.time(22, 0),
              recording=edfio.Recording(startdate=dt.date(2026, 1, 1))).write(tmp_path / "x.edf")
    rec = read_recording(tmp_path / "x.edf")
    assert rec.channel("L Leg").transducer == "Compumedics piezo leg leads"
    assert rec.channel("R Leg").transducer == ""
    assert not any("has no side" in w for w in rec.warnings)
