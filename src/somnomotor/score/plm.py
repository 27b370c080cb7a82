"""Periodic limb movement scoring: from monolateral leg movements to PLM series and indices.

The pipeline of :func:`score_plm`, in order (docs/plm-rules.md gives every rule with its
source and every open choice with the decision taken):

0. merge scored movements of the same leg that overlap or are < 0.5 s apart into one LM
   (an LM ends only at >= 0.5 s of low EMG; PLMScoRe and MATPLM-Score do the same);
1. drop activity shorter than 0.5 s (and, under AASM, longer than 10 s: not an LM);
2. drop movements whose onset lies in an unscorable interval (they are not counted, and the
   interval is left out of every denominator);
3. combine the two legs into bilateral LMs (WASM: overlap or gap < 0.5 s, <= 4 components;
   AASM: onsets < 5 s apart);
4. classify LM vs candidate LM (CLM: mono 0.5-10 s, bilateral 0.5-15 s under WASM);
5. flag respiratory-related LMs (WASM: -2.0 .. +10.25 s around the event end; AASM:
   0.5 s before the start .. 0.5 s after the end);
6. build PLM series (>= 4 CLMs with 10-90 s (WASM) or 5-90 s (AASM) onset-to-onset
   intervals), a second time without respiratory-related CLMs (PLMSnr);
7. associate arousals (overlap or < 0.5 s either way);
8. attribute each LM to the stage of the epoch of its onset; compute the indices
   (:mod:`somnomotor.score.plm_indices`).

Everything is vectorised numpy except the bilateral grouping, a single pass over the
movements in onset order; a night of ~3000 movements scores in milliseconds.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from somnomotor._errors import ParameterError, SomnomotorWarning
from somnomotor.events import EventTable
from somnomotor.hypnogram import SLEEP_STAGES, Hypnogram
from somnomotor.results import AnalysisResult, params_to_dict
from somnomotor.score.plm_indices import compute_plm_indices
from somnomotor.score.plm_rules import PLMRules

logger = logging.getLogger(__name__)

FAMILY = "leg_movements"
TRIAL_TYPE = "leg_movement"
#: One leg's part of a combined LM, written to events.tsv beside the LM rows (never counted).
COMPONENT_TRIAL_TYPE = "leg_movement_component"
#: Key of :attr:`AnalysisResult.extra` holding the component rows (an EventTable).
COMPONENTS_KEY = "component_events"
SIDES: tuple[str, ...] = ("left", "right", "bilateral", "unknown")

#: Times are rounded to 1 µs before every comparison with a rule limit, so that an IMI
#: written as 100.1 -> 110.1 s counts as exactly 10 s and not as 9.999999999999986 s.
_DECIMALS = 6

#: Output columns beyond the four required ones, in order (see docs/plm-rules.md).
OUTPUT_COLUMNS: tuple[str, ...] = (
    "lm_id", "leg", "candidate", "in_series", "series_id", "respiratory_related",
    "arousal_associated", "stage", "imi_s", "n_components", "short_imi", "isolated",
    "in_series_nr", "series_id_nr",
)


@dataclass(frozen=True)
class SeriesResult:
    """Series membership per row of the combined LM table (internal)."""

    in_series: np.ndarray
    series_id: np.ndarray
    imi_s: np.ndarray
    short_imi: np.ndarray
    isolated: np.ndarray
    n_series: int


# -- helpers -------------------------------------------------------------------------------
def merge_intervals(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of intervals as sorted, disjoint ``(starts, ends)`` arrays (s)."""
    if starts.size == 0:
        return np.zeros(0), np.zeros(0)
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    run_end = np.maximum.accumulate(e)
    new = np.ones(s.size, dtype=bool)
    new[1:] = s[1:] > run_end[:-1]
    group = np.cumsum(new) - 1
    out_s = s[new]
    out_e = np.zeros(out_s.size)
    np.maximum.at(out_e, group, e)
    out_e = np.maximum(out_e, out_s)
    return out_s, out_e


def _overlaps_any(on: np.ndarray, off: np.ndarray, win_start: np.ndarray,
                  win_end: np.ndarray) -> np.ndarray:
    """For each [on, off], whether it meets any closed window [win_start, win_end]."""
    if win_start.size == 0 or on.size == 0:
        return np.zeros(on.size, dtype=bool)
    order = np.argsort(win_start, kind="stable")
    ws = win_start[order]
    we_max = np.maximum.accumulate(win_end[order])
    k = np.searchsorted(ws, np.round(off, _DECIMALS), side="right")  # windows with start <= off
    hit = np.zeros(on.size, dtype=bool)
    has = k > 0
    hit[has] = np.round(we_max[k[has] - 1], _DECIMALS) >= np.round(on[has], _DECIMALS)
    return hit


