"""Readable labels for exported events and stages, and their inverse.

Reviewers' tools (EDFbrowser, Profusion/NSRR viewers, spreadsheets) show one text per
event. These labels are chosen so that (a) a clinician reads them without our column
names, and (b) the annotation readers of :mod:`somnomotor.io.annotations` classify them
back: ``"PLM left"`` and ``"LM bilateral"`` are limb movements with a side, ``"Sleep stage
N2"`` is a stage. :func:`kind_of_label` inverts :func:`event_label` for our own event kinds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

#: Stage -> EDF+ text, as in the Sleep-EDF / AASM EDF+ hypnograms (Kemp & Olivan 2003,
#: doi:10.1016/S1388-2457(03)00123-8) that EDFbrowser shows as a hypnogram.
EDF_STAGE_LABELS: Mapping[str, str] = {
    "W": "Sleep stage W", "N1": "Sleep stage N1", "N2": "Sleep stage N2",
    "N3": "Sleep stage N3", "R": "Sleep stage R", "MT": "Movement time",
    "UNS": "Sleep stage ?",
}

#: Stage -> NSRR EventConcept (NSRR annotation conventions, https://sleepdata.org):
#: the numbers are the NSRR / R&K codes (0 wake, 1-3 NREM, 5 REM, 6 movement, 9 unscored).
NSRR_STAGE_CONCEPTS: Mapping[str, str] = {
    "W": "Wake|0", "N1": "Stage 1 sleep|1", "N2": "Stage 2 sleep|2",
    "N3": "Stage 3 sleep|3", "R": "REM sleep|5", "MT": "Movement|6", "UNS": "Unscored|9",
}

#: Readable names of our output event kinds without further qualifiers.
SIMPLE_LABELS: Mapping[str, str] = {
    "fragmentary_myoclonus": "Fragmentary myoclonus",
    "sleep_start": "Sleep start",
    "hft": "Hypnagogic foot tremor",
    "hflm": "High-frequency leg movement",
    "alma": "ALMA",
    "large_movement": "Large movement",
    "bruxism_episode": "Bruxism episode",
    "lights_off": "Lights off",
    "lights_on": "Lights on",
}

#: Bruxism episodes lying mostly in wake (masseter activity while awake, not sleep bruxism).
BRUXISM_WAKE_LABEL = "Bruxism episode in wake"

_SIDES = ("left", "right", "bilateral")


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in ("", "n/a", "nan", "none")


def _flag(value: Any) -> bool:
    """A 1/0, True/False or "1"/"0" cell as a bool (missing is False)."""
    if _missing(value):
        return False
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def event_label(row: Mapping[str, Any]) -> str:
    """The readable text of one event row (columns as in events.tsv / EventTable.frame).

    Leg movements: ``"PLM left"`` (in a periodic series), ``"LM left"`` (candidate LM),
    ``"LM left non-candidate"`` (longer than the candidate limits); RSWA epochs
    ``"RSWA tonic epoch"``, ``"RSWA phasic epoch"``, ``"RSWA tonic+phasic epoch"``,
    ``"RSWA no RSWA epoch"``... ; unscorable stretches ``"Unscorable noise LAT"``. A row
    that already carries a ``label`` (scored annotations) keeps it.
    """
    kind = str(row.get("trial_type", "other"))
    if kind == "leg_movement":
        side = row.get("leg", row.get("side"))
        side_text = f" {side}" if not _missing(side) and str(side) in _SIDES else ""
        if _flag(row.get("in_series")):
            return f"PLM{side_text}"
        if "candidate" in row and not _missing(row.get("candidate")) and not _flag(
                row.get("candidate")):
            return f"LM{side_text} non-candidate"
        return f"LM{side_text}"
    if kind == "leg_movement_component":
        side = row.get("leg", row.get("side"))
        side_text = f" {side}" if not _missing(side) and str(side) in _SIDES else ""
        return f"LM part{side_text}"
    if kind == "rswa_epoch":
        if _flag(row.get("excluded")):
            reason = row.get("reason")
            return "RSWA epoch excluded" + (f" {reason}" if not _missing(reason) else "")
        parts = [name for name, col in (("tonic", "chin_tonic"), ("phasic", "chin_phasic_aasm"))
                 if _flag(row.get(col))]
        return f"RSWA {'+'.join(parts) if parts else 'no RSWA'} epoch"
    if kind == "rswa_mini_epoch":
        if _flag(row.get("excluded")):
            return "RSWA mini-epoch excluded"
        parts = [name for name in ("tonic", "phasic") if _flag(row.get(name))]
        if not parts and _flag(row.get("any")):
            parts = ["any"]
        return f"RSWA {'+'.join(parts) if parts else 'no RSWA'} mini-epoch"
    if kind == "unscorable":
        reason = row.get("reason")
        channel = row.get("channel")
        text = "Unscorable" + (f" {reason}" if not _missing(reason) else "")
        return text + (f" {channel}" if not _missing(channel) else "")
    if kind == "bruxism_episode" and _flag(row.get("in_wake")):
        return BRUXISM_WAKE_LABEL
    label = row.get("label")
    if not _missing(label):
        return str(label)
    return SIMPLE_LABELS.get(kind, kind.replace("_", " ").capitalize())


_LEG = re.compile(r"^(PLM|LM)(?: (left|right|bilateral))?( non-candidate)?$")
_NSRR_LEG = re.compile(
    r"^(Periodic leg movement|Limb movement)(?: - (left|right|bilateral))?( non-candidate)?$")


def kind_of_label(label: str) -> tuple[str, str | None]:
    """Our event kind (and leg for leg movements) of a label made by :func:`event_label`.

    Returns
    -------
    (trial_type, leg)
        ``leg`` is ``left``/``right``/``bilateral`` for leg movements with a side, else
        ``None``; unknown labels give ``("other", None)``.
    """
    text = str(label).split("|", 1)[0].strip()
    match = _LEG.match(text) or _NSRR_LEG.match(text)
    if match:
        return "leg_movement", match.group(2)
    if text.startswith("RSWA") and text.endswith("mini-epoch"):
        return "rswa_mini_epoch", None
    if text.startswith("RSWA"):
        return "rswa_epoch", None
    if text.startswith("Unscorable"):
        return "unscorable", None
    if text == BRUXISM_WAKE_LABEL:
        return "bruxism_episode", None
    for kind, name in SIMPLE_LABELS.items():
        if text == name:
            return kind, None
    return "other", None


def nsrr_concept(row: Mapping[str, Any]) -> tuple[str, str]:
    """NSRR ``(EventType, EventConcept)`` of one event row.

    Leg movements follow the NSRR limb-movement concepts (``"Limb movement -
    left|Limb Movement (Left)"``, ``"Periodic leg movement - left|PLM (Left)"``); other
    kinds use our readable label on both sides of the ``|``.
    """
    label = event_label(row)
    kind, leg = kind_of_label(label)
    if kind == "leg_movement":
        side = f" - {leg}" if leg else ""
        side_cap = f" ({leg.capitalize()})" if leg else ""
        if label.startswith("PLM"):
            return "Limb Movement|Limb Movement", f"Periodic leg movement{side}|PLM{side_cap}"
        extra = " non-candidate" if label.endswith("non-candidate") else ""
        return ("Limb Movement|Limb Movement",
                f"Limb movement{side}{extra}|Limb Movement{side_cap}{extra}")
    if kind in ("lights_off", "lights_on"):
        return "Lights|Lights", f"{label}|{label}"
    return "Somnomotor|Somnomotor", f"{label}|{label}"


__all__ = [
    "EDF_STAGE_LABELS",
    "NSRR_STAGE_CONCEPTS",
    "SIMPLE_LABELS",
    "event_label",
    "kind_of_label",
    "nsrr_concept",
]
