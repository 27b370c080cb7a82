"""Heartbeats and the ECG, and the QRS shape that bleeds into leg EMG.

Heart rate 52-68 bpm at rest, about 5 % lower in N3 and higher in wake and REM, with
respiratory sinus arrhythmia (+-3 %, 0.25 Hz) and beat-to-beat noise. The ECG beat is a sum
of Gaussian waves (P, Q, R, S, T) with an R peak of about 1000 µV; the leg-EMG bleed uses
only the QRS part, scaled to tens of µV, as seen in tibialis leads.
"""

from __future__ import annotations

import numpy as np

from somnomotor.hypnogram import Hypnogram

#: (centre s, width s, amplitude µV) of the waves of one beat, relative to the R peak.
_WAVES: tuple[tuple[float, float, float], ...] = (
    (-0.20, 0.025, 120.0),   # P
    (-0.03, 0.008, -120.0),  # Q
    (0.00, 0.010, 1000.0),   # R
    (0.03, 0.009, -250.0),   # S
    (0.25, 0.045, 300.0),    # T
)
_STAGE_HR_FACTOR = {"W": 1.10, "N1": 1.03, "N2": 1.0, "N3": 0.95, "R": 1.06}


def beat_times(rng: np.random.Generator, hypnogram: Hypnogram, duration_s: float) -> np.ndarray:
    """R-peak times in s over the recording (sorted)."""
    base_hr = float(rng.uniform(52, 68))
    n_max = int(duration_s * 1.6) + 10  # >= 96 bpm worth of beats
    t = np.cumsum(np.full(n_max, 60.0 / base_hr))
    for _ in range(2):  # recompute the intervals at the beat times (converges quickly)
        stages = hypnogram.stage_at(t)
        factor = np.array([_STAGE_HR_FACTOR.get(s, 1.0) for s in stages])
        hr = base_hr * factor * (1.0 + 0.03 * np.sin(2 * np.pi * 0.25 * t))
        rr = 60.0 / hr * (1.0 + 0.02 * rng.standard_normal(n_max))
        t = float(rng.uniform(0.1, 0.8)) + np.cumsum(rr)
    return t[t < duration_s - 0.5]


def beat_template(fs_hz: float, *, qrs_only: bool = False) -> tuple[np.ndarray, int]:
    """One beat in µV at ``fs_hz`` and the index of its R peak in the template."""
    waves = _WAVES[1:4] if qrs_only else _WAVES
    lo = -0.06 if qrs_only else -0.3
    hi = 0.06 if qrs_only else 0.45
    t = np.arange(int(round(lo * fs_hz)), int(round(hi * fs_hz)) + 1) / fs_hz
    shape = np.zeros(t.size)
    for centre, width, amp in waves:
        shape += amp * np.exp(-0.5 * ((t - centre) / width) ** 2)
    return shape, int(round(-lo * fs_hz))


def add_beats(out: np.ndarray, fs_hz: float, beats_s: np.ndarray, template: np.ndarray,
              r_index: int, scale: float = 1.0, delay_s: float = 0.0) -> None:
    """Add ``scale * template`` at each beat time (in place)."""
    tpl = (scale * template).astype(out.dtype)
    n = out.size
    for b in np.round((beats_s + delay_s) * fs_hz).astype(np.int64) - r_index:
        a, z = max(b, 0), min(b + tpl.size, n)
        if z > a:
            out[a:z] += tpl[a - b:z - b]


def simulate_ecg(rng: np.random.Generator, beats_s: np.ndarray, *, fs_hz: float,
                 duration_s: float) -> np.ndarray:
    """The ECG lead in µV (float32): beats, slow baseline wander, a little noise."""
    n = int(round(duration_s * fs_hz))
    out = (8.0 * rng.standard_normal(n)).astype(np.float32)
    knots = max(2, int(duration_s / 5) + 2)
    wander = np.interp(np.arange(n) / fs_hz, np.linspace(0, duration_s, knots),
                       rng.normal(0, 40.0, knots))
    out += wander.astype(np.float32)
    tpl, r = beat_template(fs_hz)
    add_beats(out, fs_hz, beats_s, tpl, r, scale=float(rng.uniform(0.8, 1.2)))
    return out


__all__ = ["add_beats", "beat_template", "beat_times", "simulate_ecg"]
