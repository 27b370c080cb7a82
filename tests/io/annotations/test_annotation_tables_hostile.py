"""CSV/TSV tables: date-time onsets (MATPLM's layout), left-LM/right-LM labels, and rows
whose numbers are broken (1e308, NaN) refused naming the line.

``matplm_style_tmpplm_synthetic.txt`` has the layout of MATPLM's
``current_version/tmpplm.txt`` (rlslabgit/MATPLM, commit 7e4b1856: tab-separated
``Start Type Duration``, ISO date-time onsets, ``left-LM``/``right-LM``); its values are made
up here, as that repository has no licence.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from somnomotor._errors import AnnotationError
from somnomotor.cli.main import main
from somnomotor.io.annotations import read_annotations

DATA = Path(__file__).resolve().parents[2] / "data" / "annotations"
MATPLM = DATA / "matplm_style_tmpplm_synthetic.txt"


def test_matplm_table_with_date_time_onsets_and_sided_labels() -> None:
    ann = read_annotations(MATPLM)
    assert ann.start == dt.datetime(2015, 7, 9, 21, 50, 22)
    legs = ann.events.select("limb_movement")
    # onsets from the first row; across midnight 23:59:50 is 2 h 9 min 28 s later
    assert list(legs.onset_s) == pytest.approx([0.0, 19.5, 40.25, 58.0, 7768.0])
    assert list(legs.duration_s) == pytest.approx([1.25, 0.75, 2.5, 12.0, 3.0])
    assert list(legs.frame["side"]) == ["right", "left", "right", "left", "right"]
    # the 0.4-s row is below the 0.5-s minimum: kept as 'other' and counted in a warning
    assert len(ann.events.select("other")) == 1
    assert any("less than 0.5 s" in w for w in ann.warnings)


def test_matplm_table_aligned_to_a_recording_by_clock_time() -> None:
    ann = read_annotations(MATPLM, recording_start=dt.datetime(2015, 7, 9, 21, 50, 0),
                           recording_duration_s=9000.0)
    assert ann.events.select("limb_movement").onset_s[0] == pytest.approx(22.0)


def test_score_events_on_matplm_table_counts_the_leg_movements(capsys, tmp_path) -> None:
    assert main(["score-events", str(MATPLM), "--out", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.startswith("5 leg movements")


def _table(tmp_path: Path, body: str, name: str = "events.csv") -> Path:
    path = tmp_path / name
    path.write_text("onset,duration,label\n" + body)
    return path


@pytest.mark.parametrize("value", ["1e308", "-1e308", "inf", "nan", "700000"])
def test_onset_out_of_range_is_refused_naming_line_and_value(tmp_path, value) -> None:
    path = _table(tmp_path, f"10,2,Limb movement\n{value},2,Limb movement\n")
    with pytest.raises(AnnotationError, match=rf"events\.csv', line 3: onset '{value}'"):
        read_annotations(path)


def test_onset_of_1e308_on_the_command_line_is_one_line_without_numpy_warning(
        capsys, tmp_path) -> None:
    path = _table(tmp_path, "10,2,Limb movement\n1e308,2,Limb movement\n")
    code = main(["score-events", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and "line 3" in err[0] and "1e308" in err[0]
    assert "overflow" not in err[0] and "recording_duration_s" not in err[0]


@pytest.mark.parametrize("value", ["NaN", "nan", "inf"])
def test_nan_stage_duration_is_refused_naming_the_line(tmp_path, value) -> None:
    path = _table(tmp_path, f"0,30,N2\n30,{value},N3\n")
    with pytest.raises(AnnotationError, match=rf"line 3: duration '{value}'"):
        read_annotations(path)


def test_missing_duration_still_means_one_epoch(tmp_path) -> None:
    path = _table(tmp_path, "0,30,N2\n30,n/a,N3\n")
    hyp = read_annotations(path).hypnogram
    assert hyp is not None and hyp.stages == ("N2", "N3")


def test_mixed_date_time_and_second_onsets_are_refused(tmp_path) -> None:
    path = _table(tmp_path, "2015-07-09T21:50:22,2,Limb movement\n30,2,Limb movement\n")
    with pytest.raises(AnnotationError, match="line 3: onsets mix date-times and seconds"):
        read_annotations(path)
