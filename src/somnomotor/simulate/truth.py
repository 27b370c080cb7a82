"""Ground truth of a simulated night: what the simulator put into the signals.

The truth describes the *input* of the simulation, not what a detector would find: a leg
movement's ``onset_s`` is where its burst envelope starts to rise above the resting level,
``duration_s`` runs until the envelope is back at rest, and ``amplitude_uV`` is the peak
increase of the envelope above rest in µV of *rectified mean* EMG (see
:mod:`somnomotor.simulate.emg`). Scoring rules are applied to the truth by the tests and the
benchmarks, never inside the simulator.

The truth is written beside the EDF as ``<stem>.truth.json`` and read back with
:meth:`GroundTruth.from_json`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from somnomotor._errors import InputFileError
from somnomotor.events import NOT_APPLICABLE, EventTable
from somnomotor.hypnogram import Hypnogram

#: Version of the JSON layout of the sidecar; bumped on incompatible changes.
TRUTH_FORMAT_VERSION = 1

#: Event kinds the simulator writes into the truth (``kind``).
TRUTH_KINDS: tuple[str, ...] = (
    "leg_movement",   # one monolateral tibialis burst (bilateral movements are two rows)
    "apnea",          # obstructive apnoea (annotation only: no airflow channel is simulated)
    "hypopnea",
    "arousal",
    "chin_phasic",    # phasic chin burst in REM (0.1-5 s)
    "chin_tonic",     # sustained chin activity in a REM epoch
    "arm_phasic",     # phasic FDS burst in REM
    "subthreshold_burst",  # tibialis burst below the 8-µV onset rule: never a leg movement
)


@dataclass(frozen=True)
class TruthEvent:
    """One simulated event.

    Parameters
    ----------
    event_id : int
        Unique within the night; other events refer to it (``linked_to``).
    kind : str
        One of :data:`TRUTH_KINDS` (generators added later may add kinds).
    onset_s : float
        Start in s from the recording start (envelope starts to rise above rest).
    duration_s : float
        Length in s (until the envelope is back at rest).
    channel : str
        Channel label the event was put into, or ``"n/a"`` (respiratory events, arousals).
    side : str
        ``left``, ``right`` or ``n/a``.
    amplitude_uV : float or None
        Peak increase of the rectified-mean envelope above rest, µV.
    flags : mapping
        Further facts, e.g. ``too_short``, ``too_long``, ``cause``, ``movement_id``,
        ``linked_to``, ``obscured``.
    """

    event_id: int
    kind: str
    onset_s: float
    duration_s: float
    channel: str = NOT_APPLICABLE
    side: str = NOT_APPLICABLE
    amplitude_uV: float | None = None
    flags: Mapping[str, Any] = field(default_factory=dict)

    @property
    def offset_s(self) -> float:
        """End of the event in s from the recording start."""
        return self.onset_s + self.duration_s

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (times rounded to 1 ms)."""
        return {
            "event_id": self.event_id,
            "kind": self.kind,
            "onset_s": round(self.onset_s, 4),
            "duration_s": round(self.duration_s, 4),
            "channel": self.channel,
            "side": self.side,
            "amplitude_uV": None if self.amplitude_uV is None else round(self.amplitude_uV, 3),
            "flags": dict(self.flags),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TruthEvent:
        """Inverse of :meth:`to_dict`."""
        amp = d.get("amplitude_uV")
        return cls(event_id=int(d["event_id"]), kind=str(d["kind"]), onset_s=float(d["onset_s"]),
                   duration_s=float(d["duration_s"]), channel=str(d.get("channel", "n/a")),
                   side=str(d.get("side", "n/a")),
                   amplitude_uV=None if amp is None else float(amp),
                   flags=dict(d.get("flags", {})))


@dataclass(frozen=True)
class ChannelTruth:
    """Facts about one simulated channel.

    Parameters
    ----------
    label, role : str
        EDF label and somnomotor role.
    fs_hz : float
        Sampling rate in Hz.
    kind : str
        ``emg``, ``eeg`` or ``ecg``.
    rest_min_uV, rest_max_uV : float or None
        Range of the resting level over the night, µV rectified mean (EMG only; artefact
        intervals excluded).
    rest_epoch_uV : tuple of float
        Mean resting level per 30-s epoch, µV rectified mean (EMG only).
    physical_range_uV : tuple of float or None
        Physical minimum and maximum (µV): the amplifier's rails where the signal is
        clipped, and the EDF header's physical range (EMG only).
    digital_range : tuple of int or None
        EDF digital minimum and maximum (EMG only).
    carrier_excess_kurtosis : float
        Excess kurtosis of the EMG carrier (0: Gaussian).
    """

    label: str
    role: str
    fs_hz: float
    kind: str
    rest_min_uV: float | None = None
    rest_max_uV: float | None = None
    rest_epoch_uV: tuple[float, ...] = ()
    physical_range_uV: tuple[float, float] | None = None
    digital_range: tuple[int, int] | None = None
    carrier_excess_kurtosis: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {"label": self.label, "role": self.role, "fs_hz": self.fs_hz, "kind": self.kind,
                "rest_min_uV": self.rest_min_uV, "rest_max_uV": self.rest_max_uV,
                "rest_epoch_uV": [round(v, 3) for v in self.rest_epoch_uV],
                "physical_range_uV": (None if self.physical_range_uV is None
                                      else list(self.physical_range_uV)),
                "digital_range": None if self.digital_range is None else list(self.digital_range),
                "carrier_excess_kurtosis": self.carrier_excess_kurtosis}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ChannelTruth:
        """Inverse of :meth:`to_dict`."""
        phys, dig = d.get("physical_range_uV"), d.get("digital_range")
        return cls(label=str(d["label"]), role=str(d["role"]), fs_hz=float(d["fs_hz"]),
                   kind=str(d["kind"]), rest_min_uV=d.get("rest_min_uV"),
                   rest_max_uV=d.get("rest_max_uV"),
                   rest_epoch_uV=tuple(float(v) for v in d.get("rest_epoch_uV", ())),
                   physical_range_uV=None if phys is None else (float(phys[0]), float(phys[1])),
                   digital_range=None if dig is None else (int(dig[0]), int(dig[1])),
                   carrier_excess_kurtosis=float(d.get("carrier_excess_kurtosis", 0.0)))


@dataclass(frozen=True)
class ArtefactInterval:
    """A stretch of one channel spoiled on purpose (pop, disconnected electrode ...).

    Parameters
    ----------
    onset_s, duration_s : float
        Interval in s from the recording start.
    channel : str
        Channel label.
    reason : str
        ``pop``, ``disconnected`` (flat) or ``saturation`` (railing), as in the output contract.
    amplitude_uV : float or None
        Peak size of the artefact in µV (None for flat stretches).
    """

    onset_s: float
    duration_s: float
    channel: str
    reason: str
    amplitude_uV: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {"onset_s": round(self.onset_s, 4), "duration_s": round(self.duration_s, 4),
                "channel": self.channel, "reason": self.reason,
                "amplitude_uV": None if self.amplitude_uV is None else round(self.amplitude_uV, 3)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ArtefactInterval:
        """Inverse of :meth:`to_dict`."""
        amp = d.get("amplitude_uV")
        return cls(onset_s=float(d["onset_s"]), duration_s=float(d["duration_s"]),
                   channel=str(d["channel"]), reason=str(d["reason"]),
                   amplitude_uV=None if amp is None else float(amp))


@dataclass(frozen=True)
class RemEpochTruth:
    """RSWA truth for one 30-s REM epoch (chin).

    Parameters
    ----------
    epoch : int
        Epoch index in the hypnogram.
    onset_s : float
        Start of the epoch in s.
    tonic : bool
        Whether sustained chin activity at >= 2x the REM background covers > 50 % of the
        epoch (SINBAR tonic rule, Frauscher et al. 2012, doi:10.5665/sleep.1884). The
        simulator keeps tonic epochs at >= 70 % and non-tonic ones at <= 25 % so the truth
        is never at the rule's edge.
    tonic_fraction : float
        Fraction of the epoch (0-1) covered by the tonic plateau.
    n_phasic_chin : int
        Phasic chin bursts whose onset lies in the epoch.
    background_uV : float
        Chin resting level in the epoch, µV rectified mean.
    """

    epoch: int
    onset_s: float
    tonic: bool
    tonic_fraction: float
    n_phasic_chin: int
    background_uV: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {"epoch": self.epoch, "onset_s": self.onset_s, "tonic": self.tonic,
                "tonic_fraction": round(self.tonic_fraction, 4),
                "n_phasic_chin": self.n_phasic_chin,
                "background_uV": round(self.background_uV, 4)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RemEpochTruth:
        """Inverse of :meth:`to_dict`."""
        return cls(epoch=int(d["epoch"]), onset_s=float(d["onset_s"]), tonic=bool(d["tonic"]),
                   tonic_fraction=float(d["tonic_fraction"]),
                   n_phasic_chin=int(d["n_phasic_chin"]),
                   background_uV=float(d["background_uV"]))


def _hypnogram_to_dict(h: Hypnogram) -> dict[str, Any]:
    return {"stages": list(h.stages), "epoch_s": h.epoch_s, "onset_s": h.onset_s,
            "analysis_start_s": h.analysis_start_s, "analysis_end_s": h.analysis_end_s,
            "source": h.source}


def _hypnogram_from_dict(d: Mapping[str, Any]) -> Hypnogram:
    return Hypnogram(stages=tuple(d["stages"]), epoch_s=float(d["epoch_s"]),
                     onset_s=float(d["onset_s"]), analysis_start_s=d.get("analysis_start_s"),
                     analysis_end_s=d.get("analysis_end_s"), source=str(d.get("source", "")))


def _events_to_table(events: Sequence[TruthEvent], trial_type: str | None = None) -> EventTable:
    if not events:
        return EventTable.empty(["event_id", "kind", "side", "amplitude_uV"])
    flag_keys = sorted({k for e in events for k in e.flags})
    data: dict[str, Any] = {
        "onset_s": [e.onset_s for e in events],
        "duration_s": [e.duration_s for e in events],
        "trial_type": [trial_type or e.kind for e in events],
        "channel": [e.channel for e in events],
        "event_id": [e.event_id for e in events],
        "kind": [e.kind for e in events],
        "side": [e.side for e in events],
        "amplitude_uV": [np.nan if e.amplitude_uV is None else e.amplitude_uV for e in events],
    }
    for key in flag_keys:
        data[key] = [e.flags.get(key, NOT_APPLICABLE) for e in events]
    return EventTable(pd.DataFrame(data))


@dataclass(frozen=True)
class GroundTruth:
    """Everything the simulator put into one night.

    Parameters
    ----------
    profile : str
        Profile name (``healthy``, ``plmd``, ``rbd``, ``noisy`` ...).
    seed : int
        Seed of the :class:`numpy.random.Generator` that drew the night.
    conditions : tuple of str
        Signal-quality conditions in effect (after expanding the profile's defaults).
    duration_s : float
        Length of the recording in s.
    hypnogram : Hypnogram
        The simulated stages (source ``"simulated"``), with lights off/on as analysis period.
    events : tuple of TruthEvent
        Every simulated event, sorted by onset.
    artefacts : tuple of ArtefactInterval
        Stretches spoiled on purpose.
    channels : tuple of ChannelTruth
    rem_epochs : tuple of RemEpochTruth
        RSWA truth per REM epoch (every profile; tonic epochs only where simulated).
    parameters : mapping
        The profile's generator parameters and signal settings, JSON-ready.
    """

    profile: str
    seed: int
    conditions: tuple[str, ...]
    duration_s: float
    hypnogram: Hypnogram
    events: tuple[TruthEvent, ...] = ()
    artefacts: tuple[ArtefactInterval, ...] = ()
    channels: tuple[ChannelTruth, ...] = ()
    rem_epochs: tuple[RemEpochTruth, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)

    # -- queries -------------------------------------------------------------------------
    def events_of(self, kind: str | Iterable[str]) -> list[TruthEvent]:
        """Events of the given kind(s), sorted by onset."""
        kinds = {kind} if isinstance(kind, str) else set(kind)
        return [e for e in self.events if e.kind in kinds]

    def events_table(self, kind: str | Iterable[str] | None = None) -> EventTable:
        """Events (all, or of the given kinds) as an :class:`EventTable`.

        Columns beyond the four required: ``event_id``, ``kind``, ``side``,
        ``amplitude_uV`` (µV) and one column per flag (``n/a`` where an event lacks it).
        """
        events = list(self.events) if kind is None else self.events_of(kind)
        return _events_to_table(events)

    def leg_movements_table(self) -> EventTable:
        """True monolateral leg movements, one row per leg, ready for the PLM scorer.

        ``trial_type`` is ``leg_movement``; ``side`` (and the synonym ``leg``) is ``left`` or
        ``right``; ``channel`` is the tibialis channel label. Bilateral movements appear as
        two rows sharing ``movement_id``. Flags: ``too_short`` (< 0.5 s), ``too_long`` (> 10 s,
        not a candidate monolateral LM by WASM 2016), ``cause`` (``periodic``, ``isolated``,
        ``respiratory``, ``long``, ``short``), ``obscured`` (overlaps an artefact interval on
        its channel), ``rule_onset_s`` and ``rule_offset_s`` (where the AASM/WASM 8-µV onset
        and 2-µV offset fall on the noise-free envelope after the standard EMG filter, s;
        missing when the burst never reaches 8 µV), ``lm_wasm`` (a leg movement under WASM
        2016: >= 0.5 s), ``lm_aasm`` and ``candidate_lm`` (0.5-10 s), ``lm_note`` (why not),
        ``clipped`` (a sample of the burst at the channel's rail: still a leg movement) and
        ``n_clipped_samples``, ``strong`` (drawn to reach the rail), ``far_pair`` (one part
        of a pair 0.65-1.6 s apart: two movements), ``modulation``, ``rise_s``,
        ``decay_s``. Sub-threshold bursts are not in this table (see
        :meth:`events_of` with ``"subthreshold_burst"``).
        """
        table = _events_to_table(self.events_of("leg_movement"))
        frame = table.frame.copy()
        frame["leg"] = frame["side"]
        return EventTable(frame)

    def artefacts_table(self) -> EventTable:
        """Artefact intervals as an :class:`EventTable` (``trial_type`` ``unscorable``, ``reason``)."""
        if not self.artefacts:
            return EventTable.empty(["reason", "amplitude_uV"])
        return EventTable.from_arrays(
            [a.onset_s for a in self.artefacts], [a.duration_s for a in self.artefacts],
            "unscorable", [a.channel for a in self.artefacts],
            reason=[a.reason for a in self.artefacts],
            amplitude_uV=[np.nan if a.amplitude_uV is None else a.amplitude_uV
                          for a in self.artefacts],
        )

    def channel(self, label: str) -> ChannelTruth:
        """Truth of the channel with this label."""
        for ch in self.channels:
            if ch.label == label:
                return ch
        raise KeyError(f"no simulated channel {label!r}; channels are "
                       f"{[c.label for c in self.channels]}")

    def summary_line(self) -> str:
        """One line: number of leg movements and a simple true PLMS-like rate.

        The rate counts true candidate movements in runs of >= 4 with onset-to-onset
        intervals of 10-90 s (WASM 2016, Ferri et al., Sleep Med 2016;26:86,
        doi:10.1016/j.sleep.2016.10.010) per hour of sleep, bilateral pairs merged; it is a
        quick check, the scorer in :mod:`somnomotor.score` is the reference.
        """
        n_lm = len(self.events_of("leg_movement"))
        rate = true_plms_rate(self)
        tst_h = self.hypnogram.total_sleep_time_s / 3600.0
        return (f"{n_lm} leg movements (per leg), true PLMS index {rate:.1f}/h "
                f"over {tst_h:.2f} h of sleep; profile {self.profile}, seed {self.seed}")

    # -- JSON ----------------------------------------------------------------------------
    def to_json(self, *, indent: int | None = None) -> str:
        """The truth as a JSON string (the ``.truth.json`` sidecar)."""
        payload = {
            "format": "somnomotor-simulation-truth",
            "format_version": TRUTH_FORMAT_VERSION,
            "profile": self.profile,
            "seed": self.seed,
            "conditions": list(self.conditions),
            "duration_s": self.duration_s,
            "hypnogram": _hypnogram_to_dict(self.hypnogram),
            "channels": [c.to_dict() for c in self.channels],
            "events": [e.to_dict() for e in self.events],
            "artefacts": [a.to_dict() for a in self.artefacts],
            "rem_epochs": [r.to_dict() for r in self.rem_epochs],
            "parameters": _jsonable(self.parameters),
        }
        return json.dumps(payload, indent=indent, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> GroundTruth:
        """Read a truth written by :meth:`to_json`."""
        try:
            d = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputFileError(f"the truth sidecar is not valid JSON: {exc}") from exc
        if not isinstance(d, dict) or d.get("format") != "somnomotor-simulation-truth":
            raise InputFileError(
                "the file is not a somnomotor simulation truth (expected the key "
                f"'format': 'somnomotor-simulation-truth', received {str(d)[:80]!r})"
            )
        if int(d.get("format_version", 0)) > TRUTH_FORMAT_VERSION:
            raise InputFileError(
                f"truth format version {d.get('format_version')} is newer than this somnomotor "
                f"reads ({TRUTH_FORMAT_VERSION}); update somnomotor"
            )
        return cls(
            profile=str(d["profile"]), seed=int(d["seed"]),
            conditions=tuple(d.get("conditions", ())), duration_s=float(d["duration_s"]),
            hypnogram=_hypnogram_from_dict(d["hypnogram"]),
            events=tuple(TruthEvent.from_dict(e) for e in d.get("events", ())),
            artefacts=tuple(ArtefactInterval.from_dict(a) for a in d.get("artefacts", ())),
            channels=tuple(ChannelTruth.from_dict(c) for c in d.get("channels", ())),
            rem_epochs=tuple(RemEpochTruth.from_dict(r) for r in d.get("rem_epochs", ())),
            parameters=dict(d.get("parameters", {})),
        )


class TruthBuilder:
    """Mutable collector the event generators write into; frozen into :class:`GroundTruth`.

    Generators call :meth:`add_event` (which hands out ``event_id``) and read what earlier
    generators added (e.g. the leg-movement generator follows respiratory events).
    """

    def __init__(self) -> None:
        self.events: list[TruthEvent] = []
        self.artefacts: list[ArtefactInterval] = []
        self.rem_epochs: list[RemEpochTruth] = []
        self.parameters: dict[str, Any] = {}
        self._next_id = 0
        self._position: dict[int, int] = {}
        self._next_movement = 0

    def new_movement_id(self) -> int:
        """A fresh id shared by the monolateral parts of one (possibly bilateral) movement."""
        self._next_movement += 1
        return self._next_movement - 1

    def add_event(self, kind: str, onset_s: float, duration_s: float, *,
                  channel: str = NOT_APPLICABLE, side: str = NOT_APPLICABLE,
                  amplitude_uV: float | None = None, **flags: Any) -> TruthEvent:
        """Record one event and return it (with its new ``event_id``)."""
        event = TruthEvent(event_id=self._next_id, kind=kind, onset_s=float(onset_s),
                           duration_s=float(duration_s), channel=channel, side=side,
                           amplitude_uV=None if amplitude_uV is None else float(amplitude_uV),
                           flags=flags)
        self._next_id += 1
        self._position[event.event_id] = len(self.events)
        self.events.append(event)
        return event

    def update_flags(self, event_id: int, **flags: Any) -> None:
        """Add or change flags of an event already recorded."""
        i = self._position.get(event_id)
        if i is None:
            raise KeyError(f"no truth event with id {event_id}")
        e = self.events[i]
        merged = dict(e.flags)
        merged.update(flags)
        self.events[i] = TruthEvent(e.event_id, e.kind, e.onset_s, e.duration_s, e.channel,
                                    e.side, e.amplitude_uV, merged)

    def events_of(self, kind: str | Iterable[str]) -> list[TruthEvent]:
        """Events recorded so far of the given kind(s)."""
        kinds = {kind} if isinstance(kind, str) else set(kind)
        return [e for e in self.events if e.kind in kinds]

    def add_artefact(self, onset_s: float, duration_s: float, channel: str, reason: str,
                     amplitude_uV: float | None = None) -> None:
        """Record a spoiled stretch of one channel."""
        self.artefacts.append(ArtefactInterval(float(onset_s), float(duration_s), channel,
                                               reason, amplitude_uV))


def _jsonable(value: Any) -> Any:
    """Plain JSON types for parameter dicts (tuples -> lists, numpy scalars -> Python)."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def true_plms_rate(truth: GroundTruth, *, imi_min_s: float = 10.0, imi_max_s: float = 90.0,
                   min_run: int = 4) -> float:
    """A simple PLMS-like rate of the true movements, per hour of sleep.

    Bilateral pairs (same ``movement_id``) are merged into one movement; candidates are
    movements 0.5-10 s (monolateral) or 0.5-15 s (bilateral), not ``obscured``; runs of
    ``>= min_run`` candidates with onset-to-onset intervals in ``[imi_min_s, imi_max_s]`` s
    count, non-candidates break runs; only movements with onset in sleep are counted.
    Respiratory-related movements are included (the WASM 2016 primary count).

    Returns
    -------
    float
        Movements in periodic runs per hour of total sleep time (/h); 0 without sleep.
    """
    lms = truth.events_of("leg_movement")
    groups: dict[Any, list[TruthEvent]] = {}
    for e in lms:
        groups.setdefault(e.flags.get("movement_id", -1 - e.event_id), []).append(e)
    merged = []
    for members in groups.values():
        on = min(m.onset_s for m in members)
        off = max(m.offset_s for m in members)
        dur = off - on
        limit = 15.0 if len(members) > 1 else 10.0
        candidate = 0.5 <= dur <= limit and not any(m.flags.get("too_short") for m in members)
        merged.append((on, candidate))
    merged.sort()
    count = 0
    run: list[float] = []

    def close(r: list[float]) -> int:
        if len(r) < min_run:
            return 0
        stages = truth.hypnogram.stage_at(r)
        return int(np.isin(stages, ("N1", "N2", "N3", "R")).sum())

    for on, cand in merged:
        if not cand:
            count += close(run)
            run = []
            continue
        if run and not (imi_min_s <= on - run[-1] <= imi_max_s):
            count += close(run)
            run = []
        run.append(on)
    count += close(run)
    tst_h = truth.hypnogram.total_sleep_time_s / 3600.0
    return count / tst_h if tst_h > 0 else 0.0


__all__ = [
    "TRUTH_KINDS",
    "ArtefactInterval",
    "ChannelTruth",
    "GroundTruth",
    "RemEpochTruth",
    "TruthBuilder",
    "TruthEvent",
    "true_plms_rate",
]
