"""Channel roles from labels: which channel is the left tibialis, the chin, the EEG ...

Labels differ by system, lab and cohort ("LAT", "Leg L", "Lleg1-Lleg2", "EMG.Tibialis-Leg.Left",
"LAntib1-LAntib2" are all a left tibialis anterior EMG). The alias table is data:

* :data:`LIMB_WORDS` and :data:`SIDE_WORDS` recognise limb channels and their side, in any
  order and with any separator ("Leg L", "L-Leg", "Leg/L", "LLEG", "Lleg1-Lleg2", "Tib R");
* :data:`ROLE_PATTERNS` is an ordered table of regular expressions for every other role,
  each row with the systems or cohorts whose labels it covers.

Users override any inference with a mapping ``role -> label(s)`` (``--channel role=LABEL`` on
the command line); see docs/channel-roles.md.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Mapping, Sequence

from somnomotor._errors import ChannelNotFoundError, ParameterError
from somnomotor.recording import MULTI_CHANNEL_ROLES, ROLES

logger = logging.getLogger(__name__)

#: Words that name a limb muscle or limb channel, by limb. Matched against whole tokens of
#: the normalised label, optionally glued to a side word ("lleg", "legr", "ltib") and
#: followed by an electrode number ("lleg1").
LIMB_WORDS: Mapping[str, frozenset[str]] = {
    # tibialis anterior: "Leg" (HMC, DREAMT; in MESA, MrOS and CFS a "Leg" channel is a piezo
    # movement sensor: it gets the leg role and io.leg_sensors keeps it from the EMG rules),
    # "Tib" (Natus), "AT"/"TA"
    # (Embla/RemLogic "LAT"/"RAT"), "Antib" (SOMNOmedics "LAntib1-LAntib2"), "PLM" (some
    # Compumedics montages), "Bein" (German montages).
    "leg": frozenset({"leg", "legs", "tib", "tibia", "tibial", "tibialis", "antib", "at", "ta",
                      "plm", "bein", "anttib", "tibant"}),
    # arm EMG: flexor/extensor digitorum (SINBAR montage "FDS"), "Arm"
    "arm": frozenset({"arm", "arms", "fds", "fdp", "edc", "flexor", "extensor", "forearm",
                      "biceps", "deltoid", "hand"}),
}

#: Side words, matched as whole tokens or glued to a limb word.
SIDE_WORDS: Mapping[str, frozenset[str]] = {
    "left": frozenset({"l", "left", "lt", "lft", "li", "links"}),
    "right": frozenset({"r", "right", "rt", "rgt", "re", "rechts"}),
}

#: An electrode of the 10-20 / 10-10 system (EEG), as a regular expression.
_ELECTRODE = (r"(fp[12z]|af[3478z]|f[1-8z]|ft[78]|fc[1-6z]|c[1-6z]|t[3-8]|tp[78]|cp[1-6z]|"
              r"p[1-8z]|po[3478z]|o[12z])")

#: Ordered table ``(regular expression, role, where the labels come from)``. The expression
#: is searched in the normalised label (lower case, separators ``- _ . / ( ) :`` as spaces,
#: one space between tokens, e.g. "EMG.Tibialis-Leg.Left" -> "emg tibialis leg left").
#: The first matching row wins, so specific rows come before general ones.
ROLE_PATTERNS: tuple[tuple[str, str, str], ...] = (
    # -- EMG of other muscles, before the generic "emg" rows
    (r"\b(masseter|mass|masset|temporalis|temporal emg|mas)\b", "masseter",
     "bruxism montages (masseter, temporalis)"),
    ((r"\b(rectus|rect abd|abdominis|paraspinal|paravertebral|erector|scm|"
      r"sternocleidomastoid|sternocleido|axial|trunk emg)\b"), "axial",
     "axial EMG (rectus abdominis, paraspinal, sternocleidomastoid)"),
    (r"\b(c?chin\w*|submental\w*|subm|ment|mentalis|kinn)\b", "chin",
     ("'Chin1-Chin2' (Compumedics, CHAT, MrOS), 'EMG submental' (Sleep-EDF), 'Chin EMG', "
      "'EMG Chin' (HMC, SOMNOmedics), 'Ment', 'cchin_l' (WSC: linked centre and left chin)")),
    (r"^emg\s?\d?( emg\s?\d)?$|^emg\d( emg\d)?$", "chin",
     "'EMG' alone is the chin EMG in SHHS, MESA, CFS, MrOS exports"),
    # -- heart
    (r"\b(ecg|ekg|ecg\w*|ekg\w*|heart)\b", "ecg",
     ("'ECG' (SHHS, MESA, Sleep-EDF ST), 'EKG' (Natus, Nihon Kohden), 'ECG II', 'EKG II', "
      "'ECG1-ECG2' (CHAT), 'ECG L'/'ECG R'")),
    # -- eye movements
    (r"\b(eog\w*|loc|roc|e1|e2|eye\w*|heog|veog)\b", "eog",
     ("'EOG horizontal' (Sleep-EDF), 'E1-M2' (AASM), 'LOC'/'ROC' (Compumedics, Embla), "
      "'EOG(L)' (SHHS)")),
    # -- oximetry
    ((r"\b(spo2|sao2|sa02|spo 2|osat|sat|oxygen|o2 sat|pleth\w*|pulse|pr|hr|h r|pulse rate|"
      r"ox stat|ox status)\b"), "oximetry",
     "'SaO2' (SHHS, MESA), 'SpO2' (HMC, CHAT), 'Pleth', 'Pulse', 'H.R.' (SHHS)"),
    # -- respiration
    ((r"\b(airflow|air flow|flow|nasal|cannula|pressure|pres|ptaf|pap|therm\w*|thor\w*|"
      r"chest|abdo\w*|abd|snore|snoring|resp\w*|effort|rip\w*|sum|cflow|oro nasal|"
      r"new air|aux ac|nasalflow|oralflow)\b"), "respiratory",
     ("'Airflow', 'Thor', 'Abdo' (SHHS), 'Flow', 'Pres' (MESA), 'Snore', 'Resp oro-nasal' "
      "(Sleep-EDF), 'PTAF' (DREAMT)")),
    # -- EEG: named, or an electrode of the 10-20 system with an optional reference
    (r"\beeg\w*\b", "eeg", "'EEG' (SHHS), 'EEG Fpz-Cz' (Sleep-EDF), 'EEG C3-A2'"),
    (rf"^{_ELECTRODE}( ({_ELECTRODE}|m[12]|a[12]|ref|avg))?$", "eeg",
     "10-20 electrodes: 'Fpz-Cz', 'Pz-Oz' (Sleep-EDF), 'C3-A2' (SHHS), 'C4-M1' (AASM)"),
)

_COMPILED: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), role) for pattern, role, _ in ROLE_PATTERNS
)

#: Labels that are never a signal role.
_IGNORED = re.compile(r"^(edf|bdf) annotations$|^(event|marker|light|lights|position|pos|"
                      r"body|temp|temperature|status|trigger|dc\d*|accu|battery)\b|"
                      # MESA's 1-Hz electrode offset channels "EEG1_Off", "EKG_Off"
                      r"^\w+ off$")

#: Analyses and the channels each needs. Values are lists of alternatives; an analysis
#: is complete when one alternative has all its roles.
ANALYSIS_REQUIREMENTS: Mapping[str, tuple[tuple[str, ...], ...]] = {
    # WASM 2016 / AASM leg movements: both tibialis anterior, or one combined channel
    "leg_movements": (("leg_left", "leg_right"), ("leg",)),
    # RSWA (SINBAR / AASM): chin EMG; arm (FDS) channels are optional
    "rswa": (("chin",),),
    "automatic_staging": (("eeg",),),
    "bruxism": (("masseter",),),
}

#: EMG roles counted by fragmentary myoclonus (any EMG) and sleep starts (at least two).
EMG_ROLES: tuple[str, ...] = ("leg_left", "leg_right", "leg", "chin", "arm_left", "arm_right",
                              "masseter", "axial")


def normalize_label(label: str) -> str:
    """Lower-case a label and turn separators into single spaces ("EMG.Leg-L" -> "emg leg l")."""
    text = label.strip().lower()
    text = re.sub(r"[\-_./\\():,;\[\]+*#]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _split_glued(token: str) -> tuple[str | None, str | None]:
    """Side and limb of a token such as 'lleg1', 'legr', 'ltib', 'rat', 'lantib2'."""
    stem = re.sub(r"\d+$", "", token)
    for limb, words in LIMB_WORDS.items():
        if stem in words:
            return None, limb
        for side, side_words in SIDE_WORDS.items():
            for side_word in side_words:
                if len(side_word) > 2:  # glued side words are the short forms only
                    continue
                if stem.startswith(side_word) and stem[len(side_word):] in words:
                    return side, limb
                if stem.endswith(side_word) and stem[: -len(side_word)] in words:
                    return side, limb
    return None, None


def _limb_role(norm: str) -> tuple[str | None, bool]:
    """Role of a limb channel, and whether it is a combined leg channel without side."""
    tokens = norm.split()
    limb: str | None = None
    sides: set[str] = set()
    for token in tokens:
        token_side, token_limb = _split_glued(token)
        if token_limb is not None:
            if limb is not None and token_limb != limb:
                return None, False  # e.g. "arm leg": ambiguous, leave to the user
            limb = token_limb
            if token_side is not None:
                sides.add(token_side)
    if limb is None:
        return None, False
    # "lat"/"ta" alone count as leg only when the whole label is short (avoid "lateral ...")
    if any(t in {"lat", "at", "ta"} for t in tokens) and len(tokens) > 3:
        return None, False
    stripped = [re.sub(r"\d+$", "", t) for t in tokens]
    for candidate, words in SIDE_WORDS.items():
        if any(t in words for t in stripped):
            sides.add(candidate)
    if len(sides) != 1:
        # no side, or both: "Leg", or a derivation between the two legs ("Lleg-Rleg" in
        # MESA's montage, "lleg_r" = linked left and right leg in WSC) is one combined channel
        return ("leg", True) if limb == "leg" else (None, False)
    return f"{limb}_{sides.pop()}", False


def role_of_label(label: str) -> str | None:
    """The role a single label suggests (see the module tables), or ``None``."""
    norm = normalize_label(label)
    if not norm or _IGNORED.search(norm):
        return None
    role, _combined = _limb_role(norm)
    if role is not None:
        return role
    for pattern, candidate in _COMPILED:
        if pattern.search(norm):
            return candidate
    return None


def infer_roles(labels: Sequence[str]) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """Infer the role of every channel from its label.

    Parameters
    ----------
    labels : sequence of str
        Channel labels in file order.

    Returns
    -------
    roles : dict of str to tuple of str
        Role (see :data:`somnomotor.recording.ROLES`) to labels, in file order. Roles that hold
        one channel (all but :data:`somnomotor.recording.MULTI_CHANNEL_ROLES`) get the first
        matching label.
    warnings : list of str
        A combined leg channel, several candidates for a one-channel role, unrecognised
        labels that look like EMG.
    """
    found: dict[str, list[str]] = {}
    messages: list[str] = []
    for label in labels:
        role = role_of_label(label)
        if role is None:
            if "emg" in normalize_label(label).split():
                messages.append(
                    f"channel {label!r} looks like EMG but its muscle is not recognised; "
                    f"name it with --channel ROLE={label} (roles: {', '.join(ROLES)})"
                )
            continue
        found.setdefault(role, []).append(label)
    roles: dict[str, tuple[str, ...]] = {}
    for role, assigned in found.items():
        if role not in MULTI_CHANNEL_ROLES and len(assigned) > 1:
            messages.append(
                f"several channels look like {ROLES[role]} (role {role!r}): {assigned}; using "
                f"{assigned[0]!r}. Choose another with --channel {role}=LABEL"
            )
            roles[role] = (assigned[0],)
        else:
            roles[role] = tuple(assigned)
    leg_note = combined_leg_warning(roles)
    if leg_note:
        messages.append(leg_note)
    logger.debug("inferred roles %s from labels %s", roles, list(labels))
    return roles, messages


def combined_leg_warning(roles: Mapping[str, Sequence[str]]) -> str | None:
    """The warning for a combined leg channel used instead of two sided ones, or ``None``."""
    if roles.get("leg") and not (roles.get("leg_left") and roles.get("leg_right")):
        return (
            f"channel {roles['leg'][0]!r} has no side: it is used as one bilateral (combined) "
            "tibialis channel, so left and right movements cannot be told apart"
        )
    return None


def _did_you_mean(value: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(value, list(allowed), n=1, cutoff=0.5)
    if not close:
        lowered = {a.lower(): a for a in allowed}
        close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.5)
        close = [lowered[c] for c in close]
    return f" Did you mean {close[0]!r}?" if close else ""


def check_role_name(role: str) -> str:
    """Return ``role`` if it is in :data:`ROLES`, else raise :class:`ParameterError`."""
    if role not in ROLES:
        raise ParameterError(
            f"unknown channel role {role!r}; allowed roles are {', '.join(ROLES)}."
            + _did_you_mean(role, list(ROLES))
        )
    return role


def resolve_label(label: str, labels: Sequence[str]) -> str:
    """The channel label in ``labels`` that ``label`` names (exact, else case-insensitive).

    Raises
    ------
    ChannelNotFoundError
        When no channel (or more than one, ignoring case) matches; the message lists the
        channels and suggests the closest.
    """
    if label in labels:
        return label
    folded = [c for c in labels if c.strip().lower() == label.strip().lower()]
    if len(folded) == 1:
        return folded[0]
    raise ChannelNotFoundError(
        f"no channel labelled {label!r} in the recording; channels are {list(labels)}."
        + _did_you_mean(label, labels)
    )


def apply_role_overrides(
    roles: Mapping[str, Sequence[str]],
    overrides: Mapping[str, str | Sequence[str]],
    labels: Sequence[str],
) -> dict[str, tuple[str, ...]]:
    """Merge user-given roles over inferred ones.

    Parameters
    ----------
    roles : mapping of str to sequence of str
        Inferred roles.
    overrides : mapping of str to str or sequence of str
        Role to label(s) chosen by the user; replaces the inferred channels of that role,
        and each named channel loses any other inferred role.
    labels : sequence of str
        All channel labels.

    Returns
    -------
    dict of str to tuple of str

    Raises
    ------
    ParameterError
        Unknown role, or several labels for a one-channel role.
    ChannelNotFoundError
        A label that is not in the recording.
    """
    chosen: dict[str, tuple[str, ...]] = {}
    for role, value in overrides.items():
        check_role_name(role)
        names = (value,) if isinstance(value, str) else tuple(value)
        resolved = tuple(resolve_label(name, labels) for name in names)
        if role not in MULTI_CHANNEL_ROLES and len(resolved) > 1:
            raise ParameterError(
                f"role {role!r} takes one channel, received {list(resolved)}; roles that take "
                f"several are {sorted(MULTI_CHANNEL_ROLES)}"
            )
        chosen[role] = resolved
    taken = {label for assigned in chosen.values() for label in assigned}
    merged: dict[str, tuple[str, ...]] = {}
    for role, assigned in roles.items():
        if role in chosen:
            continue
        kept = tuple(label for label in assigned if label not in taken)
        if kept:
            merged[role] = kept
    merged.update({role: assigned for role, assigned in chosen.items() if assigned})
    return merged


def missing_for_analyses(roles: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """What each analysis lacks among the channel roles.

    Parameters
    ----------
    roles : mapping of str to sequence of str
        Role to labels, as in :attr:`somnomotor.recording.Recording.roles`.

    Returns
    -------
    dict of str to list of str
        For each analysis (``leg_movements``, ``rswa``, ``fragmentary_myoclonus``,
        ``sleep_starts``, ``bruxism``, ``automatic_staging``) a list of what is missing, in
        words; an empty list means the analysis can run.

    Notes
    -----
    Leg movements need both tibialis channels or one combined channel; RSWA needs the chin
    (arm channels are optional and only add the SINBAR combined index); fragmentary
    myoclonus needs any EMG; sleep starts need at least two EMG channels; bruxism a
    masseter (or temporalis) EMG; automatic staging an EEG (EOG and chin are optional).
    """
    present = {role for role, assigned in roles.items() if assigned}
    missing: dict[str, list[str]] = {}
    for analysis, alternatives in ANALYSIS_REQUIREMENTS.items():
        if any(all(r in present for r in alt) for alt in alternatives):
            missing[analysis] = []
            continue
        first = alternatives[0]
        lacking = [r for r in first if r not in present]
        text = " and ".join(f"{r} ({ROLES[r]})" for r in lacking)
        if len(alternatives) > 1:
            text += " or " + " or ".join(
                " and ".join(f"{r} ({ROLES[r]})" for r in alt) for alt in alternatives[1:]
            )
        missing[analysis] = [text]
    n_emg = sum(len(roles.get(r, ())) for r in EMG_ROLES)
    missing["fragmentary_myoclonus"] = (
        [] if n_emg >= 1 else ["any EMG channel (leg, chin, arm, masseter or axial)"]
    )
    missing["sleep_starts"] = (
        [] if n_emg >= 2 else [f"at least 2 EMG channels (found {n_emg})"]
    )
    order = ("leg_movements", "rswa", "fragmentary_myoclonus", "sleep_starts", "bruxism",
             "automatic_staging")
    return {name: missing[name] for name in order}


__all__ = [
    "ANALYSIS_REQUIREMENTS",
    "EMG_ROLES",
    "LIMB_WORDS",
    "ROLE_PATTERNS",
    "SIDE_WORDS",
    "apply_role_overrides",
    "check_role_name",
    "combined_leg_warning",
    "infer_roles",
    "missing_for_analyses",
    "normalize_label",
    "resolve_label",
    "role_of_label",
]
