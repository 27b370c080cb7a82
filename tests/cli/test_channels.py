"""Tests of ``somnomotor channels`` and the shared ``--channel ROLE=LABEL`` parser."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from somnomotor._errors import ParameterError
from somnomotor.cli._common import parse_channel_overrides
from somnomotor.cli.main import main

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "short_psg.edf"


def _row(out: str, label: str) -> list[str]:
    for line in out.splitlines():
        if line.startswith(label + " "):
            return line[len(label):].split()
    raise AssertionError(f"no row for {label!r} in:\n{out}")


def test_channels_lists_rate_unit_and_role(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["channels", str(FIXTURE)]) == 0
    out = capsys.readouterr().out
    assert "short_psg.edf: 7 channels, 300 s" in out
    assert _row(out, "EEG Fpz-Cz") == ["100", "uV", "eeg"]
    assert _row(out, "EMG submental") == ["1", "uV", "chin"]
    assert _row(out, "Temp rectal") == ["1", "DegC", "-"]


def test_channels_says_what_each_analysis_lacks(capsys: pytest.CaptureFixture[str]) -> None:
    main(["channels", str(FIXTURE)])
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.split("analyses:")[1].splitlines()
             if line.strip() and not line.startswith("Name")}
    assert "missing" in lines["leg_movements"] and "leg_right" in lines["leg_movements"]
    assert lines["rswa"].split()[-1] == "ready"
    assert "at least 2 EMG" in lines["sleep_starts"]


def test_channel_override_changes_role_and_what_is_missing(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["channels", str(FIXTURE), "--channel", "leg=EEG Pz-Oz"]) == 0
    out = capsys.readouterr().out
    assert _row(out, "EEG Pz-Oz") == ["100", "uV", "leg"]
    leg_line = next(line for line in out.splitlines() if line.strip().startswith("leg_movements"))
    assert leg_line.split()[-1] == "ready"


def test_missing_file_is_one_line_on_stderr(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    assert main(["channels", str(tmp_path / "absent.edf")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "absent.edf" in err[0] and err[0].startswith("somnomotor channels")


def test_not_an_edf_is_one_line_on_stderr(capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n" * 50)
    assert main(["channels", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not an EDF or BDF file" in err[0]


def test_unknown_role_in_override_suggests_a_role(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    copy = shutil.copy(FIXTURE, tmp_path / "night.edf")
    assert main(["channels", str(copy), "--channel", "leftleg=EEG Pz-Oz"]) == 1
    err = capsys.readouterr().err
    assert "unknown channel role 'leftleg'" in err and "Did you mean" in err


def test_unknown_label_in_override_lists_channels(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["channels", str(FIXTURE), "--channel", "chin=EMG chin"]) == 1
    err = capsys.readouterr().err
    assert "'EMG chin'" in err and "EMG submental" in err


# -- parse_channel_overrides ------------------------------------------------------------------

def test_parse_channel_overrides_collects_repeated_roles_in_order() -> None:
    parsed = parse_channel_overrides(["leg_left=LAT", "eeg=C3-M2", "eeg=C4-M1", "chin = Chin "])
    assert parsed == {"leg_left": ("LAT",), "eeg": ("C3-M2", "C4-M1"), "chin": ("Chin",)}


def test_parse_channel_overrides_splits_at_the_first_equals_sign() -> None:
    assert parse_channel_overrides(["chin=EMG=1"]) == {"chin": ("EMG=1",)}


def test_parse_channel_overrides_of_nothing_is_empty() -> None:
    assert parse_channel_overrides(None) == {} and parse_channel_overrides([]) == {}


@pytest.mark.parametrize("item", ["LAT", "leg_left=", "=LAT", ""])
def test_parse_channel_overrides_rejects_items_without_role_and_label(item: str) -> None:
    with pytest.raises(ParameterError, match="ROLE=LABEL"):
        parse_channel_overrides([item])


def test_parse_channel_overrides_rejects_unknown_role_with_suggestion() -> None:
    with pytest.raises(ParameterError, match="Did you mean 'leg_right'"):
        parse_channel_overrides(["leg_rigth=RAT"])
