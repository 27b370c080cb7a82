"""The core object for one night: signals by role, hypnogram and annotations.

A :class:`Recording` never holds signal data itself. Each :class:`Channel` carries a loader
that reads its samples on demand (from the EDF file, or from an array given in memory), so
reading three channels of a 30-channel night touches only those three.

Roles
-----
Analyses ask for channels by *role*, not by label. The roles are listed in :data:`ROLES`;
``leg`` is a single combined (bilateral) tibialis channel as in some cohorts (e.g. WSC's
linked ``lleg_r``). A leg channel may also be a movement sensor (MESA, MrOS, CFS: piezo);
:mod:`somnomotor.io.leg_sensors` decides whether it is EMG.
The reader infers the roles from the labels (see :mod:`somnomotor.io.roles`); the caller can
override any of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from somnomotor._errors import ChannelNotFoundError, ParameterError
from somnomotor.events import EventTable
from somnomotor.hypnogram import Hypnogram

#: Channel roles an analysis may ask for, with a short description.
ROLES: Mapping[str, str] = {
    "leg_left": "left tibialis anterior EMG",
    "leg_right": "right tibialis anterior EMG",
    "leg": "combined (bilateral) tibialis EMG on one channel",
    "chin": "chin (submental / mentalis) EMG",
    "arm_left": "left arm EMG (flexor digitorum superficialis / extensor)",
    "arm_right": "right arm EMG (flexor digitorum superficialis / extensor)",
    "masseter": "masseter or temporalis EMG",
    "axial": "axial EMG (rectus abdominis, paraspinal, sternocleidomastoid)",
    "eeg": "EEG",
    "eog": "EOG",
    "ecg": "ECG",
    "respiratory": "respiratory (flow, effort, snore)",
    "oximetry": "oximetry (SpO2, pulse)",
}

#: Roles that hold several channels; every other role holds one.
MULTI_CHANNEL_ROLES: frozenset[str] = frozenset({"eeg", "eog", "respiratory", "oximetry", "axial"})


@dataclass(frozen=True)
class Channel:
    """One signal of a recording, loaded lazily.

    Parameters
    ----------
    label : str
        Label as in the file.
    fs_hz : float
        Sampling rate in Hz.
    unit : str
        Physical unit after normalisation: ``"uV"`` for every voltage channel, otherwise the
        unit as in the file (``"%"``, ``"bpm"`` ...).
    n_samples : int
        Number of samples.
    loader : callable
        Returns the samples as a float32 array in ``unit``; called on every :meth:`data`.
    transducer : str
        The EDF header's transducer text ("AgAgCl electrode", "Compumedics piezo" ...), ``""``
        when the file has none. It tells a leg EMG from a leg movement sensor
        (:mod:`somnomotor.io.leg_sensors`).
    physical_range : tuple of float or None
        Lowest and highest value the recording can hold, in ``unit`` (µV for voltages): the
        EDF/BDF physical minimum and maximum. Samples beyond it were clipped to it, so a
        signal at these values sits at the amplifier's or file's rail. None when unknown
        (channels made from arrays, unless given).
    """

    label: str
    fs_hz: float
    unit: str
    n_samples: int
    loader: Callable[[], np.ndarray] = field(repr=False, compare=False)
    transducer: str = ""
    physical_range: tuple[float, float] | None = None

    @classmethod
    def from_array(cls, label: str, data: np.ndarray, *, fs_hz: float, unit: str = "uV",
                   physical_range: tuple[float, float] | None = None) -> Channel:
        """A channel whose samples are already in memory (in ``unit``, µV for EMG);
        ``physical_range`` as in the class (None: unknown)."""
        samples = np.asarray(data, dtype=np.float32)
        if samples.ndim != 1:
            raise ParameterError(
                f"channel {label!r}: data must be one-dimensional, received shape {samples.shape}"
            )
        if not fs_hz > 0:
            raise ParameterError(f"channel {label!r}: fs_hz must be > 0 Hz, received {fs_hz!r}")
        if physical_range is not None:
            lo, hi = (float(v) for v in physical_range)
            if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
                raise ParameterError(
                    f"channel {label!r}: physical_range must be two finite numbers (low, high) "
                    f"with low < high, received {physical_range!r}")
            physical_range = (lo, hi)
        return cls(label=label, fs_hz=float(fs_hz), unit=unit, n_samples=samples.size,
                   loader=lambda: samples, physical_range=physical_range)

    @property
    def duration_s(self) -> float:
        """Length of the channel in s."""
        return self.n_samples / self.fs_hz

    def data(self) -> np.ndarray:
        """The samples as float32 in :attr:`unit` (read from disk on each call)."""
        return self.loader()


@dataclass(frozen=True)
class Recording:
    """One night: channels, their roles, hypnogram and annotations.

    Parameters
    ----------
    channels : tuple of Channel
    roles : mapping of str to tuple of str
        Role name (see :data:`ROLES`) to channel labels.
    duration_s : float
        Length of the recording in s.
    start : datetime or None
        Wall-clock start of the recording, when known.
    hypnogram : Hypnogram or None
    annotations : EventTable
        Scored events other than stages (respiratory events, arousals, lights, limb
        movements), onsets in s from the recording start.
    source : Path or None
        File the recording was read from.
    warnings : tuple of str
        Doubts raised while reading (implausible units, combined leg channel ...).
    sensor_kinds : mapping of str to str
        Sensor kind per channel label declared by a cohort channel map (``"emg"``,
        ``"piezo"``, ``"motion"``); channels not listed are judged from their header.
    channel_map : str or None
        Name of the channel map applied (:mod:`somnomotor.io.channel_maps`), if any.
    """

    channels: tuple[Channel, ...]
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    duration_s: float = 0.0
    start: dt.datetime | None = None
    hypnogram: Hypnogram | None = None
    annotations: EventTable = field(default_factory=EventTable.empty)
    source: Path | None = None
    warnings: tuple[str, ...] = ()
    sensor_kinds: Mapping[str, str] = field(default_factory=dict)
    channel_map: str | None = None

    def __post_init__(self) -> None:
        labels = [c.label for c in self.channels]
        unknown_roles = sorted(set(self.roles) - set(ROLES))
        if unknown_roles:
            raise ParameterError(
                f"unknown channel role(s) {unknown_roles}; allowed roles are {list(ROLES)}"
            )
        for role, assigned in self.roles.items():
            for label in assigned:
                if label not in labels:
                    raise ChannelNotFoundError(
                        f"role {role!r} names channel {label!r}, which is not in the recording; "
                        f"channels are {labels}"
                    )
        if not self.duration_s and self.channels:
            object.__setattr__(self, "duration_s", max(c.duration_s for c in self.channels))

    @property
    def labels(self) -> list[str]:
        """Channel labels in file order."""
        return [c.label for c in self.channels]

    def channel(self, label: str) -> Channel:
        """The channel with this label."""
        for ch in self.channels:
            if ch.label == label:
                return ch
        raise ChannelNotFoundError(
            f"no channel labelled {label!r} in the recording; channels are {self.labels}"
        )

    def has_role(self, role: str) -> bool:
        """Whether at least one channel has this role."""
        return bool(self.roles.get(role))

    def channels_for(self, role: str) -> list[Channel]:
        """All channels with this role (empty list if none)."""
        if role not in ROLES:
            raise ParameterError(f"unknown channel role {role!r}; allowed roles are {list(ROLES)}")
        return [self.channel(label) for label in self.roles.get(role, ())]

    def channel_for(self, role: str) -> Channel:
        """The (first) channel with this role; raises if the recording has none."""
        found = self.channels_for(role)
        if not found:
            raise ChannelNotFoundError(
                f"the recording has no {ROLES[role]} channel (role {role!r}); channels are "
                f"{self.labels}. Name one with --channel {role}=LABEL"
            )
        return found[0]

    def leg_channels(self) -> dict[str, Channel]:
        """Tibialis channels by side: ``{'left': ..., 'right': ...}`` or ``{'bilateral': ...}``."""
        out: dict[str, Channel] = {}
        if self.has_role("leg_left"):
            out["left"] = self.channel_for("leg_left")
        if self.has_role("leg_right"):
            out["right"] = self.channel_for("leg_right")
        if not out and self.has_role("leg"):
            out["bilateral"] = self.channel_for("leg")
        return out

    def with_hypnogram(self, hypnogram: Hypnogram | None) -> Recording:
        """A copy with another hypnogram."""
        return replace(self, hypnogram=hypnogram)

    def with_annotations(self, annotations: EventTable) -> Recording:
        """A copy with other annotations."""
        return replace(self, annotations=annotations)

    def with_roles(self, roles: Mapping[str, tuple[str, ...]]) -> Recording:
        """A copy with other roles (overrides merged over the current ones)."""
        merged = dict(self.roles)
        merged.update(roles)
        return replace(self, roles=merged)


__all__ = ["MULTI_CHANNEL_ROLES", "ROLES", "Channel", "Recording"]