def _associated(on: np.ndarray, off: np.ndarray, ev_on: np.ndarray, ev_off: np.ndarray,
                gap_s: float) -> np.ndarray:
    """Overlap, or < ``gap_s`` from the end of one to the onset of the other (either order)."""
    if ev_on.size == 0 or on.size == 0:
        return np.zeros(on.size, dtype=bool)
    order = np.argsort(ev_on, kind="stable")
    es = np.round(ev_on[order], _DECIMALS)
    ee_max = np.round(np.maximum.accumulate(ev_off[order]), _DECIMALS)
    # event onset - LM offset < gap  <=>  event onset < LM offset + gap (strict)
    k = np.searchsorted(es, np.round(off + gap_s, _DECIMALS), side="left")
    hit = np.zeros(on.size, dtype=bool)
    has = k > 0
    # LM onset - event offset < gap  <=>  event offset > LM onset - gap (strict)
    hit[has] = ee_max[k[has] - 1] > np.round(on[has] - gap_s, _DECIMALS)
    return hit


def _merge_same_leg(on: np.ndarray, dur: np.ndarray, side: np.ndarray, channel: np.ndarray,
                    gap_s: float | None) -> tuple[np.ndarray, ...]:
    """Join movements of one leg that overlap or lie < ``gap_s`` apart (offset to onset).

    Only ``left`` and ``right`` movements are joined; ``bilateral``/``unknown`` ones (a
    combined channel, or no side) may come from different legs and are left as they are.

    Returns ``(on, dur, side, channel, n_merged)``; a merged movement runs from the earliest
    onset to the latest offset and its channel joins the distinct channels with ``+``. Runs
    before the duration limits, so a sub-0.5-s mark < 0.5 s after an LM lengthens it (its
    quiet gap was too short to end the LM), as in PLMScoRe's ``lm_unil``.
    """
    if gap_s is None or on.size < 2:
        return on, dur, side, channel, 0
    off = on + dur
    order = np.lexsort((off, on, side.astype(str)))
    s_on, s_off, s_side, s_ch = on[order], off[order], side[order], channel[order]
    new = np.ones(on.size, dtype=bool)
    # Only a known leg: marks of a combined channel or of no side may be different legs.
    for key in ("left", "right"):
        idx = np.flatnonzero(s_side.astype(str) == key)
        if idx.size < 2:
            continue
        ends = np.maximum.accumulate(s_off[idx])
        # A movement starts a new LM when its onset is >= gap_s after the latest offset
        # so far on that leg (times rounded to 1 us, as for every other rule limit).
        new[idx[1:]] = np.round(s_on[idx[1:]] - ends[:-1], _DECIMALS) >= gap_s
    group = np.cumsum(new) - 1
    n_out = int(group[-1]) + 1
    if n_out == on.size:
        return on, dur, side, channel, 0
    m_on = s_on[new]
    m_off = np.full(n_out, -np.inf)
    np.maximum.at(m_off, group, s_off)
    m_side = s_side[new]
    m_ch = s_ch[new].copy()
    for grp in np.flatnonzero(np.bincount(group) > 1):
        m_ch[grp] = "+".join(dict.fromkeys(str(c) for c in s_ch[group == grp]))
    return m_on, m_off - m_on, m_side, m_ch, int(on.size - n_out)


def _one_leg_on_several_labels(movements: EventTable, before: dict[str, int],
                               merged_side: np.ndarray, gap_s: float) -> list[str]:
    """A message per leg whose marks carry more than one channel label.

    A scorer who marks one leg on two labels (a RemLogic export holding the left leg as
    ``EMG.Tibialis-Leg-Left`` and ``LAntib1-LAntib2``) often marks one movement twice; those
    copies are joined into one LM of that leg, never paired as a bilateral LM, so the
    left/right/bilateral split can differ from a tool that treats each label as a leg.
    """
    frame = movements.frame
    column = "side" if "side" in frame.columns else "leg"
    sides = frame[column].astype(str).str.strip().str.lower().to_numpy(dtype=object)
    channels = frame["channel"].astype(str).to_numpy(dtype=object)
    out = []
    for leg in ("left", "right"):
        # A channel already joined with "+" (events.tsv read back) names every label it had.
        labels = sorted({part for ch in channels[sides == leg] for part in ch.split("+")}
                        - {"", "n/a"})
        if len(labels) < 2:
            continue
        joined = before[leg] - int(np.count_nonzero(merged_side == leg))
        out.append(
            f"the {leg} leg is scored on {len(labels)} channel labels ({', '.join(labels)}): "
            f"its marks that overlap or lie < {gap_s:g} s apart are one {leg} LM, never a "
            f"bilateral one ({joined} mark(s) joined)"
        )
    return out


