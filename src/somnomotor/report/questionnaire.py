"""A short questionnaire for the person who slept: RLS criteria, RLS severity, warning signs.

The answers are combined with the night's findings in the plain-language part of the report
(:mod:`somnomotor.report.guidance`). They never make a diagnosis: the five IRLSSG criteria are
what doctors use to diagnose restless legs syndrome, and only a doctor can confirm it.

Contents
--------
* the five essential criteria of restless legs syndrome (RLS) of the International RLS Study
  Group, 2014 (yes/no each);
* the IRLSSG rating scale (IRLS), 10 items scored 0-4 for the past week, total 0-40, bands
  0 none, 1-10 mild, 11-20 moderate, 21-30 severe, 31-40 very severe;
* dream enactment and daytime sleepiness;
* the warning signs that call for a doctor (night-movements guide, "When to see a doctor").

Questions are the project's own paraphrases; the IRLS items are summarised, not quoted.

References
----------
Allen RP et al. Restless legs syndrome/Willis-Ekbom disease diagnostic criteria: updated
International Restless Legs Syndrome Study Group (IRLSSG) consensus criteria. Sleep Med
2014;15:860-873. doi:10.1016/j.sleep.2014.03.025

Walters AS et al. Validation of the International Restless Legs Syndrome Study Group rating
scale for restless legs syndrome. Sleep Med 2003;4:121-132. doi:10.1016/S1389-9457(02)00258-7
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from somnomotor._errors import InputFileError, InputFileNotFoundError, ParameterError
from somnomotor.io.atomic import atomic_write_text

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Question:
    """One yes/no question of the questionnaire.

    Parameters
    ----------
    field : str
        Name of the :class:`QuestionnaireAnswers` field it fills.
    text : str
        The question as asked.
    group : str
        ``"rls"`` (IRLSSG 2014 criterion), ``"sleep"`` or ``"warning"`` (a warning sign).
    """

    field: str
    text: str
    group: str


#: The five IRLSSG 2014 essential criteria (Allen et al. 2014), in order.
RLS_CRITERIA: tuple[Question, ...] = (
    Question("rls_urge_to_move",
             "Do you have an urge to move your legs, usually with uncomfortable or unpleasant "
             "feelings in them?", "rls"),
    Question("rls_worse_at_rest",
             "Does the urge or feeling start or get worse when you rest or sit or lie still?",
             "rls"),
    Question("rls_relieved_by_movement",
             "Does moving (walking, stretching) ease it, at least while you keep moving?", "rls"),
    Question("rls_worse_evening_night",
             "When you rest, is it only there, or worse, in the evening or at night than during "
             "the day?", "rls"),
    Question("rls_not_other_condition",
             "Are these feelings NOT fully explained by something else, such as leg cramps, "
             "muscle pain, swollen legs, arthritis, an awkward position or habitual foot "
             "tapping?", "rls"),
)

#: Other questions about sleep (not warning signs by themselves).
SLEEP_QUESTIONS: tuple[Question, ...] = (
    Question("dream_enactment",
             "Have you (or a bed partner) noticed that you act out dreams: punching, kicking, "
             "shouting, or falling out of bed?", "sleep"),
    Question("daytime_sleepiness",
             "Are you very tired or sleepy during the day?", "sleep"),
)

#: Warning signs from the night-movements guide; any "yes" puts "see a doctor" first.
WARNING_QUESTIONS: tuple[Question, ...] = (
    Question("violent_or_injurious_movements",
             "Are the jerks or movements at night violent, or have they hurt you or your "
             "partner?", "warning"),
    Question("weakness_or_wasting",
             "Does twitching come with weakness, shrinking muscles, clumsiness, or trouble "
             "speaking or swallowing?", "warning"),
    Question("back_twitches_or_repeated_waking",
             "Do you have twitches in the muscles of your back, or jerks that wake you from "
             "sleep again and again?", "warning"),
    Question("new_or_changing_movements",
             "Are the movements new, changing, spreading, painful, or unlike what you had "
             "before?", "warning"),
    Question("restless_legs_most_nights",
             "Do restless legs disturb your sleep on most nights?", "warning"),
    Question("after_new_medicine_or_pregnancy",
             "Did the symptoms start after a new medicine, or during pregnancy?", "warning"),
    Question("seizure_signs",
             "Have you had signs of a seizure at night: a bitten tongue, wetting the bed, or "
             "confusion afterwards?", "warning"),
)

#: The IRLS items (Walters et al. 2003), summarised; each scored 0 (none) to 4 (very severe)
#: for the past week. Items 7 and 8 count days and hours (see :data:`IRLS_ANCHORS`).
IRLS_ITEMS: tuple[str, ...] = (
    "How uncomfortable were your legs or arms overall?",
    "How strong was the need to move because of the symptoms?",
    "How little did moving ease the discomfort? (0 = no symptoms, 4 = no relief at all)",
    "How much were you kept from sleeping well?",
    "How tired or sleepy were you during the day because of the symptoms?",
    "How severe were the symptoms overall?",
    "On how many days did you have them? (0 none, 1 one day, 2 two-three, 3 four-five, "
    "4 six-seven days)",
    "On a day with symptoms, for how long? (0 none, 1 under 1 h, 2 1-3 h, 3 3-8 h, "
    "4 8 h or more)",
    "How much did they affect your family, work, school or social life?",
    "How much did they affect your mood (anger, low mood, anxiety, irritability)?",
)
IRLS_ANCHORS = "0 none, 1 mild, 2 moderate, 3 severe, 4 very severe"
IRLS_N_ITEMS = 10
IRLS_ITEM_MAX = 4

#: IRLS total bands (Walters et al. 2003): (upper bound inclusive, name).
IRLS_BANDS: tuple[tuple[int, str], ...] = (
    (0, "none"), (10, "mild"), (20, "moderate"), (30, "severe"), (40, "very severe"),
)

ALL_QUESTIONS: tuple[Question, ...] = (*RLS_CRITERIA, *SLEEP_QUESTIONS, *WARNING_QUESTIONS)
_BOOL_FIELDS: tuple[str, ...] = tuple(q.field for q in ALL_QUESTIONS)
_YES = {"y", "yes", "true", "1", "j", "ja"}
_NO = {"n", "no", "false", "0", "nein"}
_SKIP = {"", "s", "skip", "?", "-"}


def irls_band(total: int) -> str:
    """Severity band of an IRLS total (0-40): none, mild, moderate, severe, very severe."""
    if not 0 <= total <= IRLS_N_ITEMS * IRLS_ITEM_MAX:
        raise ParameterError(f"an IRLS total is 0-40, received {total!r}")
    for upper, name in IRLS_BANDS:
        if total <= upper:
            return name
    return IRLS_BANDS[-1][1]  # unreachable; keeps mypy content


@dataclass(frozen=True)
class QuestionnaireAnswers:
    """Answers of the person who slept; ``None`` means not answered.

    Parameters
    ----------
    rls_urge_to_move, rls_worse_at_rest, rls_relieved_by_movement, rls_worse_evening_night,
    rls_not_other_condition : bool or None
        The five IRLSSG 2014 essential criteria (Allen et al. 2014), in order.
    irls_items : tuple of int or None
        The 10 IRLS item scores, each 0-4 (Walters et al. 2003).
    dream_enactment, daytime_sleepiness : bool or None
    violent_or_injurious_movements, weakness_or_wasting, back_twitches_or_repeated_waking,
    new_or_changing_movements, restless_legs_most_nights, after_new_medicine_or_pregnancy,
    seizure_signs : bool or None
        Warning signs from the night-movements guide.
    """

    rls_urge_to_move: bool | None = None
    rls_worse_at_rest: bool | None = None
    rls_relieved_by_movement: bool | None = None
    rls_worse_evening_night: bool | None = None
    rls_not_other_condition: bool | None = None
    irls_items: tuple[int, ...] | None = None
    dream_enactment: bool | None = None
    daytime_sleepiness: bool | None = None
    violent_or_injurious_movements: bool | None = None
    weakness_or_wasting: bool | None = None
    back_twitches_or_repeated_waking: bool | None = None
    new_or_changing_movements: bool | None = None
    restless_legs_most_nights: bool | None = None
    after_new_medicine_or_pregnancy: bool | None = None
    seizure_signs: bool | None = None

    def __post_init__(self) -> None:
        for name in _BOOL_FIELDS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, bool):
                raise ParameterError(
                    f"questionnaire field {name!r} must be true, false or null (not answered); "
                    f"received {value!r}"
                )
        items = self.irls_items
        if items is None:
            return
        if isinstance(items, (str, bytes)) or not hasattr(items, "__len__"):
            raise ParameterError(
                f"questionnaire field 'irls_items' must be a list of {IRLS_N_ITEMS} scores "
                f"0-{IRLS_ITEM_MAX}; received {items!r}"
            )
        items = tuple(items)
        if len(items) != IRLS_N_ITEMS:
            raise ParameterError(
                f"questionnaire field 'irls_items' must hold {IRLS_N_ITEMS} scores, "
                f"received {len(items)}: {list(items)!r}"
            )
        for i, score in enumerate(items, start=1):
            if isinstance(score, bool) or not isinstance(score, int) or not (
                0 <= score <= IRLS_ITEM_MAX
            ):
                raise ParameterError(
                    f"questionnaire field 'irls_items' item {i} must be an integer 0-"
                    f"{IRLS_ITEM_MAX} ({IRLS_ANCHORS}); received {score!r}"
                )
        object.__setattr__(self, "irls_items", items)

    # -- derived ------------------------------------------------------------------------
    @property
    def rls_criteria(self) -> tuple[bool | None, ...]:
        """The five IRLSSG 2014 answers in order."""
        return tuple(getattr(self, q.field) for q in RLS_CRITERIA)

    @property
    def rls_criteria_met(self) -> bool:
        """True when all five IRLSSG 2014 essential criteria were answered yes."""
        return all(a is True for a in self.rls_criteria)

    @property
    def rls_criteria_yes(self) -> int:
        """How many of the five criteria were answered yes."""
        return sum(a is True for a in self.rls_criteria)

    @property
    def irls_total(self) -> int | None:
        """IRLS total 0-40, or ``None`` when the items were not answered."""
        return None if self.irls_items is None else int(sum(self.irls_items))

    @property
    def irls_band(self) -> str | None:
        """IRLS severity band (none, mild, moderate, severe, very severe) or ``None``."""
        total = self.irls_total
        return None if total is None else irls_band(total)

    @property
    def warning_signs(self) -> tuple[str, ...]:
        """Field names of the warning signs answered yes (dream enactment counts as one)."""
        names = [q.field for q in WARNING_QUESTIONS if getattr(self, q.field) is True]
        if self.dream_enactment is True:
            names.insert(0, "dream_enactment")
        return tuple(names)

    @property
    def answered(self) -> bool:
        """Whether at least one question was answered."""
        return any(getattr(self, f.name) is not None for f in fields(self))

    # -- conversion ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON/YAML-ready mapping (``irls_items`` as a list)."""
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        if self.irls_items is not None:
            out["irls_items"] = list(self.irls_items)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuestionnaireAnswers:
        """Build from a mapping; ``"yes"``/``"no"`` strings are accepted for yes/no fields.

        Raises
        ------
        ParameterError
            For an unknown field or a value outside what the field allows.
        """
        if not isinstance(data, Mapping):
            raise ParameterError(
                f"questionnaire answers must be a mapping of field to answer, received "
                f"{type(data).__name__}"
            )
        allowed = [f.name for f in fields(cls)]
        unknown = sorted(set(map(str, data)) - set(allowed))
        if unknown:
            raise ParameterError(
                f"unknown questionnaire field(s) {unknown}; allowed fields are {allowed}"
            )
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key in _BOOL_FIELDS and isinstance(value, str):
                low = value.strip().lower()
                if low in _YES:
                    value = True
                elif low in _NO:
                    value = False
                elif low in {"", "n/a", "null", "none"}:
                    value = None
                else:
                    raise ParameterError(
                        f"questionnaire field {key!r} must be yes/no (true/false) or empty; "
                        f"received {value!r}"
                    )
            if key == "irls_items" and isinstance(value, list):
                value = tuple(value)
            values[str(key)] = value
        return cls(**values)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> QuestionnaireAnswers:
        """Read answers from a JSON (``.json``) or YAML (``.yaml``/``.yml``) file."""
        p = Path(path)
        if not p.is_file():
            raise InputFileNotFoundError(f"answers file {str(p)!r} does not exist")
        try:
            text = p.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputFileError(
                f"answers file {str(p)!r} is not a UTF-8 text file (binary?); expected the "
                f"JSON or YAML that 'somnomotor questionnaire --out FILE' writes"
            ) from None
        if "\x00" in text:
            raise InputFileError(
                f"answers file {str(p)!r} holds NUL bytes (a binary file); expected the JSON "
                f"or YAML that 'somnomotor questionnaire --out FILE' writes"
            )
        try:
            if p.suffix.lower() == ".json":
                data = json.loads(text)
            else:
                data = yaml.safe_load(text)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise InputFileError(
                f"answers file {str(p)!r} is not valid JSON/YAML: {exc}"
            ) from exc
        if data is None:
            data = {}
        try:
            return cls.from_dict(data)
        except ParameterError as exc:
            raise ParameterError(f"answers file {str(p)!r}: {exc}") from exc

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the answers atomically as JSON or YAML (chosen by the file suffix)."""
        p = Path(path)
        suffix = p.suffix.lower()
        if suffix == ".json":
            text = json.dumps(self.to_dict(), indent=2) + "\n"
        elif suffix in {".yaml", ".yml"}:
            text = yaml.safe_dump(self.to_dict(), sort_keys=False)
        else:
            raise ParameterError(
                f"answers file must end in .json, .yaml or .yml; received {p.name!r}"
            )
        atomic_write_text(p, text)
        return p


# -- interactive --------------------------------------------------------------------------
def _ask_yes_no(question: str, ask: Callable[[str], str], tell: Callable[[str], None]
                ) -> bool | None:
    while True:
        reply = ask(f"{question} [y/n, Enter to skip] ").strip().lower()
        if reply in _YES:
            return True
        if reply in _NO:
            return False
        if reply in _SKIP:
            return None
        tell(f"  Please answer y (yes) or n (no), or press Enter to skip; you typed {reply!r}.")


def _ask_score(question: str, ask: Callable[[str], str], tell: Callable[[str], None]) -> int:
    while True:
        reply = ask(f"{question} [0-4] ").strip()
        if reply.isdigit() and 0 <= int(reply) <= IRLS_ITEM_MAX:
            return int(reply)
        tell(f"  Please type a whole number from 0 to 4 ({IRLS_ANCHORS}); you typed {reply!r}.")


def ask_questionnaire(
    *,
    ask: Callable[[str], str] = input,
    tell: Callable[[str], None],
) -> QuestionnaireAnswers:
    """Ask every question in the terminal; bad replies are explained and asked again.

    Parameters
    ----------
    ask : callable
        Shows a prompt and returns the reply (``input`` by default).
    tell : callable
        Shows a line of text (the CLI passes a function writing to the terminal).

    Notes
    -----
    The IRLS items are asked only when the first RLS criterion (urge to move) is answered
    yes; otherwise they stay unanswered.
    """
    tell("This questionnaire helps explain your night's results. It is not a diagnosis.")
    tell("Press Enter to skip any question.\n")
    values: dict[str, Any] = {}
    tell("About your legs (restless legs syndrome criteria, IRLSSG 2014):")
    for q in RLS_CRITERIA:
        values[q.field] = _ask_yes_no(q.text, ask, tell)
    if values.get("rls_urge_to_move") is True:
        tell(f"\nOver the past week, score each from 0 to 4 ({IRLS_ANCHORS}):")
        values["irls_items"] = tuple(_ask_score(f"  {i}. {text}", ask, tell)
                                     for i, text in enumerate(IRLS_ITEMS, start=1))
    tell("\nAbout your sleep:")
    for q in SLEEP_QUESTIONS:
        values[q.field] = _ask_yes_no(q.text, ask, tell)
    tell("\nSigns that call for a doctor:")
    for q in WARNING_QUESTIONS:
        values[q.field] = _ask_yes_no(q.text, ask, tell)
    answers = QuestionnaireAnswers(**values)
    logger.debug("questionnaire answered: %s", answers)
    return answers


__all__ = [
    "ALL_QUESTIONS",
    "IRLS_BANDS",
    "IRLS_ITEMS",
    "RLS_CRITERIA",
    "SLEEP_QUESTIONS",
    "WARNING_QUESTIONS",
    "Question",
    "QuestionnaireAnswers",
    "ask_questionnaire",
    "irls_band",
]
