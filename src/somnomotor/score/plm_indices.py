"""Leg-movement indices: the WASM 2016 reporting set computed from a scored LM table.

Every figure is an :class:`~somnomotor.results.Index` with its unit, denominator and source;
docs/indices.md lists them all. Rates are events per hour of the denominator; the
denominator is the time in the stage(s) between lights off and lights on *minus* unscorable
time (an interval unscorable on either leg). A rate whose denominator is zero is ``None``.

Without a hypnogram the same movements are counted per hour of recording and the stage
letter ``s`` (sleep) is dropped from the names (``plm_index`` instead of ``plms_index``), so a
figure per hour of recording can never be mistaken for one per hour of sleep.

References
----------
Ferri R et al. World Association of Sleep Medicine (WASM) 2016 standards for recording and
scoring leg movements in polysomnograms. Sleep Med 2016;26:86-95.
doi:10.1016/j.sleep.2016.10.010.
American Academy of Sleep Medicine. International Classification of Sleep Disorders, 3rd ed.
(ICSD-3), 2014: PLMD requires PLMS > 15/h in adults and > 5/h in children.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from somnomotor.hypnogram import NREM_STAGES, SLEEP_STAGES, Hypnogram
from somnomotor.results import Index
from somnomotor.score.plm_rules import PLMRules

#: ICSD-3 PLMD thresholds on the PLMS index, events per hour of sleep; strict ">" as in
#: PMC9619152 Table 4 and the National Sleep Foundation wording.
ADULT_THRESHOLD_PER_H = 15.0
CHILD_THRESHOLD_PER_H = 5.0
PLMS_CUTOFF_TEXT = (
    "ICSD-3: a PLMS index > 15/h in adults or > 5/h in children is one criterion of periodic "
    "limb movement disorder, which also needs a clinical sleep complaint; a count above it "
    "is a finding, not a diagnosis"
)

#: ln(IMI) statistics use CLM pairs with 10 <= IMI < 90 s (SOMAS, WASM 2016 reporting set).
LN_IMI_MIN_S = 10.0
LN_IMI_MAX_S = 90.0
#: IMI histogram: 2-s bins from 0 to 90 s; ln(IMI) histogram: 0.1 bins from 0 to 4.5.
IMI_BIN_EDGES_S: tuple[float, ...] = tuple(float(x) for x in range(0, 92, 2))
LN_IMI_BIN_EDGES: tuple[float, ...] = tuple(round(0.1 * i, 1) for i in range(46))


def _overlap_s(a: float, b: float, us_start: np.ndarray, us_end: np.ndarray) -> float:
    """Seconds of [a, b] covered by the disjoint intervals [us_start, us_end]."""
    if us_start.size == 0 or b <= a:
        return 0.0
    return float(np.clip(np.minimum(us_end, b) - np.maximum(us_start, a), 0.0, None).sum())


def denominators_h(hypnogram: Hypnogram | None, us_start: np.ndarray, us_end: np.ndarray,
                   recording_duration_s: float | None) -> dict[str, float]:
    """Hours of sleep, wake, NREM and REM (or of recording) minus unscorable time.

    Parameters
    ----------
    hypnogram : Hypnogram or None
        Epochs outside lights off..lights on already count as ``UNS``.
    us_start, us_end : numpy.ndarray
        Disjoint, sorted unscorable intervals in s.
    recording_duration_s : float or None
        Used only without a hypnogram.

    Returns
    -------
    dict
        ``{"sleep", "wake", "nrem", "rem"}`` or ``{"recording"}``, in h.
    """
    if hypnogram is None:
        total = float(recording_duration_s or 0.0)
        return {"recording": max(total - _overlap_s(0.0, total, us_start, us_end), 0.0) / 3600}
    secs = {"sleep": 0.0, "wake": 0.0, "nrem": 0.0, "rem": 0.0}
    for start, end, stage in hypnogram.as_intervals():
        span = (end - start) - _overlap_s(start, end, us_start, us_end)
        if stage in SLEEP_STAGES:
            secs["sleep"] += span
        if stage == "W":
            secs["wake"] += span
        if stage in NREM_STAGES:
            secs["nrem"] += span
        if stage == "R":
            secs["rem"] += span
    return {k: v / 3600 for k, v in secs.items()}


_DENOMINATOR_TEXT: Mapping[str, str] = {
    "sleep": "hours of sleep (TST, N1+N2+N3+R, lights off to on, minus unscorable time)",
    "wake": "hours of wake (W, lights off to on, minus unscorable time)",
    "nrem": "hours of NREM sleep (N1+N2+N3, minus unscorable time)",
    "rem": "hours of REM sleep (R, minus unscorable time)",
    "recording": "hours of recording (no hypnogram)",
}


def compute_plm_indices(
    frame: pd.DataFrame,
    *,
    hypnogram: Hypnogram | None,
    us_start: np.ndarray,
    us_end: np.ndarray,
    rules: PLMRules,
    recording_duration_s: float | None = None,
) -> tuple[list[Index], dict[str, Any]]:
    """All leg-movement indices of a scored LM table (see :func:`score_plm` for the columns).

    Parameters
    ----------
    frame : pandas.DataFrame
        The events frame of :func:`somnomotor.score.plm.score_plm`.
    hypnogram : Hypnogram or None
    us_start, us_end : numpy.ndarray
        Disjoint, sorted unscorable intervals in s.
    rules : PLMRules
    recording_duration_s : float or None
        Denominator without a hypnogram, s.

    Returns
    -------
    indices : list of Index
    extra : dict
        JSON-ready histograms (``imi_histogram``, ``ln_imi_histogram``) and the
        denominators in h.
    """
    den = denominators_h(hypnogram, us_start, us_end, recording_duration_s)
    std = rules.standard
    stage = frame["stage"].to_numpy(dtype=object)
    b = {c: frame[c].to_numpy(dtype=bool) for c in (
        "candidate", "in_series", "in_series_nr", "respiratory_related", "arousal_associated",
        "short_imi", "isolated")}
    leg = frame["leg"].to_numpy(dtype=object)
    dur = frame["duration_s"].to_numpy(dtype=float)
    imi = frame["imi_s"].to_numpy(dtype=float)
    n = len(frame)
    everything = np.ones(n, dtype=bool)
    if hypnogram is None:
        scopes = {"s": ("recording", everything)}
    else:
        scopes = {
            "s": ("sleep", np.isin(stage, SLEEP_STAGES)),
            "w": ("wake", stage == "W"),
            "nrem": ("nrem", np.isin(stage, NREM_STAGES)),
            "rem": ("rem", stage == "R"),
        }
    s = "s"
    plm, clm = b["in_series"], b["candidate"]
    clmr = clm & b["respiratory_related"]
    out: list[Index] = []

    def rate(name: str, mask: np.ndarray, scope: str, description: str, *,
             cutoff: str = "", flag_rule: bool = False) -> None:
        key, where = scopes[scope]
        hours = den[key]
        count = int((mask & where).sum())
        value = count / hours if hours > 0 else None
        flag = ""
        if flag_rule and value is not None:
            if value > ADULT_THRESHOLD_PER_H:
                flag = "above the adult threshold of 15/h"
            elif value > CHILD_THRESHOLD_PER_H:
                flag = "above the children's threshold of 5/h (not above the adult 15/h)"
        out.append(Index(name=name, value=value, unit="/h", denominator=_DENOMINATOR_TEXT[key],
                         denominator_value=hours, denominator_unit="h",
                         description=description, standard=std, cutoff=cutoff, flag=flag))

    def ratio(name: str, num: np.ndarray, den_mask: np.ndarray, scope: str,
              description: str) -> None:
        where = scopes[scope][1]
        d = int((den_mask & where).sum())
        value = int((num & where).sum()) / d if d else None
        out.append(Index(name=name, value=value, unit="ratio", denominator="CLM count",
                         denominator_value=float(d), denominator_unit="count",
                         description=description, standard=std))

    def mean_dur(name: str, mask: np.ndarray, scope: str, description: str) -> None:
        sel = mask & scopes[scope][1]
        value = float(dur[sel].mean()) if sel.any() else None
        out.append(Index(name=name, value=value, unit="s", description=description,
                         standard=std))

    def count(name: str, mask: np.ndarray, scope: str | None, description: str) -> None:
        where = everything if scope is None else scopes[scope][1]
        out.append(Index(name=name, value=float((mask & where).sum()), unit="count",
                         description=description, standard=std))

    if hypnogram is not None:
        rate("plms_index", plm, "s", "periodic limb movements in sleep (PLMS) per hour of "
             "sleep, respiratory-related movements kept (WASM 2016 primary figure)",
             cutoff=PLMS_CUTOFF_TEXT, flag_rule=True)
        rate("plms_nr_index", b["in_series_nr"], "s", "PLMS per hour of sleep with series "
             "recomputed after removing respiratory-related CLMs (PLMSnr)")
        rate("plmw_index", plm, "w", "periodic limb movements in wake (PLMW) per hour of wake")
        rate("plm_nrem_index", plm, "nrem", "PLM in NREM sleep per hour of NREM sleep")
        rate("plm_rem_index", plm, "rem", "PLM in REM sleep per hour of REM sleep")
        rate("plm_nr_nrem_index", b["in_series_nr"], "nrem",
             "PLMSnr in NREM sleep per hour of NREM sleep")
        rate("plm_nr_rem_index", b["in_series_nr"], "rem",
             "PLMSnr in REM sleep per hour of REM sleep")
        rate("plms_arousal_index", plm & b["arousal_associated"], "s",
             "PLMS associated with an arousal per hour of sleep")
        rate("plms_nr_arousal_index", b["in_series_nr"] & b["arousal_associated"], "s",
             "PLMSnr associated with an arousal per hour of sleep")
        rate("clms_index", clm, "s", "candidate leg movements (CLM) in sleep per hour of sleep")
        rate("clmw_index", clm, "w", "CLM in wake per hour of wake")
        rate("clm_nrem_index", clm, "nrem", "CLM in NREM sleep per hour of NREM sleep")
        rate("clm_rem_index", clm, "rem", "CLM in REM sleep per hour of REM sleep")
        rate("clmr_index", clmr, "s", "respiratory-related CLM (CLMr) in sleep per hour of sleep")
        rate("clmr_nrem_index", clmr, "nrem", "CLMr in NREM sleep per hour of NREM sleep")
        rate("clmr_rem_index", clmr, "rem", "CLMr in REM sleep per hour of REM sleep")
        rate("short_imi_index", b["short_imi"], "s", "CLM in sleep whose interval to the "
             "previous CLM is below the series range, per hour of sleep")
        rate("short_imi_wake_index", b["short_imi"], "w",
             "short-interval CLM in wake per hour of wake")
        rate("isolated_index", b["isolated"], "s", "CLM in sleep neither in a PLM series nor "
             "short-interval (isolated) per hour of sleep")
        rate("isolated_wake_index", b["isolated"], "w", "isolated CLM in wake per hour of wake")
        rate("lm_index", everything, "s", "all leg movements (LM) in sleep per hour of sleep")
        rate("lmw_index", everything, "w", "all LM in wake per hour of wake")
        for side in ("left", "right", "bilateral"):
            rate(f"plms_{side}_index", plm & (leg == side), "s",
                 f"PLMS on the {side} leg{'s' if side == 'bilateral' else ''} per hour of sleep"
                 if side != "bilateral" else "PLMS involving both legs per hour of sleep")
            rate(f"plmw_{side}_index", plm & (leg == side), "w",
                 f"PLMW ({side}) per hour of wake")
        ratio("periodicity_index", plm, clm, "s",
              "periodicity index in sleep: PLMS / CLMS (0 = no periodic CLM, 1 = all)")
        ratio("periodicity_index_wake", plm, clm, "w", "periodicity index in wake: PLMW / CLMW")
        mean_dur("plms_mean_duration_s", plm, "s", "mean duration of PLMS")
        mean_dur("plmw_mean_duration_s", plm, "w", "mean duration of PLMW")
        mean_dur("short_imi_mean_duration_s", b["short_imi"], "s",
                 "mean duration of short-interval CLM in sleep")
        mean_dur("isolated_mean_duration_s", b["isolated"], "s",
                 "mean duration of isolated CLM in sleep")
        count("plms_count", plm, "s", "number of PLMS")
        count("plmw_count", plm, "w", "number of PLMW")
        count("plms_nr_count", b["in_series_nr"], "s", "number of PLMSnr")
        count("clms_count", clm, "s", "number of CLM in sleep")
        count("lms_count", everything, "s", "number of LM in sleep")
    else:
        rate("plm_index", plm, s, "periodic limb movements per hour of RECORDING (no "
             "hypnogram: sleep and wake cannot be told apart)",
             cutoff="the ICSD-3 thresholds (> 15/h adults, > 5/h children) refer to PLMS per "
             "hour of sleep and do not apply to this figure")
        rate("plm_nr_index", b["in_series_nr"], s,
             "PLM without respiratory-related CLMs per hour of recording")
        rate("plm_arousal_index", plm & b["arousal_associated"], s,
             "PLM associated with an arousal per hour of recording")
        rate("clm_index", clm, s, "candidate leg movements per hour of recording")
        rate("clmr_index", clmr, s, "respiratory-related CLM per hour of recording")
        rate("short_imi_index", b["short_imi"], s, "short-interval CLM per hour of recording")
        rate("isolated_index", b["isolated"], s, "isolated CLM per hour of recording")
        rate("lm_index", everything, s, "all leg movements per hour of recording")
        for side in ("left", "right", "bilateral"):
            rate(f"plm_{side}_index", plm & (leg == side), s,
                 f"PLM ({side}) per hour of recording")
        ratio("periodicity_index", plm, clm, s, "periodicity index: PLM / CLM")
        mean_dur("plm_mean_duration_s", plm, s, "mean duration of PLM")
        mean_dur("short_imi_mean_duration_s", b["short_imi"], s,
                 "mean duration of short-interval CLM")
        mean_dur("isolated_mean_duration_s", b["isolated"], s, "mean duration of isolated CLM")
        count("plm_count", plm, s, "number of PLM")
        count("plm_nr_count", b["in_series_nr"], s, "number of PLM without CLMr")

    # Counts over the whole table, whatever the stage.
    count("lm_count", everything, None, "number of leg movements (all stages)")
    count("clm_count", clm, None, "number of candidate leg movements (all stages)")
    count("plm_count_all", plm, None, "number of PLM (all stages)")
    count("clmr_count", clmr, None, "number of respiratory-related CLM (all stages)")

    # ln(IMI) statistics and histograms over consecutive CLM pairs in the scope.
    where = scopes[s][1]
    imis = imi[clm & where & ~np.isnan(imi)]
    ln_sel = imis[(imis >= LN_IMI_MIN_S) & (imis < LN_IMI_MAX_S)]
    ln_vals = np.log(ln_sel)
    scope_text = "sleep" if hypnogram is not None else "the recording"
    out.append(Index(
        name="ln_imi_mean", value=float(ln_vals.mean()) if ln_vals.size else None,
        unit="ln(s)", description=f"mean of ln(IMI) over consecutive CLM pairs in {scope_text} "
        "with 10 <= IMI < 90 s", standard=std))
    out.append(Index(
        name="ln_imi_sd", value=float(ln_vals.std(ddof=1)) if ln_vals.size > 1 else None,
        unit="ln(s)", description="standard deviation (n-1) of ln(IMI), same pairs as "
        "ln_imi_mean", standard=std))
    hist_vals = imis[imis < LN_IMI_MAX_S]
    imi_counts, _ = np.histogram(hist_vals, bins=np.asarray(IMI_BIN_EDGES_S))
    pos = hist_vals[hist_vals > 0]
    ln_counts, _ = np.histogram(np.log(pos), bins=np.asarray(LN_IMI_BIN_EDGES))
    extra: dict[str, Any] = {
        "denominators_h": den,
        "imi_histogram": {"scope": scope_text, "bin_edges_s": list(IMI_BIN_EDGES_S),
                          "counts": [int(c) for c in imi_counts]},
        "ln_imi_histogram": {"scope": scope_text, "bin_edges": list(LN_IMI_BIN_EDGES),
                             "counts": [int(c) for c in ln_counts]},
    }
    return out, extra


__all__ = [
    "ADULT_THRESHOLD_PER_H",
    "CHILD_THRESHOLD_PER_H",
    "IMI_BIN_EDGES_S",
    "LN_IMI_BIN_EDGES",
    "compute_plm_indices",
    "denominators_h",
]
