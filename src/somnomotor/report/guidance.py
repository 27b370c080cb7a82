"""Plain-language guidance for the person who slept, chosen by rules from the findings.

The statements live in ``somnomotor/data/guidance.yaml``, each with an id, its text and its
sources; this module decides which apply and fills in the numbers. The rules:

* a warning sign (RSWA flagged by the analysis, or a warning sign / dream enactment in the
  questionnaire answers) puts the "see a doctor" statements first and suppresses every
  reassuring statement;
* the PLMS index is described against the adult cut-off of ICSD-3 (more than 15/h, strict);
* sleep starts and fragmentary myoclonus are explained when present;
* questionnaire answers meeting all five IRLSSG 2014 criteria are described as matching the
  criteria doctors use, never as a diagnosis.

References
----------
Ferri R et al. World Association of Sleep Medicine (WASM) 2016 standards for recording and
scoring leg movements in polysomnograms. Sleep Med 2016;26:86-95.
doi:10.1016/j.sleep.2016.10.010

Frauscher B et al. Normative EMG values during REM sleep for the diagnosis of REM sleep
behavior disorder. Sleep 2012;35:835-847. doi:10.5665/sleep.1886

Ferri R et al. Improved computation of the atonia index in normal controls and patients with
REM sleep behavior disorder. Sleep Med 2010;11:947-949. doi:10.1016/j.sleep.2010.06.003
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from somnomotor.report.index_names import finite_number

import numpy as np
import pandas as pd
import yaml

from somnomotor._errors import ParameterError
from somnomotor.report.questionnaire import QuestionnaireAnswers

logger = logging.getLogger(__name__)

#: PLMS index above which adults are outside the usual range (ICSD-3 PLMD criterion, strict
#: ">": more than 15 per hour of sleep).
PLMS_ADULT_CUTOFF_PER_H = 15.0
#: Below this the PLMS index is described as rare (about a third of healthy adults exceed
#: 5/h, Frauscher et al. 2014, doi:10.1016/j.sleep.2014.02.006).
PLMS_LOW_PER_H = 5.0
#: PLM in wake per hour of wake worth mentioning (no standard cut-off; the project's choice
#: to mention a rhythmic pattern in wake only when it is frequent).
PLMW_MENTION_PER_H = 15.0
#: Minimum REM sleep in s for RSWA to count as assessed (5 min; the project's choice, as the
#: SINBAR percentages are unstable on a handful of epochs).
MIN_REM_FOR_RSWA_S = 300.0

#: Fallback cut-offs when the analysis did not set a flag itself: (name, comparison, value,
#: source). SINBAR "any" chin activity in 3-s mini-epochs > 18 % (Frauscher et al. 2012);
#: REM atonia index < 0.8 clearly reduced atonia (Ferri et al. 2010).
RSWA_CUTOFFS: tuple[tuple[str, str, float, str], ...] = (
    ("sinbar_chin_any_pct", ">", 18.0, "SINBAR, Frauscher et al. 2012"),
    ("sinbar_chin_any_arms_phasic_pct", ">", 32.0, "SINBAR, Frauscher et al. 2012"),
    ("rem_atonia_index", "<", 0.8, "Ferri et al. 2010"),
)
RSWA_INDEX_PREFIXES: tuple[str, ...] = ("sinbar_", "rem_atonia", "montreal_", "rswa_")

#: Excessive fragmentary myoclonus, AASM optional rule: >= 20 min of NREM sleep with >= 5
#: potentials per minute.
EFM_MIN_MINUTES = 20
EFM_MIN_PER_MIN = 5

SECTIONS: tuple[str, ...] = ("about", "doctor", "found", "answers", "explain", "factors",
                             "habits", "when_doctor", "doctor_may")
SECTION_TITLES: Mapping[str, str] = {
    "about": "About this text",
    "doctor": "Please see a doctor",
    "found": "What the recording showed",
    "answers": "What your answers mean",
    "explain": "Common explanations",
    "factors": "Everyday factors commonly linked with night movements",
    "habits": "General sleep habits that commonly help (not a treatment)",
    "when_doctor": "When to see a doctor (a sleep specialist or neurologist)",
    "doctor_may": "What a doctor may do",
}


@dataclass(frozen=True)
class Statement:
    """One statement of guidance.yaml.

    Parameters
    ----------
    id : str
    section : str
        One of :data:`SECTIONS`.
    text : str
        May hold ``{placeholders}`` filled by :func:`build_guidance`.
    sources : tuple of str
        Source tags (``"1"`` .. ``"5"``, ``"S"``).
    """

    id: str
    section: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class GuidanceLibrary:
    """All statements and the source register of guidance.yaml."""

    statements: Mapping[str, Statement]
    sources: Mapping[str, str]
    #: plain words for technical measure names (``plain_names`` in guidance.yaml)
    plain_names: Mapping[str, str] = field(default_factory=dict)

    def plain(self, measure: str) -> str:
        """The lay wording of a measure, else its plain name from the index registry."""
        from somnomotor.report.index_names import plain_name

        return self.plain_names.get(measure) or plain_name(measure)

    def get(self, statement_id: str) -> Statement:
        """The statement with this id."""
        try:
            return self.statements[statement_id]
        except KeyError:
            raise ParameterError(
                f"no guidance statement {statement_id!r}; known ids are "
                f"{sorted(self.statements)}"
            ) from None


def parse_library(doc: Mapping[str, Any]) -> GuidanceLibrary:
    """Check and convert the parsed guidance.yaml document."""
    sources = {str(k): str(v) for k, v in (doc.get("sources") or {}).items()}
    statements: dict[str, Statement] = {}
    for raw in doc.get("statements") or []:
        sid = str(raw.get("id", ""))
        section = str(raw.get("section", ""))
        if not sid or sid in statements:
            raise ParameterError(f"guidance statement id {sid!r} is empty or repeated")
        if section not in SECTIONS:
            raise ParameterError(
                f"guidance statement {sid!r} has section {section!r}; allowed are {list(SECTIONS)}"
            )
        tags = tuple(str(t) for t in raw.get("sources") or ())
        if not tags or any(t not in sources for t in tags):
            raise ParameterError(
                f"guidance statement {sid!r} cites {list(tags)}; every statement needs at least "
                f"one source from {sorted(sources)}"
            )
        statements[sid] = Statement(sid, section, " ".join(str(raw["text"]).split()), tags)
    plain = {str(k): " ".join(str(v).split()) for k, v in (doc.get("plain_names") or {}).items()}
    return GuidanceLibrary(statements=statements, sources=sources, plain_names=plain)


@functools.lru_cache(maxsize=1)
def load_library() -> GuidanceLibrary:
    """The statements shipped in ``somnomotor/data/guidance.yaml`` (read once, on first use)."""
    text = importlib.resources.files("somnomotor").joinpath("data/guidance.yaml").read_text(
        encoding="utf-8"
    )
    return parse_library(yaml.safe_load(text))


# -- findings -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Findings:
    """What the analysis found, reduced to what the guidance rules need.

    Parameters
    ----------
    plms_index, plmw_index : float or None
        PLM per hour of sleep / of wake (/h); ``None`` when not measured.
    rswa_flagged : bool or None
        ``True`` when an RSWA index is beyond its published cut-off; ``None`` when not
        assessed (no chin channel, or less than :data:`MIN_REM_FOR_RSWA_S` of REM sleep).
    rswa_detail : str
        The index and value that raised the flag, in words.
    rem_s : float or None
        REM sleep in s.
    n_sleep_starts : int
    n_fragmentary_myoclonus : int
    fm_excessive : bool
    unscorable_s : float
        Unscorable time summed over leg and chin channels (s).
    caveats : tuple of str
        Why the night's numbers are less certain (too short, little REM sleep, more than one
        night), from :mod:`somnomotor.report.reliability`.
    """

    plms_index: float | None = None
    plmw_index: float | None = None
    rswa_flagged: bool | None = None
    rswa_detail: str = ""
    rem_s: float | None = None
    n_sleep_starts: int = 0
    n_fragmentary_myoclonus: int = 0
    fm_excessive: bool = False
    unscorable_s: float = 0.0
    caveats: tuple[str, ...] = ()

    @property
    def any_flag(self) -> bool:
        """Whether any finding is beyond its cut-off."""
        return bool(
            (self.plms_index is not None and self.plms_index > PLMS_ADULT_CUTOFF_PER_H)
            or self.rswa_flagged
            or self.fm_excessive
        )


def _index_map(summary: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(ix.get("name")): ix for ix in summary.get("indices") or []}


def _rswa_flag(summary: Mapping[str, Any], rem_s: float | None) -> tuple[bool | None, str]:
    indices = _index_map(summary)
    rswa = {n: ix for n, ix in indices.items()
            if n.startswith(RSWA_INDEX_PREFIXES) or ix.get("family") == "rswa"}
    if not rswa or all(finite_number(ix.get("value")) is None for ix in rswa.values()):
        return None, ""
    if rem_s is not None and rem_s < MIN_REM_FOR_RSWA_S:
        return None, ""
    library = load_library()
    for name, ix in rswa.items():
        value = finite_number(ix.get("value"))
        if value is not None and str(ix.get("flag") or "").strip():
            # the cut-off without its clinical remark in brackets (written for specialists)
            cutoff = str(ix.get("cutoff") or "").split(" (")[0].strip()
            return True, (f"{library.plain(name)}: {value:.3g}{_unit(ix)}"
                          + (f"; published cut-off {cutoff}" if cutoff else ""))
    for name, op, cut, source in RSWA_CUTOFFS:
        value = finite_number(indices.get(name, {}).get("value"))
        if value is None:
            continue
        if (op == ">" and value > cut) or (op == "<" and value < cut):
            return True, (f"{library.plain(name)}: {value:.3g}{_unit(indices[name])}; "
                          f"published cut-off {op} {cut:g} ({source})")
    return False, ""


def _unit(ix: Mapping[str, Any]) -> str:
    unit = str(ix.get("unit") or "")
    return "" if unit in {"", "ratio", "count"} else (" %" if unit == "%" else f" {unit}")


def _efm_from_events(events: pd.DataFrame) -> bool:
    """AASM optional rule: at least 20 one-minute bins of NREM with >= 5 FM potentials."""
    fm = events[events["trial_type"] == "fragmentary_myoclonus"]
    if fm.empty:
        return False
    if "stage" in fm.columns:
        fm = fm[fm["stage"].astype(str).isin(["N1", "N2", "N3"])]
    minutes = np.floor(fm["onset_s"].to_numpy(dtype=float) / 60.0).astype(np.int64)
    _, counts = np.unique(minutes, return_counts=True)
    return int((counts >= EFM_MIN_PER_MIN).sum()) >= EFM_MIN_MINUTES


def findings_from_outputs(summary: Mapping[str, Any], events: pd.DataFrame) -> Findings:
    """Reduce summary.json and the events table to :class:`Findings`.

    Parameters
    ----------
    summary : mapping
        The parsed summary.json (schema in docs/architecture.md).
    events : pandas.DataFrame
        events.tsv with in-memory column names (``onset_s``, ``duration_s``, ``trial_type``,
        ``channel`` ...).
    """
    indices = _index_map(summary)
    hyp = summary.get("hypnogram") or {}
    rem_s = finite_number((hyp.get("stage_durations_s") or {}).get("R"))
    flagged, detail = _rswa_flag(summary, rem_s)
    kinds = events["trial_type"].astype(str) if len(events) else pd.Series(dtype=str)
    n_starts = int((kinds == "sleep_start").sum())
    ss = finite_number(indices.get("sleep_start_count", {}).get("value"))
    if ss is not None:
        n_starts = max(n_starts, int(ss))
    fm_flag = any(str(ix.get("flag") or "").strip() for n, ix in indices.items()
                  if n.startswith(("fm_", "efm")))
    unscorable = events[kinds == "unscorable"] if len(events) else events
    from somnomotor.report.reliability import ensure_reliability

    block = ensure_reliability(summary).get("reliability") or {}
    return Findings(
        caveats=tuple(str(c["text"]) for c in block.get("caveats") or []),
        plms_index=finite_number(indices.get("plms_index", {}).get("value")),
        plmw_index=finite_number(indices.get("plmw_index", {}).get("value")),
        rswa_flagged=flagged,
        rswa_detail=detail,
        rem_s=rem_s,
        n_sleep_starts=n_starts,
        n_fragmentary_myoclonus=int((kinds == "fragmentary_myoclonus").sum()),
        fm_excessive=fm_flag or (len(events) > 0 and _efm_from_events(events)),
        unscorable_s=float(unscorable["duration_s"].sum()) if len(unscorable) else 0.0,
    )


# -- selection ------------------------------------------------------------------------------
@dataclass(frozen=True)
class GuidanceItem:
    """A chosen statement with its numbers filled in."""

    id: str
    section: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Guidance:
    """The plain-language section: chosen statements by section, in reading order.

    Parameters
    ----------
    items : tuple of GuidanceItem
    doctor_first : bool
        True when a warning sign applies; the "Please see a doctor" section then comes first.
    sources : mapping of str to str
        The source register (tag to description) of the statements used.
    """

    items: tuple[GuidanceItem, ...]
    doctor_first: bool
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def ids(self) -> tuple[str, ...]:
        """Ids of the chosen statements in order."""
        return tuple(i.id for i in self.items)

    def section(self, name: str) -> list[GuidanceItem]:
        """Items of one section."""
        return [i for i in self.items if i.section == name]

    def sections(self) -> list[tuple[str, str, list[GuidanceItem]]]:
        """``(name, title, items)`` for each non-empty section in reading order."""
        order = list(SECTIONS)
        if self.doctor_first:
            order.remove("doctor")
            order.insert(0, "doctor")
        return [(s, SECTION_TITLES[s], self.section(s)) for s in order if self.section(s)]

    def as_text(self) -> str:
        """The whole section as plain text (for tests, logs and the PDF)."""
        parts = []
        for _, title, items in self.sections():
            parts.append(title)
            parts.extend(f"- {i.text} [{', '.join(i.sources)}]" for i in items)
        return "\n".join(parts)


_WARNING_STATEMENTS: Mapping[str, str] = {
    "dream_enactment": "doctor_dream_enactment",
    "violent_or_injurious_movements": "doctor_violent",
    "weakness_or_wasting": "doctor_weakness",
    "back_twitches_or_repeated_waking": "doctor_back_or_waking",
    "new_or_changing_movements": "doctor_new_or_changing",
    "restless_legs_most_nights": "doctor_rls_most_nights",
    "after_new_medicine_or_pregnancy": "doctor_medicine_or_pregnancy",
    "seizure_signs": "doctor_seizure",
}
#: Statements that reassure; never shown when a warning sign is present.
REASSURING: frozenset[str] = frozenset({"found_healthy", "found_plms_low", "found_plms_some",
                                         "found_rswa_normal", "explain_twitches",
                                         "found_sleep_starts"})


def select_statement_ids(findings: Findings, answers: QuestionnaireAnswers | None = None
                         ) -> list[str]:
    """Ids of the statements that apply, in reading order within each section."""
    answers = answers or QuestionnaireAnswers()
    ids: list[str] = ["about_not_advice"]
    plms = findings.plms_index
    plms_high = plms is not None and plms > PLMS_ADULT_CUTOFF_PER_H
    # -- doctor (warning signs)
    if answers.seizure_signs is True:  # urgent: read first of all
        ids.append("doctor_seizure")
    if findings.rswa_flagged:
        ids.append("doctor_rswa")
    for sign in answers.warning_signs:
        sid = _WARNING_STATEMENTS[sign]
        if sid not in ids:
            ids.append(sid)
    if answers.daytime_sleepiness is True:
        ids.append("doctor_sleepy_with_plms" if plms_high else "doctor_sleepy")
    # Every "doctor" statement is a warning sign of the guide (daytime sleepiness included).
    warning = any(i.startswith("doctor_") for i in ids)
    # -- found
    if plms is not None:
        if plms_high:
            ids.append("found_plms_high")
        elif plms > PLMS_LOW_PER_H:
            ids.append("found_plms_some")
        else:
            ids.append("found_plms_low")
    if findings.plmw_index is not None and findings.plmw_index > PLMW_MENTION_PER_H:
        ids.append("found_plmw")
    if findings.rswa_flagged is False:
        ids.append("found_rswa_normal")
    elif findings.rswa_flagged is None and findings.rem_s is not None and (
        findings.rem_s < MIN_REM_FOR_RSWA_S
    ):
        ids.append("found_no_rem")
    if findings.n_sleep_starts > 0:
        ids.append("found_sleep_starts")
    if findings.fm_excessive:
        ids.append("found_fm_excessive")
    elif findings.n_fragmentary_myoclonus > 0:
        ids.append("found_fm_some")
    if not findings.any_flag and (plms is not None or findings.rswa_flagged is not None):
        ids.append("found_healthy")
    if findings.unscorable_s >= 60.0:
        ids.append("found_quality")
    if findings.caveats:
        ids.append("found_short_recording")
    # -- answers
    if answers.rls_criteria_met:
        ids.append("answers_rls_match_plms" if plms_high else "answers_rls_match")
    elif answers.rls_criteria_yes > 0:
        ids.append("answers_rls_partial")
    if answers.irls_total is not None:
        ids.append("answers_irls")
    # -- explanations
    if plms_high or (plms is not None and plms > PLMS_LOW_PER_H) or answers.rls_criteria_met:
        ids.append("explain_plms")
    if findings.rswa_flagged or answers.dream_enactment:
        ids.append("explain_rswa")
    if findings.n_sleep_starts > 0 or findings.n_fragmentary_myoclonus > 0:
        ids.append("explain_twitches")
    ids.append("explain_cramps")
    # -- general sections, always
    lib = load_library()
    for section in ("factors", "habits", "when_doctor", "doctor_may"):
        ids.extend(s.id for s in lib.statements.values() if s.section == section)
    if warning:
        ids = ["found_sleep_starts_plain" if i == "found_sleep_starts" else i for i in ids]
        ids = [i for i in ids if i not in REASSURING]
    return ids


class _Numbers(dict[str, Any]):
    def __missing__(self, key: str) -> Any:  # a placeholder without a number is a bug in the YAML
        raise ParameterError(f"guidance text needs the value {key!r}, which was not measured")


def build_guidance(findings: Findings, answers: QuestionnaireAnswers | None = None) -> Guidance:
    """Choose and fill the statements for these findings and answers.

    Parameters
    ----------
    findings : Findings
        From :func:`findings_from_outputs`.
    answers : QuestionnaireAnswers or None
        The questionnaire, when it was filled in.

    Returns
    -------
    Guidance
        Never empty: the disclaimer and the general sections are always included.
    """
    lib = load_library()
    answers = answers or QuestionnaireAnswers()
    numbers = _Numbers(
        plms_index=findings.plms_index if findings.plms_index is not None else math.nan,
        plmw_index=findings.plmw_index if findings.plmw_index is not None else math.nan,
        rswa_detail=findings.rswa_detail or "measured by the analysis",
        n_sleep_starts=findings.n_sleep_starts,
        unscorable_min=findings.unscorable_s / 60.0,
        rls_yes=answers.rls_criteria_yes,
        irls_total=answers.irls_total if answers.irls_total is not None else "n/a",
        irls_band=answers.irls_band or "n/a",
        caveats="; ".join(findings.caveats) or "n/a",
    )
    items = []
    used: set[str] = set()
    for sid in select_statement_ids(findings, answers):
        st = lib.get(sid)
        items.append(GuidanceItem(st.id, st.section, st.text.format_map(numbers), st.sources))
        used.update(st.sources)
    doctor_first = any(i.section == "doctor" for i in items)
    return Guidance(items=tuple(items), doctor_first=doctor_first,
                    sources={k: v for k, v in lib.sources.items() if k in used})


def guidance_for_outputs(summary: Mapping[str, Any], events: pd.DataFrame,
                         answers: QuestionnaireAnswers | None = None) -> Guidance:
    """Shortcut: :func:`findings_from_outputs` then :func:`build_guidance`."""
    return build_guidance(findings_from_outputs(summary, events), answers)


def statement_texts(library: GuidanceLibrary | None = None) -> Sequence[str]:
    """Every statement text (unfilled), for checks of the wording."""
    return [s.text for s in (library or load_library()).statements.values()]


__all__ = [
    "PLMS_ADULT_CUTOFF_PER_H",
    "SECTIONS",
    "Findings",
    "Guidance",
    "GuidanceItem",
    "GuidanceLibrary",
    "Statement",
    "build_guidance",
    "findings_from_outputs",
    "guidance_for_outputs",
    "load_library",
    "parse_library",
    "select_statement_ids",
    "statement_texts",
]
