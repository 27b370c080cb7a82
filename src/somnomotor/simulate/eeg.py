"""A simple stage-dependent EEG (C4-M1): enough to look like sleep, not a staging benchmark.

Each stage mixes band-limited noises (µV RMS): alpha (8-12 Hz) in relaxed wake, theta in
N1 and REM, delta (0.5-2 Hz) of >= 75 µV peak to peak in N3 (AASM slow-wave criterion),
spindles (12-14 Hz, 0.5-1.5 s, about 4/min) and K-complexes (about 1/min) in N2, and alpha
plus beta during arousals. Mixing weights ramp linearly between epoch centres.
Spindles and K-complexes are not listed in the truth; their counts are in ``parameters``.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from somnomotor.hypnogram import Hypnogram
from somnomotor.simulate.emg import _noise_gain, upsample_linear
from somnomotor.simulate.truth import TruthEvent

_BANDS: dict[str, tuple[float, float]] = {
    "delta": (0.5, 2.0), "theta": (4.0, 7.5), "alpha": (8.0, 12.0), "beta": (15.0, 30.0),
}
#: RMS µV per band and stage.
_WEIGHTS: dict[str, dict[str, float]] = {
    "W": {"delta": 6, "theta": 5, "alpha": 14, "beta": 5},
    "N1": {"delta": 9, "theta": 11, "alpha": 4, "beta": 3},
    "N2": {"delta": 16, "theta": 9, "alpha": 3, "beta": 2},
    "N3": {"delta": 45, "theta": 8, "alpha": 2, "beta": 1.5},
    "R": {"delta": 7, "theta": 10, "alpha": 4, "beta": 4},
}


def _band_noise(rng: np.random.Generator, n: int, fs_hz: float, band: tuple[float, float]) -> np.ndarray:
    sos = signal.butter(2, band, btype="bandpass", fs=fs_hz, output="sos").astype(np.float32)
    skip = int(4 * fs_hz)  # start-up transient of the filter
    x = signal.sosfilt(sos, rng.standard_normal(n + skip, dtype=np.float32))[skip:]
    x *= np.float32(1.0 / _noise_gain(sos))
    return x


def simulate_eeg(rng: np.random.Generator, hypnogram: Hypnogram, arousals: list[TruthEvent], *,
                 fs_hz: float, duration_s: float) -> tuple[np.ndarray, dict[str, int]]:
    """The EEG in µV (float32) and counts of the spindles and K-complexes drawn."""
    n = int(round(duration_s * fs_hz))
    stages = [s if s in _WEIGHTS else "W" for s in hypnogram.stages]
    out = 4.0 * rng.standard_normal(n, dtype=np.float32)
    per_epoch = hypnogram.epoch_s * fs_hz
    arousal_mask = np.zeros(n, dtype=np.float32)
    for ev in arousals:
        arousal_mask[int(ev.onset_s * fs_hz):int(ev.offset_s * fs_hz)] = 1.0
    for band, edges in _BANDS.items():
        # Weights per epoch, ramped linearly from one epoch centre to the next.
        w_ep = np.array([_WEIGHTS[s][band] for s in stages] or [0.0], dtype=np.float32)
        w_ep = np.concatenate([w_ep[:1], w_ep, w_ep[-1:]])
        shift = int(round(per_epoch / 2))
        w = upsample_linear(w_ep, 1.0 / hypnogram.epoch_s, fs_hz, n + shift)[shift:]
        if band in ("alpha", "beta"):
            w = np.maximum(w, arousal_mask * (15.0 if band == "alpha" else 8.0))
        out += w * _band_noise(rng, n, fs_hz, edges)
    counts = {"spindles": 0, "k_complexes": 0}
    for i, st in enumerate(hypnogram.effective_stages):
        if st != "N2":
            continue
        start = hypnogram.onset_s + i * hypnogram.epoch_s
        for _ in range(int(rng.poisson(2.0))):
            dur = float(rng.uniform(0.5, 1.5))
            on = start + float(rng.uniform(0, hypnogram.epoch_s - dur))
            k = np.arange(int(dur * fs_hz), dtype=np.float64)
            wave = (float(rng.uniform(20, 40)) * np.hanning(k.size)
                    * np.sin(2 * np.pi * float(rng.uniform(12, 14)) * k / fs_hz))
            a = int(on * fs_hz)
            out[a:a + k.size] += wave[: max(0, min(k.size, n - a))].astype(np.float32)
            counts["spindles"] += 1
        if rng.random() < 0.5:
            on = start + float(rng.uniform(1, hypnogram.epoch_s - 2))
            k = np.arange(int(1.0 * fs_hz), dtype=np.float64) / fs_hz
            amp = float(rng.uniform(80, 150))
            wave = (-amp * np.exp(-0.5 * ((k - 0.3) / 0.08) ** 2)
                    + 0.5 * amp * np.exp(-0.5 * ((k - 0.6) / 0.12) ** 2))
            a = int(on * fs_hz)
            out[a:a + k.size] += wave[: max(0, min(k.size, n - a))].astype(np.float32)
            counts["k_complexes"] += 1
    return out, counts


__all__ = ["simulate_eeg"]