def _bilateral_groups(on: np.ndarray, off: np.ndarray, side: np.ndarray,
                      rules: PLMRules) -> np.ndarray:
    """Group label per monolateral LM; LMs of the two legs that meet the rule share one.

    ``on`` must be sorted. Only ``left`` and ``right`` LMs are combined, and only through an
    LM of the other leg. An edge joins two LMs of different legs when

    * ``"gap"`` (WASM 2016): they overlap or the offset-to-onset gap is
      < ``bilateral_max_gap_s``;
    * ``"onset"`` (AASM): their onsets are < ``bilateral_max_onset_diff_s`` apart.

    Groups are the connected components of these edges, so the result depends neither on
    the order of the rows nor on which leg is called left. A long LM on one leg can gather
    several LMs of the other leg (each one a component); under the AASM rule, legs
    alternating faster than every 5 s chain into one LM (documented in docs/plm-rules.md).
    """
    n = on.size
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    active: dict[str, list[int]] = {"left": [], "right": []}
    other = {"left": "right", "right": "left"}
    by_gap = rules.bilateral_rule == "gap"
    # "difference < limit" on times rounded to 1 µs, written as a half-µs tolerance so the
    # loop compares plain Python floats (this loop is the only one over all movements).
    limit = (rules.bilateral_max_gap_s if by_gap else rules.bilateral_max_onset_diff_s) - 5e-7
    ref = (off if by_gap else on).tolist()
    onsets = on.tolist()
    sides = [str(x) for x in side]
    for i in range(n):
        leg = sides[i]
        if leg not in active:
            continue
        t = onsets[i]
        # Earlier LMs too far from t cannot meet this LM nor any later one (onsets sorted).
        for key, members in active.items():
            active[key] = [j for j in members if t - ref[j] < limit]
        for j in active[other[leg]]:
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
        active[leg].append(i)
    return np.array([find(i) for i in range(n)], dtype=np.int64)


def _series(onset: np.ndarray, stage_class: np.ndarray, eligible: np.ndarray,
            breaker: np.ndarray, us_start: np.ndarray, us_end: np.ndarray,
            rules: PLMRules) -> SeriesResult:
    """PLM series over the rows of the (onset-sorted) combined table."""
    n = onset.size
    in_series = np.zeros(n, dtype=bool)
    series_id = np.full(n, -1, dtype=np.int64)
    imi_row = np.full(n, np.nan)
    short_row = np.zeros(n, dtype=bool)
    rows = np.flatnonzero(eligible)
    m = rows.size
    if m == 0:
        return SeriesResult(in_series, series_id, imi_row, short_row, short_row.copy(), 0)
    c_on = onset[rows]
    imi = np.full(m, np.nan)
    imi[1:] = np.round(np.diff(c_on), _DECIMALS)
    blocked = np.zeros(m, dtype=bool)
    blocked[0] = True
    if m > 1:
        # A breaker row strictly between two consecutive CLM rows (rows are onset-sorted).
        cb = np.cumsum(breaker.astype(np.int64))
        blocked[1:] |= (cb[rows[1:] - 1] - cb[rows[:-1]]) > 0
        if us_start.size:
            k = np.searchsorted(us_start, c_on[1:], side="left")
            has = k > 0
            crosses = np.zeros(m - 1, dtype=bool)
            crosses[has] = us_end[k[has] - 1] > c_on[:-1][has]
            blocked[1:] |= crosses
    # No IMI is computed across a non-candidate LM or an unscorable interval.
    imi[blocked] = np.nan
    with np.errstate(invalid="ignore"):
        lo = imi >= rules.imi_min_s if rules.imi_min_inclusive else imi > rules.imi_min_s
        hi = imi <= rules.imi_max_s if rules.imi_max_inclusive else imi < rules.imi_max_s
        short = imi < rules.imi_min_s if rules.imi_min_inclusive else imi <= rules.imi_min_s
    link = lo & hi & ~np.isnan(imi)
    short &= ~np.isnan(imi)
    if not rules.series_across_wake and m > 1:
        link[1:] &= stage_class[rows[1:]] == stage_class[rows[:-1]]
    if not rules.short_imi_may_start_series and m > 1:
        link[1:] &= ~short[:-1]
    run = np.cumsum(~link) - 1
    lengths = np.bincount(run)
    qualifies = lengths >= rules.min_series_length
    run_series = np.cumsum(qualifies) - 1
    member = qualifies[run]
    in_series[rows] = member
    series_id[rows[member]] = run_series[run[member]]
    imi_row[rows] = imi
    short_row[rows] = short
    isolated = np.zeros(n, dtype=bool)
    isolated[rows] = ~member & ~short
    return SeriesResult(in_series, series_id, imi_row, short_row, isolated,
                        int(qualifies.sum()))


