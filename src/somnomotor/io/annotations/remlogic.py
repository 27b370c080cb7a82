"""RemLogic (Natus/Embla) "Event Export" text files, tab separated.

Layout (see ``docs/annotation-formats.md``)::

    RemLogic Event Export
    Patient:	...
    Recording Date:	3/14/2015

    Events Included:
    SLEEP-S0
    ...

    Time [hh:mm:ss]	Event	Duration[s]	Location
    2015-03-14T22:30:00.000000	SLEEP-S0	30	ECG1-ECG2
    2015-03-14T22:30:41.250000	PLM-LM	1.5	LAntib1-LAntib2

The time header may read ``Time [hh:mm:ss]`` or ``Time [hh:mm:ss.xxx]``; line endings CRLF
or LF; durations integer or decimal. Times are ISO date-times; exports that give only a
clock time are placed on the ``Recording Date`` and rolled past midnight. The leg of a
``PLM-LM`` row is only in its Location column, which becomes the channel. The Location of
stage rows is whatever channel the scorer had open and is dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from somnomotor.io.annotations._common import RawAnnotations, parse_error
from somnomotor.io.annotations.labels import normalise_stage

_DAY_S = 86400.0
_HEADER = re.compile(r"^\s*time\s*\[", re.IGNORECASE)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$")


def looks_like_remlogic(lines: list[str]) -> bool:
    """True for a RemLogic export: its title line, or a ``Time [...]`` / ``Event`` header."""
    if lines and "remlogic" in lines[0].lower():
        return True
    return any(_HEADER.match(line) and "event" in line.lower() for line in lines[:60])


def _column(names: list[str], *candidates: str) -> int | None:
    for i, name in enumerate(names):
        if any(name.startswith(c) for c in candidates):
            return i
    return None


def read_remlogic(path: Path, lines: list[str]) -> RawAnnotations:
    """Parse a RemLogic event export.

    Returns
    -------
    RawAnnotations
        Onsets in s from the earliest row's time (``start``).
    """
    header_at = next((i for i, line in enumerate(lines) if _HEADER.match(line)), None)
    if header_at is None:
        raise parse_error(path, 1, lines[0] if lines else "",
                          "a column header line 'Time [hh:mm:ss]<TAB>Event<TAB>Duration[s]...'")
    names = [n.strip().lower() for n in lines[header_at].split("\t")]
    col_time = 0
    col_event = _column(names, "event")
    col_duration = _column(names, "duration")
    col_location = _column(names, "location", "channel")
    if col_event is None or col_duration is None:
        raise parse_error(path, header_at + 1, lines[header_at],
                          "columns 'Time', 'Event' and 'Duration[s]' separated by tabs")
    recording_date: dt.date | None = None
    for line in lines[:header_at]:
        key, _, value = line.partition(":")
        if key.strip().lower() == "recording date":
            for fmt in ("%m/%d/%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y"):
                try:
                    recording_date = dt.datetime.strptime(value.strip(), fmt).date()
                    break
                except ValueError:
                    continue

    stamps: list[dt.datetime] = []
    rows: list[tuple[str, float, str]] = []
    previous: dt.datetime | None = None
    first_cell = ""
    for i in range(header_at + 1, len(lines)):
        line = lines[i]
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) <= max(col_event, col_duration):
            raise parse_error(path, i + 1, line,
                              f"{len(names)} tab-separated columns {names}")
        stamp = _parse_time(cells[col_time], recording_date, previous)
        if stamp is None:
            raise parse_error(path, i + 1, line,
                              "a time 'yyyy-mm-ddThh:mm:ss.ffffff' or 'hh:mm:ss' first")
        try:
            duration = float(cells[col_duration].replace(",", ".")) if cells[col_duration] else 0.0
        except ValueError:
            raise parse_error(path, i + 1, line, "a duration in s in the Duration column") from None
        label = cells[col_event]
        location = cells[col_location] if col_location is not None and col_location < len(
            cells) else ""
        if normalise_stage(label) is not None:
            location = ""  # the scorer's open channel, meaningless for a stage
        if previous is None:
            first_cell = cells[col_time]
        previous = stamp
        stamps.append(stamp)
        rows.append((label, duration, location))
    raw = RawAnnotations()
    if not rows:
        return raw
    start = min(stamps)
    raw.start = start
    # Clock-only rows without a Recording Date give no date to align by.
    raw.date_known = recording_date is not None or not _CLOCK.match(first_cell)
    for stamp, (label, duration, location) in zip(stamps, rows, strict=True):
        raw.add((stamp - start).total_seconds(), duration, label, location or "n/a")
    return raw


def _parse_time(
    text: str, date: dt.date | None, previous: dt.datetime | None
) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    match = _CLOCK.match(text)
    if not match:
        return None
    hours, minutes, seconds = int(match.group(1)), int(match.group(2)), float(match.group(3))
    base = dt.datetime.combine(date or dt.date(2000, 1, 1), dt.time())
    if previous is not None:
        base = dt.datetime.combine(previous.date(), dt.time())
    stamp = base + dt.timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if previous is not None and (previous - stamp).total_seconds() > _DAY_S / 2:
        stamp += dt.timedelta(days=1)  # passed midnight
    return stamp


__all__ = ["looks_like_remlogic", "read_remlogic"]
