"""Hard cases of the leg channels, and the randomized corpus draw.

The leg channels of a night have *settings* (:class:`LegSettings`): amplifier range, EDF
digital range, EMG carrier, resting level, burst shapes and which hard cases are present.
A named condition (``--condition clipping``) sets one group of them
(:func:`leg_settings_for`); :func:`draw_random_night` draws all of them for one night of
the randomized corpus. Nothing here is real data: it is our simulator's model of what an
independent generator and real labs did that our earlier simulator never did.

Hard cases and what the truth says about them:

* ``clipping`` - the leg channels' physical range is ±100, ±200, ±500 or ±1000 µV; the
  rendered signal is clipped at both rails like an amplifier/ADC, and 15 % of counted
  movement parts are *strong* (rectified mean 0.3-0.7 x the rail, so samples reach the
  rail). Truth: ``clipped`` True/False per ``leg_movement`` (measured on the clipped
  samples); a clipped movement **is** a leg movement. Normal amplitudes are capped at
  rail / (6 exp(2.5 s) (1 + modulation)) (``s`` the spiky carrier's log-SD, 0 for the
  Gaussian one) so that they rarely clip; a rail too low for a cap of 10.5 µV is raised
  (:func:`fit_physical_range`).
* ``subthreshold`` - leg rest about 1 µV, the spiky carrier (excess kurtosis 3-8), and 20/h
  bursts 3.2-4.3 µV (mean over the plateau) above rest, peak of the modulated envelope
  <= 6.5 µV: truth kind ``subthreshold_burst``, never a leg movement.
* ``spiky`` - heavy-tailed carrier on the legs, excess kurtosis 3-8.
* ``burst_shapes`` - plateau modulation 15-55 %, rise 0.05-0.4 s, decay 0.1-0.8 s.
* ``long_movements`` - 15/h movements of 12-45 s (bilateral 16-45 s): WASM LMs, not
  candidate LMs, not AASM LMs (``too_long``).
* ``twitches`` - 30/h bursts of 0.15-0.35 s: not LMs (``too_short``).
* ``bilateral_lags`` - 80 % of movements bilateral; overlapping pairs' second leg starts
  0-0.9 s after the first (one bilateral LM).
* ``far_pairs`` - 60 % of isolated and 30 % of periodic bilateral movements are two
  monolateral LMs 0.8-1.6 s apart between the envelopes (>= 0.5 s: two LMs under WASM).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from somnomotor.simulate.base import EventGenerator
from somnomotor.simulate.emg import spiky_gain_sigma
from somnomotor.simulate.legs import LegMovements, SubthresholdBursts

#: Leg-channel conditions of this module (each also listed in ``CONDITIONS``).
LEG_CASES: tuple[str, ...] = ("clipping", "subthreshold", "spiky", "burst_shapes",
                              "long_movements", "twitches", "bilateral_lags", "far_pairs")
#: Physical ranges (± µV) of the leg channels a night may have.
PHYSICAL_RANGES_UV: tuple[float, ...] = (100.0, 200.0, 500.0, 1000.0)
#: Digital ranges of the EDF as labs set them (16-bit, 12-bit, 12-bit offset binary).
DIGITAL_RANGES: tuple[tuple[int, int], ...] = ((-32768, 32767), (-2048, 2047), (0, 4095))
#: Leg sampling rates of the randomized corpus, Hz.
CORPUS_FS_HZ: tuple[float, ...] = (200.0, 256.0, 500.0, 512.0)
#: Profiles of the randomized corpus.
CORPUS_PROFILES: tuple[str, ...] = ("healthy", "plmd")


@dataclass(frozen=True)
class LegSettings:
    """Settings of the leg channels of one night (defaults: the simulator's usual night).

    Parameters
    ----------
    physical_range_uV : float
        The leg channels' physical range is ``-physical_range_uV..+physical_range_uV`` µV;
        the rendered signal is clipped there.
    digital_range : tuple of int
        EDF digital minimum and maximum of the leg channels.
    carrier_excess_kurtosis : float
        0: Gaussian carrier; > 0: spiky carrier (:func:`somnomotor.simulate.emg.spiky_emg_noise`).
    rest_uV : float or None
        Mean leg resting level, µV rectified mean (the stage pattern and drift are kept,
        scaled to this mean); ``None`` keeps the profile's.
    modulation, rise_s, decay_s : tuple of float
        Ranges of the counted movements' plateau modulation depth, rise and decay (s).
    strong_fraction : float
        Share of counted movement parts drawn strong enough to clip.
    subthreshold_per_h : float
        Sub-threshold bursts per hour in bed.
    long_per_h, short_per_h : float or None
        Rates (/h) of too-long and too-short movements; ``None`` keeps the profile's.
    long_duration_s, long_bilateral_duration_s : tuple of float or None
        Duration ranges of too-long movements, s; ``None`` keeps the generator's.
    bilateral_fraction : float or None
        Share of bilateral movements; ``None`` keeps the profile's.
    overlap_lag_s : tuple of float or None
        Onset lag of overlapping bilateral pairs, s.
    far_pair_gap_s : tuple of float or None
        Envelope gap of pairs that are two movements, s.
    far_pair_probability, series_far_pair_probability : float or None
        Chance of such a pair among isolated / periodic bilateral movements.
    """

    physical_range_uV: float = 1000.0
    digital_range: tuple[int, int] = (-32768, 32767)
    carrier_excess_kurtosis: float = 0.0
    rest_uV: float | None = None
    modulation: tuple[float, float] = (0.25, 0.25)
    rise_s: tuple[float, float] = (0.05, 0.2)
    decay_s: tuple[float, float] = (0.1, 0.4)
    strong_fraction: float = 0.0
    subthreshold_per_h: float = 0.0
    long_per_h: float | None = None
    long_duration_s: tuple[float, float] | None = None
    long_bilateral_duration_s: tuple[float, float] | None = None
    short_per_h: float | None = None
    bilateral_fraction: float | None = None
    overlap_lag_s: tuple[float, float] | None = None
    far_pair_gap_s: tuple[float, float] | None = None
    far_pair_probability: float | None = None
    series_far_pair_probability: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (tuples become lists)."""
        return {k: (list(v) if isinstance(v, tuple) else v)
                for k, v in dataclasses.asdict(self).items()}


def _case_settings(rng: np.random.Generator, case: str) -> dict[str, Any]:
    """Settings of one hard case (draws from ``rng`` where the case has a range)."""
    if case == "clipping":
        return {"physical_range_uV": float(rng.choice(PHYSICAL_RANGES_UV)),
                "digital_range": DIGITAL_RANGES[int(rng.integers(len(DIGITAL_RANGES)))],
                "strong_fraction": 0.15}
    if case == "subthreshold":
        # With the spiky carrier: real tibialis EMG is heavy-tailed, and on a Gaussian
        # carrier the 0.1-s envelope of a 3-4 µV burst hardly ever reaches rest + 8 µV, so
        # the case would test nothing (2-h plmd night, seed 1: today's detector scored 0 of
        # 30 such bursts on the Gaussian carrier, 17 of 30 on the spiky one).
        return {"rest_uV": 1.0, "subthreshold_per_h": 20.0,
                "carrier_excess_kurtosis": float(rng.uniform(3.0, 8.0))}
    if case == "spiky":
        return {"carrier_excess_kurtosis": float(rng.uniform(3.0, 8.0))}
    if case == "burst_shapes":
        return {"modulation": (0.15, 0.55), "rise_s": (0.05, 0.4), "decay_s": (0.1, 0.8)}
    if case == "long_movements":
        return {"long_per_h": 15.0, "long_duration_s": (12.0, 45.0),
                "long_bilateral_duration_s": (16.0, 45.0)}
    if case == "twitches":
        return {"short_per_h": 30.0}
    if case == "bilateral_lags":
        return {"bilateral_fraction": 0.8, "overlap_lag_s": (0.0, 0.9)}
    if case == "far_pairs":
        return {"far_pair_gap_s": (0.8, 1.6), "far_pair_probability": 0.6,
                "series_far_pair_probability": 0.3, "bilateral_fraction": 0.6}
    return {}


def leg_settings_for(rng: np.random.Generator, conditions: Sequence[str]) -> LegSettings:
    """Leg settings of a night with these named conditions (draws in a fixed case order)."""
    values: dict[str, Any] = {}
    for case in LEG_CASES:
        if case in conditions:
            values.update(_case_settings(rng, case))
    return fit_physical_range(LegSettings(**values))


@dataclass(frozen=True)
class RandomNightDraw:
    """What the randomized corpus drew for one night.

    Parameters
    ----------
    profile : str
        ``healthy`` or ``plmd``.
    leg_fs_hz : float
        EMG sampling rate, Hz (200, 256, 500 or 512).
    conditions : tuple of str
        The hard cases present (names of :data:`LEG_CASES`).
    settings : LegSettings
        The leg settings, with the per-night draws of range, carrier, shapes and rest.
    """

    profile: str
    leg_fs_hz: float
    conditions: tuple[str, ...]
    settings: LegSettings

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {"profile": self.profile, "leg_fs_hz": self.leg_fs_hz,
                "conditions": list(self.conditions), "settings": self.settings.to_dict()}


def draw_random_night(seed: int) -> RandomNightDraw:
    """Draw one night of the randomized corpus from its seed.

    Every night gets a profile (``healthy``/``plmd``), a leg rate (200/256/500/512 Hz), a
    physical range (±100/200/500/1000 µV) and digital range (16-bit, 12-bit, 12-bit
    offset), and a leg resting level of 0.8-3 µV; each hard case of :data:`LEG_CASES` is
    present with probability 0.5, with its own draws (the spiky carrier's excess kurtosis
    2-9 here, the burst-shape ranges' upper ends: modulation 0.3-0.55, rise 0.2-0.4 s,
    decay 0.4-0.8 s). The draw uses its own stream of the seed, so it does not disturb the
    night's other streams.
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x5EED]))
    profile = CORPUS_PROFILES[int(rng.integers(len(CORPUS_PROFILES)))]
    fs = float(CORPUS_FS_HZ[int(rng.integers(len(CORPUS_FS_HZ)))])
    present = tuple(c for c in LEG_CASES if rng.random() < 0.5)
    values: dict[str, Any] = {}
    for case in present:
        values.update(_case_settings(rng, case))
    values["physical_range_uV"] = float(rng.choice(PHYSICAL_RANGES_UV))
    values["digital_range"] = DIGITAL_RANGES[int(rng.integers(len(DIGITAL_RANGES)))]
    values["rest_uV"] = float(rng.uniform(0.8, 3.0))
    if "spiky" in present:
        values["carrier_excess_kurtosis"] = float(rng.uniform(2.0, 9.0))
    if "burst_shapes" in present:
        values.update(modulation=(0.15, float(rng.uniform(0.3, 0.55))),
                      rise_s=(0.05, float(rng.uniform(0.2, 0.4))),
                      decay_s=(0.1, float(rng.uniform(0.4, 0.8))))
    return RandomNightDraw(profile, fs, present, fit_physical_range(LegSettings(**values)))


#: Smallest normal-movement amplitude cap, µV: below it a night's rail is raised (see
#: :func:`fit_physical_range`).
MIN_NORMAL_CAP_UV = 10.5


def normal_amplitude_cap_uV(settings: LegSettings) -> float:
    """Largest plateau amplitude of a normal (not strong) movement under the rail, µV.

    Gaussian noise with rectified mean 1 exceeds 6 in about 2 of 10^6 samples (SD 1.25),
    so a burst whose modulated envelope peak stays below rail / 6 rarely clips. The spiky
    carrier's gain reaches ``exp(2.5 s)`` a few times in a burst (``s`` its log-SD), so the
    factor grows by that much.
    """
    s = spiky_gain_sigma(settings.carrier_excess_kurtosis)
    return settings.physical_range_uV / (6.0 * np.exp(2.5 * s) * (1.0 + settings.modulation[1]))


def fit_physical_range(settings: LegSettings) -> LegSettings:
    """The settings with the rail raised to the smallest of :data:`PHYSICAL_RANGES_UV` that
    leaves normal movements room above the near-threshold floor (cap >= 10.5 µV).

    With a low rail and a spiky carrier every movement would clip (±100 µV and excess
    kurtosis 6: 56 % of the counted movements of a 2-h night reached the rail), and the
    share of clipped movements would no longer be what the ``clipping`` case promises.
    """
    for rail in sorted(PHYSICAL_RANGES_UV):
        if rail < settings.physical_range_uV:
            continue
        fitted = dataclasses.replace(settings, physical_range_uV=rail)
        if normal_amplitude_cap_uV(fitted) >= MIN_NORMAL_CAP_UV:
            return fitted
    return dataclasses.replace(settings, physical_range_uV=max(PHYSICAL_RANGES_UV))


def apply_leg_settings(generators: Sequence[EventGenerator],
                       settings: LegSettings) -> tuple[EventGenerator, ...]:
    """The profile's generators with the leg settings put into :class:`LegMovements`, and
    :class:`SubthresholdBursts` appended when asked for."""
    default = LegSettings()
    out: list[EventGenerator] = []
    for g in generators:
        if isinstance(g, LegMovements):
            changes: dict[str, Any] = {}
            for name in ("modulation", "rise_s", "decay_s"):
                if getattr(settings, name) != getattr(default, name):
                    changes[name] = getattr(settings, name)
            for name in ("long_per_h", "long_duration_s", "long_bilateral_duration_s",
                         "short_per_h", "bilateral_fraction", "overlap_lag_s",
                         "far_pair_gap_s", "far_pair_probability",
                         "series_far_pair_probability"):
                if getattr(settings, name) is not None:
                    changes[name] = getattr(settings, name)
            if settings.physical_range_uV != default.physical_range_uV or settings.strong_fraction:
                cap = normal_amplitude_cap_uV(settings)
                lo, hi = g.amplitude_uV
                if hi > cap:
                    # Under a low rail the normal movements get small (a ±100-µV lab sees
                    # 10.5-13 µV): keep them above the near-threshold floor and treat them
                    # as near-threshold (no gap pairs, durations >= 1.2 s; see profiles).
                    lo2 = max(10.5, min(lo, 0.8 * cap))
                    changes["amplitude_uV"] = (lo2, max(lo2 + 0.5, cap))
                    if lo2 < 15.0:
                        changes.update(bilateral_gap_s=None, duration_range_s=(
                            max(1.2, g.duration_range_s[0]), g.duration_range_s[1]))
                changes.update(rail_uV=settings.physical_range_uV,
                               strong_fraction=settings.strong_fraction)
            g = dataclasses.replace(g, **changes) if changes else g
        out.append(g)
    if settings.subthreshold_per_h > 0:
        out.append(SubthresholdBursts(per_h=settings.subthreshold_per_h))
    return tuple(out)


def set_leg_rest(envelopes: dict[str, Any], rest_uV: float) -> None:
    """Scale the leg resting levels so their mean is ``rest_uV`` (shape and drift kept)."""
    for role in ("leg_left", "leg_right"):
        env = envelopes.get(role)
        if env is not None and env.rest.mean() > 0:
            env.rest[:] = env.rest * (rest_uV / float(env.rest.mean()))


__all__ = ["CORPUS_FS_HZ", "CORPUS_PROFILES", "DIGITAL_RANGES", "LEG_CASES",
           "MIN_NORMAL_CAP_UV", "PHYSICAL_RANGES_UV", "LegSettings", "RandomNightDraw", "apply_leg_settings",
           "draw_random_night", "fit_physical_range", "leg_settings_for",
           "normal_amplitude_cap_uV", "set_leg_rest"]
