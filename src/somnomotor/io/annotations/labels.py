"""The label normalisation table: scored-event text of every supported format to our kinds.

Everything here is *data*: a table of stage names, an ordered list of event patterns and a
list of side patterns. The functions below only look labels up in them, so adding a label
seen in a new export is a one-line change to a table, never a new branch of code.

Stages are the AASM names ``W N1 N2 N3 R`` plus ``MT`` (movement time) and ``UNS``
(unscored). R&K stage 4 is read as N3, as the AASM manual merged S3 and S4 into N3
(AASM Manual v2.6, 2020; Iber et al. 2007).

Event kinds are those of :data:`somnomotor.events.EVENT_TYPES`. The full table, with
examples from each vendor, is in ``docs/annotation-formats.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Stage names, lower-cased with runs of whitespace collapsed, to the normalised stage.
#: NSRR concepts ("Stage 2 sleep|2") are looked up by the part before the ``|``; EDF+
#: labels written by MNE ("Sleep stage W@@EEG Fpz-Cz") by the part before ``@@``.
STAGE_LABELS: Mapping[str, str] = {
    # wake: Sleep-EDF / AASM EDF+, short forms, R&K S0, SOMNOmedics German, RemLogic, NSRR
    **dict.fromkeys(
        ["sleep stage w", "sleep stage wake", "sleep stage 0", "w", "wake", "wach", "s0",
         "stage 0", "stage w", "sleep-s0", "sleep-w", "sleep-wake", "wake sleep", "awake"],
        "W"),
    **dict.fromkeys(
        ["sleep stage 1", "sleep stage n1", "n1", "s1", "stage 1", "stage n1", "sleep-s1",
         "sleep-n1", "stage 1 sleep", "nrem1"],
        "N1"),
    **dict.fromkeys(
        ["sleep stage 2", "sleep stage n2", "n2", "s2", "stage 2", "stage n2", "sleep-s2",
         "sleep-n2", "stage 2 sleep", "nrem2"],
        "N2"),
    # R&K stage 3 and stage 4 are both N3 (AASM 2007 merged them).
    **dict.fromkeys(
        ["sleep stage 3", "sleep stage 4", "sleep stage n3", "sleep stage n4", "n3", "n4",
         "s3", "s4", "stage 3", "stage 4", "stage n3", "sleep-s3", "sleep-s4", "sleep-n3",
         "stage 3 sleep", "stage 4 sleep", "nrem3", "nrem4", "slow wave sleep"],
        "N3"),
    **dict.fromkeys(
        ["sleep stage r", "sleep stage rem", "r", "rem", "stage r", "stage rem", "sleep-rem",
         "sleep-r", "rem sleep", "rem-schlaf"],
        "R"),
    **dict.fromkeys(
        ["movement time", "movement", "mt", "sleep-mt", "sleep stage mt", "bewegung",
         "bewegungszeit"],
        "MT"),
    **dict.fromkeys(
        ["sleep stage ?", "?", "uns", "unscored", "unknown", "sleep-unscored", "sleep stage u",
         "unsure", "nicht gewertet", "artefakt", "artefact"],
        "UNS"),
}

#: Bare stage codes accepted only in one-stage-per-line text files, by the NSRR / R&K
#: numbering (0 wake, 1-4 NREM with 4 = R&K S4 = N3, 5 REM, 6 movement, 9 unscored).
#: Not used for other formats, where a bare digit is not a stage.
NUMERIC_STAGE_CODES: Mapping[str, str] = {
    "0": "W", "1": "N1", "2": "N2", "3": "N3", "4": "N3", "5": "R", "6": "MT", "9": "UNS",
}

#: Ordered (pattern, kind) pairs, searched in the lower-cased label; the first match wins.
#: The order matters: RERA before arousal ("AROUSAL-RERA" is a respiratory event for the
#: leg-movement rules), arousal before the respiratory events and limb movements
#: ("AROUSAL-APNEA", "PLM Arousal (EEG)" are arousals whose cause the scorer named),
#: hypopnea before apnea.
EVENT_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"^lights?[\s_-]*off\b|^licht[\s_-]*aus\b", "lights_off"),
    (r"^lights?[\s_-]*on\b|^licht[\s_-]*an\b", "lights_on"),
    ((r"\brera\b|respiratory effort[\s-]*related arousal|"
      r"arousal resulting from respiratory effort"), "rera"),
    (r"arousal|\bweckreaktion", "arousal"),
    (r"hypopn", "hypopnea"),
    (r"apno?ea|apnoe", "apnea"),
    # "LM"/"PLM" alone or after a side ("left-LM", "right-LM": MATPLM tables); "LMA" is
    # the Stanford SCO leg movement with arousal (scored on LAT/RAT beside "LM").
    (r"(?:^|[\s_./-])p?lm[sa]?\b|limb[\s_-]*movement|leg[\s_-]*movement|beinbewegung",
     "limb_movement"),
)

#: Labels that look like leg movements: a file with such labels and no recognised limb
#: movement is refused rather than scored as a night without movements.
LIMB_LIKE = r"(?<![a-z])p?lm|limb|\bleg\b|\blegs\b|bein"

#: Ordered (pattern, side) pairs for the leg of a limb movement, searched first in the
#: label and then in the channel (RemLogic puts the leg only in its Location column, e.g.
#: ``LAntib1-LAntib2``, ``EMG.Tibialis-Leg.Left``, ``EMG.Tibialis-Leg-Left``).
SIDE_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"bilat|both|beid", "bilateral"),
    ((r"left|links|\blantib|\blat\b|\bl[\s_-]?(leg|tib|bein)|\bplml\b|\bl\)|"
      r"\b(tib\w*|leg|bein)[\s_./-]?l\b"), "left"),
    ((r"right|rechts|\brantib|\brat\b|\br[\s_-]?(leg|tib|bein)|\bplmr\b|\br\)|"
      r"\b(tib\w*|leg|bein)[\s_./-]?r\b"), "right"),
)

_COMPILED_EVENTS = tuple((re.compile(p), kind) for p, kind in EVENT_PATTERNS)
_COMPILED_SIDES = tuple((re.compile(p), side) for p, side in SIDE_PATTERNS)
_WS = re.compile(r"\s+")
#: Separators a stage label may use between its words ("Sleep_stage_N2", "Stage - N2").
_STAGE_SEPARATORS = re.compile(r"[\s_.:/-]+")
#: Words around the stage name itself, English and German ("Sleep stage", "Schlafstadium").
_STAGE_WORDS = re.compile(r"^(?:sleep stage|sleep|stage|schlafstadium|stadium)\s+|\s+sleep$")
_NREM_NUMBER = re.compile(r"^nrem\s+([1-4])$")


def label_key(label: str) -> str:
    """The lookup key of a label: text before ``@@`` and ``|``, lower-case, single spaces."""
    text = str(label).split("@@", 1)[0]
    return _WS.sub(" ", text.split("|", 1)[0]).strip().lower()


def normalise_stage(label: str) -> str | None:
    """The stage a label names (one of ``W N1 N2 N3 R MT UNS``), or ``None`` if not a stage.

    Parameters
    ----------
    label : str
        Label as in the file, e.g. ``"Sleep stage 4"``, ``"Stage 2 sleep|2"``, ``"Wach"``.
    """
    stage = _lookup_stage(label_key(label))
    if stage is None and "|" in str(label):
        # NSRR concepts may put the readable name second.
        stage = _lookup_stage(_WS.sub(" ", str(label).split("|", 1)[1]).strip().lower())
    return stage


def _lookup_stage(key: str) -> str | None:
    """The table's stage for a lower-case key, trying it as written, then with its
    separators as spaces ("sleep_stage_n2", "stage - 2"), then reduced to the stage word
    ("stage: n2", "n2 sleep", "sleep stage nrem 3" -> "nrem3"). Labs and scoring programs
    vary these words and separators freely; the stage is the last word."""
    stage = STAGE_LABELS.get(key)
    if stage is not None:
        return stage
    spaced = _WS.sub(" ", _STAGE_SEPARATORS.sub(" ", key)).strip()
    stage = STAGE_LABELS.get(spaced)
    if stage is not None:
        return stage
    core = _NREM_NUMBER.sub(r"nrem\1", _STAGE_WORDS.sub("", spaced).strip())
    return STAGE_LABELS.get(core)


def classify_event(label: str) -> str:
    """The event kind (``apnea``, ``arousal``, ``limb_movement`` ... or ``other``) of a label."""
    key = _WS.sub(" ", str(label).split("@@", 1)[0]).strip().lower()
    for pattern, kind in _COMPILED_EVENTS:
        if pattern.search(key):
            return kind
    return "other"


def side_of(label: str, channel: str | None = None) -> str:
    """The leg of a limb movement: ``left``, ``right``, ``bilateral`` or ``unknown``.

    The label is searched first; only if it names no side is the channel searched.
    """
    for text in (label, channel):
        if not text:
            continue
        key = str(text).lower()
        found = {side for pattern, side in _COMPILED_SIDES if pattern.search(key)}
        if "bilateral" in found or {"left", "right"} <= found:
            return "bilateral"
        if found:
            return found.pop()
    return "unknown"


__all__ = [
    "EVENT_PATTERNS",
    "LIMB_LIKE",
    "NUMERIC_STAGE_CODES",
    "SIDE_PATTERNS",
    "STAGE_LABELS",
    "classify_event",
    "label_key",
    "normalise_stage",
    "side_of",
]
