"""Alignment with the recording and every error case of read_annotations.

Events are hand-made at the edges of the tolerances documented in align.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from somnomotor._errors import (
    AnnotationError,
    InputFileNotFoundError,
    ParameterError,
    SomnomotorError,
)
from somnomotor.io.annotations import read_annotations
from somnomotor.io.annotations.align import MIN_COVERAGE, clock_offset_s


def _table(path: Path, rows: list[tuple[float, float, str]]) -> Path:
    path.write_text("onset\tduration\tlabel\n" + "".join(f"{o}\t{d}\t{lab}\n"
                                                         for o, d, lab in rows))
    return path


def _stages(n: int, start: float = 0.0, stage: str = "N2") -> list[tuple[float, float, str]]:
    return [(start + 30.0 * i, 30.0, stage) for i in range(n)]


def test_annotations_all_beyond_the_recording_end_raise(tmp_path: Path) -> None:
    path = _table(tmp_path / "e.tsv", [(700.0, 10.0, "Hypopnea"), (900.0, 5.0, "AROUSAL")])
    with pytest.raises(AnnotationError, match=r"all 2 annotations.*outside.*600") as info:
        read_annotations(path, recording_duration_s=600.0)
    assert isinstance(info.value, ValueError) and isinstance(info.value, SomnomotorError)


def test_annotations_all_far_before_the_start_raise(tmp_path: Path) -> None:
    path = _table(tmp_path / "e.tsv", [(-500.0, 10.0, "Hypopnea")])
    with pytest.raises(AnnotationError, match="outside"):
        read_annotations(path, recording_duration_s=600.0)


def test_partly_outside_annotations_are_dropped_or_clipped_with_counts(tmp_path: Path) -> None:
    rows = [(-20.0, 5.0, "Hypopnea"),  # wholly before: dropped
            (-2.0, 6.0, "AROUSAL"),  # straddles the start: clipped to 0..4
            (100.0, 10.0, "APNEA"),  # inside
            (595.0, 10.0, "HYPOPNEA"),  # straddles the end: clipped to 595..600
            (650.0, 3.0, "LM")]  # wholly after: dropped
    ann = read_annotations(_table(tmp_path / "e.tsv", rows), recording_duration_s=600.0)
    frame = ann.events.frame
    assert list(frame["onset_s"]) == [0.0, 100.0, 595.0]
    assert list(frame["duration_s"]) == [4.0, 10.0, 5.0]
    assert any("2 of 5 annotation(s)" in w and "dropped" in w for w in ann.warnings)
    assert any("2 annotation(s)" in w and "clipped" in w for w in ann.warnings)


def test_hypnogram_starting_more_than_one_epoch_after_the_end_raises(tmp_path: Path) -> None:
    path = _table(tmp_path / "h.tsv", _stages(20, start=631.0))
    with pytest.raises(AnnotationError, match=r"starts at 631\.0 s.*one epoch"):
        read_annotations(path, recording_duration_s=600.0)


def test_hypnogram_ending_long_before_the_start_raises(tmp_path: Path) -> None:
    path = _table(tmp_path / "h.tsv", _stages(10, start=-1200.0))
    with pytest.raises(AnnotationError, match="before the recording start"):
        read_annotations(path, recording_duration_s=600.0)


def test_hypnogram_covering_under_ten_percent_raises(tmp_path: Path) -> None:
    duration = 3600.0
    n_ok = int(MIN_COVERAGE * duration / 30.0)  # 12 epochs = exactly 10 %
    read_annotations(_table(tmp_path / "ok.tsv", _stages(n_ok)), recording_duration_s=duration)
    with pytest.raises(AnnotationError, match=r"covers only 330 s.*at least 10 %"):
        read_annotations(_table(tmp_path / "few.tsv", _stages(n_ok - 1)),
                         recording_duration_s=duration)


def test_hypnogram_off_the_30s_grid_raises_with_found_and_expected(tmp_path: Path) -> None:
    rows = [(0.0, 30.0, "W"), (30.0, 30.0, "N1"), (70.0, 30.0, "N2")]
    with pytest.raises(AnnotationError, match=r"grid.*70\.000 s.*\+10\.000 s.*k x 30 s"):
        read_annotations(_table(tmp_path / "h.tsv", rows))


def test_hypnogram_sticking_out_is_trimmed_to_the_recording(tmp_path: Path) -> None:
    ann = read_annotations(_table(tmp_path / "h.tsv", _stages(30, start=-60.0)),
                           recording_duration_s=600.0)
    assert ann.hypnogram is not None
    assert ann.hypnogram.onset_s == 0.0 and len(ann.hypnogram) == 20
    assert any("10 hypnogram epoch(s)" in w for w in ann.warnings)


def test_offset_recording_start_with_clock_files(tmp_path: Path) -> None:
    path = tmp_path / "Sleep profile - a.txt"
    path.write_text("Signal ID: SchlafProfil\\profil\nStart Time: 01.02.2021 22:10:00\n"
                    "Unit: \nSignal Type: Discret\nRate: 30 s\n\n"
                    + "".join(f"22:{10 + i // 2:02d}:{30 * (i % 2):02d},000; N2\n"
                              for i in range(20)))
    ann = read_annotations(path, recording_start=dt.datetime(2021, 2, 1, 22, 0, 0),
                           recording_duration_s=1800.0)
    assert ann.hypnogram is not None and ann.hypnogram.onset_s == 600.0
    assert ann.start == dt.datetime(2021, 2, 1, 22, 0, 0)


def test_clock_offset_of_an_anonymised_date_uses_the_time_of_day() -> None:
    file_start = dt.datetime(1985, 1, 1, 0, 5, 0)
    rec_start = dt.datetime(2024, 6, 1, 23, 55, 0)
    assert clock_offset_s(file_start, rec_start, date_known=False) == 600.0
    assert clock_offset_s(rec_start + dt.timedelta(seconds=5), rec_start) == 5.0


def test_unknown_format_raises_with_the_supported_list(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Patient slept well.\nNo remarks.\n")
    with pytest.raises(AnnotationError, match="cannot tell the format.*supported"):
        read_annotations(path)


def test_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(InputFileNotFoundError, match="does not exist"):
        read_annotations(tmp_path / "nope.xml")


def test_unknown_format_name_and_bad_duration_are_parameter_errors(tmp_path: Path) -> None:
    path = _table(tmp_path / "e.tsv", [(1.0, 1.0, "LM")])
    with pytest.raises(ParameterError, match="allowed are"):
        read_annotations(path, format="docx")
    with pytest.raises(ParameterError, match="recording_duration_s"):
        read_annotations(path, recording_duration_s=0.0)
    with pytest.raises(ParameterError, match="at least one path"):
        read_annotations([])


def test_a_binary_file_is_named_binary_not_quoted(tmp_path: Path) -> None:
    path = tmp_path / "device.cwa"
    path.write_bytes(b"MD\xfc\x03\x00\xb0\xca4" + bytes(range(256)) * 4)
    with pytest.raises(AnnotationError, match=r"is binary \(it starts with b'MD.*supported") as info:
        read_annotations(path)
    assert len(str(info.value)) - len(str(path)) < 300
