"""Several nights of one person side by side: a table, a page, and the diary beside them.

:func:`collect_nights` reads the summary.json of every analysed night found under the given
folders (PSG nights from ``somnomotor analyze night.edf``, accelerometer nights from
``somnomotor analyze night.cwa``); the two kinds are kept apart, each with its own index
(PSG: ``plms_index`` per hour of sleep; accelerometer: ``accel_plm_index`` per hour in bed).
:func:`summarise` gives per kind the median, the spread (quartiles, range) and a trend
(Theil-Sen slope per week, Sen 1968, doi:10.1080/01621459.1968.10480934, with its 95 %
interval), each only when enough nights carry it (:data:`MIN_NIGHTS_MEDIAN`,
:data:`MIN_NIGHTS_TREND`). :func:`render_nights_page` writes one self-contained HTML page
(inline CSS and SVG, no scripts, nothing fetched).

Night-to-night variability is large: in multi-night ankle accelerometry in RLS the best and
worst night of a person differed by 25.1/h on average (3.9-73.8), and a PLM index >= 15/h
was met on only 34 % of single nights (scoring-rules.md section 7.3). One night says little.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from somnomotor._errors import InputFileError, InputFileNotFoundError
from somnomotor.io.diary import DiaryEntry, night_date

#: Fewest nights for a median and spread, and for a trend (our choices: a median of two
#: nights is their mean; a slope needs a week of nights to be more than noise).
MIN_NIGHTS_MEDIAN = 3
MIN_NIGHTS_TREND = 7

#: Per kind: the headline index, its plain description and its denominator.
KINDS: dict[str, tuple[str, str]] = {
    "psg": ("plms_index", "PSG: periodic leg movements per hour of sleep (tibialis EMG, WASM 2016)"),
    "accelerometer": ("accel_plm_index",
                      "ankle accelerometer: leg movements in periodic series per hour in bed "
                      "(not the PSG index: wake in bed included, movements that do not move "
                      "the ankle missed)"),
}
EXTRA_INDICES = {"psg": ("plm_index", "lm_index"), "accelerometer": ("accel_lm_index",)}

VARIABILITY_NOTE = (
    "Leg movements vary a lot from night to night: in a study of people with restless legs "
    "wearing an ankle accelerometer for many nights, the best and the worst night of the same "
    "person differed by 25 per hour on average, and a single night reached 15 per hour in only "
    "about a third of nights. Read the median of several nights, not one night."
)


@dataclass(frozen=True)
class Night:
    """One analysed night (one summary.json)."""

    date: dt.date | None
    kind: str
    source: str
    folder: str
    indices: dict[str, float | None] = field(default_factory=dict)
    hours: float | None = None  # hours of sleep (PSG) or in bed with the device worn (accel)


def _read_summary(path: Path) -> Night:
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputFileError(f"{path}: not a readable summary.json ({exc})") from None
    kind = summary.get("recording_kind", "psg")
    if kind not in KINDS:
        raise InputFileError(f"{path}: unknown recording_kind {kind!r}; known are {list(KINDS)}")
    start_text = (summary.get("input") or {}).get("start")
    date = None
    if start_text:
        try:
            date = night_date(dt.datetime.fromisoformat(start_text))
        except ValueError:
            date = None
    indices = {i["name"]: i.get("value") for i in summary.get("indices", []) if "name" in i}
    head = KINDS[kind][0]
    den = next((i.get("denominator_value") for i in summary.get("indices", [])
                if i.get("name") == head), None)
    return Night(date, kind, (summary.get("input") or {}).get("file") or path.parent.name,
                 str(path.parent), indices, den)


def collect_nights(folders: Sequence[str | os.PathLike[str]]) -> list[Night]:
    """Every night (summary.json) in or under the folders, sorted by date."""
    nights: list[Night] = []
    for folder in folders:
        p = Path(folder)
        if not p.exists():
            raise InputFileNotFoundError(f"folder {str(p)!r} does not exist")
        files = [p] if p.is_file() else ([p / "summary.json"] if (p / "summary.json").exists()
                                         else sorted(p.rglob("summary.json")))
        nights.extend(_read_summary(f) for f in files)
    if not nights:
        raise InputFileError(
            f"no analysed night (summary.json) under {[str(f) for f in folders]}; run "
            "'somnomotor analyze FILE --out DIR' for each night first"
        )
    return sorted(nights, key=lambda n: (n.date or dt.date.max, n.kind, n.source))


def nights_table(nights: Sequence[Night], diary: Sequence[DiaryEntry] = ()) -> pd.DataFrame:
    """One row per night: date, kind, file, the kind's indices, hours, diary fields."""
    by_date = {e.date: e for e in diary}
    rows = []
    for n in nights:
        head = KINDS[n.kind][0]
        row: dict[str, Any] = {"date": n.date.isoformat() if n.date else "", "kind": n.kind,
                               "file": n.source, head: n.indices.get(head)}
        for extra in EXTRA_INDICES[n.kind]:
            row[extra] = n.indices.get(extra)
        row["hours_sleep" if n.kind == "psg" else "hours_in_bed_worn"] = n.hours
        entry = by_date.get(n.date) if n.date else None
        if entry is not None:
            from somnomotor.io.diary import entry_as_dict

            for k, v in entry_as_dict(entry).items():
                if k != "date":
                    row[f"diary_{k}"] = "; ".join(v) if isinstance(v, list) else v
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class KindSummary:
    """Median, spread and trend of one kind's headline index over the nights."""

    kind: str
    index: str
    n_nights: int
    median: float | None
    q1: float | None
    q3: float | None
    minimum: float | None
    maximum: float | None
    slope_per_week: float | None
    slope_low: float | None
    slope_high: float | None
    statement: str


