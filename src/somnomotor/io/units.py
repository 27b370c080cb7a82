"""Physical units of signals: every voltage is normalised to µV at the reading boundary.

EDF headers carry an 8-character free-text "physical dimension" per signal. The EDF
specification recommends standard SI spellings ("uV", "mV", "V"), but real files use many
others ("micro V", "µV" with either micro sign, "mcV", "UV", "microvolts" ...). This module
maps them to one factor that turns the file's values into µV; every other unit
(``%``, ``bpm``, ``degC``, an empty string ...) is kept as written.

It also judges, from the header alone (so without reading any samples), whether a channel
that should hold a voltage has a plausible unit. See :func:`check_voltage_unit` for the
heuristic.

References
----------
Kemp B, Olivan J (2003). European data format 'plus' (EDF+), an EDF alike standard format
for the exchange of physiological data. Clin Neurophysiol 114:1755-1761.
https://doi.org/10.1016/S1388-2457(03)00123-8 (section 2.1.3.1 "physical dimension",
standard spellings such as ``uV``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

#: Unit written for every voltage channel after normalisation.
MICROVOLT = "uV"

#: Factor from one unit of each voltage prefix to µV. Keys are the canonical prefixes that
#: :func:`_voltage_prefix` extracts from a spelling.
_PREFIX_TO_UV: Mapping[str, float] = {
    "": 1e6,  # V
    "m": 1e3,  # mV
    "u": 1.0,  # µV
    "n": 1e-3,  # nV
    "k": 1e9,  # kV (never physiological; kept so that the spelling is recognised)
}

#: Spellings of the prefix word, lower-cased, after the micro signs were folded to "u".
_PREFIX_WORDS: Mapping[str, str] = {
    "": "",
    "m": "m",
    "milli": "m",
    "u": "u",
    "mc": "u",  # "mcV", a common transliteration of the micro sign
    "micro": "u",
    "n": "n",
    "nano": "n",
    "k": "k",
    "kilo": "k",
}

#: Spellings of the unit word, lower-cased.
_VOLT_WORDS: frozenset[str] = frozenset({"v", "volt", "volts"})

#: Roles whose channels are voltages (electrophysiology).
VOLTAGE_ROLES: frozenset[str] = frozenset(
    {"leg_left", "leg_right", "leg", "chin", "arm_left", "arm_right", "masseter", "axial",
     "eeg", "eog", "ecg"}
)

#: Largest absolute physical value (µV) still plausible for a surface EMG/EEG/EOG/ECG
#: channel: 100 mV. Amplifier ranges of polysomnographs are at most a few mV for EMG and
#: EEG and about 10 mV for ECG; a range above 100 mV means the unit label is wrong.
PLAUSIBLE_MAX_UV = 1e5

#: Smallest header range (µV) plausible for a voltage channel: 1 µV. A range below that
#: means the values are in a larger unit than labelled (e.g. volts labelled µV).
PLAUSIBLE_MIN_RANGE_UV = 1.0

#: When a voltage channel has no unit, a header range whose largest absolute value is
#: below this (0.05) is taken as volts: no physiological signal in µV or mV is that small
#: over the whole amplifier range, while 50 mV in volts is.
UNLABELLED_VOLTS_BELOW = 0.05


@dataclass(frozen=True)
class UnitInfo:
    """A normalised unit.

    Parameters
    ----------
    unit : str
        ``"uV"`` for a voltage, else the unit as written (stripped).
    to_uv : float or None
        Factor that turns values in the written unit into µV; ``None`` when the unit is not
        a voltage.
    """

    unit: str
    to_uv: float | None

    @property
    def is_voltage(self) -> bool:
        """Whether the unit is a voltage."""
        return self.to_uv is not None


def _fold(text: str) -> str:
    # NFKC folds the compatibility micro sign U+00B5 to Greek mu U+03BC; both then become
    # "u", the ASCII spelling EDF recommends.
    # A UTF-8 micro sign read as Latin-1 (the EDF reader's header encoding) shows as "Âµ"
    # or "Î¼": undo that. U+FFFD is a byte an ASCII decoder replaced, which in a unit field
    # before "V" has only ever been a micro sign.
    try:
        text = text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        pass
    text = text.replace("\ufffd", "\u00b5")
    folded = unicodedata.normalize("NFKC", text).replace("\u03bc", "u")
    return folded.strip().lower()


def _voltage_prefix(unit: str) -> str | None:
    """The canonical prefix of a voltage spelling, or ``None`` if it is not a voltage."""
    folded = _fold(unit)
    if not folded:
        return None
    # "micro V", "micro-volt", "uV", "u V", "mcV", "microvolts", "(uV)"
    compact = re.sub(r"[\s\-_.()\[\]]", "", folded)
    for word in sorted(_VOLT_WORDS, key=len, reverse=True):
        if compact.endswith(word):
            prefix = compact[: -len(word)]
            if prefix in _PREFIX_WORDS:
                return _PREFIX_WORDS[prefix]
    return None


def normalize_unit(unit: str) -> UnitInfo:
    """Normalise a physical dimension.

    Parameters
    ----------
    unit : str
        Physical dimension as written in the file (any case, either micro sign).

    Returns
    -------
    UnitInfo
        ``UnitInfo("uV", factor)`` for a voltage, where ``factor`` multiplies values in the
        written unit to give µV (V -> 1e6, mV -> 1e3, µV -> 1, nV -> 1e-3); otherwise the
        stripped unit and ``None``.

    Notes
    -----
    Case is ignored except where it decides the prefix: an upper-case ``"MV"`` would be
    megavolts in SI but no polysomnograph writes that, and files do write ``"MV"`` for
    millivolts, so it is read as mV. ``"UV"`` is read as µV.

    Examples
    --------
    >>> normalize_unit("mV")
    UnitInfo(unit='uV', to_uv=1000.0)
    >>> normalize_unit("%")
    UnitInfo(unit='%', to_uv=None)
    """
    prefix = _voltage_prefix(unit)
    if prefix is None:
        return UnitInfo(unit=unit.strip(), to_uv=None)
    return UnitInfo(unit=MICROVOLT, to_uv=_PREFIX_TO_UV[prefix])


def to_microvolt_factor(unit: str) -> float | None:
    """Factor from ``unit`` to µV, or ``None`` if ``unit`` is not a voltage."""
    return normalize_unit(unit).to_uv


def check_voltage_unit(
    label: str,
    unit: str,
    *,
    role: str | None,
    physical_min: float,
    physical_max: float,
) -> tuple[UnitInfo, str | None]:
    """Normalise the unit of one channel and judge whether it is plausible.

    Parameters
    ----------
    label : str
        Channel label (named in the warning).
    unit : str
        Physical dimension as written in the file.
    role : str or None
        Inferred role of the channel (see :data:`somnomotor.recording.ROLES`).
    physical_min, physical_max : float
        Physical range of the channel from the header, in the written unit.

    Returns
    -------
    info : UnitInfo
        The unit to use. A channel with a voltage role but no unit is taken as µV, or as V
        when its range is below :data:`UNLABELLED_VOLTS_BELOW`.
    warning : str or None
        A message naming the channel when the unit is missing or implausible.

    Notes
    -----
    The heuristic only looks at the header's physical range, so it never reads samples:

    * voltage role, no unit: warn; the channel is taken as V if ``max(|min|, |max|)`` <
      0.05 (a leg EMG whose range is all below 0.01 is volts), else as µV;
    * voltage role, non-voltage unit (``%``, ``bpm`` ...): warn, the unit is kept;
    * any voltage unit whose range, converted to µV, exceeds ±100 mV
      (:data:`PLAUSIBLE_MAX_UV`), e.g. "mV" on a ±3200 range: warn, likely µV mislabelled;
    * any voltage unit whose range in µV is below 1 µV (:data:`PLAUSIBLE_MIN_RANGE_UV`),
      e.g. "uV" on ±0.005: warn, likely V or mV mislabelled.

    Only warnings are raised: the values are never silently rescaled when a unit is given.
    """
    info = normalize_unit(unit)
    span = max(abs(physical_min), abs(physical_max))
    wants_voltage = role in VOLTAGE_ROLES
    if not info.is_voltage:
        if wants_voltage and not unit.strip():
            if span < UNLABELLED_VOLTS_BELOW:
                return UnitInfo(MICROVOLT, 1e6), (
                    f"channel {label!r} ({role}) has no unit and its range is at most "
                    f"{span:g}: read as volts and converted to µV; check the file"
                )
            return UnitInfo(MICROVOLT, 1.0), (
                f"channel {label!r} ({role}) has no unit: read as µV (range ±{span:g}); "
                "check the file"
            )
        if wants_voltage:
            return info, (
                f"channel {label!r} looks like {role} but its unit is {unit.strip()!r}, not a "
                "voltage (V, mV, µV): it is kept as is and cannot be analysed as EMG/EEG"
            )
        return info, None
    span_uv = span * (info.to_uv if info.to_uv is not None else 1.0)
    if span_uv > PLAUSIBLE_MAX_UV:
        return info, (
            f"channel {label!r}: unit {unit.strip()!r} with range ±{span:g} means ±{span_uv:g} µV, "
            f"more than any body signal (±{PLAUSIBLE_MAX_UV:g} µV); the unit is probably wrong "
            "(µV labelled as mV or V?)"
        )
    if span_uv < PLAUSIBLE_MIN_RANGE_UV:
        return info, (
            f"channel {label!r}: unit {unit.strip()!r} with range ±{span:g} means only "
            f"±{span_uv:g} µV, less than {PLAUSIBLE_MIN_RANGE_UV:g} µV; the unit is probably "
            "wrong (V or mV labelled as µV?)"
        )
    return info, None


__all__ = [
    "MICROVOLT",
    "PLAUSIBLE_MAX_UV",
    "PLAUSIBLE_MIN_RANGE_UV",
    "UNLABELLED_VOLTS_BELOW",
    "VOLTAGE_ROLES",
    "UnitInfo",
    "check_voltage_unit",
    "normalize_unit",
    "to_microvolt_factor",
]
