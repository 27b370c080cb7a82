"""NSRR XML annotation files written here in the NSRR layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from somnomotor._errors import AnnotationError
from somnomotor.io.annotations import detect_format, read_annotations


def _event(event_type: str, concept: str, start: float, duration: float,
           location: str = "") -> str:
    loc = f"<SignalLocation>{location}</SignalLocation>" if location else ""
    return (f"<ScoredEvent><EventType>{event_type}</EventType><EventConcept>{concept}"
            f"</EventConcept><Start>{start}</Start><Duration>{duration}</Duration>{loc}"
            f"</ScoredEvent>")


EVENTS = [
    _event("", "Recording Start Time", 0, 36000),
    _event("Stages|Stages", "Wake|0", 0, 60),
    _event("Stages|Stages", "Stage 1 sleep|1", 60, 30),
    _event("Stages|Stages", "Stage 2 sleep|2", 90, 90),
    _event("Stages|Stages", "Stage 4 sleep|4", 180, 30),
    _event("Stages|Stages", "REM sleep|5", 210, 60),
    _event("Limb Movement|Limb Movement", "Limb movement - left|Limb Movement (Left)", 100.5,
           2.0, "LAT"),
    _event("Limb Movement|Limb Movement", "Limb Movement (Right)|Limb Movement (Right)", 130.0,
           1.5, "RAT"),
    _event("Arousals|Arousals", "Arousal|Arousal ()", 140.0, 5.0, "C3"),
    _event("Respiratory|Respiratory", "Obstructive apnea|Obstructive Apnea", 150.0, 14.0,
           "Airflow"),
    _event("Respiratory|Respiratory", "Hypopnea|Hypopnea", 220.0, 12.0, "Airflow"),
    _event("Respiratory|Respiratory", "SpO2 desaturation|SpO2 desaturation", 230.0, 9.0,
           "SpO2"),
]


def write_xml(path: Path, events: list[str] = EVENTS) -> Path:
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<PSGAnnotation>'
        "<SoftwareVersion>Compumedics</SoftwareVersion><EpochLength>30</EpochLength>"
        f"<ScoredEvents>{''.join(events)}</ScoredEvents></PSGAnnotation>\n"
    )
    return path


def test_xml_is_detected_by_content(tmp_path: Path) -> None:
    assert detect_format(write_xml(tmp_path / "night-nsrr.annot")) == "nsrr_xml"


def test_nsrr_stage_concepts_expand_into_epochs(tmp_path: Path) -> None:
    ann = read_annotations(write_xml(tmp_path / "n.xml"))
    assert ann.hypnogram is not None
    assert ann.hypnogram.stages == ("W", "W", "N1", "N2", "N2", "N2", "N3", "R", "R")
    assert ann.start is None


def test_nsrr_events_get_kinds_sides_and_channels(tmp_path: Path) -> None:
    frame = read_annotations(write_xml(tmp_path / "n.xml")).events.frame
    assert list(frame["trial_type"]) == ["limb_movement", "limb_movement", "arousal", "apnea",
                                         "hypopnea", "other"]
    assert list(frame["side"])[:2] == ["left", "right"]
    assert list(frame["channel"])[:2] == ["LAT", "RAT"]
    assert list(frame["onset_s"]) == pytest.approx([100.5, 130.0, 140.0, 150.0, 220.0, 230.0])
    # the recording-start marker is not an event
    assert "Recording Start Time" not in set(frame["label"])


def test_malformed_xml_raises_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text("<PSGAnnotation>\n<ScoredEvents>\n<ScoredEvent>\n</PSGAnnotation>\n")
    with pytest.raises(AnnotationError, match=r"bad\.xml.*line \d"):
        read_annotations(path)


def test_xml_without_scored_events_raises(tmp_path: Path) -> None:
    path = tmp_path / "other.xml"
    path.write_text("<SomethingElse><EpochLength>30</EpochLength></SomethingElse>")
    with pytest.raises(AnnotationError, match="ScoredEvents"):
        read_annotations(path)


def test_non_numeric_start_raises_naming_the_event(tmp_path: Path) -> None:
    path = write_xml(tmp_path / "n.xml", [_event("Stages|Stages", "Wake|0", "soon", 30)])  # type: ignore[arg-type]
    with pytest.raises(AnnotationError, match="ScoredEvent 1"):
        read_annotations(path)


PROFUSION = """<?xml version="1.0" encoding="utf-8"?>
<CMPStudyConfig><EpochLength>30</EpochLength>
<ScoredEvents>
<ScoredEvent><Name>Limb Movement (Left)</Name><Start>35.5</Start><Duration>1.8</Duration>
<Input>LAT</Input></ScoredEvent>
<ScoredEvent><Name>Hypopnea</Name><Start>62</Start><Duration>14</Duration>
<Input>Airflow</Input></ScoredEvent>
</ScoredEvents>
<SleepStages><SleepStage>0</SleepStage><SleepStage>1</SleepStage><SleepStage>2</SleepStage>
<SleepStage>4</SleepStage><SleepStage>5</SleepStage><SleepStage>9</SleepStage></SleepStages>
</CMPStudyConfig>
"""


def test_profusion_xml_stage_codes_and_events(tmp_path: Path) -> None:
    path = tmp_path / "night-profusion.xml"
    path.write_text(PROFUSION)
    ann = read_annotations(path)
    assert ann.hypnogram is not None
    assert ann.hypnogram.stages == ("W", "N1", "N2", "N3", "R", "UNS")
    frame = ann.events.frame
    assert list(frame["trial_type"]) == ["limb_movement", "hypopnea"]
    assert frame.loc[0, "side"] == "left" and frame.loc[0, "channel"] == "LAT"


def test_profusion_xml_with_an_unknown_stage_code_raises(tmp_path: Path) -> None:
    path = tmp_path / "night-profusion.xml"
    path.write_text(PROFUSION.replace("<SleepStage>5</SleepStage>", "<SleepStage>7</SleepStage>"))
    with pytest.raises(AnnotationError, match="SleepStage 5.*'7'"):
        read_annotations(path)
