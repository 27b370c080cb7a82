"""NSRR XML annotations (``<PSGAnnotation><ScoredEvents><ScoredEvent>``) and Compumedics
Profusion XML (``<CMPStudyConfig>``, NSRR ``*-profusion.xml``).

Each ``ScoredEvent`` has ``EventType`` (``Stages|Stages``, ``Respiratory|Respiratory`` ...),
``EventConcept`` (``Stage 2 sleep|2``, ``Limb movement - left|Limb Movement (Left)``,
``Arousal|Arousal ()``, ``Obstructive apnea|Obstructive Apnea``), ``Start`` and
``Duration`` in s from the recording start, and ``SignalLocation``. The concept is the
label; the signal location is the channel. The file carries no clock time of its own
(see the NSRR annotation documentation, https://sleepdata.org), so onsets are already
relative to the recording start.

Embla ``<EventExport>`` files are read by :mod:`somnomotor.io.annotations.embla_xml`.
A file with a document type declaration is refused (:func:`parse_xml_without_dtd`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.parsers import expat
from pathlib import Path

from somnomotor._errors import AnnotationError
from somnomotor.io.annotations._common import RawAnnotations
from somnomotor.io.annotations.labels import NUMERIC_STAGE_CODES


def looks_like_xml(head: bytes) -> bool:
    """True when the file starts (after a BOM / whitespace) with an XML tag."""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _text(element: ET.Element, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None and found.text else ""


def _refuse_doctype(name: str, *_: object) -> None:
    raise _DoctypeFound(name)


class _DoctypeFound(Exception):
    """Raised from the expat handler to stop at a document type declaration."""


def parse_xml_without_dtd(path: Path) -> ET.Element:
    """The root element of an XML file that has no document type declaration.

    A DTD can declare entities whose expansion changes the text the reader sees (an
    internal entity can become a stage label) or multiplies it ("billion laughs"). No
    annotation export we read (NSRR, Profusion, Embla) carries a DTD, so a file with one
    is refused before any entity is expanded: expat stops at the ``<!DOCTYPE`` itself.

    Raises
    ------
    AnnotationError
        The file holds a DOCTYPE, or is not well-formed XML.
    """
    scanner = expat.ParserCreate()
    scanner.StartDoctypeDeclHandler = _refuse_doctype
    scanner.EntityDeclHandler = _refuse_doctype
    try:
        with open(path, "rb") as handle:
            scanner.ParseFile(handle)
        return ET.parse(path).getroot()
    except _DoctypeFound as exc:
        raise AnnotationError(
            f"annotation file {str(path)!r} declares a DOCTYPE ({exc}) at line "
            f"{scanner.CurrentLineNumber}; refused, as its entities could change the events "
            f"read. Annotation exports (NSRR, Profusion, Embla XML) carry no DOCTYPE"
        ) from None
    except (expat.ExpatError, ET.ParseError) as exc:
        line = getattr(exc, "lineno", None) or (
            exc.position[0] if hasattr(exc, "position") else "?")
        raise AnnotationError(
            f"cannot parse annotation file {str(path)!r}, line {line}: not well-formed XML "
            f"({exc}); expected NSRR XML <PSGAnnotation><ScoredEvents>..."
        ) from None


def read_nsrr_xml(path: Path) -> RawAnnotations:
    """Parse an NSRR XML annotation file.

    Returns
    -------
    RawAnnotations
        Onsets in s from the recording start (``start`` is None).
    """
    root = parse_xml_without_dtd(path)
    if root.tag == "CMPStudyConfig":
        return _read_profusion(root, path)
    if root.tag == "EventExport":
        from somnomotor.io.annotations.embla_xml import read_embla_root

        return read_embla_root(root, path)
    scored = root.find(".//ScoredEvents")
    if scored is None:
        raise AnnotationError(
            f"annotation file {str(path)!r} is XML but has no <ScoredEvents> element "
            f"(root element <{root.tag}>); expected NSRR XML <PSGAnnotation><ScoredEvents>"
        )
    raw = RawAnnotations()
    epoch_length = _text(root, "EpochLength")
    for number, event in enumerate(scored.findall("ScoredEvent"), start=1):
        concept = _text(event, "EventConcept")
        event_type = _text(event, "EventType")
        start_text, duration_text = _text(event, "Start"), _text(event, "Duration")
        if concept.lower().startswith("recording start time"):
            continue  # an NSRR marker holding the clock time, not an event
        try:
            onset = float(start_text)
            duration = float(duration_text) if duration_text else 0.0
        except ValueError:
            raise AnnotationError(
                f"cannot parse annotation file {str(path)!r}: ScoredEvent {number} "
                f"({concept!r}) has Start={start_text!r}, Duration={duration_text!r}; "
                f"expected numbers in s"
            ) from None
        if not concept:
            concept = event_type or "unlabelled"
        raw.add(onset, duration, concept, _text(event, "SignalLocation") or "n/a")
    if epoch_length:
        try:
            raw.epoch_s = float(epoch_length)
        except ValueError:
            raw.warnings.append(
                f"{path.name}: EpochLength {epoch_length!r} is not a number; 30 s is used"
            )
    return raw


def _read_profusion(root: ET.Element, path: Path) -> RawAnnotations:
    """Compumedics Profusion XML (NSRR ``*-profusion.xml``): a stage code per epoch.

    ``<SleepStages>`` holds one integer per ``<EpochLength>`` epoch from the recording start
    (0 wake, 1-4 NREM with 4 = R&K S4, 5 REM, 9 unscored: the NSRR numbering of
    :data:`~somnomotor.io.annotations.labels.NUMERIC_STAGE_CODES`); ``<ScoredEvents>``
    hold ``Name``, ``Start``, ``Duration`` (s) and ``Input`` (channel).
    """
    raw = RawAnnotations()
    try:
        raw.epoch_s = float(_text(root, "EpochLength") or 30.0)
    except ValueError:
        raise AnnotationError(
            f"cannot parse annotation file {str(path)!r}: EpochLength "
            f"{_text(root, 'EpochLength')!r} is not a number of seconds"
        ) from None
    for number, stage in enumerate(root.findall("./SleepStages/SleepStage")):
        code = (stage.text or "").strip()
        label = NUMERIC_STAGE_CODES.get(code)
        if label is None:
            raise AnnotationError(
                f"cannot parse annotation file {str(path)!r}: SleepStage {number + 1} is "
                f"{code!r}; expected one of {sorted(NUMERIC_STAGE_CODES)}"
            )
        raw.add(number * raw.epoch_s, raw.epoch_s, label)
    for number, event in enumerate(root.findall("./ScoredEvents/ScoredEvent"), start=1):
        name = _text(event, "Name")
        try:
            onset = float(_text(event, "Start"))
            duration = float(_text(event, "Duration") or 0.0)
        except ValueError:
            raise AnnotationError(
                f"cannot parse annotation file {str(path)!r}: ScoredEvent {number} "
                f"({name!r}) has Start={_text(event, 'Start')!r}, "
                f"Duration={_text(event, 'Duration')!r}; expected numbers in s"
            ) from None
        raw.add(onset, duration, name or "unlabelled", _text(event, "Input") or "n/a")
    return raw


__all__ = ["looks_like_xml", "parse_xml_without_dtd", "read_nsrr_xml"]