def _check_events(table: EventTable | None, what: str) -> EventTable | None:
    if table is None:
        return None
    if not isinstance(table, EventTable):
        raise ParameterError(
            f"{what} must be an EventTable or None, received {type(table).__name__}"
        )
    on, dur = table.onset_s, table.duration_s
    bad = ~np.isfinite(on) | ~np.isfinite(dur) | (dur < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ParameterError(
            f"{what}: every event needs a finite onset and a duration >= 0 s; row {i} has "
            f"onset {on[i]!r} s and duration {dur[i]!r} s ({int(bad.sum())} bad row(s))"
        )
    return table


def _movement_sides(movements: EventTable) -> np.ndarray:
    frame = movements.frame
    column = "side" if "side" in frame.columns else ("leg" if "leg" in frame.columns else None)
    if column is None:
        raise ParameterError(
            "movements need a 'side' column (left, right, bilateral or unknown) naming the leg "
            f"of each monolateral LM; received columns {list(frame.columns)}. Use "
            "side='unknown' when the leg is not known."
        )
    side = frame[column].astype(str).str.strip().str.lower().to_numpy(dtype=object)
    bad = sorted(set(side) - set(SIDES))
    if bad:
        raise ParameterError(
            f"movements: unknown value(s) {bad[:5]} in column {column!r}; allowed are "
            f"{list(SIDES)}"
        )
    return side


# -- the pipeline --------------------------------------------------------------------------
def score_plm(
    movements: EventTable,
    *,
    hypnogram: Hypnogram | None,
    respiratory: EventTable | None = None,
    arousals: EventTable | None = None,
    unscorable: EventTable | None = None,
    rules: PLMRules | None = None,
    recording_duration_s: float | None = None,
) -> AnalysisResult:
    """Score leg movements, PLM series and the WASM 2016 / AASM indices.

    Parameters
    ----------
    movements : EventTable
        Monolateral leg movements, onset and duration in s, with a ``side`` column:
        ``left`` / ``right``; or ``bilateral`` (one combined tibialis channel) or
        ``unknown`` (pre-combined movements from a scored file without side) -- both are
        treated as monolateral movements of one ``unknown`` leg, never combined further,
        with the monolateral CLM limit (10 s under WASM 2016).
    hypnogram : Hypnogram or None
        Stages; ``None`` gives indices per hour of recording, labelled as such.
    respiratory : EventTable or None
        Apnoeas, hypopnoeas and RERAs; every row is used as a respiratory event.
    arousals : EventTable or None
        Arousals; every row is used.
    unscorable : EventTable or None
        Intervals unscorable on either leg. They are removed from every denominator,
        movements whose onset lies inside are not counted, and no series or IMI runs across
        them.
    rules : PLMRules or None
        ``PLMRules.wasm_2016()`` when ``None``.
    recording_duration_s : float or None
        Length of the recording in s; the denominator when there is no hypnogram (otherwise
        the end of the last event is used, with a warning).

    Returns
    -------
    AnalysisResult
        Family ``"leg_movements"``. ``events`` has one row per (combined) LM, trial_type
        ``"leg_movement"``, with the columns

        ===================== ===== ==================================================
        lm_id                       0, 1, ... in row order
        leg                         ``left``, ``right``, ``bilateral`` or ``unknown``
        candidate                   candidate LM (CLM)
        in_series                   PLM (member of a series of >= 4 CLMs)
        series_id                   0, 1, ... in time order; -1 when not in a series
        respiratory_related         overlaps the respiratory window (CLMr when candidate)
        arousal_associated          overlap or < 0.5 s to an arousal, either order
        stage                       stage of the epoch of the onset (``n/a`` without)
        imi_s                 s     onset-to-onset interval to the previous CLM; NaN
                                    when none or when a non-CLM / unscorable interval
                                    lies between
        n_components                monolateral LMs combined into this LM
        short_imi                   CLM with IMI below the series range
        isolated                    CLM neither in a series nor short_imi
        in_series_nr                PLM in the series computed without CLMr (PLMSnr)
        series_id_nr                series number of that computation; -1 when none
        ===================== ===== ==================================================

        ``extra`` holds the IMI and ln(IMI) histograms, counts of dropped (and merged)
        movements, the denominators, and under ``"component_events"`` an EventTable with
        one row per monolateral LM (trial_type ``"leg_movement_component"``, its own
        onset and duration, ``leg`` and the ``lm_id`` of its combined row). Component rows
        go to events.tsv and are never counted in an index.

    Raises
    ------
    ParameterError
        Missing ``side`` column, unknown side values, non-finite onsets or negative
        durations, a negative recording duration.

    References
    ----------
    Ferri R et al. Sleep Med 2016;26:86-95. doi:10.1016/j.sleep.2016.10.010 (WASM 2016).
    AASM Manual for the Scoring of Sleep and Associated Events v2.6 (2020).
    Manconi M et al. Sleep 2015;38:295-304. doi:10.5665/sleep.4418 (respiratory window).
    """
    rules = PLMRules.wasm_2016() if rules is None else rules
    if not isinstance(rules, PLMRules):
        raise ParameterError(f"rules must be a PLMRules, received {type(rules).__name__}")
    if hypnogram is not None and not isinstance(hypnogram, Hypnogram):
        raise ParameterError(
            f"hypnogram must be a Hypnogram or None, received {type(hypnogram).__name__}"
        )
    if recording_duration_s is not None and not (
        np.isfinite(recording_duration_s) and recording_duration_s >= 0
    ):
        raise ParameterError(
            f"recording_duration_s must be a finite number >= 0 s or None, received "
            f"{recording_duration_s!r}"
        )
    movements_checked = _check_events(movements, "movements")
    if movements_checked is None:
        raise ParameterError("movements must be an EventTable, received None")
    movements = movements_checked
    respiratory = _check_events(respiratory, "respiratory")
    arousals = _check_events(arousals, "arousals")
    unscorable = _check_events(unscorable, "unscorable")
    messages: list[str] = []

    side = _movement_sides(movements)
    on = movements.onset_s
    dur = movements.duration_s
    channel = movements.frame["channel"].astype(str).to_numpy(dtype=object)
    # 0. Same-leg marks closer than 0.5 s are one LM.
    before = {leg: int(np.count_nonzero(side == leg)) for leg in ("left", "right")}
    on, dur, side, channel, n_merged = _merge_same_leg(on, dur, side, channel,
                                                        rules.same_leg_merge_gap_s)
    if rules.same_leg_merge_gap_s is not None:
        messages += _one_leg_on_several_labels(movements, before, side,
                                               rules.same_leg_merge_gap_s)
    dur_r = np.round(dur, _DECIMALS)

    # 1. Too short (both standards) or too long (AASM) is not an LM at all.
    too_short = dur_r < rules.lm_min_duration_s
    too_long = (np.zeros(on.size, dtype=bool) if rules.lm_max_duration_s is None
                else dur_r > rules.lm_max_duration_s)
    # 2. Unscorable time: union over both legs.
    if unscorable is not None and len(unscorable):
        us_start, us_end = merge_intervals(unscorable.onset_s, unscorable.offset_s)
    else:
        us_start, us_end = np.zeros(0), np.zeros(0)
    in_unscorable = np.zeros(on.size, dtype=bool)
    if us_start.size:
        k = np.searchsorted(us_start, on, side="right")
        has = k > 0
        in_unscorable[has] = on[has] < us_end[k[has] - 1]
    keep = ~too_short & ~too_long & ~in_unscorable
    dropped = {
        "shorter_than_min": int(too_short.sum()),
        "longer_than_max": int((too_long & ~too_short).sum()),
        "onset_in_unscorable": int((in_unscorable & ~too_short & ~too_long).sum()),
        "merged_into_same_leg_lm": n_merged,
    }
    on, dur, side, channel = on[keep], dur[keep], side[keep], channel[keep]
    # Movements of a combined channel or of an unknown side: one pseudo-leg, never combined.
    side = np.where(np.isin(side, ("left", "right")), side, "unknown").astype(object)
    present = set(side)
    if "unknown" in present and present & {"left", "right"}:
        messages.append(
            "movements mix known sides (left/right) with bilateral/unknown ones; the latter "
            "are scored as monolateral movements of an unknown leg and never combined"
        )
    # Full sort key, so that the order of the input rows can never change the result.
    order = np.lexsort((channel.astype(str), dur, side.astype(str), on))
    on, dur, side, channel = on[order], dur[order], side[order], channel[order]
    off = on + dur

    # 3. Bilateral combination.
    group = _bilateral_groups(on, off, side, rules)
    uniq, g = np.unique(group, return_inverse=True)
    n_lm = uniq.size
    c_on = np.full(n_lm, np.inf)
    np.minimum.at(c_on, g, on)
    c_off = np.full(n_lm, -np.inf)
    np.maximum.at(c_off, g, off)
    n_comp = np.bincount(g, minlength=n_lm)
    mono_ok = (np.ones(on.size, dtype=bool) if rules.clm_max_duration_mono_s is None
               else np.round(dur, _DECIMALS) <= rules.clm_max_duration_mono_s)
    all_mono_ok = np.bincount(g, weights=(~mono_ok).astype(float), minlength=n_lm) == 0
    has_left = np.bincount(g, weights=(side == "left").astype(float), minlength=n_lm) > 0
    has_right = np.bincount(g, weights=(side == "right").astype(float), minlength=n_lm) > 0
    leg = np.where(has_left & has_right, "bilateral",
                   np.where(has_left, "left", np.where(has_right, "right", "unknown")))
    # Channel of a combined LM: its components' channels joined with "+" (few are combined).
    c_channel = np.empty(n_lm, dtype=object)
    if n_lm:
        first_of_group = np.unique(g, return_index=True)[1]
        c_channel[:] = channel[first_of_group]
        for grp in np.flatnonzero(n_comp > 1):
            c_channel[grp] = "+".join(dict.fromkeys(str(c) for c in channel[g == grp]))
    # Order combined LMs by onset, offset, size -- never by leg -- so that mirroring the legs
    # or reordering the input cannot reorder the output.
    perm = np.lexsort((n_comp, c_off, c_on))
    # Output row (= lm_id) of every monolateral LM, for its component row.
    row_of_group = np.empty(n_lm, dtype=np.int64)
    row_of_group[perm] = np.arange(n_lm)
    component_lm_id = row_of_group[g] if n_lm else np.zeros(0, dtype=np.int64)
    c_on, c_off, n_comp, all_mono_ok = c_on[perm], c_off[perm], n_comp[perm], all_mono_ok[perm]
    leg, c_channel = leg[perm], c_channel[perm]
    c_dur = np.round(c_off - c_on, _DECIMALS)

    # 4. Candidate LMs (WASM 2016); under AASM every remaining LM is a candidate.
    candidate = all_mono_ok.copy()
    multi = n_comp > 1
    if rules.bilateral_max_components is not None:
        candidate &= ~(multi & (n_comp > rules.bilateral_max_components))
    if rules.clm_max_duration_bilateral_s is not None:
        candidate &= ~(multi & (c_dur > rules.clm_max_duration_bilateral_s))

    # 5. Respiratory-related.
    if respiratory is not None and len(respiratory):
        if rules.respiratory_anchor == "end":
            w_start = respiratory.offset_s - rules.respiratory_before_s
        else:
            w_start = respiratory.onset_s - rules.respiratory_before_s
        w_end = respiratory.offset_s + rules.respiratory_after_s
        resp = _overlaps_any(c_on, c_off, w_start, w_end)
    else:
        resp = np.zeros(n_lm, dtype=bool)

    # 8 (needed by the series when they must not cross wake). Stage of the onset epoch.
    if hypnogram is not None:
        stage = hypnogram.stage_at(c_on).astype(object) if n_lm else np.zeros(0, dtype=object)
    else:
        stage = np.full(n_lm, "n/a", dtype=object)
    stage_class = np.where(np.isin(stage, SLEEP_STAGES), 1, np.where(stage == "W", 0, 2))
    if hypnogram is None:
        stage_class = np.ones(n_lm, dtype=np.int64)

    # 6. Series: primary, then without CLMr.
    excluded = resp if rules.respiratory_excludes else np.zeros(n_lm, dtype=bool)
    eligible = candidate & ~excluded
    breaker = (~candidate & ~excluded) if rules.non_candidate_breaks_series \
        else np.zeros(n_lm, dtype=bool)
    # Only stretches long enough to hide an inter-movement interval break a series.
    long_us = (us_end - us_start) >= rules.unscorable_breaks_series_min_s
    br_start, br_end = us_start[long_us], us_end[long_us]
    primary = _series(c_on, stage_class, eligible, breaker, br_start, br_end, rules)
    eligible_nr = eligible & ~resp
    breaker_nr = breaker | (eligible & resp) if rules.clmr_breaks_nr_series else breaker
    nr = _series(c_on, stage_class, eligible_nr, breaker_nr, br_start, br_end, rules)

    # 7. Arousals.
    if arousals is not None and len(arousals):
        arousal = _associated(c_on, c_off, arousals.onset_s, arousals.offset_s,
                              rules.arousal_max_gap_s)
    else:
        arousal = np.zeros(n_lm, dtype=bool)

    frame = pd.DataFrame({
        "onset_s": c_on,
        "duration_s": c_off - c_on,
        "trial_type": TRIAL_TYPE,
        "channel": c_channel if n_lm else np.zeros(0, dtype=object),
        "lm_id": np.arange(n_lm, dtype=np.int64),
        "leg": leg.astype(object),
        "candidate": candidate,
        "in_series": primary.in_series,
        "series_id": primary.series_id,
        "respiratory_related": resp,
        "arousal_associated": arousal,
        "stage": stage,
        "imi_s": primary.imi_s,
        "n_components": n_comp.astype(np.int64),
        "short_imi": primary.short_imi,
        "isolated": primary.isolated,
        "in_series_nr": nr.in_series,
        "series_id_nr": nr.series_id,
    })
    events = EventTable(frame)
    # One row per monolateral LM (after same-leg merging), with its own extent and the
    # lm_id of the combined row: the extent of each leg of a bilateral LM stays readable.
    c_order = np.lexsort((component_lm_id, on))
    components = EventTable(pd.DataFrame({
        "onset_s": on[c_order],
        "duration_s": dur[c_order],
        "trial_type": COMPONENT_TRIAL_TYPE,
        "channel": channel[c_order] if on.size else np.zeros(0, dtype=object),
        "lm_id": component_lm_id[c_order].astype(np.int64),
        "leg": side[c_order].astype(object),
    }))

    # Denominators and indices.
    if hypnogram is None and recording_duration_s is None:
        ends = [movements.offset_s.max(initial=0.0)]
        for t in (respiratory, arousals, unscorable):
            if t is not None and len(t):
                ends.append(t.offset_s.max())
        recording_duration_s = float(max(ends))
        if len(movements):
            messages.append(
                "no hypnogram and no recording duration: indices are per hour from 0 s "
                f"to the end of the last event ({recording_duration_s:.1f} s)"
            )
    indices, extra = compute_plm_indices(
        events.frame, hypnogram=hypnogram, us_start=us_start, us_end=us_end, rules=rules,
        recording_duration_s=recording_duration_s,
    )
    extra = {**extra, COMPONENTS_KEY: components, "dropped_movements": dropped, "n_series": primary.n_series,
             "n_series_nr": nr.n_series, "rule_set": rules.name}
    for msg in messages:
        logger.warning(msg)
        warnings.warn(msg, SomnomotorWarning, stacklevel=2)
    unscorable_out = (EventTable.from_arrays(us_start, us_end - us_start, "unscorable",
                                             reason="unscorable")
                      if us_start.size else EventTable.empty(("reason",)))
    return AnalysisResult(
        family=FAMILY,
        events=events,
        indices=tuple(indices),
        params=params_to_dict(rules),
        unscorable=unscorable_out,
        warnings=tuple(messages),
        extra=extra,
    )


__all__ = ["COMPONENTS_KEY", "COMPONENT_TRIAL_TYPE", "FAMILY", "OUTPUT_COLUMNS", "SIDES", "TRIAL_TYPE", "merge_intervals", "score_plm"]