def summarise(nights: Sequence[Night], kind: str) -> KindSummary:
    """The kind's headline index over the nights that carry it (see module doc)."""
    head = KINDS[kind][0]
    pts = [(n.date, n.indices.get(head)) for n in nights if n.kind == kind]
    vals = np.array([v for _, v in pts if v is not None], dtype=float)
    n = int(vals.size)
    if n == 0:
        return KindSummary(kind, head, 0, None, None, None, None, None, None, None, None,
                           "No night of this kind.")
    lo_hi = (float(vals.min()), float(vals.max()))
    if n < MIN_NIGHTS_MEDIAN:
        return KindSummary(kind, head, n, None, None, None, *lo_hi, None, None, None,
                           f"Only {n} night(s): too few for a median or a trend (at least "
                           f"{MIN_NIGHTS_MEDIAN} nights for a median, {MIN_NIGHTS_TREND} for a "
                           "trend). Each night is shown on its own.")
    med = float(np.median(vals))
    q1, q3 = (float(x) for x in np.percentile(vals, [25, 75]))
    dated = [(d, v) for d, v in pts if d is not None and v is not None]
    slope = low = high = None
    if n < MIN_NIGHTS_TREND or len(dated) < MIN_NIGHTS_TREND:
        trend = (f"Too few nights for a trend ({len(dated)} dated nights; at least "
                 f"{MIN_NIGHTS_TREND} are needed).")
    else:
        from scipy.stats import theilslopes

        d0 = min(d for d, _ in dated)
        x = np.array([(d - d0).days for d, _ in dated], dtype=float)
        y = np.array([v for _, v in dated], dtype=float)
        if np.ptp(x) == 0:
            trend = "All nights share one date: no trend."
        else:
            s, _, lo, hi = theilslopes(y, x, 0.95)
            slope, low, high = 7 * float(s), 7 * float(lo), 7 * float(hi)
            if low > 0:
                trend = (f"Over these nights the figure rose by about {slope:.1f} per hour each "
                         f"week (95 % interval {low:.1f} to {high:.1f}).")
            elif high < 0:
                trend = (f"Over these nights the figure fell by about {-slope:.1f} per hour each "
                         f"week (95 % interval {low:.1f} to {high:.1f}).")
            else:
                trend = (f"No clear trend over these nights ({slope:+.1f} per hour each week, "
                         f"95 % interval {low:.1f} to {high:.1f}).")
    statement = (f"Median of {n} nights: {med:.1f} per hour (middle half of nights "
                 f"{q1:.1f}-{q3:.1f}, range {lo_hi[0]:.1f}-{lo_hi[1]:.1f}). {trend}")
    return KindSummary(kind, head, n, med, q1, q3, *lo_hi, slope, low, high, statement)


def refuse_accelerometer_folder(folder: str | os.PathLike[str]) -> None:
    """Raise when ``folder`` holds an accelerometer night: the PSG night report would show
    an empty hypnogram and no leg movements for it. Its page is ``somnomotor nights``."""
    path = Path(folder) / "summary.json"
    try:
        kind = json.loads(path.read_text(encoding="utf-8")).get("recording_kind")
    except (OSError, ValueError, AttributeError):
        return
    if kind == "accelerometer":
        from somnomotor._errors import ParameterError

        raise ParameterError(
            f"{str(folder)!r} holds an ankle accelerometer night; its page is made by "
            f"'somnomotor nights {folder}' (or 'analyze FILE --report'), not by the PSG report"
        )


__all__ = ["KINDS", "MIN_NIGHTS_MEDIAN", "MIN_NIGHTS_TREND", "VARIABILITY_NOTE", "KindSummary",
           "Night", "collect_nights", "nights_table", "refuse_accelerometer_folder", "summarise"]
