"""Is the leg channel a tibialis EMG? Leg movement sensors must never meet the EMG rules.

Several cohorts record leg *motion*, not tibialis EMG, on channels labelled like EMG: MESA's
``Leg`` (one Compumedics piezo limb sensor for both legs, 32 Hz), MrOS's ``Leg L``/``Leg R``
and CFS's ``L Leg``/``R Leg`` (Compumedics piezo leg leads, 64 Hz) (NSRR montage pages, see
``somnomotor/data/channel_maps``). The WASM 2016 / AASM amplitude criteria (+8 µV onset,
+2 µV offset above the resting EMG, 10-100 Hz band) are defined on surface EMG; applied to a
piezo trace they give numbers that mean nothing. :func:`classify_leg_sensor` decides, per
recording, from what the file and an optional cohort map say:

1. a kind declared by a cohort channel map (:attr:`Recording.sensor_kinds`);
2. the EDF transducer field: ``piezo`` -> piezo; ``movement``, ``motion``, ``actigraph``,
   ``accelerometer``, ``limb movement sensor`` ... -> motion;
3. the physical unit: a unit that is not a voltage (``g``, ``mg``, ``counts``, ``%`` ...) ->
   motion (an empty unit decides nothing);
4. the rate: below :data:`MIN_EMG_RATE_HZ` (100 Hz) the 10-100 Hz EMG band cannot be had
   with any margin (Nyquist < 50 Hz) and no cohort we know records leg EMG that slowly ->
   motion, unless a map or transducer says EMG, in which case it is EMG that is too slow.

Any non-EMG evidence wins: a channel is scored with the EMG rules only when nothing says
otherwise and it is sampled at >= 100 Hz. EMG at 100-199 Hz (the WSC Grass Heritage nights,
100 Hz) is scored, with the band 10 Hz to 0.45 x fs that the leg detector uses and a warning
that amplitudes are not comparable to a 10-100 Hz recording (AASM: 200 Hz minimum, 500 Hz
desirable).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from somnomotor.recording import Channel, Recording

#: Below this rate a leg channel is never scored with the EMG rules (Hz).
MIN_EMG_RATE_HZ = 100.0
#: AASM minimum sampling rate for EMG (Hz); below it a warning says the band is cut.
AASM_MIN_EMG_RATE_HZ = 200.0
#: Upper band edge the leg detector uses when 100 Hz is not below the Nyquist frequency,
#: as a fraction of the rate (somnomotor.signal.filters.design_bandpass).
BAND_EDGE_FRACTION_OF_FS = 0.45
#: The WASM / AASM leg EMG band (Hz).
EMG_BAND_HZ = (10.0, 100.0)

#: Transducer words, matched in the lower-cased EDF transducer field.
_PIEZO = re.compile(r"piezo")
_MOTION = re.compile(r"movement|motion|actigra|accelero|acceleration|\baccel|\bimu\b|"
                     r"inertial|gyro|limb sensor|leg sensor|\bpvdf\b")
_EMG = re.compile(r"\bemg\b|electrode|ag ?/ ?agcl|agcl|gold cup|surface")

_VOLTAGE_UNITS = frozenset({"uV", ""})


@dataclass(frozen=True)
class LegChannelKind:
    """What one leg channel is, and why we think so."""

    label: str
    side: str
    kind: str
    fs_hz: float
    unit: str
    transducer: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class LegSensor:
    """The verdict on a recording's leg channels.

    Attributes
    ----------
    kind : {"emg", "piezo", "motion", "none"}
        ``"none"`` when the recording has no leg channel.
    scored : bool
        Whether leg movements are scored with the EMG rules.
    reason : str
        Why legs are not scored (empty when they are).
    warnings : tuple of str
        Doubts when they are scored (rate below the AASM minimum).
    channels : tuple of LegChannelKind
    channel_map : str or None
        The cohort map that was applied, if any.
    """

    kind: str
    scored: bool
    reason: str = ""
    warnings: tuple[str, ...] = ()
    channels: tuple[LegChannelKind, ...] = ()
    channel_map: str | None = None
    band_hz: tuple[float, float] | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        """The summary.json ``leg_sensor`` entry."""
        return {
            "kind": self.kind,
            "scored": self.scored,
            "reason": self.reason or None,
            "channels": [
                {"label": c.label, "side": c.side, "kind": c.kind, "fs_hz": c.fs_hz,
                 "unit": c.unit, "transducer": c.transducer, "evidence": list(c.evidence)}
                for c in self.channels
            ],
            "fs_hz": min((c.fs_hz for c in self.channels), default=None),
            "emg_band_hz": list(self.band_hz) if self.band_hz else None,
            "channel_map": self.channel_map,
            "warnings": list(self.warnings),
        }


def _channel_kind(ch: Channel, side: str, declared: str | None,
                  channel_map: str | None) -> LegChannelKind:
    evidence: list[str] = []
    kind: str | None = None
    if declared is not None:
        evidence.append(f"channel map {channel_map!r} declares it {declared}")
        kind = declared
    transducer = ch.transducer.strip()
    text = transducer.lower()
    if text:
        if _PIEZO.search(text):
            evidence.append(f"transducer {transducer!r} names a piezo sensor")
            kind = kind if kind not in (None, "emg") else "piezo"
        elif _MOTION.search(text):
            evidence.append(f"transducer {transducer!r} names a movement sensor")
            kind = kind if kind not in (None, "emg") else "motion"
        elif _EMG.search(text):
            evidence.append(f"transducer {transducer!r} names an EMG electrode")
    if ch.unit not in _VOLTAGE_UNITS:
        evidence.append(f"unit {ch.unit!r} is not a voltage")
        kind = kind if kind not in (None, "emg") else "motion"
    if ch.fs_hz < MIN_EMG_RATE_HZ:
        evidence.append(f"sampled at {ch.fs_hz:g} Hz, below {MIN_EMG_RATE_HZ:g} Hz")
        if kind is None:
            kind = "motion"
    return LegChannelKind(label=ch.label, side=side, kind=kind or "emg", fs_hz=ch.fs_hz,
                          unit=ch.unit, transducer=transducer, evidence=tuple(evidence))


def classify_leg_sensor(recording: Recording) -> LegSensor:
    """Decide whether the recording's leg channels may be scored with the EMG rules.

    Parameters
    ----------
    recording : Recording
        Its leg roles (:meth:`Recording.leg_channels`), the channels' rate, unit and
        transducer, and :attr:`Recording.sensor_kinds` from a cohort map.

    Returns
    -------
    LegSensor
        ``scored`` is False, with the reason, for a movement sensor (piezo, motion) and for
        EMG sampled below :data:`MIN_EMG_RATE_HZ`; EMG between 100 Hz and
        :data:`AASM_MIN_EMG_RATE_HZ` is scored with a warning.
    """
    legs = recording.leg_channels()
    if not legs:
        return LegSensor(kind="none", scored=False, reason="no leg channel",
                         channel_map=recording.channel_map)
    found = tuple(
        _channel_kind(ch, side, recording.sensor_kinds.get(ch.label), recording.channel_map)
        for side, ch in legs.items())
    labels = "/".join(repr(c.label) for c in found)
    not_emg = [c for c in found if c.kind != "emg"]
    if not_emg:
        kind = not_emg[0].kind
        words = {"piezo": "a piezoelectric leg movement sensor",
                 "motion": "a leg movement sensor"}[kind]
        why = "; ".join(e for c in not_emg for e in c.evidence)
        reason = (f"leg channel {labels} is {words}, not tibialis EMG ({why}): WASM/AASM "
                  "EMG rules do not apply, leg-movement and PLM indices are n/a")
        return LegSensor(kind=kind, scored=False, reason=reason, channels=found,
                         channel_map=recording.channel_map)
    slowest = min(c.fs_hz for c in found)
    if slowest < MIN_EMG_RATE_HZ:
        reason = (f"leg EMG {labels} is sampled at {slowest:g} Hz, below the "
                  f"{MIN_EMG_RATE_HZ:g} Hz somnomotor needs to score the WASM/AASM "
                  f"{EMG_BAND_HZ[0]:g}-{EMG_BAND_HZ[1]:g} Hz EMG band: leg-movement and PLM "
                  "indices are n/a")
        return LegSensor(kind="emg", scored=False, reason=reason, channels=found,
                         channel_map=recording.channel_map)
    # as the leg detector's band-pass (signal.filters.design_bandpass): the 100 Hz edge is
    # kept below the Nyquist frequency, else lowered to 0.45 x fs
    high = (EMG_BAND_HZ[1] if EMG_BAND_HZ[1] < slowest / 2
            else BAND_EDGE_FRACTION_OF_FS * slowest)
    notes: list[str] = []
    if slowest < AASM_MIN_EMG_RATE_HZ:
        notes.append(
            f"leg EMG {labels} is sampled at {slowest:g} Hz (AASM minimum "
            f"{AASM_MIN_EMG_RATE_HZ:g} Hz): scored in the band {EMG_BAND_HZ[0]:g}-{high:g} Hz "
            f"instead of {EMG_BAND_HZ[0]:g}-{EMG_BAND_HZ[1]:g} Hz, so EMG amplitudes, and the "
            "+8 µV / +2 µV thresholds applied to them, are not comparable to a standard "
            "recording; compare such nights only with nights recorded alike")
    return LegSensor(kind="emg", scored=True, warnings=tuple(notes), channels=found,
                     channel_map=recording.channel_map, band_hz=(EMG_BAND_HZ[0], high))


__all__ = ["AASM_MIN_EMG_RATE_HZ", "MIN_EMG_RATE_HZ", "LegChannelKind", "LegSensor",
           "classify_leg_sensor"]
