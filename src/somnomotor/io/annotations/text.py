"""Plain-text annotations: CSV/TSV event tables and one-stage-per-line hypnograms.

CSV/TSV
    A header row, then one event per row. Separator: tab, semicolon or comma (from the
    header). Column names are matched case-insensitively, ignoring a unit in brackets
    (``onset (s)``): onset from :data:`ONSET_NAMES`, duration from :data:`DURATION_NAMES`
    (optional, 0 when absent or ``n/a``), label from :data:`LABEL_NAMES`, channel from
    :data:`CHANNEL_NAMES` (optional). Onsets are numbers in s from the recording start
    (BIDS ``events.tsv`` files qualify) or, in every row alike, ISO date-times
    (``2015-07-09T21:50:22.000``, as MATPLM writes them), which are aligned to the
    recording by clock time. Durations are numbers in s (``n/a`` or empty when unknown).
    A value that is not finite, or beyond :data:`MAX_TIME_S`, is refused naming the line.

Stage text
    One stage per line, 30-s epochs from the recording start: any stage name of
    :data:`~somnomotor.io.annotations.labels.STAGE_LABELS` or a bare NSRR / R&K code of
    :data:`~somnomotor.io.annotations.labels.NUMERIC_STAGE_CODES`. Blank lines and lines
    starting with ``#`` are skipped.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from pathlib import Path

from somnomotor._errors import AnnotationError
from somnomotor.io.annotations._common import MAX_TIME_S, RawAnnotations, parse_error
from somnomotor.io.annotations.labels import NUMERIC_STAGE_CODES, normalise_stage

ONSET_NAMES: tuple[str, ...] = ("onset", "onset_s", "start", "start_s", "time", "time_s",
                                "begin", "start_time")
DURATION_NAMES: tuple[str, ...] = ("duration", "duration_s", "dur", "length")
LABEL_NAMES: tuple[str, ...] = ("label", "description", "event", "trial_type", "annotation",
                                "stage", "event_type", "type", "name")
CHANNEL_NAMES: tuple[str, ...] = ("channel", "location", "signal", "signal_location")
_UNIT = re.compile(r"[\[(].*?[\])]")
#: Cells that mean "no value". NaN is not among them: a NaN duration is a broken export,
#: and read as "unknown" it would silently make a stage last one epoch.
_MISSING = {"", "n/a", "na"}
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}")


def _name(cell: str) -> str:
    return _UNIT.sub("", cell).strip().strip('"').lower().replace(" ", "_")


def _find(names: list[str], wanted: tuple[str, ...]) -> int | None:
    for candidate in wanted:  # order of preference, e.g. 'label' before 'type'
        if candidate in names:
            return names.index(candidate)
    return None


def _delimiter(header: str) -> str:
    if "\t" in header:
        return "\t"
    return ";" if header.count(";") > header.count(",") else ","


def looks_like_table(lines: list[str]) -> bool:
    """True when the first non-blank line is a header with an onset and a label column."""
    header = next((line for line in lines if line.strip()), "")
    names = [_name(c) for c in header.split(_delimiter(header))]
    return _find(names, ONSET_NAMES) is not None and _find(names, LABEL_NAMES) is not None


def _stage_of_line(text: str) -> str | None:
    return NUMERIC_STAGE_CODES.get(text) or normalise_stage(text)


def looks_like_stage_text(lines: list[str]) -> bool:
    """True when the first (up to 50) content lines all name a sleep stage."""
    content = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return bool(content) and all(_stage_of_line(line) for line in content[:50])


def read_table(path: Path, lines: list[str]) -> RawAnnotations:
    """Parse a CSV/TSV table of events (onsets in s from the recording start)."""
    first = next(i for i, line in enumerate(lines) if line.strip())
    delimiter = _delimiter(lines[first])
    rows = list(csv.reader(lines[first:], delimiter=delimiter))
    names = [_name(c) for c in rows[0]]
    col_onset, col_label = _find(names, ONSET_NAMES), _find(names, LABEL_NAMES)
    col_duration, col_channel = _find(names, DURATION_NAMES), _find(names, CHANNEL_NAMES)
    if col_onset is None or col_label is None:
        raise parse_error(path, first + 1, lines[first],
                          f"a header with an onset column (one of {list(ONSET_NAMES)}) and a "
                          f"label column (one of {list(LABEL_NAMES)})")
    raw = RawAnnotations()
    needed = max(c for c in (col_onset, col_label, col_duration, col_channel) if c is not None)
    rows_read: list[tuple[float | dt.datetime, float, str, str]] = []
    line_numbers: list[int] = []
    for offset, cells in enumerate(rows[1:], start=1):
        line_no = first + offset + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) <= needed:
            raise parse_error(path, line_no, delimiter.join(cells),
                              f"{len(names)} columns {names} separated by {delimiter!r}")
        onset = _onset(path, line_no, cells[col_onset].strip(), delimiter)
        dur_text = cells[col_duration].strip() if col_duration is not None else ""
        duration = 0.0 if dur_text.lower() in _MISSING else _seconds(
            path, line_no, dur_text, delimiter, "duration")
        if duration < 0:
            raise _value_error(path, line_no, "duration", dur_text, "a duration >= 0 s")
        channel = cells[col_channel].strip() if col_channel is not None else ""
        rows_read.append((onset, duration, cells[col_label].strip(),
                          channel if channel.lower() not in _MISSING else "n/a"))
        line_numbers.append(line_no)
    clock = [isinstance(row[0], dt.datetime) for row in rows_read]
    if any(clock) and not all(clock):
        line_no = line_numbers[clock.index(not clock[0])]
        raise AnnotationError(
            f"cannot parse annotation file {str(path)!r}, line {line_no}: onsets mix "
            f"date-times and seconds; expected one kind in every row"
        )
    if any(clock):
        raw.start = min(row[0] for row in rows_read)  # type: ignore[type-var]
    for onset, duration, label, channel in rows_read:
        seconds = ((onset - raw.start).total_seconds()  # type: ignore[operator]
                   if isinstance(onset, dt.datetime) else onset)
        raw.add(seconds, duration, label, channel)
    return raw


def _value_error(path: Path, line_no: int, what: str, text: str,
                 expected: str) -> AnnotationError:
    return AnnotationError(
        f"cannot parse annotation file {str(path)!r}, line {line_no}: {what} {text!r} "
        f"refused; expected {expected}"
    )


def _seconds(path: Path, line_no: int, text: str, delimiter: str, what: str) -> float:
    """A finite number of s within +-:data:`MAX_TIME_S` (decimal comma unless CSV)."""
    try:
        value = float(text.replace(",", ".") if delimiter != "," else text)
    except ValueError:
        raise _value_error(path, line_no, what, text, f"{what} as a number in s") from None
    if not math.isfinite(value) or abs(value) > MAX_TIME_S:
        raise _value_error(path, line_no, what, text,
                           f"a finite {what} within +-{MAX_TIME_S:g} s (one week)")
    return value


def _onset(path: Path, line_no: int, text: str, delimiter: str) -> float | dt.datetime:
    if _DATETIME.match(text):
        try:
            return dt.datetime.fromisoformat(text.replace(" ", "T", 1))
        except ValueError:
            raise _value_error(path, line_no, "onset", text,
                               "an ISO date-time such as 2015-07-09T21:50:22.000") from None
    return _seconds(path, line_no, text, delimiter, "onset")


def read_stage_text(path: Path, lines: list[str], *, epoch_s: float = 30.0) -> RawAnnotations:
    """Parse one stage per line into 30-s epochs from the recording start."""
    raw = RawAnnotations(epoch_s=epoch_s)
    epoch = 0
    for i, line in enumerate(lines):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        stage = _stage_of_line(text)
        if stage is None:
            raise parse_error(path, i + 1, line,
                              "one sleep stage per line (W, N1, N2, N3, N4, R/REM, MT, ?, "
                              "Sleep stage W ..., or codes 0-6, 9)")
        raw.add(epoch * epoch_s, epoch_s, stage)
        epoch += 1
    return raw


__all__ = ["looks_like_stage_text", "looks_like_table", "read_stage_text", "read_table"]
