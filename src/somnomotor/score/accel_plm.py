"""Leg-movement indices of an accelerometer night, scored with the PSG series rules.

The movements found by :mod:`somnomotor.detect.accel_movements` go through
:func:`somnomotor.score.plm.score_plm` (WASM 2016 rules by default: duration limits, IMI
10-90 s, >= 4 in a series) -- the same code as PSG nights, not a copy. The indices have their
own names because they measure something else than the PSG ``plms_index``:

* the denominator is **time in bed with the device worn** (from the diary or the recording's
  rest period), not sleep: wake in bed is included, so they are lower than per-sleep figures
  when the same movements are counted;
* movements whose EMG burst does not move the ankle are **not seen**, and there is no
  respiratory channel, so respiratory-related movements cannot be set apart;
* one ankle: a movement of the other leg only is missed.

Published agreement of such devices with PSG: PAM-RL PLM index vs PSG PLMS index r = 0.87
(Sforza et al., Sleep Med 2005); SOMNOwatch event sensitivity 86.7 %, specificity 92.3 %.
Ours was checked on simulated nights only (benchmarks/bench_accel.py).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from somnomotor.events import EventTable
from somnomotor.results import AnalysisResult, Index, params_to_dict
from somnomotor.score.plm import score_plm
from somnomotor.score.plm_rules import PLMRules

FAMILY = "accel_leg_movements"
TRIAL_TYPE = "accel_leg_movement"

#: What every accelerometer index says about itself (report and summary.json).
NOT_PSG = ("from ankle acceleration, per hour in bed with the device worn (wake included); "
           "not the PSG plms_index (per hour of sleep, from tibialis EMG): movements that do "
           "not move the ankle are missed")
LITERATURE = ("Home devices against PSG: PAM-RL PLM index vs PSG PLMS index r = 0.87 (Sforza et "
              "al., Sleep Med 2005); SOMNOwatch event sensitivity 86.7 %, specificity 92.3 %. "
              "somnomotor's accelerometer scoring was checked on simulated nights only.")


def _complement(total_s: float, keep: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out, cur = [], 0.0
    for a, b in sorted(keep):
        if a > cur:
            out.append((cur, a))
        cur = max(cur, b)
    if cur < total_s:
        out.append((cur, total_s))
    return out


def analysed_intervals(in_bed: tuple[float, float], nonwear: list[tuple[float, float]]
                       ) -> list[tuple[float, float]]:
    """Time in bed minus non-wear, as sorted disjoint ``(start_s, end_s)`` intervals."""
    out = [in_bed]
    for a, b in sorted(nonwear):
        nxt = []
        for s, e in out:
            if b <= s or a >= e:
                nxt.append((s, e))
                continue
            if a > s:
                nxt.append((s, a))
            if b < e:
                nxt.append((b, e))
        out = nxt
    return [(s, e) for s, e in out if e > s]


def score_accel_night(
    movements: EventTable,
    *,
    duration_s: float,
    analysed: list[tuple[float, float]],
    time_in_bed_source: str,
    rules: PLMRules | None = None,
) -> AnalysisResult:
    """Score accelerometer leg movements into LM, PLM series and per-hour-in-bed indices.

    Parameters
    ----------
    movements : EventTable
        From :func:`somnomotor.detect.accel_movements.detect_accel_movements` (``side``).
    duration_s : float
        Length of the recording, s.
    analysed : list of (start_s, end_s)
        Time in bed with the device worn; everything else is left out (passed to the
        scorer as unscorable, so no series runs across it).
    time_in_bed_source : str
        Where the time in bed came from (``"diary"``, ``"rest period (van Hees 2018)"``).
    rules : PLMRules, optional
        ``PLMRules.wasm_2016()`` when None.
    """
    rules = rules or PLMRules.wasm_2016()
    outside = _complement(duration_s, analysed)
    unscorable = EventTable.from_arrays([a for a, _ in outside], [b - a for a, b in outside],
                                        "unscorable", "ankle", reason="out_of_bed_or_not_worn")
    scored = score_plm(movements, hypnogram=None, unscorable=unscorable, rules=rules,
                       recording_duration_s=duration_s)
    frame = scored.events.frame.copy()
    frame["trial_type"] = TRIAL_TYPE
    events = EventTable(frame)
    hours = sum(b - a for a, b in analysed) / 3600.0
    n_lm = len(events)
    n_plm = int(np.sum(frame["in_series"].astype(bool))) if n_lm else 0
    n_series = int(frame.loc[frame["in_series"].astype(bool), "series_id"].nunique()) if n_lm else 0

    def per_h(count: int) -> float | None:
        return count / hours if hours > 0 else None

    den = "hours in bed with the device worn"
    std = f"{rules.name} series rules on ankle-accelerometer movements ({NOT_PSG})"
    indices = (
        Index("accel_lm_index", per_h(n_lm), "/h", den, hours, "h",
              "leg movements seen by the ankle accelerometer per hour in bed", std),
        Index("accel_plm_index", per_h(n_plm), "/h", den, hours, "h",
              "leg movements in periodic series (>= 4, 10-90 s apart) seen by the ankle "
              "accelerometer per hour in bed", std),
        Index("accel_lm_count", float(n_lm), "count", description="accelerometer leg movements"),
        Index("accel_plm_count", float(n_plm), "count",
              description="accelerometer leg movements in periodic series"),
        Index("accel_plm_series_count", float(n_series), "count",
              description="periodic series in the accelerometer night"),
        Index("accel_time_in_bed_worn_h", hours, "h",
              description=f"time in bed with the device worn (time in bed from {time_in_bed_source})"),
    )
    return replace(
        scored,
        family=FAMILY,
        events=events,
        indices=indices,
        unscorable=unscorable,
        params={"scoring": params_to_dict(rules), "time_in_bed_source": time_in_bed_source},
        extra={},
        warnings=tuple(w for w in scored.warnings if "hypnogram" not in w.lower()),
    )


__all__ = ["FAMILY", "LITERATURE", "NOT_PSG", "analysed_intervals", "score_accel_night"]
