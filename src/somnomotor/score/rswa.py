"""Indices of REM sleep without atonia, each next to its published cut-off.

:func:`score_rswa` turns the output of :func:`somnomotor.detect.rswa.detect_rswa_standards`
(SINBAR, AASM and Montreal rule sets) into an :class:`~somnomotor.results.AnalysisResult`
of family ``"rswa"``; :func:`analyze_rswa` runs detection and scoring in one call.

A value beyond a cut-off carries the flag "consistent with REM sleep without atonia": a
finding in the recording, never a diagnosis (REM sleep behaviour disorder also needs the
clinical history, ICSD-3 criteria A, B and D). Every name is documented in docs/rswa.md.

References
----------
Frauscher B et al. Normative EMG values during REM sleep for the diagnosis of REM sleep
behavior disorder. Sleep 2012;35:835-847. doi:10.5665/sleep.1886
Montplaisir J et al. Polysomnographic diagnosis of idiopathic REM sleep behavior disorder.
Mov Disord 2010;25:2044-2051. doi:10.1002/mds.23257
Ferri R et al. Improved computation of the atonia index in normal controls and patients with
REM sleep behavior disorder. Sleep Med 2010;11:947-949. doi:10.1016/j.sleep.2010.06.003
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from somnomotor._errors import ParameterError
from somnomotor.detect._bursts import EnvelopeCache
from somnomotor.detect.rswa import (
    STANDARDS,
    ProgressCallback,
    RSWAParams,
    RSWAResult,
    detect_rswa_standards,
)
from somnomotor.events import EventTable
from somnomotor.recording import Recording
from somnomotor.results import AnalysisResult, Index

logger = logging.getLogger(__name__)

FLAG = "consistent with REM sleep without atonia"

SINBAR_REF = "SINBAR (Frauscher et al., Sleep 2012;35:835, doi:10.5665/sleep.1886)"
AASM_REF = "AASM Scoring Manual v2.x (phasic rule [C], tonic rule [W]/[R])"
MONTREAL_REF = ("Montreal method (Montplaisir et al., Mov Disord 2010;25:2044, "
                "doi:10.1002/mds.23257)")
AI_REF = "REM atonia index (Ferri et al., Sleep Med 2010;11:947, doi:10.1016/j.sleep.2010.06.003)"

#: Published cut-offs (value at or above which the flag is set).
SINBAR_ANY_CHIN_CUTOFF_PCT = 18.0  # Frauscher 2012: "any" mentalis, 3-s mini-epochs [C]
SINBAR_ANY_CHIN_ARMS_CUTOFF_PCT = 32.0  # Frauscher 2012: + phasic both FDS [C]
MONTREAL_TONIC_CUTOFF_PCT = 30.0  # Montplaisir 2010 [C]
MONTREAL_PHASIC_CUTOFF_PCT = 15.0  # Montplaisir 2010 [C]; 2-s mini-epoch length [R]
MONTREAL_LM_CUTOFF_PER_H = 24.0  # Montplaisir 2010 [C]
AI_REDUCED_BELOW = 0.8  # Ferri 2010 [C]
AI_NORMAL_ABOVE = 0.9  # Ferri 2010 [C]


def _pct(num: int, den: int) -> float | None:
    return 100.0 * num / den if den else None


def _flag_at_or_above(value: float | None, cutoff: float) -> str:
    return FLAG if value is not None and value >= cutoff else ""


def _mini_frame(res: RSWAResult, role: str) -> Any:
    f = res.mini_epochs.frame
    return f[f["role"] == role]


def _phasic_pct_index(res: RSWAResult, role: str, name: str, standard: str,
                      what: str) -> Index:
    f = _mini_frame(res, role)
    ok = ~f["excluded"].to_numpy(bool)
    n = int(ok.sum())
    value = _pct(int(f["phasic"].to_numpy(bool)[ok].sum()), n)
    return Index(
        name=name, value=value, unit="%",
        denominator=f"clean REM {res.params.mini_epoch_s:g}-s mini-epochs ({role})",
        denominator_value=float(n), denominator_unit="mini-epochs",
        description=f"{what}: share of clean REM mini-epochs with phasic EMG activity "
                    f"(bursts {res.params.phasic_min_s:g}-{res.params.phasic_max_s:g} s, "
                    f"{'>=' if res.params.phasic_inclusive else '>'}"
                    f"{res.params.phasic_factor:g}x background)",
        standard=standard, cutoff="no separate published cut-off", flag="",
    )


def _sinbar_indices(res: RSWAResult) -> list[Index]:
    chin = _mini_frame(res, "chin")
    ok = ~chin["excluded"].to_numpy(bool)
    n = int(ok.sum())
    den = "clean REM 3-s mini-epochs (chin)"
    out: list[Index] = []
    for kind, what in (("phasic", "phasic"), ("any", "any (tonic or phasic)")):
        value = _pct(int(chin[kind].to_numpy(bool)[ok].sum()), n)
        cut = f"{SINBAR_ANY_CHIN_CUTOFF_PCT:g} % (100 % specificity for RBD)" if kind == "any" \
            else "no separate SINBAR cut-off"
        out.append(Index(
            name=f"sinbar_chin_{kind}_pct", value=value, unit="%", denominator=den,
            denominator_value=float(n), denominator_unit="mini-epochs",
            description=f"Chin (mentalis) {what} EMG activity, share of clean REM 3-s "
                        "mini-epochs (SINBAR)",
            standard=SINBAR_REF, cutoff=cut,
            flag=_flag_at_or_above(value, SINBAR_ANY_CHIN_CUTOFF_PCT) if kind == "any" else "",
        ))
    # SINBAR counts tonic activity per 30-s epoch (> 50 % of the epoch), not per mini-epoch
    value, n_ep = _epoch_pct(res, "chin_tonic")
    out.insert(1, Index(
        name="sinbar_chin_tonic_pct", value=value, unit="%",
        denominator=f"clean {res.params.epoch_s:g}-s REM epochs (chin)",
        denominator_value=float(n_ep), denominator_unit="epochs",
        description="Chin (mentalis) tonic EMG activity: share of clean REM 30-s epochs with "
                    "activity >= 2x background during more than 50 % of the epoch (SINBAR)",
        standard=SINBAR_REF, cutoff="no separate SINBAR cut-off", flag="",
    ))
    arms = [r for r in ("arm_left", "arm_right") if r in res.channels]
    if arms:
        any_chin = chin["any"].to_numpy(bool)
        excl = chin["excluded"].to_numpy(bool)
        combined = any_chin.copy()
        for role in arms:
            f = _mini_frame(res, role)
            combined |= f["phasic"].to_numpy(bool)
            excl = excl | f["excluded"].to_numpy(bool)
        n_c = int((~excl).sum())
        value = _pct(int(combined[~excl].sum()), n_c)
        note = "" if len(arms) == 2 else " (only one arm recorded; the cut-off assumes both)"
        out.append(Index(
            name="sinbar_chin_any_arms_phasic_pct", value=value, unit="%",
            denominator="REM 3-s mini-epochs clean in chin and arm channels",
            denominator_value=float(n_c), denominator_unit="mini-epochs",
            description="Any chin activity or phasic activity in either arm (flexor digitorum "
                        "superficialis), share of clean REM 3-s mini-epochs (SINBAR)" + note,
            standard=SINBAR_REF,
            cutoff=f"{SINBAR_ANY_CHIN_ARMS_CUTOFF_PCT:g} % (100 % specificity for RBD)",
            flag=_flag_at_or_above(value, SINBAR_ANY_CHIN_ARMS_CUTOFF_PCT),
        ))
    for limb in ("arm_left", "arm_right", "leg_left", "leg_right"):
        if limb in res.channels:
            out.append(_phasic_pct_index(res, limb, f"sinbar_{limb}_phasic_pct", SINBAR_REF,
                                         f"{limb.replace('_', ' ').capitalize()} EMG"))
    return out


def _epoch_pct(res: RSWAResult, column: str) -> tuple[float | None, int]:
    f = res.epochs.frame
    ok = ~f["excluded"].to_numpy(bool)
    n = int(ok.sum())
    return _pct(int(f[column].to_numpy(bool)[ok].sum()), n), n


def _aasm_indices(phasic_source: RSWAResult, tonic_source: RSWAResult | None) -> list[Index]:
    value, n = _epoch_pct(phasic_source, "chin_phasic_aasm")
    out = [Index(
        name="aasm_phasic_epoch_pct", value=value, unit="%",
        denominator="clean 30-s REM epochs", denominator_value=float(n),
        denominator_unit="epochs",
        description="REM epochs in which at least 5 of the 10 3-s mini-epochs hold chin bursts "
                    "of 0.1-5 s at >= 4x background (AASM phasic rule [C])",
        standard=AASM_REF, cutoff="AASM sets no quantitative cut-off", flag="",
    )]
    if tonic_source is not None and tonic_source.nrem_minimum_uv is not None:
        value, n = _epoch_pct(tonic_source, "chin_tonic")
        out.append(Index(
            name="aasm_tonic_epoch_pct", value=value, unit="%",
            denominator="clean 30-s REM epochs", denominator_value=float(n),
            denominator_unit="epochs",
            description="REM epochs with chin EMG above the minimum NREM amplitude during at "
                        "least 50 % of the epoch (AASM tonic rule; wording only weakly "
                        "confirmed [W]/[R])",
            standard=AASM_REF, cutoff="AASM sets no quantitative cut-off", flag="",
        ))
    return out


def _montreal_indices(res: RSWAResult, leg_movements: EventTable | None) -> list[Index]:
    value, n = _epoch_pct(res, "chin_tonic")
    out = [Index(
        name="montreal_tonic_pct", value=value, unit="%",
        denominator=f"clean {res.params.epoch_s:g}-s REM epochs", denominator_value=float(n),
        denominator_unit="epochs",
        description="Tonic chin EMG density: REM epochs with chin activity >= 2x background "
                    f"during more than half the epoch ({res.params.epoch_s:g}-s epochs [R])",
        standard=MONTREAL_REF, cutoff=f"{MONTREAL_TONIC_CUTOFF_PCT:g} %",
        flag=_flag_at_or_above(value, MONTREAL_TONIC_CUTOFF_PCT),
    )]
    chin = _mini_frame(res, "chin")
    ok = ~chin["excluded"].to_numpy(bool)
    n_m = int(ok.sum())
    value = _pct(int(chin["phasic"].to_numpy(bool)[ok].sum()), n_m)
    out.append(Index(
        name="montreal_phasic_pct", value=value, unit="%",
        denominator=f"clean REM {res.params.mini_epoch_s:g}-s mini-epochs (chin)",
        denominator_value=float(n_m), denominator_unit="mini-epochs",
        description="Phasic chin EMG density: REM mini-epochs with chin bursts "
                    f"{res.params.phasic_min_s:g}-{res.params.phasic_max_s:g} s > "
                    f"{res.params.phasic_factor:g}x background (2-s mini-epochs and burst "
                    "definition recalled, not confirmed [R])",
        standard=MONTREAL_REF, cutoff=f"{MONTREAL_PHASIC_CUTOFF_PCT:g} %",
        flag=_flag_at_or_above(value, MONTREAL_PHASIC_CUTOFF_PCT),
    ))
    if leg_movements is not None:
        rem_h = sum(b - a for a, b in res.rem_periods) / 3600.0
        on = leg_movements.onset_s
        in_rem = np.zeros(on.size, bool)
        for a, b in res.rem_periods:
            in_rem |= (on >= a) & (on < b)
        rate = float(in_rem.sum()) / rem_h if rem_h > 0 else None
        out.append(Index(
            name="montreal_rem_lm_per_h", value=rate, unit="/h", denominator="hours of REM sleep",
            denominator_value=rem_h, denominator_unit="h",
            description="Leg movements starting in REM sleep per hour of REM",
            standard=MONTREAL_REF, cutoff=f"{MONTREAL_LM_CUTOFF_PER_H:g} /h",
            flag=_flag_at_or_above(rate, MONTREAL_LM_CUTOFF_PER_H),
        ))
    return out


def _atonia_index(res: RSWAResult) -> Index:
    ai = res.atonia
    scale = res.params.atonia_amplitude_scale
    published = scale == 1.0
    flag = ""
    if ai.value is not None and published:
        if ai.value < AI_REDUCED_BELOW:
            flag = f"{FLAG} (atonia index below {AI_REDUCED_BELOW:g})"
        elif ai.value <= AI_NORMAL_ABOVE:
            flag = f"borderline ({AI_REDUCED_BELOW:g}-{AI_NORMAL_ABOVE:g})"
    if published:
        scale_note = "mean rectified EMG, the published scale (Ferri 2008, 2010)"
        cutoff = (f"> {AI_NORMAL_ABOVE:g} normal; {AI_REDUCED_BELOW:g}-{AI_NORMAL_ABOVE:g} "
                  f"borderline; < {AI_REDUCED_BELOW:g} reduced atonia")
    else:
        scale_note = (f"{scale:g}x the mean rectified EMG (SOMAS uses 2x); the published "
                      "cut-offs do not apply on this scale")
        cutoff = "none on this amplitude scale (Ferri's cut-offs need atonia_amplitude_scale=1)"
    return Index(
        name="rem_atonia_index", value=ai.value, unit="ratio",
        denominator="clean 1-s REM mini-epochs (chin)", denominator_value=float(ai.n_bins),
        denominator_unit="mini-epochs",
        description="REM atonia index of the chin EMG (0-1; 1 = complete atonia): % of 1-s "
                    "bins <= 1 µV / (100 - % of bins in (1, 2] µV), after noise correction; "
                    f"amplitude: {scale_note}",
        standard=AI_REF, cutoff=cutoff, flag=flag,
    )


def score_rswa(
    results: RSWAResult | Mapping[str, RSWAResult] | Sequence[RSWAResult],
    *,
    leg_movements: EventTable | None = None,
) -> AnalysisResult:
    """Indices of REM sleep without atonia from one or more rule sets.

    Parameters
    ----------
    results : RSWAResult, mapping or sequence of RSWAResult
        Output of :func:`~somnomotor.detect.rswa.detect_rswa` or
        :func:`~somnomotor.detect.rswa.detect_rswa_standards`. Each rule set present adds its
        indices (``sinbar_*``, ``aasm_*``, ``montreal_*``); ``aasm_phasic_epoch_pct`` comes
        from any rule set (every epoch row carries the AASM phasic criterion).
    leg_movements : EventTable, optional
        Detected or scored leg movements (onsets in s); adds ``montreal_rem_lm_per_h``.

    Returns
    -------
    AnalysisResult
        Family ``"rswa"``; events are the epoch and mini-epoch rows of the first rule set
        (SINBAR when present).
    """
    if isinstance(results, RSWAResult):
        by_std = {results.standard: results}
    elif isinstance(results, Mapping):
        by_std = dict(results)
    else:
        by_std = {r.standard: r for r in results}
    if not by_std:
        raise ParameterError("score_rswa needs at least one RSWAResult, received none")
    bad = sorted(set(by_std) - set(STANDARDS))
    if bad:
        raise ParameterError(f"unknown rule set(s) {bad}; allowed are {list(STANDARDS)}")
    primary = by_std.get("sinbar") or next(iter(by_std.values()))
    indices: list[Index] = []
    if "sinbar" in by_std:
        indices += _sinbar_indices(by_std["sinbar"])
    indices += _aasm_indices(by_std.get("aasm", primary), by_std.get("aasm"))
    if "montreal" in by_std:
        indices += _montreal_indices(by_std["montreal"], leg_movements)
    indices.append(_atonia_index(primary))
    chin = _mini_frame(primary, "chin")
    indices.append(Index(
        name="rswa_excluded_mini_epochs", value=float(chin["excluded"].to_numpy(bool).sum()),
        unit="count", description="Chin REM mini-epochs left out (artefact, arousal, "
                                  "respiratory event or no background)",
        standard=primary.standard,
    ))
    indices.append(Index(
        name="rswa_rem_minutes", value=primary.rem_s / 60.0, unit="min",
        description="REM sleep analysed (whole epochs inside the recording)",
        standard=primary.standard,
    ))
    excl = chin[chin["excluded"].to_numpy(bool)]
    unscorable = EventTable.from_arrays(
        excl["onset_s"].to_numpy(float), excl["duration_s"].to_numpy(float), "unscorable",
        excl["channel"].astype(str).tolist(), reason=excl["reason"].astype(str).tolist(),
    ) if len(excl) else EventTable.empty(["reason"])
    warnings: list[str] = []
    for r in by_std.values():
        warnings += [w for w in r.warnings if w not in warnings]
    return AnalysisResult(
        family="rswa",
        events=primary.events,
        indices=tuple(indices),
        params={std: r.params.to_dict() for std, r in by_std.items()},
        unscorable=unscorable,
        warnings=tuple(warnings),
        extra={"backgrounds_uv": {s: r.backgrounds_uv for s, r in by_std.items()},
               "nrem_minimum_uv": by_std["aasm"].nrem_minimum_uv if "aasm" in by_std else None},
    )


def analyze_rswa(
    recording: Recording,
    *,
    standards: Sequence[RSWAParams | str] = STANDARDS,
    leg_movements: EventTable | None = None,
    progress: ProgressCallback | None = None,
    envelopes: EnvelopeCache | None = None,
) -> AnalysisResult:
    """Detect with every rule set in ``standards`` and score: one call for the whole family.

    ``envelopes`` (optional) shares the whole-night band-passed EMG with the other motor
    events (see :func:`somnomotor.detect.rswa.detect_rswa_standards`).
    """
    found = detect_rswa_standards(recording, standards, progress=progress, envelopes=envelopes)
    return score_rswa(found, leg_movements=leg_movements)


__all__ = ["FLAG", "analyze_rswa", "score_rswa"]
