"""Nights with and without a possible trigger, side by side (never as a cause).

For each trigger defined from the diary (:data:`TRIGGERS`), the nights that have a
movement index and a diary entry recording that field are split into nights with and
without it. Reported: the number of nights in each group, each group's median, the median
difference (with - without) and a bootstrap 95 % interval of that difference (percentile
method, each group resampled with replacement on its own; Efron & Tibshirani, An
Introduction to the Bootstrap, 1993, ch. 13). Fewer than :data:`MIN_NIGHTS_PER_GROUP`
nights in either group: no comparison, and the text says so.

An association over a handful of one person's nights is not evidence of a cause: the nights
differ in many ways at once (a stressful day brings coffee, a late night and a short sleep
together). Every sentence says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from somnomotor.io.diary import DiaryEntry

#: Fewest nights in each group for a comparison (our choice: with fewer, one unusual night
#: decides the median).
MIN_NIGHTS_PER_GROUP = 3
N_BOOTSTRAP = 2000


@dataclass(frozen=True)
class Trigger:
    """A diary condition: ``test(entry)`` is True (with), False (without) or None (not
    recorded). ``phrase`` completes "on nights after ..."; ``cause`` names it as a cause;
    ``guidance_id`` is the statement of guidance.yaml about this factor."""

    name: str
    phrase: str
    cause: str
    test: Callable[[DiaryEntry], bool | None]
    guidance_id: str


def _late_exercise(e: DiaryEntry) -> bool | None:
    if e.exercise_minutes is None:
        return None
    if e.exercise_minutes == 0:
        return False
    if e.exercise_time is None:
        return None
    ended = dt.datetime.combine(e.date, e.exercise_time)
    return dt.timedelta(0) <= e.bed_datetime - ended <= dt.timedelta(hours=3)


def _late_caffeine(e: DiaryEntry) -> bool | None:
    if e.caffeine_drinks is None:
        return None
    if e.caffeine_drinks == 0:
        return False
    if e.last_caffeine_time is None:
        return None
    return e.last_caffeine_time >= dt.time(14, 0)


TRIGGERS: tuple[Trigger, ...] = (
    Trigger("caffeine_2_or_more", "two or more caffeine drinks", "caffeine",
            lambda e: None if e.caffeine_drinks is None else e.caffeine_drinks >= 2,
            "factor_caffeine"),
    Trigger("caffeine_after_14h", "caffeine after 2 pm", "caffeine",
            _late_caffeine, "factor_caffeine"),
    Trigger("alcohol", "any alcohol", "alcohol",
            lambda e: None if e.alcohol_drinks is None else e.alcohol_drinks >= 1,
            "factor_alcohol_nicotine"),
    Trigger("late_exercise", "exercise ending within 3 hours of bedtime", "the exercise",
            _late_exercise, "factor_exercise"),
    Trigger("stress_6_or_more", "a stress level of 6 or more (of 10)", "stress",
            lambda e: None if e.stress is None else e.stress >= 6, "factor_stress"),
    Trigger("short_night_before", "less than 6 hours of sleep the night before",
            "the short night", lambda e: None if e.sleep_hours_night_before is None
            else e.sleep_hours_night_before < 6.0, "factor_short_sleep"),
)


@dataclass(frozen=True)
class Comparison:
    """One trigger's nights with and without, for one index."""

    trigger: str
    index: str
    n_with: int
    n_without: int
    median_with: float | None
    median_without: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    sentence: str


def bootstrap_median_difference(with_values: Sequence[float], without_values: Sequence[float],
                                *, n_boot: int = N_BOOTSTRAP, seed: int = 0
                                ) -> tuple[float, float, float]:
    """Median(with) - median(without) and its percentile bootstrap 95 % interval."""
    a = np.asarray(with_values, dtype=float)
    b = np.asarray(without_values, dtype=float)
    rng = np.random.default_rng(seed)
    ra = np.median(a[rng.integers(0, a.size, (n_boot, a.size))], axis=1)
    rb = np.median(b[rng.integers(0, b.size, (n_boot, b.size))], axis=1)
    diff = ra - rb
    return (float(np.median(a) - np.median(b)), float(np.percentile(diff, 2.5)),
            float(np.percentile(diff, 97.5)))


def compare_trigger(trigger: Trigger, values: Sequence[float | None],
                    entries: Sequence[DiaryEntry | None], index_name: str,
                    index_words: str = "your legs moved") -> Comparison:
    """Compare one index between nights with and without ``trigger``.

    ``values[i]`` and ``entries[i]`` belong to the same night (None: missing).
    """
    with_v: list[float] = []
    without_v: list[float] = []
    for v, e in zip(values, entries):
        if v is None or e is None or not np.isfinite(v):
            continue
        flag = trigger.test(e)
        if flag is None:
            continue
        (with_v if flag else without_v).append(float(v))
    nw, nwo = len(with_v), len(without_v)
    if nw < MIN_NIGHTS_PER_GROUP or nwo < MIN_NIGHTS_PER_GROUP:
        sentence = (f"Too few nights to compare nights after {trigger.phrase} with other nights "
                    f"({nw} with, {nwo} without; at least {MIN_NIGHTS_PER_GROUP} of each are "
                    "needed).")
        return Comparison(trigger.name, index_name, nw, nwo,
                          float(np.median(with_v)) if with_v else None,
                          float(np.median(without_v)) if without_v else None,
                          None, None, None, sentence)
    diff, lo, hi = bootstrap_median_difference(with_v, without_v)
    mw, mwo = float(np.median(with_v)), float(np.median(without_v))
    numbers = (f"median {mw:.1f} vs {mwo:.1f} per hour; difference {diff:+.1f}, 95 % interval "
               f"{lo:+.1f} to {hi:+.1f}; {nw} nights with, {nwo} without")
    if lo > 0:
        sentence = (f"On nights after {trigger.phrase} {index_words} more often ({numbers}). "
                    f"This does not show that {trigger.cause} caused it.")
    elif hi < 0:
        sentence = (f"On nights after {trigger.phrase} {index_words} less often ({numbers}). "
                    f"This does not show that {trigger.cause} caused it.")
    else:
        sentence = (f"Nights after {trigger.phrase} and other nights showed no clear difference "
                    f"({numbers}). This does not show that {trigger.cause} has no effect.")
    return Comparison(trigger.name, index_name, nw, nwo, mw, mwo, diff, lo, hi, sentence)


def medicine_triggers(entries: Sequence[DiaryEntry | None]) -> list[Trigger]:
    """One trigger per medicine name in the diary (case-insensitive), names only."""
    names = sorted({m.lower() for e in entries if e is not None for m in e.medicines})

    def make(name: str) -> Trigger:
        return Trigger(f"medicine_{name}", f"taking {name}", name,
                       lambda e: name in {m.lower() for m in e.medicines}, "factor_medicines")

    return [make(n) for n in names]


__all__ = ["MIN_NIGHTS_PER_GROUP", "TRIGGERS", "Comparison", "Trigger",
           "bootstrap_median_difference", "compare_trigger", "medicine_triggers"]
