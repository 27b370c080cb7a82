"""Plain-text annotations: CSV/TSV event tables and one-stage-per-line hypnograms.

CSV/TSV
    A header row, then one event per row. Separator: tab, semicolon or comma (from the
    header). Column names are matched case-insensitively, ignoring a unit in brackets
    (``onset (s)``): onset from :data:`ONSET_NAMES`, duration from :data:`DURATION_NAMES`
    (optional, 0 when absent or ``n/a``), label from :data:`LABEL_NAMES`, channel from
    :data:`CHANNEL_NAMES` (optional). Onsets and durations are numbers in s from the
    recording start (BIDS ``events.tsv`` files qualify).

Stage text
    One stage per line, 30-s epochs from the recording start: any stage name of
    :data:`~somnomotor.io.annotations.labels.STAGE_LABELS` or a bare NSRR / R&K code of
    :data:`~somnomotor.io.annotations.labels.NUMERIC_STAGE_CODES`. Blank lines and lines
    starting with ``#`` are skipped.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from somnomotor.io.annotations._common import RawAnnotations, parse_error
from somnomotor.io.annotations.labels import NUMERIC_STAGE_CODES, normalise_stage

ONSET_NAMES: tuple[str, ...] = ("onset", "onset_s", "start", "start_s", "time", "time_s",
                                "begin", "start_time")
DURATION_NAMES: tuple[str, ...] = ("duration", "duration_s", "dur", "length")
LABEL_NAMES: tuple[str, ...] = ("label", "description", "event", "trial_type", "annotation",
                                "stage", "event_type", "type", "name")
CHANNEL_NAMES: tuple[str, ...] = ("channel", "location", "signal", "signal_location")
_UNIT = re.compile(r"[\[(].*?[\])]")
_MISSING = {"", "n/a", "na", "nan"}


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
    for offset, cells in enumerate(rows[1:], start=1):
        line_no = first + offset + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) <= needed:
            raise parse_error(path, line_no, delimiter.join(cells),
                              f"{len(names)} columns {names} separated by {delimiter!r}")
        try:
            onset = float(cells[col_onset].strip().replace(",", ".")
                          if delimiter != "," else cells[col_onset].strip())
            dur_text = cells[col_duration].strip() if col_duration is not None else ""
            duration = 0.0 if dur_text.lower() in _MISSING else float(
                dur_text.replace(",", ".") if delimiter != "," else dur_text)
        except ValueError:
            raise parse_error(path, line_no, delimiter.join(cells),
                              "onset and duration as numbers in s") from None
        channel = cells[col_channel].strip() if col_channel is not None else ""
        raw.add(onset, duration, cells[col_label].strip(),
                channel if channel.lower() not in _MISSING else "n/a")
    return raw


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
