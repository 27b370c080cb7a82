"""Plain-language guidance: statement rules at their cut-offs, and what it must never say."""

from __future__ import annotations

import importlib.resources
import re

import numpy as np
import pandas as pd
import pytest

from somnomotor.report.guidance import (
    REASSURING,
    Findings,
    build_guidance,
    findings_from_outputs,
    load_library,
    parse_library,
    select_statement_ids,
)
from somnomotor.report.questionnaire import WARNING_QUESTIONS, QuestionnaireAnswers

DOSE = re.compile(r"\d+(?:[.,]\d+)? ?(?:mg|mcg|µg|ug|g|ml|mmol|iu|IU)\b", re.IGNORECASE)
#: Medicines (and remedies without good evidence) the guide warns against naming.
DRUGS = ("ropinirole", "pramipexole", "rotigotine", "levodopa", "carbidopa", "gabapentin",
         "pregabalin", "clonazepam", "diazepam", "lorazepam", "zolpidem", "melatonin",
         "tramadol", "oxycodone", "methadone", "codeine", "opioid", "quinine", "carbamazepine",
         "valerian", "glycine", "aspirin", "ferrous", "benzodiazepine", "dopamine agonist")
CLAIM_OK = re.compile(r"\b(not|never|only a (doctor|clinician)|cannot|can't)\b", re.I)
ALL_RLS = {f: True for f in ("rls_urge_to_move", "rls_worse_at_rest",
                             "rls_relieved_by_movement", "rls_worse_evening_night",
                             "rls_not_other_condition")}


def _yaml_text() -> str:
    return importlib.resources.files("somnomotor").joinpath("data/guidance.yaml").read_text(
        encoding="utf-8")


def _check_safe(text: str) -> None:
    assert not DOSE.search(text), DOSE.search(text)
    low = text.lower()
    for drug in DRUGS:
        assert drug not in low, drug
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if "diagnos" in sentence.lower():
            assert CLAIM_OK.search(sentence), f"'diagnos' used as a claim: {sentence!r}"


def test_guidance_yaml_names_no_medicine_dose_or_diagnosis_claim() -> None:
    _check_safe(_yaml_text())


def test_the_safety_scan_catches_what_it_is_meant_to_catch() -> None:
    # The scan itself must be able to fail.
    for bad in ("Take 300 mg before bed.", "A dose of 0.5mg helps.", "Try melatonin.",
                "This is a diagnosis of PLMD."):
        with pytest.raises(AssertionError):
            _check_safe(bad)


def test_every_statement_cites_a_listed_source() -> None:
    lib = load_library()
    assert {"1", "2", "3", "4", "5", "S"} <= set(lib.sources)
    for st in lib.statements.values():
        assert st.sources and set(st.sources) <= set(lib.sources)
    with pytest.raises(ValueError, match="at least one source"):
        parse_library({"sources": {"1": "x"},
                       "statements": [{"id": "a", "section": "found", "text": "t",
                                       "sources": ["9"]}]})


def _texts(findings: Findings, answers: QuestionnaireAnswers | None = None) -> str:
    g = build_guidance(findings, answers)
    text = g.as_text()
    _check_safe(text)
    return text


def test_plms_index_40_per_h_is_described_as_periodic_with_the_number() -> None:
    g = build_guidance(Findings(plms_index=40.0, rswa_flagged=False, rem_s=3600))
    assert "found_plms_high" in g.ids
    item = g.section("found")[0]
    assert "about 40 times per hour of sleep" in item.text
    assert "periodic limb movements" in item.text
    assert "found_healthy" not in g.ids
    assert not g.doctor_first  # PLMS alone is not a warning sign


@pytest.mark.parametrize(("plms", "expected"), [
    (15.0, "found_plms_some"),   # ICSD-3 adult threshold is strict: > 15/h
    (15.1, "found_plms_high"),
    (5.0, "found_plms_low"),
    (5.1, "found_plms_some"),
])
def test_plms_adult_cutoff_is_strictly_above_15_per_h(plms: float, expected: str) -> None:
    assert expected in select_statement_ids(Findings(plms_index=plms))


