"""SOMNOmedics (DOMINO) text exports: one file per event type.

Layout (see ``docs/annotation-formats.md``)::

    Signal ID: SchlafProfil\\profil
    Start Time: 23.09.2020 01:00:00
    Unit:
    Signal Type: Discret
    Events list: N4,N3,N2,N1,REM,Wake,Movement
    Rate: 30 s

    01:00:00,000; N1                                  one stage per epoch ("Discret")
    01:18:01,037-01:18:01,191; LeftLegPhasic          start-end; label
    01:01:00,750-01:01:12,250; 12;PLM Arousal (EEG)   start-end; duration (s); label

Row times are clock times (decimal comma) without a date. A night passes midnight, so the
date is rolled forward: each row is placed on the day that puts it closest to the row
before it (the first row: within -1 h .. +23 h of the header start).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from somnomotor._errors import AnnotationError
from somnomotor.io.annotations._common import RawAnnotations, parse_error, read_text_lines
from somnomotor.io.annotations.labels import normalise_stage

_DAY_S = 86400.0
_TIME = r"(\d{1,2}):(\d{2}):(\d{2})(?:[,.](\d+))?"
_ROW = re.compile(rf"^\s*{_TIME}(?:\s*-\s*{_TIME})?\s*;\s*(.*?)\s*$")
_DURATION_FIELD = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*;\s*(.*)$")

#: Header date-time spellings seen in exports (German, US with AM/PM, ISO).
START_FORMATS: tuple[str, ...] = (
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S",
)


def looks_like_somnomedics(lines: list[str]) -> bool:
    """True when the first lines hold the ``Signal ID:`` / ``Start Time:`` header."""
    head = [line.strip().lower() for line in lines[:8]]
    return any(h.startswith("signal id:") for h in head) and any(
        h.startswith("start time:") for h in head
    )


def _seconds(groups: tuple[str | None, ...]) -> float:
    hours, minutes, seconds, fraction = groups
    value = int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds or 0)
    return value + (float(f"0.{fraction}") if fraction else 0.0)


def _parse_start(text: str, path: Path, line_no: int, line: str) -> tuple[dt.datetime, bool]:
    for fmt in START_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt), "%p" in fmt
        except ValueError:
            continue
    raise parse_error(path, line_no, line,
                      "'Start Time: dd.mm.yyyy hh:mm:ss' (or mm/dd/yyyy hh:mm:ss AM/PM)")


def read_somnomedics(path: Path) -> RawAnnotations:
    """Parse one SOMNOmedics text export.

    Returns
    -------
    RawAnnotations
        Onsets in s from the header start time; durations from start-end times, or the
        ``Rate`` (30 s by default) for one-stage-per-epoch files.
    """
    lines = read_text_lines(path)
    header: dict[str, str] = {}
    body_start = len(lines)
    start: dt.datetime | None = None
    twelve_hour = False
    for i, line in enumerate(lines):
        if not line.strip():
            body_start = i + 1
            break
        if _ROW.match(line):  # no blank line after the header
            body_start = i
            break
        key, sep, value = line.partition(":")
        if not sep:
            raise parse_error(path, i + 1, line, "a header line 'Key: value' or a blank line")
        header[key.strip().lower()] = value.strip()
        if key.strip().lower() == "start time":
            start, twelve_hour = _parse_start(value, path, i + 1, line)
    rate_text = header.get("rate", "")
    rate_match = re.match(r"\s*(\d+(?:[.,]\d+)?)", rate_text)
    rate_s = float(rate_match.group(1).replace(",", ".")) if rate_match else 30.0
    discrete = "discret" in header.get("signal type", "").lower() or bool(rate_match)

    raw = RawAnnotations()
    rows: list[tuple[int, float, float | None, str]] = []
    for i in range(body_start, len(lines)):
        line = lines[i]
        if not line.strip():
            continue
        match = _ROW.match(line)
        if not match:
            raise parse_error(path, i + 1, line,
                              "'hh:mm:ss,fff; label' or 'hh:mm:ss,fff-hh:mm:ss,fff; [s;] label'")
        groups = match.groups()
        onset = _seconds(groups[0:4])
        end = _seconds(groups[4:8]) if groups[4] is not None else None
        rest = groups[8]
        field = _DURATION_FIELD.match(rest)
        if field and end is not None:
            rest = field.group(2).strip()
        if not rest:
            raise parse_error(path, i + 1, line, "a label after the time")
        rows.append((i + 1, onset, end, rest))
    if not rows:
        return raw

    if start is None:
        raw.warnings.append(f"{path.name}: no 'Start Time' header; onsets count from the "
                            f"first row")
        base = rows[0][1]
    else:
        base = start.hour * 3600 + start.minute * 60 + start.second + start.microsecond / 1e6
        first_gap = (rows[0][1] - base) % _DAY_S
        if twelve_hour and first_gap >= _DAY_S / 2:
            # Seen in real exports: a 12-h header ("01:00:00 PM") over 24-h rows from 01:00.
            start = start - dt.timedelta(hours=12) if start.hour >= 12 else (
                start + dt.timedelta(hours=12))
            base = (base + _DAY_S / 2) % _DAY_S
            raw.warnings.append(
                f"{path.name}: the header start time is written with AM/PM and lies 12 h off "
                f"the 24-h row times; read as {start:%Y-%m-%d %H:%M:%S}"
            )
    raw.start = start
    previous: float | None = None
    for _line_no, onset, end, label in rows:
        rel = onset - base
        if previous is None:
            rel %= _DAY_S
            if rel > _DAY_S - 3600.0:  # a first row up to 1 h before the header start
                rel -= _DAY_S
        else:
            # Rows are in time order; a time far below the previous one passed midnight.
            rel += round((previous - rel) / _DAY_S) * _DAY_S
        previous = rel
        duration = ((end - onset) % _DAY_S) if end is not None else (rate_s if discrete else 0.0)
        raw.add(rel, duration, label)
    if discrete:
        not_stages = sorted({lab for lab in raw.labels if normalise_stage(lab) is None})
        if not_stages:
            count = sum(1 for lab in raw.labels if normalise_stage(lab) is None)
            raw.warnings.append(
                f"{path.name}: {count} epoch(s) of the sleep profile carry labels that are not "
                f"sleep stages ({', '.join(not_stages[:5])}); they are kept as events and "
                f"their epochs count as unscored (UNS)"
            )
    return raw


def read_somnomedics_files(paths: list[Path]) -> list[RawAnnotations]:
    """Parse several exports of one night ("Sleep profile", "Classification Arousals" ...)."""
    if not paths:
        raise AnnotationError("no SOMNOmedics export files given; expected one or more paths")
    return [read_somnomedics(p) for p in paths]


__all__ = ["looks_like_somnomedics", "read_somnomedics", "read_somnomedics_files"]
