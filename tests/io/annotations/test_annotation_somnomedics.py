"""SOMNOmedics (DOMINO) text exports: real files of RBDtector's "Test 1", merging, midnight.

Expected counts are taken from the raw text of the files here, independently of the reader.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from somnomotor._errors import AnnotationError
from somnomotor.io.annotations import detect_format, read_annotations

DATA = Path(__file__).resolve().parents[2] / "data" / "annotations"
PROFILE = DATA / "Sleep profile - test1 Unbekannt.txt"
PROFILE_SNORE = DATA / "Sleep profile - test1 Unbekannt SNORE.txt"
AROUSALS = DATA / "Classification Arousals - test1 Unbekannt.txt"
FLOW = DATA / "Flow Events - test1 Unbekannt.txt"
GENERIC = DATA / "Generic - test1 Unbekannt.txt"
GENERIC_US = DATA / "Generic_NO_test1.txt"
NAMES = {"Wake": "W", "N1": "N1", "N2": "N2", "N3": "N3", "N4": "N3", "REM": "R",
         "Movement": "MT"}


def _rows(path: Path) -> list[str]:
    lines = path.read_text().splitlines()
    return [line for line in lines[lines.index("") + 1:] if line.strip()]


def test_every_export_is_detected_as_somnomedics() -> None:
    for path in (PROFILE, AROUSALS, FLOW, GENERIC, GENERIC_US):
        assert detect_format(path) == "somnomedics"


def test_sleep_profile_gives_one_stage_per_30s_epoch() -> None:
    rows = _rows(PROFILE)
    expected = Counter(NAMES[r.split(";")[1].strip()] for r in rows)
    ann = read_annotations(PROFILE)
    hyp = ann.hypnogram
    assert hyp is not None and len(hyp) == len(rows)
    assert Counter(hyp.stages) == expected
    assert hyp.onset_s == 0.0 and ann.start == dt.datetime(2020, 9, 23, 1, 0, 0)


def test_non_stage_labels_in_a_sleep_profile_make_unscored_epochs() -> None:
    snore_rows = sum(1 for r in _rows(PROFILE_SNORE) if r.endswith("SNORE"))
    ann = read_annotations(PROFILE_SNORE)
    assert ann.hypnogram is not None
    assert Counter(ann.hypnogram.stages)["UNS"] == snore_rows == 5
    assert len(ann.events.frame[ann.events.frame["label"] == "SNORE"]) == snore_rows
    assert any("SNORE" in w for w in ann.warnings)


def test_merged_exports_of_one_night_keep_every_event_type() -> None:
    ann = read_annotations([PROFILE, AROUSALS, FLOW, GENERIC])
    kinds = Counter(ann.events.frame["trial_type"])
    arousal_rows = _rows(AROUSALS)
    flow_rows = _rows(FLOW)
    assert kinds["arousal"] == len(arousal_rows)
    assert kinds["hypopnea"] == sum(1 for r in flow_rows if r.endswith("Hypopnea"))
    assert kinds["other"] == len(_rows(GENERIC)) + sum(
        1 for r in flow_rows if not r.endswith("Hypopnea"))
    assert ann.hypnogram is not None and len(ann.hypnogram) == len(_rows(PROFILE))
    assert ann.hypnogram.source == f"scored: {PROFILE.name}"


def test_start_end_rows_give_onset_and_duration_from_clock_times() -> None:
    ann = read_annotations(AROUSALS)
    first = ann.events.frame.iloc[0]
    # "01:01:00,750-01:01:12,250; 12;PLM Arousal (EEG)" with Start Time 01:00:00
    assert first["onset_s"] == pytest.approx(60.75)
    assert first["duration_s"] == pytest.approx(11.5)
    assert first["label"] == "PLM Arousal (EEG)" and first["trial_type"] == "arousal"


def test_offset_recording_start_shifts_every_file() -> None:
    ann = read_annotations([PROFILE, AROUSALS],
                           recording_start=dt.datetime(2020, 9, 23, 0, 59, 30))
    assert ann.hypnogram is not None and ann.hypnogram.onset_s == pytest.approx(30.0)
    assert ann.events.frame.iloc[0]["onset_s"] == pytest.approx(90.75)


def test_us_header_with_am_pm_over_24h_rows_is_corrected_with_a_warning() -> None:
    ann = read_annotations(GENERIC_US)
    assert ann.start == dt.datetime(2020, 9, 23, 1, 0, 0)
    # first row "01:18:00,865-01:18:01,143; ChinPhasic"
    assert ann.events.frame.iloc[0]["onset_s"] == pytest.approx(18 * 60 + 0.865)
    assert any("AM/PM" in w for w in ann.warnings)


def _write(path: Path, header_start: str, rows: list[str], discrete: bool) -> Path:
    head = ["Signal ID: SchlafProfil\\profil" if discrete else "Signal ID: FlowD\\flow",
            f"Start Time: {header_start}", "Unit: ",
            "Signal Type: Discret" if discrete else "Signal Type: Impuls"]
    if discrete:
        head += ["Events list: N4,N3,N2,N1,REM,Wake,Movement", "Rate: 30 s"]
    path.write_text("\n".join([*head, "", *rows]) + "\n", encoding="cp1252")
    return path


def test_clock_times_passing_midnight_roll_the_date_forward(tmp_path: Path) -> None:
    profile = _write(tmp_path / "Sleep profile - x.txt", "23.09.2020 23:59:00",
                     ["23:59:00,000; Wach", "23:59:30,000; N1", "00:00:00,000; N2",
                      "00:00:30,000; Rem", "00:01:00,000; N3"], discrete=True)
    flow = _write(tmp_path / "Flow Events - x.txt", "23.09.2020 23:59:00",
                  ["23:59:50,000-00:00:05,500; 16;Obstructive Apnea",
                   "00:00:40,000-00:00:50,000; 10;Hypopnea"], discrete=False)
    ann = read_annotations([profile, flow], recording_start=dt.datetime(2020, 9, 23, 23, 58, 0),
                           recording_duration_s=600.0)
    assert ann.hypnogram is not None
    assert ann.hypnogram.stages == ("W", "N1", "N2", "R", "N3")
    assert ann.hypnogram.onset_s == pytest.approx(60.0)
    frame = ann.events.frame
    assert list(frame["trial_type"]) == ["apnea", "hypopnea"]
    assert list(frame["onset_s"]) == pytest.approx([110.0, 160.0])
    assert list(frame["duration_s"]) == pytest.approx([15.5, 10.0])


def test_file_starting_after_midnight_aligns_to_a_recording_started_before(
    tmp_path: Path,
) -> None:
    profile = _write(tmp_path / "Sleep profile - y.txt", "24.09.2020 00:10:00",
                     ["00:10:00,000; N2", "00:10:30,000; N2"], discrete=True)
    ann = read_annotations(profile, recording_start=dt.datetime(2020, 9, 23, 23, 0, 0))
    assert ann.hypnogram is not None and ann.hypnogram.onset_s == pytest.approx(4200.0)


def test_unparseable_row_names_file_and_line(tmp_path: Path) -> None:
    bad = _write(tmp_path / "Flow Events - z.txt", "23.09.2020 23:59:00",
                 ["23:59:50,000-00:00:05,500; 16;Hypopnea", "not a row"], discrete=False)
    with pytest.raises(AnnotationError, match=r"Flow Events - z\.txt.*line 7"):
        read_annotations(bad)


def test_unparseable_start_time_names_file_and_line(tmp_path: Path) -> None:
    bad = _write(tmp_path / "Flow Events - z.txt", "yesterday evening",
                 ["23:59:50,000-00:00:05,500; 16;Hypopnea"], discrete=False)
    with pytest.raises(AnnotationError, match="line 2"):
        read_annotations(bad)


def test_an_export_without_rows_is_merged_with_a_warning(tmp_path: Path) -> None:
    empty = _write(tmp_path / "Flow Events - e.txt", "23.09.2020 01:00:00", [], discrete=False)
    ann = read_annotations([PROFILE, empty])
    assert ann.hypnogram is not None and len(ann.hypnogram) == len(_rows(PROFILE))
    assert len(ann.events) == 0
    assert any("Flow Events - e.txt: holds no annotations" in w for w in ann.warnings)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_a_utf16_export_with_byte_order_mark_reads_like_the_original(
        tmp_path: Path, codec: str) -> None:
    # Windows "Unicode text" exports are UTF-16 with a BOM; the content must not change.
    text = PROFILE.read_bytes().decode("utf-8-sig")
    bom = b"\xfe\xff" if codec == "utf-16-be" else b""
    path = tmp_path / PROFILE.name
    path.write_bytes(bom + text.encode(codec))
    assert path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert detect_format(path) == "somnomedics"
    original, converted = read_annotations(PROFILE), read_annotations(path)
    assert original.hypnogram is not None and converted.hypnogram is not None
    assert list(converted.hypnogram.stages) == list(original.hypnogram.stages)
    assert converted.start == original.start
