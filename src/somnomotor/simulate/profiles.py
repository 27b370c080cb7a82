"""Profiles: which events a night holds, which channels it has, its default conditions.

The profile decides the events; conditions decide the signal quality. A profile lists its
event generators in the order they run (see :mod:`somnomotor.simulate.base` for the
contract); adding an event family to a profile is one more entry in ``generators``.

=========  ==================================================================================
healthy    few leg movements (isolated, no periodic series except rare short ones in full
           nights: PLMS index < 5/h), few respiratory events, brief REM twitches
plmd       periodic leg movement series through NREM sleep (PLMS index > 30/h), some
           arousals linked to movements, movements after respiratory events
rbd        REM without atonia: tonic chin runs and phasic chin and arm (FDS) bursts in REM;
           adds the channels 'Arm L' and 'Arm R'; moderate leg movements
noisy      events like a mild PLM night under drift, high resting level, ECG bleed, mains
           hum, electrode pops and a disconnected stretch
=========  ==================================================================================
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from somnomotor._errors import ParameterError
from somnomotor.simulate.artefacts import CONDITIONS
from somnomotor.simulate.base import EventGenerator
from somnomotor.simulate.chin import RemTwitches, RemWithoutAtonia, RestingLevels
from somnomotor.simulate.legs import LegMovements
from somnomotor.simulate.motor_events import (
    bruxism_profile,
    efm_profile,
    fm_profile,
    rhythmic_profile,
    sleep_starts_profile,
)
from somnomotor.simulate.respiration import RespiratoryEvents


@dataclass(frozen=True)
class EmgChannelSpec:
    """One EMG channel of a profile.

    Parameters
    ----------
    role : str
        Role (see :data:`somnomotor.recording.ROLES`); keys the envelope dict.
    label : str
        EDF label.
    transducer : str
        EDF transducer text.
    fs : str
        ``"leg"`` to use the night's ``leg_fs_hz``, otherwise a rate in Hz as text.
    """

    role: str
    label: str
    transducer: str = "AgAgCl surface electrodes"
    fs: str = "leg"


BASE_EMG: tuple[EmgChannelSpec, ...] = (
    EmgChannelSpec("leg_left", "LAT", "AgAgCl, left tibialis anterior"),
    EmgChannelSpec("leg_right", "RAT", "AgAgCl, right tibialis anterior"),
    EmgChannelSpec("chin", "Chin1-Chin2", "AgAgCl, submental"),
)
ARM_EMG: tuple[EmgChannelSpec, ...] = (
    EmgChannelSpec("arm_left", "Arm L", "AgAgCl, left flexor digitorum superficialis"),
    EmgChannelSpec("arm_right", "Arm R", "AgAgCl, right flexor digitorum superficialis"),
)


@dataclass(frozen=True)
class Profile:
    """What one kind of night holds.

    Parameters
    ----------
    name, description : str
    emg_channels : tuple of EmgChannelSpec
    generators : tuple of EventGenerator
        Run in order after the resting levels are set.
    default_conditions : tuple of str
        Conditions applied unless ``clean`` is asked for.
    resting : RestingLevels
        Resting EMG levels by stage; runs first, then the resting-level conditions.
    """

    name: str
    description: str
    emg_channels: tuple[EmgChannelSpec, ...]
    generators: tuple[EventGenerator, ...]
    default_conditions: tuple[str, ...] = ()
    resting: RestingLevels = dataclasses.field(default_factory=RestingLevels)

    def with_conditions(self, conditions: Sequence[str]) -> Profile:
        """The profile with generator parameters changed by event-level conditions."""
        gens: list[EventGenerator] = []
        for g in self.generators:
            if "near_threshold" in conditions and isinstance(g, LegMovements):
                # Bilateral pairs meant as one movement always overlap here: near the 8-µV
                # rule the onset of a real detector wanders by up to ~0.5 s with the EMG's
                # own noise (seed 1, 8 h: 0.41 s on a plateau 0.5 µV above the threshold),
                # so for a pair with a gap the noise, not the signal, would decide the pairing.
                g = dataclasses.replace(g, amplitude_uV=(10.5, 13.0), bilateral_gap_s=None,
                                        duration_range_s=(1.2, 8.0))
            gens.append(g)
        return dataclasses.replace(self, generators=tuple(gens))

    def parameters(self) -> dict[str, Any]:
        """The generators' parameters, JSON-ready, keyed by generator class name."""
        out: dict[str, Any] = {"RestingLevels": dataclasses.asdict(self.resting)}
        for g in self.generators:
            name = type(g).__name__ if dataclasses.is_dataclass(g) else getattr(g, "__name__",
                                                                               repr(g))
            out[name] = dataclasses.asdict(g) if dataclasses.is_dataclass(g) else {}  # type: ignore[arg-type]
        return out


