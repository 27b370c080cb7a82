"""Signal-quality conditions: what spoils a real tibialis recording, on purpose.

Two kinds of condition:

* *resting-level* conditions change the EMG envelopes before events are drawn
  (:func:`apply_rest_conditions`): ``drift`` (slow wandering plus 1-3 steps of 1-3 µV, as
  when an electrode shifts) and ``high_rest`` (resting level 5-8 µV rectified mean on the
  legs, as with poor contact or a tense patient);
* *signal* conditions are added to the rendered arrays (:func:`apply_signal_conditions`):
  ``ecg_bleed`` (QRS spikes of 20-60 µV at every heartbeat in both legs), ``mains`` (50 Hz
  hum of 3-15 µV amplitude on the EMG channels), ``pops`` (electrode pops: a jump of
  150-800 µV decaying with tau 0.05-0.3 s, about 6 per hour on the legs and chin),
  ``disconnected`` (one leg flat at 0 µV or railing at the EDF physical maximum for a
  stretch of 5-20 % of the night).

Pops and disconnected stretches are recorded as artefact intervals in the truth
(``reason`` ``pop``, ``disconnected`` or ``saturation``); leg movements overlapping them
are flagged ``obscured``. ``near_threshold`` changes event amplitudes and is applied in
:mod:`somnomotor.simulate.profiles`; ``clean`` switches the profile's default
conditions off.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from somnomotor.simulate.base import Envelopes
from somnomotor.simulate.cardiac import add_beats, beat_template
from somnomotor.simulate.emg import REST_FS_HZ
from somnomotor.simulate.truth import TruthBuilder

#: Every condition name, with one line each (shown by ``somnomotor simulate --help``).
CONDITIONS: Mapping[str, str] = {
    "clean": "no artefacts (switches the profile's default conditions off)",
    "drift": "resting level drifts slowly and steps by 1-3 µV",
    "high_rest": "high resting level on the legs, 5-8 µV rectified mean",
    "ecg_bleed": "QRS spikes of 20-60 µV at the heart rate in both legs",
    "mains": "50 Hz mains hum on the EMG channels",
    "pops": "electrode pops: brief transients of 150-800 µV",
    "disconnected": "one leg flat or railing for a stretch",
    "near_threshold": "leg-movement amplitudes just above the 8 µV onset rule (10.5-13 µV rectified mean, about 9.3-11.6 µV after the standard 10-100 Hz filter)",
    "clipping": "leg physical range ±100/200/500/1000 µV, signal clipped at both rails; 15 % of movement parts strong enough to reach the rail (still leg movements, truth clipped=True)",
    "subthreshold": "leg rest about 1 µV, spiky carrier (excess kurtosis 3-8); 20/h bursts 3.2-4.3 µV above rest (envelope peak <= 6.5 µV): never leg movements (truth kind subthreshold_burst)",
    "spiky": "heavy-tailed leg EMG carrier, excess kurtosis 3-8 (rectified mean unchanged)",
    "burst_shapes": "leg bursts with plateau modulation 15-55 %, rise 0.05-0.4 s, decay 0.1-0.8 s",
    "long_movements": "15/h leg movements of 12-45 s: WASM LMs, not candidate LMs, not AASM LMs",
    "twitches": "30/h leg twitches of 0.15-0.35 s above 8 µV: not leg movements",
    "bilateral_lags": "80 % bilateral movements; overlapping pairs with 0-0.9 s onset lag (one bilateral LM)",
    "far_pairs": "bilateral pairs 0.8-1.6 s apart: two monolateral LMs under WASM",
}

LEG_ROLES = ("leg_left", "leg_right")
#: Default physical maximum of the EMG channels (EDF header and amplifier rail), µV.
EMG_PHYSICAL_MAX_UV = 1000.0
#: Railing value of a blocked amplifier when no other rail is given, µV.
EMG_RAIL_UV = EMG_PHYSICAL_MAX_UV


def apply_rest_conditions(rng: np.random.Generator, envelopes: Envelopes,
                          conditions: Sequence[str], truth: TruthBuilder) -> None:
    """Apply ``high_rest`` and ``drift`` to the resting levels (in place)."""
    if "high_rest" in conditions:
        for role in LEG_ROLES:
            env = envelopes.get(role)
            if env is None:
                continue
            target = float(rng.uniform(5.5, 7.0))
            # Keep the night's slow shape but move it into 5-8 µV.
            env.rest[:] = np.clip(target + (env.rest - env.rest.mean()), 5.0, 8.0)
    if "drift" in conditions:
        steps: list[dict[str, float | str]] = []
        for role in (*LEG_ROLES, "chin"):
            env = envelopes.get(role)
            if env is None:
                continue
            n = env.rest.size
            knots = max(2, int(n / (600 * REST_FS_HZ)) + 2)
            wander = np.interp(np.arange(n), np.linspace(0, n - 1, knots),
                               rng.uniform(-1.0, 1.0, knots))
            env.rest[:] = env.rest * (1.0 + 0.3 * wander)
            for _ in range(int(rng.integers(1, 4))):
                at = int(rng.integers(n // 10, max(n // 10 + 1, 9 * n // 10)))
                size = float(rng.uniform(1.0, 3.0)) * (1 if rng.random() < 0.6 else -1)
                env.rest[at:] = np.maximum(env.rest[at:] + size, 0.5)
                steps.append({"channel": env.label, "time_s": at / REST_FS_HZ, "step_uV": size})
        truth.parameters["drift_steps"] = steps


def apply_signal_conditions(rng: np.random.Generator, signals: dict[str, np.ndarray],
                            labels: Mapping[str, str], fs: Mapping[str, float],
                            conditions: Sequence[str], beats_s: np.ndarray,
                            truth: TruthBuilder, *,
                            rails_uV: Mapping[str, float] | None = None) -> None:
    """Add the signal conditions to the rendered EMG arrays (``{role: array}``, in place).

    ``rails_uV`` gives each channel's physical maximum (µV); a blocked amplifier
    (``disconnected``, railing) sits there. Default :data:`EMG_RAIL_UV`.
    """
    legs = [r for r in LEG_ROLES if r in signals]
    if "ecg_bleed" in conditions:
        amps = {}
        for role in legs:
            tpl, r = beat_template(fs[role], qrs_only=True)
            amp = float(rng.uniform(20, 60))
            sign = 1.0 if rng.random() < 0.5 else -1.0
            add_beats(signals[role], fs[role], beats_s, tpl, r, scale=sign * amp / 1000.0,
                      delay_s=0.01)
            amps[labels[role]] = round(sign * amp, 2)
        truth.parameters["ecg_bleed_peak_uV"] = amps
    if "mains" in conditions:
        hum = {}
        for role, x in signals.items():
            amp = float(rng.uniform(3, 15))
            t = np.arange(x.size) / fs[role]
            x += (amp * np.sin(2 * np.pi * 50.0 * t + float(rng.uniform(0, 2 * np.pi)))).astype(
                np.float32)
            hum[labels[role]] = round(amp, 2)
        truth.parameters["mains_amplitude_uV"] = hum
    if "pops" in conditions:
        roles = [r for r in (*LEG_ROLES, "chin") if r in signals]
        duration = signals[roles[0]].size / fs[roles[0]]
        for _ in range(int(rng.poisson(6.0 * duration / 3600.0)) + 1):
            role = roles[int(rng.integers(len(roles)))]
            x, f = signals[role], fs[role]
            at = float(rng.uniform(5, duration - 5))
            amp = float(rng.uniform(150, 800)) * (1 if rng.random() < 0.5 else -1)
            tau = float(rng.uniform(0.05, 0.3))
            k = np.arange(int(5 * tau * f))
            a = int(at * f)
            seg = x[a:a + k.size]
            seg += (amp * np.exp(-k[:seg.size] / (tau * f))).astype(np.float32)
            truth.add_artefact(at, 5 * tau, labels[role], "pop", abs(amp))
    if "disconnected" in conditions and legs:
        role = legs[int(rng.integers(len(legs)))]
        x, f = signals[role], fs[role]
        duration = x.size / f
        length = float(rng.uniform(0.05, 0.2)) * duration
        at = float(rng.uniform(0.1 * duration, 0.9 * duration - length))
        railing = bool(rng.random() < 0.3)
        rail = float((rails_uV or {}).get(role, EMG_RAIL_UV))
        x[int(at * f):int((at + length) * f)] = rail if railing else 0.0
        # A blocked amplifier (a long stretch at the rail) is unscorable: reason
        # "saturation". A strong movement that touches the rail for some samples is not
        # (see flag_clipped): it is a leg movement.
        truth.add_artefact(at, length, labels[role], "saturation" if railing else "disconnected",
                           rail if railing else None)


def flag_clipped(truth: TruthBuilder, signals: Mapping[str, np.ndarray],
                 labels: Mapping[str, str], fs: Mapping[str, float],
                 rails_uV: Mapping[str, float]) -> None:
    """Flag each leg movement ``clipped`` (a sample of its burst at either rail) and record
    ``n_clipped_samples``, measured on the clipped signal."""
    by_label = {labels[r]: r for r in signals}
    for e in list(truth.events):
        if e.kind != "leg_movement" or e.channel not in by_label:
            continue
        role = by_label[e.channel]
        x, f, rail = signals[role], fs[role], rails_uV[role]
        seg = x[max(0, int(np.floor(e.onset_s * f))):int(np.ceil(e.offset_s * f)) + 1]
        n = int(np.count_nonzero(np.abs(seg) >= rail))
        truth.update_flags(e.event_id, clipped=n > 0, n_clipped_samples=n)


def flag_obscured(truth: TruthBuilder) -> None:
    """Flag events that overlap an artefact interval on their channel (``obscured``)."""
    for e in list(truth.events):
        if e.channel == "n/a":
            continue
        hit = any(a.channel == e.channel and a.onset_s < e.offset_s
                  and a.onset_s + a.duration_s > e.onset_s for a in truth.artefacts)
        if hit or "obscured" not in e.flags and e.kind == "leg_movement":
            truth.update_flags(e.event_id, obscured=hit)


__all__ = ["CONDITIONS", "EMG_PHYSICAL_MAX_UV", "EMG_RAIL_UV", "LEG_ROLES",
           "apply_rest_conditions", "apply_signal_conditions", "flag_clipped", "flag_obscured"]
