"""Embla (RemLogic / Embla Enterprise) ``EventExport`` XML.

Layout (as in the Embla exports of the NSRR EDF editor/translator)::

    <EventExport xmlns:dt="urn:schemas-microsoft-com:datatypes">
      <PatientInfo>...</PatientInfo><ExportDate>...</ExportDate>
      <EventTypes><EventType>SLEEP-S2</EventType>...</EventTypes>
      <Events>
        <Event><Type>SLEEP-S2</Type><Location>Resp.Sum-Inductive</Location>
               <StartTime>2010-01-26T23:55:00.000000</StartTime>
               <StopTime>2010-01-26T23:55:30.000000</StopTime><Parameters>...</Parameters>
        </Event> ...

Each ``Event`` is one row: ``Type`` is the label (``SLEEP-S0`` ... ``SLEEP-REM`` are the
stages, one per 30-s epoch; ``PLM-LM``, ``APNEA-OBSTRUCTIVE``, ``AROUSAL-PLM``,
``LIGHTS-OFF`` ... the events), ``Location`` the channel, and the duration is
``StopTime - StartTime``. Times are wall-clock date-times, so onsets count from the
earliest ``StartTime`` and the file is aligned to the recording by clock time. The
``Parameters`` (scoring history) are not read.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

from somnomotor._errors import AnnotationError
from somnomotor.io.annotations._common import RawAnnotations


def _text(element: ET.Element, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None else ""


def read_embla_root(root: ET.Element, path: Path) -> RawAnnotations:
    """Rows of an Embla ``<EventExport>`` (already parsed) with onsets from its first event.

    Raises
    ------
    AnnotationError
        An event without a readable ``StartTime`` / ``StopTime`` (the message names it), or
        a file without ``<Events>``.
    """
    events = root.find("Events")
    if events is None:
        raise AnnotationError(
            f"annotation file {str(path)!r} is an Embla EventExport without an <Events> "
            f"element; expected <EventExport><Events><Event>..."
        )
    rows: list[tuple[dt.datetime, float, str, str]] = []
    for number, event in enumerate(events.findall("Event"), start=1):
        label = _text(event, "Type") or "unlabelled"
        start_text, stop_text = _text(event, "StartTime"), _text(event, "StopTime")
        try:
            start = dt.datetime.fromisoformat(start_text)
            stop = dt.datetime.fromisoformat(stop_text) if stop_text else start
        except ValueError:
            raise AnnotationError(
                f"cannot parse annotation file {str(path)!r}: Event {number} ({label!r}) has "
                f"StartTime={start_text!r}, StopTime={stop_text!r}; expected date-times "
                f"such as 2010-01-26T23:55:00.000000"
            ) from None
        duration = (stop - start).total_seconds()
        if duration < 0:
            raise AnnotationError(
                f"cannot parse annotation file {str(path)!r}: Event {number} ({label!r}) "
                f"stops ({stop_text}) before it starts ({start_text})"
            )
        rows.append((start, duration, label, _text(event, "Location") or "n/a"))
    raw = RawAnnotations()
    if not rows:
        return raw
    raw.start = min(row[0] for row in rows)
    for start, duration, label, channel in rows:
        raw.add((start - raw.start).total_seconds(), duration, label, channel)
    return raw


__all__ = ["read_embla_root"]
