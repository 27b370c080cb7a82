"""RemLogic event exports written here with the variations listed in the reference layout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from somnomotor._errors import AnnotationError
from somnomotor.io.annotations import detect_format, read_annotations

HEADER = """RemLogic Event Export
Patient:\tExample Person
Patient ID:\t0001 PSG-1
Recording Date:\t3/14/2015

Events Included:
APNEA-OBSTRUCTIVE
AROUSAL-SPONT
HYPOPNEA
PLM-LM
SLEEP-S0

"""
ROWS = [
    # an arousal before the first stage row
    ("2015-03-14T22:29:55.500000", "AROUSAL-SPONT", "6", "EEG-C3-A2"),
    ("2015-03-14T22:30:00.000000", "SLEEP-S0", "30", "ECG1-ECG2"),
    ("2015-03-14T22:30:30.000000", "SLEEP-S1", "30", "ECG1-ECG2"),
    ("2015-03-14T22:30:41.250000", "PLM-LM", "1.50", "LAntib1-LAntib2"),
    ("2015-03-14T22:30:41.250000", "PLM-LM", "0", "RAntib1-RAntib2"),
    ("2015-03-14T22:31:00.000000", "SLEEP-S2", "30", "EKG"),
    ("2015-03-14T22:31:02.125000", "HYPOPNEA", "18", "Thermistor"),
    ("2015-03-14T22:31:21.000000", "PLM-LM", "2.25", "EMG.Tibialis-Leg.Right"),
    ("2015-03-14T22:31:25.000000", "PLM-LM", "0.30", "EMG.Tibialis-Leg-Left"),
    ("2015-03-14T22:31:30.000000", "SLEEP-S3", "30", "C4-A1"),
    ("2015-03-14T22:31:40.000000", "PLM-LM", "3", "EMG.Tibialis-Leg.Left"),
    ("2015-03-14T22:32:00.000000", "SLEEP-S4", "30", "C4-A1"),
    ("2015-03-14T22:32:05.000000", "AROUSAL-RERA", "25.50", "Effort"),
    ("2015-03-14T22:32:30.000000", "SLEEP-REM", "30", "ECG1-ECG2"),
    ("2015-03-14T22:32:40.000000", "APNEA-OBSTRUCTIVE", "12", "Flow"),
    ("2015-03-14T22:33:00.000000", "SLEEP-UNSCORED", "30", "ECG1-ECG2"),
    ("2015-03-14T22:33:30.000000", "SLEEP-MT", "30", "ECG1-ECG2"),
    ("2015-03-14T22:33:35.000000", "DESAT", "10", "SpO2"),
]


def write_export(path: Path, *, newline: str = "\n", time_header: str = "Time [hh:mm:ss]",
                 rows: list[tuple[str, str, str, str]] = ROWS) -> Path:
    text = HEADER + f"{time_header}\tEvent\tDuration[s]\tLocation\n"
    text += "".join("\t".join(r) + "\n" for r in rows)
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("time_header", ["Time [hh:mm:ss]", "Time [hh:mm:ss.xxx]"])
def test_export_variants_read_the_same(tmp_path: Path, newline: str, time_header: str) -> None:
    path = write_export(tmp_path / "events.txt", newline=newline, time_header=time_header)
    assert detect_format(path) == "remlogic"
    ann = read_annotations(path, recording_start=dt.datetime(2015, 3, 14, 22, 30, 0))
    assert ann.hypnogram is not None
    assert ann.hypnogram.stages == ("W", "N1", "N2", "N3", "N3", "R", "UNS", "MT")
    assert ann.hypnogram.onset_s == 0.0
    assert len(ann.events) == len(ROWS) - 8


def test_stage_rows_are_30s_epochs_with_s3_and_s4_as_n3(tmp_path: Path) -> None:
    ann = read_annotations(write_export(tmp_path / "e.txt"),
                           recording_start=dt.datetime(2015, 3, 14, 22, 30, 0))
    assert ann.hypnogram is not None
    assert ann.hypnogram.duration_s("N3") == 60.0
    assert ann.hypnogram.duration_s("UNS") == 30.0


def test_leg_side_comes_from_the_location_column(tmp_path: Path) -> None:
    ann = read_annotations(write_export(tmp_path / "e.txt"),
                           recording_start=dt.datetime(2015, 3, 14, 22, 30, 0))
    lm = ann.events.select("limb_movement").frame
    assert list(lm["onset_s"]) == pytest.approx([41.25, 81.0, 100.0])
    assert list(lm["side"]) == ["left", "right", "left"]
    assert list(lm["duration_s"]) == pytest.approx([1.5, 2.25, 3.0])
    assert list(lm["channel"]) == ["LAntib1-LAntib2", "EMG.Tibialis-Leg.Right",
                                   "EMG.Tibialis-Leg.Left"]


def test_zero_and_sub_half_second_plm_rows_are_kept_as_other_and_flagged(tmp_path: Path) -> None:
    ann = read_annotations(write_export(tmp_path / "e.txt"))
    frame = ann.events.frame
    short = frame[(frame["label"] == "PLM-LM") & (frame["trial_type"] == "other")]
    assert list(short["duration_s"]) == pytest.approx([0.0, 0.3])
    assert any("2 limb-movement annotation(s)" in w for w in ann.warnings)


def test_rera_arousal_and_respiratory_rows_get_their_kinds(tmp_path: Path) -> None:
    ann = read_annotations(write_export(tmp_path / "e.txt"),
                           recording_start=dt.datetime(2015, 3, 14, 22, 30, 0))
    frame = ann.events.frame.set_index("label")
    assert frame.loc["AROUSAL-RERA", "trial_type"] == "rera"
    assert frame.loc["AROUSAL-RERA", "duration_s"] == pytest.approx(25.5)
    assert frame.loc["AROUSAL-SPONT", "trial_type"] == "arousal"
    assert frame.loc["AROUSAL-SPONT", "onset_s"] == pytest.approx(-4.5)
    assert frame.loc["HYPOPNEA", "trial_type"] == "hypopnea"
    assert frame.loc["APNEA-OBSTRUCTIVE", "trial_type"] == "apnea"
    assert frame.loc["DESAT", "trial_type"] == "other"


def test_without_recording_start_times_count_from_the_first_row(tmp_path: Path) -> None:
    ann = read_annotations(write_export(tmp_path / "e.txt"))
    assert ann.start == dt.datetime(2015, 3, 14, 22, 29, 55, 500000)
    assert ann.hypnogram is not None and ann.hypnogram.onset_s == pytest.approx(4.5)


def test_event_before_the_recording_start_is_clipped_with_a_warning(tmp_path: Path) -> None:
    ann = read_annotations(write_export(tmp_path / "e.txt"),
                           recording_start=dt.datetime(2015, 3, 14, 22, 30, 0),
                           recording_duration_s=600.0)
    arousal = ann.events.frame.set_index("label").loc["AROUSAL-SPONT"]
    assert arousal["onset_s"] == 0.0 and arousal["duration_s"] == pytest.approx(1.5)
    assert any("clipped" in w for w in ann.warnings)


def test_rows_past_midnight_keep_increasing(tmp_path: Path) -> None:
    rows = [("2015-03-14T23:59:30.000000", "SLEEP-S2", "30", "EKG"),
            ("2015-03-15T00:00:00.000000", "SLEEP-S2", "30", "EKG"),
            ("2015-03-15T00:00:10.000000", "PLM-LM", "2", "RAntib1-RAntib2")]
    ann = read_annotations(write_export(tmp_path / "e.txt", rows=rows),
                           recording_start=dt.datetime(2015, 3, 14, 23, 0, 0))
    assert ann.hypnogram is not None and ann.hypnogram.onset_s == 3570.0
    assert ann.events.frame["onset_s"].tolist() == pytest.approx([3610.0])


def test_clock_only_times_roll_past_midnight(tmp_path: Path) -> None:
    rows = [("23:59:30", "SLEEP-S2", "30", "EKG"), ("00:00:00", "SLEEP-S3", "30", "EKG")]
    ann = read_annotations(write_export(tmp_path / "e.txt", rows=rows),
                           recording_start=dt.datetime(2015, 3, 14, 23, 59, 0))
    assert ann.hypnogram is not None
    assert ann.hypnogram.stages == ("N2", "N3") and ann.hypnogram.onset_s == 30.0


def test_bad_time_cell_names_file_and_line(tmp_path: Path) -> None:
    rows = [*ROWS[:3], ("yesterday", "SLEEP-S2", "30", "EKG")]
    path = write_export(tmp_path / "bad.txt", rows=rows)
    header_line = HEADER.count("\n") + 1
    with pytest.raises(AnnotationError, match=rf"bad\.txt.*line {header_line + 4}"):
        read_annotations(path)


def test_bad_duration_cell_names_file_and_line(tmp_path: Path) -> None:
    rows = [ROWS[1], ("2015-03-14T22:30:30.000000", "SLEEP-S1", "thirty", "EKG")]
    path = write_export(tmp_path / "bad.txt", rows=rows)
    with pytest.raises(AnnotationError, match="Duration"):
        read_annotations(path)
