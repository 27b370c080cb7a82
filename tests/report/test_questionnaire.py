"""The questionnaire: IRLSSG 2014 criteria, IRLS bands, validation, files, interactive use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from somnomotor._errors import InputFileError, ParameterError
from somnomotor.report.questionnaire import (
    IRLS_ITEMS,
    RLS_CRITERIA,
    QuestionnaireAnswers,
    ask_questionnaire,
    irls_band,
)

ALL_YES = {q.field: True for q in RLS_CRITERIA}


def test_irlssg_2014_all_five_essential_criteria_yes_meets_criteria() -> None:
    answers = QuestionnaireAnswers(**ALL_YES)
    assert answers.rls_criteria_met
    assert answers.rls_criteria_yes == 5


@pytest.mark.parametrize("missing", [q.field for q in RLS_CRITERIA])
@pytest.mark.parametrize("value", [False, None])
def test_irlssg_2014_every_criterion_is_essential(missing: str, value: bool | None) -> None:
    answers = QuestionnaireAnswers(**{**ALL_YES, missing: value})
    assert not answers.rls_criteria_met
    assert answers.rls_criteria_yes == 4


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "none"), (1, "mild"), (10, "mild"), (11, "moderate"), (20, "moderate"),
     (21, "severe"), (30, "severe"), (31, "very severe"), (40, "very severe")],
)
def test_irls_severity_bands_at_their_boundaries(total: int, band: str) -> None:
    assert irls_band(total) == band
    items = [4] * (total // 4) + ([total % 4] if total % 4 else [])
    items += [0] * (10 - len(items))
    answers = QuestionnaireAnswers(irls_items=tuple(items))
    assert answers.irls_total == total
    assert answers.irls_band == band


def test_irls_has_ten_items_scored_0_to_4() -> None:
    assert len(IRLS_ITEMS) == 10
    with pytest.raises(ParameterError, match=r"irls_items.*10 scores.*received 9"):
        QuestionnaireAnswers(irls_items=(1,) * 9)
    with pytest.raises(ParameterError, match=r"irls_items.*item 3 .*0-4.*received 5"):
        QuestionnaireAnswers(irls_items=(0, 0, 5, 0, 0, 0, 0, 0, 0, 0))
    with pytest.raises(ParameterError, match=r"item 1 .*received -1"):
        QuestionnaireAnswers(irls_items=(-1,) + (0,) * 9)
    with pytest.raises(ParameterError, match="0-40"):
        irls_band(41)


def test_yes_no_field_rejects_other_values_and_names_the_field() -> None:
    with pytest.raises(ParameterError, match=r"'dream_enactment'.*true, false or null.*'often'"):
        QuestionnaireAnswers(dream_enactment="often")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"'seizure_signs'.*yes/no.*'sometimes'"):
        QuestionnaireAnswers.from_dict({"seizure_signs": "sometimes"})


def test_unknown_field_is_named_with_the_allowed_fields() -> None:
    with pytest.raises(ParameterError, match=r"unknown questionnaire field\(s\) \['legs'\].*"
                                             r"allowed fields are .*rls_urge_to_move"):
        QuestionnaireAnswers.from_dict({"legs": True})


def test_yes_no_strings_are_accepted_in_files() -> None:
    answers = QuestionnaireAnswers.from_dict({"rls_urge_to_move": "yes",
                                              "dream_enactment": "no",
                                              "seizure_signs": ""})
    assert answers.rls_urge_to_move is True
    assert answers.dream_enactment is False
    assert answers.seizure_signs is None


@pytest.mark.parametrize("suffix", [".json", ".yaml", ".yml"])
def test_answers_round_trip_through_json_and_yaml(tmp_path: Path, suffix: str) -> None:
    answers = QuestionnaireAnswers(**ALL_YES, irls_items=(1, 2, 3, 4, 0, 1, 2, 3, 4, 0),
                                   daytime_sleepiness=False, seizure_signs=True)
    path = answers.save(tmp_path / f"answers{suffix}")
    assert QuestionnaireAnswers.load(path) == answers
    if suffix == ".json":
        assert json.loads(path.read_text())["irls_items"] == [1, 2, 3, 4, 0, 1, 2, 3, 4, 0]


def test_save_refuses_an_unknown_file_type(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"\.json, \.yaml or \.yml.*'a\.txt'"):
        QuestionnaireAnswers().save(tmp_path / "a.txt")


def test_load_reports_a_broken_file_and_a_bad_field_with_the_file_name(tmp_path: Path) -> None:
    broken = tmp_path / "a.yaml"
    broken.write_text("rls_urge_to_move: [yes\n")
    with pytest.raises(InputFileError, match="a.yaml"):
        QuestionnaireAnswers.load(broken)
    bad = tmp_path / "b.json"
    bad.write_text(json.dumps({"irls_items": [9] * 10}))
    with pytest.raises(ParameterError, match=r"b\.json.*irls_items"):
        QuestionnaireAnswers.load(bad)


def test_dream_enactment_counts_as_a_warning_sign() -> None:
    assert QuestionnaireAnswers(dream_enactment=True).warning_signs == ("dream_enactment",)
    assert QuestionnaireAnswers(dream_enactment=False, daytime_sleepiness=True
                                ).warning_signs == ()


def _scripted(replies: list[str]):  # type: ignore[no-untyped-def]
    prompts: list[str] = []
    told: list[str] = []
    it = iter(replies)

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return next(it)

    return ask, told.append, prompts, told


def test_interactive_questionnaire_asks_again_after_a_bad_reply() -> None:
    # 5 RLS criteria (first one answered badly once), 10 IRLS items (one bad), 2 sleep,
    # 7 warning questions.
    replies = ["maybe", "y", "yes", "y", "y", "n"]
    replies += ["7", "2"] + ["1"] * 9
    replies += ["n", "y"] + [""] * 6 + ["y"]
    ask, tell, prompts, told = _scripted(replies)
    answers = ask_questionnaire(ask=ask, tell=tell)
    assert answers.rls_urge_to_move is True
    assert answers.rls_not_other_condition is False
    assert answers.irls_items == (2,) + (1,) * 9
    assert answers.daytime_sleepiness is True
    assert answers.violent_or_injurious_movements is None
    assert answers.seizure_signs is True
    assert any("'maybe'" in line for line in told)
    assert any("'7'" in line for line in told)
    assert len(prompts) == len(replies)


def test_interactive_questionnaire_skips_irls_without_an_urge_to_move() -> None:
    replies = ["n"] * 5 + ["n", "n"] + ["n"] * 7
    ask, tell, prompts, _ = _scripted(replies)
    answers = ask_questionnaire(ask=ask, tell=tell)
    assert answers.irls_items is None
    assert len(prompts) == 14