def test_rswa_flagged_puts_see_a_doctor_first_and_drops_reassurance() -> None:
    g = build_guidance(Findings(plms_index=2.0, rswa_flagged=True, rswa_detail="x 40 %",
                                rem_s=3600, n_sleep_starts=2))
    assert g.doctor_first
    assert g.sections()[0][0] == "doctor"
    assert g.section("doctor")[0].id == "doctor_rswa"
    assert "sleep specialist or a neurologist" in g.section("doctor")[0].text
    assert not set(g.ids) & REASSURING
    assert "harmless" not in g.as_text()
    _check_safe(g.as_text())


def test_healthy_night_reassures_and_has_no_doctor_section() -> None:
    g = build_guidance(Findings(plms_index=1.0, rswa_flagged=False, rem_s=3600))
    assert "found_healthy" in g.ids and "found_rswa_normal" in g.ids
    assert not g.doctor_first and not g.section("doctor")
    # the general "when to see a doctor" list is always there
    assert len(g.section("when_doctor")) >= 5


def test_rswa_is_not_assessed_with_too_little_rem() -> None:
    summary = {"indices": [{"name": "sinbar_chin_any_pct", "value": 60.0, "unit": "%",
                            "flag": "above 18 %"}],
               "hypnogram": {"stage_durations_s": {"R": 240.0}}}
    f = findings_from_outputs(summary, _events([]))
    assert f.rswa_flagged is None
    assert "found_no_rem" in select_statement_ids(f)


@pytest.mark.parametrize(("name", "value", "flagged"), [
    ("sinbar_chin_any_pct", 18.0, False),   # SINBAR: > 18 % (Frauscher 2012)
    ("sinbar_chin_any_pct", 18.1, True),
    ("rem_atonia_index", 0.8, False),       # Ferri 2010: < 0.8 clearly reduced
    ("rem_atonia_index", 0.79, True),
])
def test_rswa_fallback_cutoffs_without_a_flag(name: str, value: float, flagged: bool) -> None:
    summary = {"indices": [{"name": name, "value": value, "unit": "%", "flag": ""}],
               "hypnogram": {"stage_durations_s": {"R": 3600.0}}}
    assert findings_from_outputs(summary, _events([])).rswa_flagged is flagged


@pytest.mark.parametrize(("name", "value"), [
    ("sinbar_chin_any_arms_phasic_pct", 32.1),  # SINBAR chin + arms: > 32 % (Frauscher 2012)
    ("sinbar_chin_any_pct", 40.0),
    ("rem_atonia_index", 0.5),
])
def test_rswa_detail_for_the_sleeper_uses_plain_words_not_index_names(name: str,
                                                                      value: float) -> None:
    summary = {"indices": [{"name": name, "value": value, "unit": "%", "flag": ""}],
               "hypnogram": {"stage_durations_s": {"R": 3600.0}}}
    f = findings_from_outputs(summary, _events([]))
    assert f.rswa_flagged is True
    assert name not in f.rswa_detail and "_" not in f.rswa_detail
    assert "dream sleep" in f.rswa_detail and "cut-off" in f.rswa_detail


def test_sinbar_chin_and_arms_cutoff_is_32_percent_by_name() -> None:
    summary = {"indices": [{"name": "sinbar_chin_any_arms_phasic_pct", "value": 32.0,
                            "unit": "%", "flag": ""}],
               "hypnogram": {"stage_durations_s": {"R": 3600.0}}}
    assert findings_from_outputs(summary, _events([])).rswa_flagged is False


def test_all_five_rls_criteria_with_plms_match_the_criteria_doctors_use() -> None:
    answers = QuestionnaireAnswers(**ALL_RLS, irls_items=(2,) * 10)
    text = _texts(Findings(plms_index=40.0), answers)
    g = build_guidance(Findings(plms_index=40.0), answers)
    assert "answers_rls_match_plms" in g.ids
    assert "match all five criteria that doctors use" in text
    assert "A doctor can confirm" in text
    assert '20 of 40, which the restless legs rating scale calls "moderate"' in text


def test_all_five_rls_criteria_without_plms_say_a_recording_cannot_show_it() -> None:
    g = build_guidance(Findings(plms_index=3.0), QuestionnaireAnswers(**ALL_RLS))
    assert "answers_rls_match" in g.ids and "answers_rls_match_plms" not in g.ids


