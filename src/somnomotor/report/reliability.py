"""When a night is too short, has too little REM sleep or is longer than one night.

The published norms and cut-offs behind the indices were set on whole nights: a PLMS index
"above 15/h" or a SINBAR share "above 18 %" means little when it rests on ten minutes of sleep
or one minute of REM, and a 36-h file is not one night. :func:`assess_reliability` reads a
summary.json document and returns the caveats that apply, each naming the indices it
concerns; :func:`add_reliability` writes them into the document (a ``"reliability"`` block
and a ``"caveats"`` list on every index), so that the terminal, the HTML and the PDF, and any
program reading summary.json, see the same words.

Limits and what they rest on
----------------------------
``MIN_SLEEP_H`` = 4 h of sleep (total sleep time). The ICSD-3 PLMS cut-offs (> 15/h adults,
> 5/h children) and the healthy-sleeper norms (Frauscher et al., Sleep Med 2014,
doi:10.1016/j.sleep.2014.02.006) are per night of sleep from full-night polysomnography.
No PLM study sets a minimum; the nearest published measurement is for another per-hour
index: on out-of-centre sleep tests, event rates from the first 60-240 min differed
significantly from the whole-night rate and agreed from 300 min on (Sleep
2014;37(5):969-975, doi:10.5665/sleep.3672, PubMed 24790276). 4 h of sleep is the project's
choice at the short end of that range, about two thirds of an adult's usual total sleep
time; the caveat says the index is less certain, it does not withhold it.

``MIN_REM_MIN`` = 15 min of REM sleep (30 REM epochs, 300 3-s mini-epochs). The SINBAR,
Montreal and atonia-index cut-offs were set on whole nights of REM sleep (Frauscher et al.,
Sleep 2012;35:835, doi:10.5665/sleep.1886; Montplaisir et al., Mov Disord 2010;25:2044;
Ferri et al., Sleep Med 2010;11:947), where REM is typically about a fifth of sleep, over four or five REM periods.
None states a minimum; 15 min (about one REM period) is the project's choice. Below it the
share rests on one REM period or less, and activity clusters within periods, so the
mini-epochs are not independent observations. Guidance already treats under 5 min of REM
as "not assessed" (``MIN_REM_FOR_RSWA_S`` in :mod:`somnomotor.report.guidance`).

``MAX_NIGHT_H`` = 16 h of recording. A polysomnogram records one night (typically 7-10 h
in bed); the per-night norms assume one. A recording longer than 16 h holds a day or more
besides the night (the project's choice: a long night in bed with set-up time stays under it).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from somnomotor.report.index_names import finite_number

#: Total sleep time (h) below which per-night sleep indices are marked as less certain.
MIN_SLEEP_H = 4.0
#: REM sleep (min) below which the RSWA shares and REM rates are marked as less certain.
MIN_REM_MIN = 15.0
#: Recording length (h) above which the file is not one night.
MAX_NIGHT_H = 16.0

#: Families whose indices rest on REM sleep rather than on the whole night's sleep.
REM_FAMILIES: frozenset[str] = frozenset({"rswa"})


def _hm(hours: float) -> str:
    h, m = divmod(int(round(hours * 60)), 60)
    return f"{h} h {m:02d} min" if h else f"{m} min"


def _on_rem(index: Mapping[str, Any]) -> bool:
    """An index measured over REM sleep: the RSWA family, or a rate per hour of REM."""
    if str(index.get("family", "")) in REM_FAMILIES:
        return True
    den = str(index.get("denominator") or "")
    return den.startswith(("hours of REM", "hours of R"))


def _compared_with_norms(index: Mapping[str, Any]) -> bool:
    """Rates, shares, ratios and anything with a published cut-off; not plain counts or
    minutes, which describe the recording rather than claim a per-night value."""
    if str(index.get("cutoff") or "").strip():
        return True
    return str(index.get("unit") or "") not in {"count", "min"}


def assess_reliability(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The reliability block of one night's summary.json.

    Parameters
    ----------
    summary : mapping
        A summary.json document (``input.duration_s``, ``hypnogram``, ``indices``).

    Returns
    -------
    dict
        ``recording_h``, ``sleep_h`` (``None`` without a hypnogram), ``rem_min``, ``limits``
        (the three limits above) and ``caveats``: a list of ``{"code", "text", "indices"}``
        naming the rates, shares, ratios and indices with a cut-off it concerns (plain counts
        and minutes are not judged against norms), with code ``"long_recording"``, ``"short_sleep"``, ``"short_recording"`` (no
        hypnogram) or ``"little_rem"``. The limits are strict: exactly 4 h of sleep or 15 min
        of REM is enough, exactly 16 h is still one night.
    """
    indices: Sequence[Mapping[str, Any]] = summary.get("indices") or []
    inp = summary.get("input") or {}
    hyp = summary.get("hypnogram") or None
    recording_s = finite_number(inp.get("duration_s"))
    recording_h = recording_s / 3600.0 if recording_s is not None else None
    sleep_s = finite_number(hyp.get("total_sleep_time_s")) if hyp else None
    sleep_h = sleep_s / 3600.0 if sleep_s is not None else None
    rem_min = next((finite_number(ix.get("value")) for ix in indices
                    if ix.get("name") == "rswa_rem_minutes"), None)
    if rem_min is None and hyp:
        rem_s = finite_number((hyp.get("stage_durations_s") or {}).get("R"))
        rem_min = rem_s / 60.0 if rem_s is not None else None
    judged = [ix for ix in indices if _compared_with_norms(ix)]
    names = [str(ix.get("name")) for ix in judged]
    night_wide = [str(ix.get("name")) for ix in judged if not _on_rem(ix)]
    on_rem = [str(ix.get("name")) for ix in judged if _on_rem(ix)]
    caveats: list[dict[str, Any]] = []
    if recording_h is not None and recording_h > MAX_NIGHT_H:
        caveats.append({
            "code": "long_recording",
            "text": (f"the recording is {_hm(recording_h)} long, more than one night "
                     f"(over {MAX_NIGHT_H:g} h): the norms and cut-offs are for one night, and "
                     "the indices here average over more than that"),
            "indices": names,
        })
    if sleep_h is not None and sleep_h < MIN_SLEEP_H and night_wide:
        caveats.append({
            "code": "short_sleep",
            "text": (f"only {_hm(sleep_h)} of sleep: the norms and cut-offs are for a whole "
                     f"night, and a rate over less than {MIN_SLEEP_H:g} h of sleep is too "
                     "uncertain to compare with them"),
            "indices": night_wide,
        })
    elif hyp is None and recording_h is not None and recording_h < MIN_SLEEP_H and night_wide:
        caveats.append({
            "code": "short_recording",
            "text": (f"only {_hm(recording_h)} of recording and no sleep staging: the norms "
                     f"and cut-offs are for a whole night, and a rate over less than "
                     f"{MIN_SLEEP_H:g} h is too uncertain to compare with them"),
            "indices": night_wide,
        })
    if rem_min is not None and rem_min < MIN_REM_MIN and on_rem:
        caveats.append({
            "code": "little_rem",
            "text": (f"only {_hm(rem_min / 60.0)} of REM sleep: the REM-sleep cut-offs "
                     f"(SINBAR, Montreal, atonia index) come from whole nights, and a share "
                     f"over less than {MIN_REM_MIN:g} min of REM is too uncertain to compare "
                     "with them"),
            "indices": on_rem,
        })
    return {
        "recording_h": recording_h,
        "sleep_h": sleep_h,
        "rem_min": rem_min,
        "limits": {"min_sleep_h": MIN_SLEEP_H, "min_rem_min": MIN_REM_MIN,
                   "max_night_h": MAX_NIGHT_H},
        "caveats": caveats,
    }


def add_reliability(summary: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the summary.json document with ``"reliability"`` and, on every index,
    ``"caveats"``: the texts of the caveats that concern it (empty list when none)."""
    doc = copy.deepcopy(dict(summary))
    block = assess_reliability(doc)
    doc["reliability"] = block
    for ix in doc.get("indices") or []:
        name = str(ix.get("name"))
        ix["caveats"] = [c["text"] for c in block["caveats"] if name in c["indices"]]
    return doc


def ensure_reliability(summary: Mapping[str, Any]) -> Mapping[str, Any]:
    """The document itself when it already holds the block, else :func:`add_reliability`
    (summary.json written by a version without it)."""
    if "reliability" in summary and all("caveats" in ix for ix in summary.get("indices") or []):
        return summary
    return add_reliability(summary)


__all__ = ["MAX_NIGHT_H", "MIN_REM_MIN", "MIN_SLEEP_H", "add_reliability",
           "assess_reliability", "ensure_reliability"]
