"""The sleep diary of possible triggers: one CSV row per night (docs/diary.md).

Columns (header line required, any order; empty cell = not recorded, except where required):

================================ ======== ==================================================
column                           limits   meaning
================================ ======== ==================================================
date                             required the evening the night began, ``YYYY-MM-DD``
bedtime                          required ``HH:MM`` (24 h) going to bed; before 12:00 means
                                          after midnight
rise_time                        required ``HH:MM`` getting up (the first such time after
                                          bedtime, within 24 h)
caffeine_drinks                  0-20     coffee, tea, cola, energy drinks that day
last_caffeine_time               HH:MM    time of the last one (only when drinks > 0)
alcohol_drinks                   0-20     drinks that day
exercise_minutes                 0-600    minutes of exercise that day
exercise_time                    HH:MM    when it ended (only when minutes > 0)
stress                           0-10     how stressed that day
sleep_hours_night_before         0-16     hours slept the night before
leg_discomfort                   0-10     leg discomfort or urge to move in the evening
cramps                           yes/no   night-time leg cramps
medicines                        names    iron tablets or other medicines, names only,
                                          separated by ``;`` (no dose: digits are refused)
================================ ======== ==================================================
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from somnomotor._errors import InputFileError

#: Column order written by ``somnomotor diary add``.
COLUMNS: tuple[str, ...] = (
    "date", "bedtime", "rise_time", "caffeine_drinks", "last_caffeine_time", "alcohol_drinks",
    "exercise_minutes", "exercise_time", "stress", "sleep_hours_night_before", "leg_discomfort",
    "cramps", "medicines",
)
REQUIRED: tuple[str, ...] = ("date", "bedtime", "rise_time")
#: Integer fields and their inclusive limits.
INT_LIMITS: Mapping[str, tuple[int, int]] = {
    "caffeine_drinks": (0, 20), "alcohol_drinks": (0, 20), "exercise_minutes": (0, 600),
    "stress": (0, 10), "leg_discomfort": (0, 10),
}
FLOAT_LIMITS: Mapping[str, tuple[float, float]] = {"sleep_hours_night_before": (0.0, 16.0)}
TIME_FIELDS: tuple[str, ...] = ("bedtime", "rise_time", "last_caffeine_time", "exercise_time")
#: What a field means, for prompts and errors.
DESCRIPTIONS: Mapping[str, str] = {
    "date": "the evening the night began, YYYY-MM-DD",
    "bedtime": "time you went to bed, HH:MM (24 h)",
    "rise_time": "time you got up, HH:MM (24 h)",
    "caffeine_drinks": "caffeine drinks that day (coffee, tea, cola, energy drinks), 0-20",
    "last_caffeine_time": "time of the last caffeine drink, HH:MM",
    "alcohol_drinks": "alcoholic drinks that day, 0-20",
    "exercise_minutes": "minutes of exercise that day, 0-600",
    "exercise_time": "time the exercise ended, HH:MM",
    "stress": "stress that day, 0 (none) to 10 (worst)",
    "sleep_hours_night_before": "hours slept the night before, 0-16",
    "leg_discomfort": "leg discomfort or urge to move in the evening, 0 (none) to 10 (worst)",
    "cramps": "night-time leg cramps, yes or no",
    "medicines": "iron tablets or other medicines by name only, separated by ';' (no dose)",
}
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_NAME = re.compile(r"^[^\W\d_][\w \-'/().]*$", re.UNICODE)


class DiaryError(InputFileError):
    """A diary entry or file that breaks the format (names the line and the field)."""


@dataclass(frozen=True)
class DiaryEntry:
    """One night of the diary (``None``: not recorded)."""

    date: dt.date
    bedtime: dt.time
    rise_time: dt.time
    caffeine_drinks: int | None = None
    last_caffeine_time: dt.time | None = None
    alcohol_drinks: int | None = None
    exercise_minutes: int | None = None
    exercise_time: dt.time | None = None
    stress: int | None = None
    sleep_hours_night_before: float | None = None
    leg_discomfort: int | None = None
    cramps: bool | None = None
    medicines: tuple[str, ...] = ()

    @property
    def bed_datetime(self) -> dt.datetime:
        """Going to bed; a bedtime before 12:00 lies after midnight."""
        day = self.date + dt.timedelta(days=1) if self.bedtime.hour < 12 else self.date
        return dt.datetime.combine(day, self.bedtime)

    @property
    def rise_datetime(self) -> dt.datetime:
        """Getting up: the first ``rise_time`` after going to bed."""
        bed = self.bed_datetime
        rise = dt.datetime.combine(bed.date(), self.rise_time)
        return rise if rise > bed else rise + dt.timedelta(days=1)

    @property
    def hours_in_bed(self) -> float:
        """Time in bed, h."""
        return (self.rise_datetime - self.bed_datetime).total_seconds() / 3600.0

    def to_row(self) -> dict[str, str]:
        """The CSV cells of this entry."""
        out: dict[str, str] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v is None:
                out[f.name] = ""
            elif isinstance(v, dt.time):
                out[f.name] = v.strftime("%H:%M")
            elif isinstance(v, bool):
                out[f.name] = "yes" if v else "no"
            elif isinstance(v, tuple):
                out[f.name] = "; ".join(v)
            else:
                out[f.name] = str(v)
        return out


def parse_field(name: str, text: str) -> Any:
    """Check and convert one cell; raises ValueError with a message naming the limits."""
    text = (text or "").strip()
    if name not in DESCRIPTIONS:
        raise ValueError(f"unknown column {name!r}; allowed are {list(COLUMNS)}")
    if text == "":
        if name in REQUIRED:
            raise ValueError(f"{name} is required ({DESCRIPTIONS[name]})")
        return () if name == "medicines" else None
    if name == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"date must be YYYY-MM-DD, received {text!r}") from None
    if name in TIME_FIELDS:
        m = _TIME.match(text)
        if not m:
            raise ValueError(f"{name} must be a time HH:MM from 00:00 to 23:59, received {text!r}")
        return dt.time(int(m.group(1)), int(m.group(2)))
    if name in INT_LIMITS:
        lo, hi = INT_LIMITS[name]
        if not re.fullmatch(r"\d+", text) or not lo <= int(text) <= hi:
            raise ValueError(f"{name} must be a whole number from {lo} to {hi}, received {text!r}")
        return int(text)
    if name in FLOAT_LIMITS:
        lo_f, hi_f = FLOAT_LIMITS[name]
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            value = float("nan")
        if not lo_f <= value <= hi_f:
            raise ValueError(f"{name} must be a number of hours from {lo_f:g} to {hi_f:g}, "
                             f"received {text!r}")
        return value
    if name == "cramps":
        low = text.lower()
        if low in ("yes", "y", "1", "true"):
            return True
        if low in ("no", "n", "0", "false"):
            return False
        raise ValueError(f"cramps must be yes or no, received {text!r}")
    # medicines: names only
    names = tuple(n.strip() for n in text.split(";") if n.strip())
    for n in names:
        if any(ch.isdigit() for ch in n):
            raise ValueError(f"medicines are names only, without a dose or number; received {n!r}")
        if not _NAME.match(n) or len(n) > 60:
            raise ValueError(f"medicine {n!r} is not a name (letters, spaces, hyphens; at most 60)")
    return names


def entry_from_row(row: Mapping[str, str]) -> DiaryEntry:
    """A :class:`DiaryEntry` from CSV cells (ValueError naming the field otherwise)."""
    values = {name: parse_field(name, row.get(name, "") or "") for name in COLUMNS}
    if values["caffeine_drinks"] in (None, 0) and values["last_caffeine_time"] is not None:
        raise ValueError("last_caffeine_time is given but caffeine_drinks is 0 or empty")
    if values["exercise_minutes"] in (None, 0) and values["exercise_time"] is not None:
        raise ValueError("exercise_time is given but exercise_minutes is 0 or empty")
    entry = DiaryEntry(**values)
    if entry.hours_in_bed > 16:
        raise ValueError(f"time in bed from bedtime {entry.bedtime:%H:%M} to rise_time "
                         f"{entry.rise_time:%H:%M} is {entry.hours_in_bed:.1f} h; at most 16 h")
    return entry


def parse_diary(text: str, source: str = "diary") -> list[DiaryEntry]:
    """Parse diary CSV text; errors name the line (1 = the header)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DiaryError(f"{source} line 1: the header must name the columns {list(REQUIRED)} "
                         f"(optional: {list(COLUMNS[3:])}); missing {missing}")
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise DiaryError(f"{source} line 1: unknown column(s) {unknown}; allowed are "
                         f"{list(COLUMNS)} (there are no dose fields)")
    entries: list[DiaryEntry] = []
    seen: dict[dt.date, int] = {}
    for row in reader:
        line = reader.line_num
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        if None in row:
            raise DiaryError(f"{source} line {line}: more cells than columns in the header")
        try:
            entry = entry_from_row(row)
        except ValueError as exc:
            raise DiaryError(f"{source} line {line}: {exc}") from None
        if entry.date in seen:
            raise DiaryError(f"{source} line {line}: date {entry.date} is already on line "
                             f"{seen[entry.date]} (one entry per night)")
        seen[entry.date] = line
        entries.append(entry)
    return sorted(entries, key=lambda e: e.date)


