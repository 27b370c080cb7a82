"""Tests of unit normalisation (EDF+ physical dimension -> µV) and the plausibility heuristic."""

from __future__ import annotations

import pytest

from somnomotor.io.units import (
    PLAUSIBLE_MAX_UV,
    UNLABELLED_VOLTS_BELOW,
    check_voltage_unit,
    normalize_unit,
)

# (spelling in a file, factor to µV). Factors are SI prefixes: V = 1e6 µV, mV = 1e3 µV.
VOLTAGE_SPELLINGS = [
    ("V", 1e6), ("v", 1e6), ("Volt", 1e6), ("volts", 1e6),
    ("mV", 1e3), ("MV", 1e3), ("mv", 1e3), ("millivolt", 1e3), ("milli V", 1e3),
    ("uV", 1.0), ("UV", 1.0), ("uv", 1.0), ("u V", 1.0),
    ("\u00b5V", 1.0),  # micro sign
    ("\u03bcV", 1.0),  # Greek small mu
    ("\u00b5v", 1.0),
    ("micro V", 1.0), ("microV", 1.0), ("microvolt", 1.0), ("Microvolts", 1.0),
    ("micro-volt", 1.0), ("mcV", 1.0), ("(uV)", 1.0), (" uV ", 1.0),
    ("\u00c2\u00b5V", 1.0),  # UTF-8 micro sign decoded as Latin-1
    ("\ufffdV", 1.0),  # micro sign replaced by an ASCII decoder
    ("nV", 1e-3), ("nanovolt", 1e-3),
]


@pytest.mark.parametrize(("spelling", "factor"), VOLTAGE_SPELLINGS)
def test_voltage_spellings_normalise_to_microvolt(spelling: str, factor: float) -> None:
    info = normalize_unit(spelling)
    assert info.unit == "uV"
    assert info.to_uv == pytest.approx(factor)


@pytest.mark.parametrize("unit", ["%", "bpm", "degC", "DegC", "", "L/min", "cmH2O", "Ohm",
                                  "mmHg", "g", "BPM", "%SpO2"])
def test_non_voltage_units_are_kept_as_written(unit: str) -> None:
    info = normalize_unit(unit)
    assert info.to_uv is None and not info.is_voltage
    assert info.unit == unit.strip()


def test_plausible_leg_emg_in_microvolt_gives_no_warning() -> None:
    info, warning = check_voltage_unit("LAT", "uV", role="leg_left",
                                       physical_min=-3200.0, physical_max=3200.0)
    assert info.to_uv == 1.0 and warning is None


def test_missing_unit_on_leg_emg_with_values_below_volt_threshold_is_read_as_volts() -> None:
    # a leg EMG whose whole range is < 0.01 only makes sense in volts (±10 mV)
    info, warning = check_voltage_unit("Leg L", "", role="leg_left",
                                       physical_min=-0.005, physical_max=0.005)
    assert info.unit == "uV" and info.to_uv == 1e6
    assert warning is not None and "'Leg L'" in warning and "volts" in warning


def test_missing_unit_on_chin_emg_with_microvolt_range_is_read_as_microvolt_with_warning() -> None:
    info, warning = check_voltage_unit("Chin", "", role="chin",
                                       physical_min=-500.0, physical_max=500.0)
    assert info.to_uv == 1.0
    assert warning is not None and "'Chin'" in warning and "no unit" in warning


def test_volts_threshold_is_a_boundary() -> None:
    below, _ = check_voltage_unit("LAT", "", role="leg_left",
                                  physical_min=-UNLABELLED_VOLTS_BELOW * 0.99,
                                  physical_max=0.0)
    at, _ = check_voltage_unit("LAT", "", role="leg_left",
                               physical_min=-UNLABELLED_VOLTS_BELOW, physical_max=0.0)
    assert below.to_uv == 1e6 and at.to_uv == 1.0


def test_millivolt_label_with_huge_range_warns_naming_the_channel() -> None:
    info, warning = check_voltage_unit("RAT", "mV", role="leg_right",
                                       physical_min=-3200.0, physical_max=3200.0)
    assert info.to_uv == 1e3  # never rescaled silently when a unit is given
    assert warning is not None and "'RAT'" in warning and "probably wrong" in warning


def test_range_just_above_plausible_maximum_warns() -> None:
    _, inside = check_voltage_unit("EEG", "uV", role="eeg", physical_min=-PLAUSIBLE_MAX_UV,
                                   physical_max=PLAUSIBLE_MAX_UV)
    _, outside = check_voltage_unit("EEG", "uV", role="eeg",
                                    physical_min=-PLAUSIBLE_MAX_UV * 1.01, physical_max=0.0)
    assert inside is None and outside is not None


def test_microvolt_label_on_volt_values_warns() -> None:
    _, warning = check_voltage_unit("EMG Chin", "uV", role="chin",
                                    physical_min=-0.005, physical_max=0.005)
    assert warning is not None and "'EMG Chin'" in warning


def test_voltage_role_with_non_voltage_unit_warns_and_keeps_unit() -> None:
    info, warning = check_voltage_unit("LAT", "%", role="leg_left",
                                       physical_min=0.0, physical_max=100.0)
    assert info.unit == "%" and info.to_uv is None
    assert warning is not None and "'LAT'" in warning


def test_non_voltage_role_without_unit_is_quiet() -> None:
    info, warning = check_voltage_unit("Airflow", "", role="respiratory",
                                       physical_min=-1.0, physical_max=1.0)
    assert info.unit == "" and warning is None
