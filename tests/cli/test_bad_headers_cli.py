"""Impossible EDF headers through the command line: one clear line naming the channel,
never an internal error, and ``channels`` calls such a channel unusable."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from somnomotor.cli.main import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "io"))
from test_edf_bad_headers import _signal, write_raw_edf  # noqa: E402


def _legs(tmp_path: Path, **rat: int) -> Path:
    return write_raw_edf(tmp_path / "night.edf",
                         [_signal("LAT", spr=200), _signal("RAT", **{"spr": 200, **rat}),
                          _signal("C4-M1", spr=100)], n_records=60)


@pytest.mark.parametrize("rat", [{"spr": 0}, {"dmin": 40000, "dmax": 50000}],
                         ids=["zero_rate", "digital_range"])
def test_channels_calls_the_bad_channel_unusable(capsys, tmp_path, rat) -> None:
    path = _legs(tmp_path, **rat)
    assert main(["channels", str(path)]) == 0
    captured = capsys.readouterr()
    row = next(line for line in captured.out.splitlines() if line.startswith("RAT "))
    assert "UNUSABLE" in row
    leg = next(line for line in captured.out.splitlines()
               if line.strip().startswith("leg_movements"))
    assert "ready" not in leg
    assert "Traceback" not in captured.err


def test_analyze_with_a_zero_rate_channel_names_it_and_no_internal_error(capsys,
                                                                         tmp_path) -> None:
    path = _legs(tmp_path, spr=0)
    code = main(["analyze", str(path), "--only", "leg_movements", "--no-auto-staging",
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code != 3 and "internal error" not in err and "Traceback" not in err
    lines = [ln for ln in err.splitlines() if "'RAT'" in ln]
    assert len(lines) == 1 and "0 samples per data record" in lines[0]
