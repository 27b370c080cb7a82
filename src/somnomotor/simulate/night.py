"""``simulate_night``: one simulated night as a :class:`Recording` plus its ground truth.

The night is drawn from a :class:`numpy.random.SeedSequence` of the seed, split into
independent streams (stages, events, EMG noise, heart, EEG, artefacts) so that the same
seed always gives identical arrays and truth, and a change in one part (e.g. a new EEG
model) leaves the events of a seed unchanged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from somnomotor._errors import ParameterError
from somnomotor.events import NOT_APPLICABLE, EventTable
from somnomotor.hypnogram import Hypnogram
from somnomotor.recording import Channel, Recording
from somnomotor.simulate.artefacts import (
    EMG_PHYSICAL_MAX_UV,
    LEG_ROLES,
    apply_rest_conditions,
    apply_signal_conditions,
    flag_clipped,
    flag_obscured,
)
from somnomotor.simulate.cardiac import beat_times, simulate_ecg
from somnomotor.simulate.eeg import simulate_eeg
from somnomotor.simulate.emg import REST_FS_HZ, Envelope, render_emg
from somnomotor.simulate.hard_cases import (
    LegSettings,
    apply_leg_settings,
    draw_random_night,
    leg_settings_for,
    set_leg_rest,
)
from somnomotor.simulate.hypnogram import simulate_stages
from somnomotor.simulate.profiles import get_profile, resolve_conditions
from somnomotor.simulate.truth import (
    ChannelTruth,
    GroundTruth,
    RemEpochTruth,
    TruthBuilder,
)

logger = logging.getLogger(__name__)

#: Wall-clock start of every simulated recording.
RECORDING_START = dt.datetime(2026, 1, 1, 22, 30, 0)
EEG_LABEL, EEG_FS_HZ = "C4-M1", 256.0
ECG_LABEL, ECG_FS_HZ = "ECG", 256.0
#: Labels of the annotations written for each event kind (AASM wording).
ANNOTATION_LABELS = {"apnea": "Obstructive apnea", "hypopnea": "Hypopnea",
                     "arousal": "Arousal", "lights_off": "Lights off", "lights_on": "Lights on"}


@dataclass(frozen=True)
class SimulatedNight:
    """A simulated night.

    Parameters
    ----------
    recording : Recording
        Channels in µV (from arrays), roles set, hypnogram (source ``"simulated"``),
        annotations (respiratory events, arousals, lights off/on).
    truth : GroundTruth
        What was put into the signals.
    """

    recording: Recording
    truth: GroundTruth


def _check(profile: object, seed: object, duration_h: object, leg_fs_hz: object,
           conditions: object) -> None:
    if not isinstance(profile, str):
        raise ParameterError(f"profile must be a name (str), received {profile!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be an integer >= 0, received {seed!r}")
    if not isinstance(duration_h, (int, float)) or not 5 / 60 <= float(duration_h) <= 24:
        raise ParameterError(
            f"duration_h must be between 0.0833 h (5 min) and 24 h, received {duration_h!r}")
    if not isinstance(leg_fs_hz, (int, float)) or not 200 <= float(leg_fs_hz) <= 4096:
        raise ParameterError(
            f"leg_fs_hz must be between 200 Hz (AASM minimum for EMG) and 4096 Hz, "
            f"received {leg_fs_hz!r}")
    if isinstance(conditions, str):
        raise ParameterError(
            f"conditions must be a sequence of names, received the string {conditions!r}; "
            f"write conditions=({conditions!r},)")


def simulate_night(profile: str = "healthy", *, seed: int = 0, duration_h: float = 8.0,
                   leg_fs_hz: float = 512.0, conditions: Sequence[str] = (),
                   leg_settings: LegSettings | None = None) -> SimulatedNight:
    """Simulate one night of polysomnography with known events.

    Parameters
    ----------
    profile : str
        ``healthy``, ``plmd``, ``rbd`` or ``noisy`` (see :mod:`somnomotor.simulate.profiles`).
    seed : int
        Seed (>= 0); the same seed gives identical signals and truth.
    duration_h : float
        Recording length in h (5 min to 24 h; rounded to whole seconds). Nights under 3 h
        are compressed sleep cycles meant for tests.
    leg_fs_hz : float
        Sampling rate of every EMG channel (legs, chin, arms), Hz (200-4096).
    conditions : sequence of str
        Signal-quality conditions added to the profile's defaults (see
        :data:`somnomotor.simulate.artefacts.CONDITIONS`); ``clean`` drops the defaults.
    leg_settings : LegSettings, optional
        Leg-channel settings (range, carrier, rest, shapes, hard cases); by default drawn
        from the leg conditions (:func:`somnomotor.simulate.hard_cases.leg_settings_for`).
        :func:`simulate_random_night` passes the randomized corpus draw here.

    Returns
    -------
    SimulatedNight
        ``.recording`` with channels in µV: tibialis ``LAT``/``RAT`` (roles ``leg_left``,
        ``leg_right``), ``Chin1-Chin2`` (``chin``), ``Arm L``/``Arm R`` (``arm_left``,
        ``arm_right``; profile ``rbd`` only) at ``leg_fs_hz``, ``C4-M1`` (``eeg``) and
        ``ECG`` (``ecg``) at 256 Hz; ``.truth`` the :class:`GroundTruth`.
    """
    _check(profile, seed, duration_h, leg_fs_hz, conditions)
    prof = get_profile(profile)
    conds = resolve_conditions(prof, conditions)
    prof = prof.with_conditions(conds)
    duration_s = float(max(300, int(round(float(duration_h) * 3600))))
    # A 7th stream for the leg settings: spawn(7) keeps the first six streams of spawn(6),
    # so the nights of existing seeds do not change.
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(7)]
    rng_stage, rng_events, rng_noise, rng_heart, rng_eeg, rng_art, rng_legs = streams
    if leg_settings is None:
        leg_settings = leg_settings_for(rng_legs, conds)
    prof = dataclasses.replace(prof, generators=apply_leg_settings(prof.generators,
                                                                   leg_settings))
    logger.debug("simulating %s night, seed %d, %.2f h, conditions %s", profile, seed,
                 duration_s / 3600, conds)

    hyp = simulate_stages(rng_stage, duration_s)
    envelopes: dict[str, Envelope] = {}
    for spec in prof.emg_channels:
        fs = float(leg_fs_hz) if spec.fs == "leg" else float(spec.fs)
        envelopes[spec.role] = Envelope.constant(spec.label, spec.role, fs_hz=fs,
                                                 duration_s=duration_s, rest_uV=3.0)
    for role in LEG_ROLES:
        if role in envelopes:
            envelopes[role].carrier_excess_kurtosis = float(leg_settings.carrier_excess_kurtosis)
    truth = TruthBuilder()
    prof.resting(rng_events, hyp, envelopes, truth)
    if leg_settings.rest_uV is not None:
        set_leg_rest(envelopes, leg_settings.rest_uV)
    apply_rest_conditions(rng_events, envelopes, conds, truth)
    for gen in prof.generators:
        gen(rng_events, hyp, envelopes, truth)

    signals = {role: render_emg(env, rng_noise) for role, env in envelopes.items()}
    beats = beat_times(rng_heart, hyp, duration_s)
    ecg = simulate_ecg(rng_heart, beats, fs_hz=ECG_FS_HZ, duration_s=duration_s)
    labels = {r: e.label for r, e in envelopes.items()}
    ranges = {r: (float(leg_settings.physical_range_uV) if r in LEG_ROLES
                  else EMG_PHYSICAL_MAX_UV) for r in envelopes}
    apply_signal_conditions(rng_art, signals, labels, {r: e.fs_hz for r, e in envelopes.items()},
                            conds, beats, truth, rails_uV=ranges)
    for role, x in signals.items():
        # The amplifier/ADC clips at its physical range, on both rails.
        np.clip(x, -ranges[role], ranges[role], out=x)
    flag_clipped(truth, signals, labels, {r: e.fs_hz for r, e in envelopes.items()}, ranges)
    flag_obscured(truth)
    arousals = truth.events_of("arousal")
    eeg, eeg_counts = simulate_eeg(rng_eeg, hyp, arousals, fs_hz=EEG_FS_HZ,
                                   duration_s=duration_s)

    channels = [Channel.from_array(envelopes[r].label, signals[r], fs_hz=envelopes[r].fs_hz)
                for r in envelopes]
    channels.append(Channel.from_array(EEG_LABEL, eeg, fs_hz=EEG_FS_HZ))
    channels.append(Channel.from_array(ECG_LABEL, ecg, fs_hz=ECG_FS_HZ))
    roles = {r: (e.label,) for r, e in envelopes.items()}
    roles.update({"eeg": (EEG_LABEL,), "ecg": (ECG_LABEL,)})
    recording = Recording(channels=tuple(channels), roles=roles, duration_s=duration_s,
                          start=RECORDING_START, hypnogram=hyp,
                          annotations=_annotations(truth, hyp))

    params = {"duration_s": duration_s, "leg_fs_hz": float(leg_fs_hz),
              "leg_settings": leg_settings.to_dict(),
              "leg_physical_range_uV": [-float(leg_settings.physical_range_uV),
                                        float(leg_settings.physical_range_uV)],
              "leg_digital_range": list(leg_settings.digital_range),
              "eeg_fs_hz": EEG_FS_HZ, "ecg_fs_hz": ECG_FS_HZ,
              "mean_heart_rate_bpm": round(60.0 * len(beats) / duration_s, 2),
              "eeg_events": eeg_counts, "generators": prof.parameters(), **truth.parameters}
    ground = GroundTruth(
        profile=prof.name, seed=int(seed), conditions=conds, duration_s=duration_s,
        hypnogram=hyp, events=tuple(sorted(truth.events, key=lambda e: (e.onset_s, e.event_id))),
        artefacts=tuple(sorted(truth.artefacts, key=lambda a: a.onset_s)),
        channels=_channel_truth(envelopes, hyp, truth, leg_settings),
        rem_epochs=_rem_epochs(hyp, envelopes.get("chin"), truth), parameters=params,
    )
    return SimulatedNight(recording=recording, truth=ground)


def simulate_random_night(seed: int = 0, *, duration_h: float = 8.0) -> SimulatedNight:
    """One night of the randomized corpus, drawn from its seed.

    The seed draws the profile, leg sampling rate, physical and digital range, carrier,
    burst shapes, resting level and the hard cases present
    (:func:`somnomotor.simulate.hard_cases.draw_random_night`), then simulates the night
    with that seed. The draw is in ``truth.parameters["randomized"]``; the hard cases
    present are the night's named ``conditions``.

    Parameters
    ----------
    seed : int
        Seed (>= 0); the same seed gives the same draw and night.
    duration_h : float
        Recording length in h (5 min to 24 h).
    """
    _check("healthy", seed, duration_h, 512.0, ())
    draw = draw_random_night(int(seed))
    night = simulate_night(draw.profile, seed=int(seed), duration_h=duration_h,
                           leg_fs_hz=draw.leg_fs_hz, conditions=draw.conditions,
                           leg_settings=draw.settings)
    params = dict(night.truth.parameters)
    params["randomized"] = draw.to_dict()
    return SimulatedNight(night.recording,
                          dataclasses.replace(night.truth, parameters=params))


def corpus_seeds(seed: int, n_nights: int) -> list[int]:
    """Seeds of the nights of a randomized corpus: night ``i`` of corpus ``seed``.

    Drawn from ``SeedSequence([seed, i])`` so that corpora of different seeds do not share
    nights; each night can be rebuilt alone with :func:`simulate_random_night`.
    """
    if isinstance(n_nights, bool) or not isinstance(n_nights, (int, np.integer)) or n_nights < 1:
        raise ParameterError(f"n_nights must be an integer >= 1, received {n_nights!r}")
    _check("healthy", seed, 1.0, 512.0, ())
    return [int(np.random.SeedSequence([int(seed), i]).generate_state(1)[0] >> 1)
            for i in range(int(n_nights))]


def simulate_corpus(seed: int, n_nights: int, duration_h: float = 8.0) -> Iterator[SimulatedNight]:
    """The randomized corpus: ``n_nights`` nights from :func:`simulate_random_night`.

    A generator (one night in memory at a time). Night ``i`` has seed
    ``corpus_seeds(seed, n_nights)[i]``; its truth's parameters hold ``corpus_seed`` and
    ``corpus_index``.
    """
    _check("healthy", seed, duration_h, 512.0, ())
    seeds = corpus_seeds(seed, n_nights)

    def nights() -> Iterator[SimulatedNight]:
        for i, night_seed in enumerate(seeds):
            night = simulate_random_night(night_seed, duration_h=duration_h)
            params = dict(night.truth.parameters)
            params.update(corpus_seed=int(seed), corpus_index=i)
            yield SimulatedNight(night.recording,
                                 dataclasses.replace(night.truth, parameters=params))

    return nights()


def _annotations(truth: TruthBuilder, hyp: Hypnogram) -> EventTable:
    rows = []
    for e in truth.events_of(("apnea", "hypopnea", "arousal")):
        rows.append((e.onset_s, e.duration_s, e.kind, ANNOTATION_LABELS[e.kind]))
    rows.append((float(hyp.analysis_start_s or 0.0), 0.0, "lights_off", ANNOTATION_LABELS["lights_off"]))
    rows.append((float(hyp.analysis_end_s or hyp.end_s), 0.0, "lights_on", ANNOTATION_LABELS["lights_on"]))
    frame = pd.DataFrame(rows, columns=["onset_s", "duration_s", "trial_type", "label"])
    frame.insert(3, "channel", NOT_APPLICABLE)
    return EventTable(frame)


def _channel_truth(envelopes: dict[str, Envelope], hyp: Hypnogram, truth: TruthBuilder,
                   leg_settings: LegSettings) -> tuple[ChannelTruth, ...]:
    out = []
    for env in envelopes.values():
        t = env.rest_times_s
        keep = t <= env.duration_s
        for a in truth.artefacts:
            if a.channel == env.label:
                keep &= ~((t >= a.onset_s) & (t <= a.onset_s + a.duration_s))
        rest = env.rest[keep] if keep.any() else env.rest
        per_ep = int(hyp.epoch_s * REST_FS_HZ)
        n_ep = len(hyp)
        epoch_means = env.rest[: n_ep * per_ep].reshape(n_ep, per_ep).mean(axis=1)
        leg = env.role in LEG_ROLES
        rail = float(leg_settings.physical_range_uV) if leg else EMG_PHYSICAL_MAX_UV
        out.append(ChannelTruth(env.label, env.role, env.fs_hz, "emg",
                                round(float(rest.min()), 4), round(float(rest.max()), 4),
                                tuple(float(v) for v in epoch_means),
                                physical_range_uV=(-rail, rail),
                                digital_range=(tuple(leg_settings.digital_range) if leg
                                               else (-32768, 32767)),
                                carrier_excess_kurtosis=(
                                    float(leg_settings.carrier_excess_kurtosis) if leg else 0.0)))
    out.append(ChannelTruth(EEG_LABEL, "eeg", EEG_FS_HZ, "eeg"))
    out.append(ChannelTruth(ECG_LABEL, "ecg", ECG_FS_HZ, "ecg"))
    return tuple(out)


def _rem_epochs(hyp: Hypnogram, chin: Envelope | None,
                truth: TruthBuilder) -> tuple[RemEpochTruth, ...]:
    if chin is None:
        return ()
    tonic = truth.events_of("chin_tonic")
    phasic_on = np.array([e.onset_s for e in truth.events_of("chin_phasic")])
    out = []
    for i, stage in enumerate(hyp.effective_stages):
        if stage != "R":
            continue
        a = hyp.onset_s + i * hyp.epoch_s
        b = a + hyp.epoch_s
        covered = 0.0
        for e in tonic:  # the plateau: rise and decay of 0.5 s excluded
            covered += max(0.0, min(b, e.offset_s - 0.5) - max(a, e.onset_s + 0.5))
        frac = covered / hyp.epoch_s
        n_ph = int(((phasic_on >= a) & (phasic_on < b)).sum()) if phasic_on.size else 0
        bg = float(chin.rest_at(np.linspace(a, b, 16)).mean())
        out.append(RemEpochTruth(i, a, frac > 0.5, frac, n_ph, bg))
    return tuple(out)


__all__ = ["RECORDING_START", "SimulatedNight", "corpus_seeds", "simulate_corpus",
           "simulate_night", "simulate_random_night"]
