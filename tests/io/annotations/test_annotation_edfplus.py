"""EDF+ annotation files: real Sleep-EDF and AASM-labelled hypnograms, alignment by clock.

Expected epoch counts and stage totals are computed here from the raw annotation list that
edfio returns, independently of the reader.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import edfio
import numpy as np
import pytest

from somnomotor._errors import AnnotationError
from somnomotor.io.annotations import read_annotations

DATA = Path(__file__).resolve().parents[2] / "data" / "annotations"
SLEEP_EDF = DATA / "SC4001EC-Hypnogram.edf"
HMC = DATA / "hmc_style_hypnogram_annotations.edf"

# Sleep-EDF (R&K) label -> stage by the AASM merge of S3 and S4.
RK_TO_AASM = {"Sleep stage W": "W", "Sleep stage 1": "N1", "Sleep stage 2": "N2",
              "Sleep stage 3": "N3", "Sleep stage 4": "N3", "Sleep stage R": "R",
              "Movement time": "MT", "Sleep stage ?": "UNS"}


def _raw(path: Path) -> list[edfio.EdfAnnotation]:
    return list(edfio.read_edf(path).annotations)


def test_sleep_edf_hypnogram_has_154_annotations_expanded_to_30s_epochs() -> None:
    raw = _raw(SLEEP_EDF)
    assert len(raw) == 154
    expected_epochs = round(sum(a.duration for a in raw) / 30.0)
    ann = read_annotations(SLEEP_EDF)
    assert ann.hypnogram is not None
    assert len(ann.hypnogram) == expected_epochs
    assert ann.hypnogram.epoch_s == 30.0 and ann.hypnogram.onset_s == raw[0].onset


def test_sleep_edf_stage_totals_match_the_raw_annotation_durations() -> None:
    totals: Counter[str] = Counter()
    for a in _raw(SLEEP_EDF):
        totals[RK_TO_AASM[a.text]] += a.duration
    hyp = read_annotations(SLEEP_EDF).hypnogram
    assert hyp is not None
    for stage in ("W", "N1", "N2", "N3", "R", "MT", "UNS"):
        assert hyp.duration_s(stage) == pytest.approx(totals[stage]), stage
    assert hyp.total_sleep_time_s == pytest.approx(
        totals["N1"] + totals["N2"] + totals["N3"] + totals["R"])


def test_sleep_edf_start_is_the_header_start() -> None:
    ann = read_annotations(SLEEP_EDF)
    assert ann.start == dt.datetime(1989, 4, 24, 16, 13, 0)
    assert ann.hypnogram is not None and ann.hypnogram.source == "scored: SC4001EC-Hypnogram.edf"


def test_edf_annotations_shift_by_file_start_minus_recording_start() -> None:
    ann = read_annotations(SLEEP_EDF, recording_start=dt.datetime(1989, 4, 24, 16, 12, 0))
    assert ann.hypnogram is not None and ann.hypnogram.onset_s == 60.0
    assert ann.start == dt.datetime(1989, 4, 24, 16, 12, 0)


def test_hypnogram_epochs_past_the_recording_end_are_dropped_with_a_warning() -> None:
    ann = read_annotations(SLEEP_EDF, recording_start=dt.datetime(1989, 4, 24, 16, 13, 0),
                           recording_duration_s=36000.0)
    assert ann.hypnogram is not None and len(ann.hypnogram) == 1200
    assert any("dropped" in w for w in ann.warnings)


def test_aasm_labelled_edf_reads_stages_and_lights() -> None:
    raw = _raw(HMC)
    stage_rows = [a for a in raw if a.text.startswith("Sleep stage")]
    ann = read_annotations(HMC)
    hyp = ann.hypnogram
    assert hyp is not None
    assert len(hyp) == len(stage_rows) == 854
    counts = Counter(a.text.removeprefix("Sleep stage ") for a in stage_rows)
    stages = Counter(hyp.stages)
    for stage in ("W", "N1", "N2", "N3", "R"):
        assert stages[stage] == counts[stage]


def test_lights_off_and_on_in_edf_set_the_analysis_period() -> None:
    raw = _raw(HMC)
    off = next(a.onset for a in raw if a.text.lower().startswith("lights off"))
    on = next(a.onset for a in raw if a.text.lower().startswith("lights on"))
    ann = read_annotations(HMC)
    assert ann.hypnogram is not None
    assert ann.hypnogram.analysis_start_s == pytest.approx(off)
    assert ann.hypnogram.analysis_end_s == pytest.approx(on)
    lights = ann.events.select(["lights_off", "lights_on"]).frame
    assert list(lights["trial_type"]) == ["lights_off", "lights_on"]
    # the MNE "@@" suffix is the channel, not part of the label
    assert list(lights["channel"]) == ["EEG F4-A1", "EEG Fpz-Cz"]
    assert list(lights["label"]) == ["Lights off", "Lights on"]
    # epochs outside lights off..on do not count: every effective stage there is UNS
    mids = ann.hypnogram.onset_s + 30.0 * (np.arange(len(ann.hypnogram)) + 0.5)
    eff = ann.hypnogram.effective_stages
    assert set(eff[(mids < off) | (mids > on)]) == {"UNS"}
    assert "UNS" not in set(eff[(mids > off + 30.0) & (mids < on - 30.0)])


def test_anonymised_edf_date_aligns_by_time_of_day() -> None:
    # header: "Startdate X", clock 23:59:30; a recording that started 30 s earlier
    ann = read_annotations(HMC, recording_start=dt.datetime(2024, 3, 1, 23, 59, 0))
    assert ann.hypnogram is not None and ann.hypnogram.onset_s == pytest.approx(30.0)
    assert any("time of day" in w for w in ann.warnings)


def test_edf_written_with_events_and_offset_start(tmp_path: Path) -> None:
    path = tmp_path / "scored.edf"
    edf = edfio.Edf(
        [edfio.EdfSignal(np.zeros(120), 1.0, label="dummy")],
        starttime=dt.time(22, 0, 30), recording=edfio.Recording(startdate=dt.date(2026, 1, 1)),
        annotations=[edfio.EdfAnnotation(0.0, 30.0, "Sleep stage W"),
                     edfio.EdfAnnotation(30.0, 60.0, "Sleep stage N2"),
                     edfio.EdfAnnotation(40.0, 1.5, "LM-LEFT"),
                     edfio.EdfAnnotation(50.0, 12.0, "Obstructive apnea")],
    )
    edf.write(path)
    ann = read_annotations(path, recording_start=dt.datetime(2026, 1, 1, 22, 0, 0),
                           recording_duration_s=600.0)
    assert ann.hypnogram is not None and ann.hypnogram.stages == ("W", "N2", "N2")
    assert ann.hypnogram.onset_s == 30.0
    frame = ann.events.frame
    assert list(frame["trial_type"]) == ["limb_movement", "apnea"]
    assert list(frame["onset_s"]) == [70.0, 80.0]
    assert frame.loc[0, "side"] == "left"


def test_stage_labels_with_other_separators_and_wording_make_the_hypnogram(
        tmp_path: Path) -> None:
    # The same stages as "Sleep stage X", written the ways other programs write them; the
    # expected stages are the AASM names read off each label by hand.
    path = tmp_path / "stages.edf"
    labels = ["Sleep_stage_W", "Stage - N1", "stage: N2", "NREM 3", "Sleep-stage-R",
              "Stage - 2"]
    edf = edfio.Edf(
        [edfio.EdfSignal(np.zeros(180), 1.0, label="dummy")],
        annotations=[edfio.EdfAnnotation(30.0 * i, 30.0, text) for i, text in enumerate(labels)],
    )
    edf.write(path)
    ann = read_annotations(path)
    assert ann.hypnogram is not None
    assert ann.hypnogram.stages == ("W", "N1", "N2", "N3", "R", "N2")


def test_corrupt_edf_raises_annotation_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.edf"
    path.write_bytes(b"0       " + b"garbage" * 10)
    with pytest.raises(AnnotationError, match="broken.edf"):
        read_annotations(path)
