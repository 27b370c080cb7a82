"""CSV/TSV event tables and one-stage-per-line hypnograms."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from somnomotor._errors import AnnotationError
from somnomotor.io.annotations import detect_format, read_annotations


def test_csv_with_onset_duration_description(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text("Onset (s),Duration,Description,Channel\n"
                    "12.5,1.5,LM,LAT\n30,15,Central Apnea,\n45.25,3,EEG arousal,C3\n")
    assert detect_format(path) == "table"
    frame = read_annotations(path).events.frame
    assert list(frame["onset_s"]) == pytest.approx([12.5, 30.0, 45.25])
    assert list(frame["trial_type"]) == ["limb_movement", "apnea", "arousal"]
    assert list(frame["side"]) == ["left", "n/a", "n/a"]
    assert list(frame["channel"]) == ["LAT", "n/a", "C3"]


def test_bids_events_tsv_with_trial_type_and_missing_duration(tmp_path: Path) -> None:
    path = tmp_path / "sub-01_events.tsv"
    path.write_text("onset\tduration\ttrial_type\n0\t30\tW\n30\t30\tN2\n40\tn/a\tLights off\n")
    ann = read_annotations(path)
    assert ann.hypnogram is not None and ann.hypnogram.stages == ("W", "N2")
    assert ann.hypnogram.analysis_start_s == 40.0
    assert ann.events.frame.loc[0, "duration_s"] == 0.0


def test_semicolon_table_with_decimal_comma(tmp_path: Path) -> None:
    path = tmp_path / "events.txt"
    path.write_text("start;dur;event\n12,5;1,5;PLM\n")
    frame = read_annotations(path).events.frame
    assert frame.loc[0, "onset_s"] == 12.5 and frame.loc[0, "duration_s"] == 1.5


def test_table_with_non_numeric_onset_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text("onset,duration,label\n1,2,LM\nlater,2,LM\n")
    with pytest.raises(AnnotationError, match=r"events\.csv.*line 3"):
        read_annotations(path)


def test_table_with_a_short_row_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text("onset,duration,label\n1,2,LM\n2\n")
    with pytest.raises(AnnotationError, match="line 3"):
        read_annotations(path)


def test_stage_per_line_text_gives_30s_epochs_from_the_recording_start(tmp_path: Path) -> None:
    path = tmp_path / "hypno.txt"
    path.write_text("W\nN1\nN2\n\nN3\nN4\nREM\nMT\n?\n")
    assert detect_format(path) == "stages"
    ann = read_annotations(path, recording_start=dt.datetime(2026, 1, 1, 22, 0),
                           recording_duration_s=300.0)
    assert ann.hypnogram is not None
    assert ann.hypnogram.stages == ("W", "N1", "N2", "N3", "N3", "R", "MT", "UNS")
    assert ann.hypnogram.onset_s == 0.0


def test_numeric_stage_codes_follow_the_nsrr_numbering(tmp_path: Path) -> None:
    path = tmp_path / "hypno.txt"
    path.write_text("0\r\n1\r\n2\r\n3\r\n4\r\n5\r\n9\r\n")
    hyp = read_annotations(path, format="stages").hypnogram
    assert hyp is not None and hyp.stages == ("W", "N1", "N2", "N3", "N3", "R", "UNS")


def test_stage_text_with_an_unknown_stage_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "hypno.txt"
    path.write_text("W\nN1\nbanana\n")
    with pytest.raises(AnnotationError, match=r"hypno\.txt.*line 3.*banana"):
        read_annotations(path, format="stages")
