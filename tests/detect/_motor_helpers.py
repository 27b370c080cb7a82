"""Signals built in the tests for the motor-event detectors: quiet EMG plus bursts at known times.

A *potential* is a sine carrier under a rectangular envelope, so its duration and its
(sine) amplitude are known exactly; a *noise burst* is band-limited noise of a known RMS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from somnomotor.hypnogram import Hypnogram
from somnomotor.recording import Channel, Recording

FS = 512.0


def quiet(duration_s: float, *, fs: float = FS, rms_uv: float = 2.0, seed: int = 0) -> np.ndarray:
    """Resting EMG: white noise of ``rms_uv`` µV RMS (float64 so bursts can be added)."""
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, rms_uv, round(duration_s * fs))


def add_potential(
    x: np.ndarray, onset_s: float, duration_s: float, amplitude_uv: float, *,
    fs: float = FS, carrier_hz: float = 40.0, phase: float = 0.0,
) -> None:
    """Add a sine potential of ``amplitude_uv`` (peak) and exact ``duration_s`` in place."""
    i0 = round(onset_s * fs)
    n = round(duration_s * fs)
    t = np.arange(n) / fs
    x[i0:i0 + n] += amplitude_uv * np.cos(2 * np.pi * carrier_hz * t + phase)


def add_noise_burst(
    x: np.ndarray, onset_s: float, duration_s: float, rms_uv: float, *, fs: float = FS,
    seed: int = 1,
) -> None:
    """Add a burst of white noise of ``rms_uv`` µV RMS in place."""
    rng = np.random.default_rng(seed)
    i0 = round(onset_s * fs)
    n = round(duration_s * fs)
    x[i0:i0 + n] += rng.normal(0.0, rms_uv, n)


def recording(
    signals: Mapping[str, tuple[str, np.ndarray]], *, stages: Sequence[str] | None = None,
    fs: float = FS,
) -> Recording:
    """A recording from ``{label: (role, data)}`` and an optional 30-s hypnogram."""
    channels = tuple(Channel.from_array(label, data, fs_hz=fs)
                     for label, (_, data) in signals.items())
    roles: dict[str, tuple[str, ...]] = {}
    for label, (role, _) in signals.items():
        roles[role] = (*roles.get(role, ()), label)
    hyp = Hypnogram(tuple(stages), source="test") if stages is not None else None
    return Recording(channels=channels, roles=roles, hypnogram=hyp)


def iou_f1(
    det: Sequence[tuple[float, float]], true: Sequence[tuple[float, float]], *,
    min_iou: float = 0.2,
) -> float:
    """Event F1 by greedy one-to-one IoU matching (uses the project's matcher)."""
    from somnomotor.detect.matching import match_events

    d = np.asarray(det, dtype=float).reshape(-1, 2)
    t = np.asarray(true, dtype=float).reshape(-1, 2)
    res = match_events(d[:, 0], d[:, 1], t[:, 0], t[:, 1], min_iou=min_iou)
    return float(res.f1)