def test_four_of_five_rls_criteria_are_not_called_a_match() -> None:
    answers = QuestionnaireAnswers(**{**ALL_RLS, "rls_not_other_condition": False})
    g = build_guidance(Findings(plms_index=40.0), answers)
    assert "answers_rls_partial" in g.ids
    assert "4 of the five criteria" in g.as_text()


@pytest.mark.parametrize("sign", [q.field for q in WARNING_QUESTIONS] + ["dream_enactment"])
def test_any_warning_sign_puts_the_doctor_first_and_never_reassures(sign: str) -> None:
    answers = QuestionnaireAnswers(**{sign: True})
    g = build_guidance(Findings(plms_index=1.0, rswa_flagged=False, rem_s=3600,
                                n_sleep_starts=1), answers)
    assert g.doctor_first and g.sections()[0][0] == "doctor"
    assert not set(g.ids) & REASSURING
    text = g.as_text().lower()
    assert "nothing to worry about" not in text and "harmless" not in text
    _check_safe(g.as_text())


def test_seizure_signs_say_urgently() -> None:
    g = build_guidance(Findings(rswa_flagged=True, rem_s=3600),
                       QuestionnaireAnswers(seizure_signs=True, dream_enactment=True))
    assert g.section("doctor")[0].id == "doctor_seizure"  # the urgent sign comes first
    assert "doctor_rswa" in g.ids
    assert "urgently" in g.section("doctor")[0].text


def test_sleep_starts_are_explained_with_their_count() -> None:
    g = build_guidance(Findings(plms_index=1.0, n_sleep_starts=3))
    assert "3 sudden jerk(s)" in g.as_text()
    assert "60 to 70 out of 100" in g.as_text()


def _events(rows: list[tuple[float, str, str]]) -> pd.DataFrame:
    return pd.DataFrame({"onset_s": [r[0] for r in rows], "duration_s": 0.1,
                         "trial_type": [r[1] for r in rows], "channel": "Chin",
                         "stage": [r[2] for r in rows]})


def _fm(minutes: int, per_min: int, stage: str = "N2") -> pd.DataFrame:
    rows = [(60.0 * m + 5.0 + 10.0 * k, "fragmentary_myoclonus", stage)
            for m in range(minutes) for k in range(per_min)]
    return _events(rows)


@pytest.mark.parametrize(("minutes", "per_min", "stage", "excessive"), [
    (20, 5, "N2", True),    # AASM: >= 20 min of NREM with >= 5 potentials per minute
    (19, 5, "N2", False),
    (20, 4, "N2", False),
    (20, 5, "R", False),    # the rule counts NREM only
])
def test_excessive_fragmentary_myoclonus_rule(minutes: int, per_min: int, stage: str,
                                              excessive: bool) -> None:
    f = findings_from_outputs({"indices": []}, _fm(minutes, per_min, stage))
    assert f.fm_excessive is excessive
    assert f.n_fragmentary_myoclonus == minutes * per_min
    ids = select_statement_ids(f)
    assert ("found_fm_excessive" in ids) is excessive
    assert ("found_fm_some" in ids) is (not excessive)


def test_rendered_guidance_is_safe_for_many_combinations() -> None:
    rng = np.random.default_rng(3)
    for _ in range(40):
        findings = Findings(plms_index=float(rng.uniform(0, 80)),
                            plmw_index=float(rng.uniform(0, 40)),
                            rswa_flagged=bool(rng.integers(2)), rem_s=3600.0,
                            n_sleep_starts=int(rng.integers(3)),
                            n_fragmentary_myoclonus=int(rng.integers(3)),
                            unscorable_s=float(rng.uniform(0, 900)))
        values = {q: bool(rng.integers(2)) for q in
                  [*ALL_RLS, *(w.field for w in WARNING_QUESTIONS), "daytime_sleepiness"]}
        g = build_guidance(findings, QuestionnaireAnswers(**values, irls_items=tuple(
            int(x) for x in rng.integers(0, 5, 10))))
        _check_safe(g.as_text())
        if g.doctor_first:
            assert "nothing to worry about" not in g.as_text().lower()
            assert not set(g.ids) & REASSURING