def _healthy() -> Profile:
    return Profile(
        "healthy", "few leg movements, few respiratory events, REM atonia with brief twitches",
        BASE_EMG,
        (RespiratoryEvents(events_per_h=1.5, spontaneous_arousals_per_h=8.0),
         LegMovements(series_gap_s=3 * 3600.0, first_series_after_s=3600.0,
                      series_length=(4, 6), isolated_per_h=4.0, short_per_h=1.0,
                      long_per_h=0.3, respiratory_probability=0.3, arousal_probability=0.2),
         RemTwitches()),
    )


def _plmd() -> Profile:
    return Profile(
        "plmd", "periodic leg movements in sleep through NREM, PLMS index > 30/h",
        BASE_EMG,
        (RespiratoryEvents(events_per_h=3.0, spontaneous_arousals_per_h=5.0),
         LegMovements(series_gap_s=240.0, series_length=(8, 30), imi_s=(18.0, 40.0),
                      isolated_per_h=8.0, short_per_h=2.0, long_per_h=1.0,
                      respiratory_probability=0.6, arousal_probability=0.3,
                      rem_continue_probability=0.5),
         RemTwitches()),
    )


def _rbd() -> Profile:
    return Profile(
        "rbd", "REM sleep without atonia: tonic and phasic chin, phasic arm bursts in REM",
        BASE_EMG + ARM_EMG,
        (RespiratoryEvents(events_per_h=2.0),
         LegMovements(series_gap_s=2400.0, series_length=(4, 12), isolated_per_h=8.0,
                      rem_continue_probability=0.8),
         RemWithoutAtonia()),
    )


def _noisy() -> Profile:
    return Profile(
        "noisy", "a mild PLM night recorded badly (drift, high rest, ECG, mains, pops, a "
        "disconnected leg)",
        BASE_EMG,
        (RespiratoryEvents(events_per_h=3.0),
         LegMovements(series_gap_s=1200.0, series_length=(6, 30), isolated_per_h=6.0),
         RemTwitches()),
        default_conditions=("drift", "high_rest", "ecg_bleed", "mains", "pops", "disconnected"),
    )


#: Profile factories by name.
PROFILES: Mapping[str, Callable[[], Profile]] = {
    "healthy": _healthy, "plmd": _plmd, "rbd": _rbd, "noisy": _noisy,
    # other motor events (somnomotor.simulate.motor_events)
    "fm": fm_profile, "efm": efm_profile, "sleep_starts": sleep_starts_profile, "rhythmic": rhythmic_profile,
    "bruxism": bruxism_profile,
}


def get_profile(name: str) -> Profile:
    """The profile of this name (ParameterError listing the names otherwise)."""
    try:
        return PROFILES[name]()
    except KeyError:
        raise ParameterError(
            f"unknown simulator profile {name!r}; allowed are {sorted(PROFILES)}"
        ) from None


def resolve_conditions(profile: Profile, conditions: Sequence[str]) -> tuple[str, ...]:
    """Profile defaults plus the asked conditions (``clean`` drops the defaults), checked."""
    asked = [str(c) for c in conditions]
    bad = sorted(set(asked) - set(CONDITIONS))
    if bad:
        raise ParameterError(
            f"unknown simulator condition(s) {bad}; allowed are {sorted(CONDITIONS)}"
        )
    base = () if "clean" in asked else profile.default_conditions
    out: list[str] = []
    for c in (*base, *asked):
        if c not in out:
            out.append(c)
    return tuple(out)


__all__ = ["ARM_EMG", "BASE_EMG", "PROFILES", "EmgChannelSpec", "Profile", "get_profile",
           "resolve_conditions"]
