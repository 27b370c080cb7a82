"""XML annotations: entity-expansion attacks are refused, and Embla ``EventExport`` files
are read.

The Embla file in tests/data is synthetic (values made up here) in the layout of the
Embla exports in the NSRR EDF editor/translator repository (resource-wei/EmblaNew), which
has no licence, so no real excerpt is copied.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from somnomotor._errors import AnnotationError
from somnomotor.cli.main import main
from somnomotor.io.annotations import detect_format, read_annotations

DATA = Path(__file__).resolve().parents[2] / "data" / "annotations"
EMBLA = DATA / "embla_eventexport_synthetic.xml"

INTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE PSGAnnotation [<!ENTITY stage "Stage 2 sleep|2">]>
<PSGAnnotation><EpochLength>30</EpochLength><ScoredEvents>
<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>&stage;</EventConcept>
<Start>0</Start><Duration>30</Duration></ScoredEvent>
</ScoredEvents></PSGAnnotation>
"""

_LAUGHS = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 6))
BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE PSGAnnotation [<!ENTITY l0 "ha">{_LAUGHS}]>
<PSGAnnotation><ScoredEvents><ScoredEvent><EventType>x</EventType>
<EventConcept>&l5;</EventConcept><Start>0</Start><Duration>1</Duration></ScoredEvent>
</ScoredEvents></PSGAnnotation>
"""


@pytest.mark.parametrize("text", [INTERNAL_ENTITY, BILLION_LAUGHS],
                         ids=["internal_entity", "billion_laughs"])
def test_xml_with_entity_declarations_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "night.xml"
    path.write_text(text)
    with pytest.raises(AnnotationError, match=r"night\.xml.*DOCTYPE"):
        read_annotations(path)


@pytest.mark.parametrize("text", [INTERNAL_ENTITY, BILLION_LAUGHS],
                         ids=["internal_entity", "billion_laughs"])
def test_xml_attack_is_one_line_on_the_command_line(capsys, tmp_path: Path, text: str) -> None:
    path = tmp_path / "night.xml"
    path.write_text(text)
    code = main(["score-events", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and "DOCTYPE" in err[0] and "night.xml" in err[0]


def test_embla_eventexport_is_detected_as_xml() -> None:
    assert detect_format(EMBLA) == "nsrr_xml"


def test_embla_eventexport_stages_and_events() -> None:
    ann = read_annotations(EMBLA)
    # onsets count from the earliest event, ANALYSIS-START 7.25 s before the first epoch
    assert ann.start == dt.datetime(2011, 3, 14, 23, 4, 52, 750000)
    hyp = ann.hypnogram
    assert hyp is not None
    assert hyp.stages == ("W", "W", "N1", "N2", "N2", "N3", "N2", "R", "R", "W")
    assert hyp.onset_s == pytest.approx(7.25)
    assert hyp.total_sleep_time_s == 7 * 30.0
    legs = ann.events.select("limb_movement")
    assert list(legs.onset_s) == pytest.approx([95.5 + 7.25, 118.0 + 7.25, 140.25 + 7.25])
    assert list(legs.duration_s) == pytest.approx([1.75, 1.5, 1.75])
    assert list(legs.frame["side"]) == ["left", "right", "left"]
    assert list(ann.events.select("hypopnea").duration_s) == pytest.approx([12.5])
    assert len(ann.events.select("arousal")) == 1
    assert hyp.analysis_start_s == pytest.approx(7.25)
    assert hyp.analysis_end_s == pytest.approx(307.25)


def test_embla_eventexport_aligned_to_the_recording_start() -> None:
    ann = read_annotations(EMBLA, recording_start=dt.datetime(2011, 3, 14, 23, 5, 0),
                           recording_duration_s=600.0)
    assert ann.hypnogram is not None and ann.hypnogram.onset_s == pytest.approx(0.0)
    legs = ann.events.select("limb_movement")
    assert list(legs.onset_s) == pytest.approx([95.5, 118.0, 140.25])


def test_embla_event_with_unreadable_time_names_the_event(tmp_path: Path) -> None:
    text = EMBLA.read_text().replace("2011-03-14T23:06:35.500000", "half past eleven", 1)
    path = tmp_path / "bad.xml"
    path.write_text(text)
    with pytest.raises(AnnotationError, match=r"bad\.xml.*PLM-LM.*half past eleven"):
        read_annotations(path)


def test_huge_onset_in_nsrr_xml_is_refused_naming_the_annotation(tmp_path: Path) -> None:
    path = tmp_path / "huge.xml"
    path.write_text(
        "<PSGAnnotation><ScoredEvents><ScoredEvent><EventType>x</EventType>"
        "<EventConcept>Arousal|Arousal ()</EventConcept><Start>1e308</Start>"
        "<Duration>3</Duration></ScoredEvent></ScoredEvents></PSGAnnotation>")
    with pytest.raises(AnnotationError, match=r"annotation 1 of huge\.xml \('Arousal.*1e\+308"):
        read_annotations(path)