def read_diary(path: str | os.PathLike[str]) -> list[DiaryEntry]:
    """Read and check a diary CSV file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DiaryError(f"{p.name}: not UTF-8 text ({exc})") from None
    return parse_diary(text, p.name)


def diary_to_csv(entries: list[DiaryEntry]) -> str:
    """Diary entries as CSV text (all columns, date order)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for e in sorted(entries, key=lambda e: e.date):
        writer.writerow(e.to_row())
    return buf.getvalue()


def night_date(start: dt.datetime) -> dt.date:
    """The evening a recording starting at ``start`` belongs to (before 12:00: the day before)."""
    return (start - dt.timedelta(days=1)).date() if start.hour < 12 else start.date()


def entry_for_night(entries: list[DiaryEntry], start: dt.datetime | None) -> DiaryEntry | None:
    """The diary entry of the night a recording starting at ``start`` belongs to."""
    if start is None:
        return None
    day = night_date(start)
    return next((e for e in entries if e.date == day), None)


def time_in_bed_for(entries: list[DiaryEntry], start: dt.datetime | None
                    ) -> tuple[dt.datetime, dt.datetime] | None:
    """(bedtime, rise time) of the diary entry for a recording starting at ``start``."""
    entry = entry_for_night(entries, start)
    return None if entry is None else (entry.bed_datetime, entry.rise_datetime)


def entry_as_dict(entry: DiaryEntry) -> dict[str, Any]:
    """JSON-ready mapping of an entry."""
    return {k: (v.isoformat() if isinstance(v, (dt.date, dt.time)) else
                list(v) if isinstance(v, tuple) else v) for k, v in asdict(entry).items()}


__all__ = ["COLUMNS", "DESCRIPTIONS", "REQUIRED", "DiaryEntry", "DiaryError", "diary_to_csv",
           "entry_for_night", "entry_from_row", "night_date", "parse_diary", "parse_field",
           "read_diary", "time_in_bed_for"]
