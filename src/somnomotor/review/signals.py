"""Signals for the review screen: a min/max overview computed once, full resolution on screen.

Each channel is decoded from the recording once (in a background thread when the review
starts) and kept in memory as float32; its overview is the minimum and maximum of each
:data:`OVERVIEW_BIN_S`-s bin. A window request returns the samples of that window only,
band-passed on request, and reduced to one min/max pair per screen pixel when it holds more
samples than twice the pixels (what a trace drawn on that many pixels shows anyway).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from somnomotor._errors import ChannelNotFoundError, ParameterError
from somnomotor.recording import Recording
from somnomotor.signal.filters import design_bandpass, filter_segment

logger = logging.getLogger(__name__)

#: Overview bin width in s (an 8-h night: 28,800 min/max pairs per channel).
OVERVIEW_BIN_S = 1.0
#: Display band-pass per role (Hz): AASM recommended settings (EMG 10-100 Hz; EEG and EOG
#: 0.3-35 Hz; ECG 0.3-70 Hz).
DISPLAY_BAND_HZ: dict[str, tuple[float, float]] = {
    "emg": (10.0, 100.0), "eeg": (0.3, 35.0), "eog": (0.3, 35.0), "ecg": (0.3, 70.0),
}
EMG_ROLES = ("leg_left", "leg_right", "leg", "chin", "arm_left", "arm_right", "masseter", "axial")
#: Longest window served (s).
MAX_WINDOW_S = 3600.0
#: Most pixels a window request may ask for.
MAX_PIXELS = 8000


def channel_kind(role: str | None) -> str:
    """``emg``, ``eeg``, ``eog``, ``ecg`` or ``other`` for a role."""
    if role in EMG_ROLES:
        return "emg"
    if role in ("eeg", "eog", "ecg"):
        return role
    return "other"


class SignalStore:
    """Decoded channels of one recording and their overviews (thread-safe)."""

    def __init__(self, recording: Recording, labels: Sequence[str] | None = None) -> None:
        self.recording = recording
        role_of: dict[str, str] = {}
        for role, labs in recording.roles.items():
            for lab in labs:
                role_of.setdefault(lab, role)
        self.role_of = role_of
        self.labels = list(labels) if labels is not None else list(recording.labels)
        self._data: dict[str, np.ndarray] = {}
        self._overview: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._locks = {lab: threading.Lock() for lab in self.labels}
        self._sos: dict[tuple[str, float], np.ndarray] = {}

    def start_background(self) -> threading.Thread:
        """Decode every channel in a daemon thread (window requests wait for theirs)."""
        thread = threading.Thread(target=self._load_all, name="review-signals", daemon=True)
        thread.start()
        return thread

    def _load_all(self) -> None:
        # The first screen's request decodes its channels in label order; this thread starts
        # from the other end, so on two cores the two meet in the middle. The overviews
        # (only needed for windows over 10 min) come after every channel is decoded.
        try:
            filter_segment(np.zeros(64, dtype=np.float32), 0, 64,
                           sos=design_bandpass(512.0, low_hz=10.0, high_hz=100.0), pad=8)
        except Exception as exc:  # noqa: BLE001 - warming the filter is only an optimisation
            logger.debug("filter warm-up: %s", exc)
        for step in (self.samples, self.overview):
            for lab in reversed(self.labels):
                try:
                    step(lab)
                except Exception as exc:  # noqa: BLE001 - a bad channel must not stop the others
                    logger.warning("channel %s: %s", lab, exc)

    def describe(self) -> list[dict[str, Any]]:
        out = []
        for lab in self.labels:
            ch = self.recording.channel(lab)
            role = self.role_of.get(lab)
            out.append({"label": lab, "role": role, "kind": channel_kind(role),
                        "fs_hz": ch.fs_hz, "unit": ch.unit, "duration_s": ch.duration_s,
                        "band_hz": DISPLAY_BAND_HZ.get(channel_kind(role))})
        return out

    def samples(self, label: str) -> np.ndarray:
        if label not in self._locks:
            raise ChannelNotFoundError(f"no channel {label!r}; channels are {self.labels}")
        with self._locks[label]:
            if label not in self._data:
                x = np.ascontiguousarray(self.recording.channel(label).data(), dtype=np.float32)
                self._data[label] = x
            return self._data[label]

    def overview(self, label: str) -> tuple[np.ndarray, np.ndarray]:
        """Per-bin minimum and maximum (µV) over the whole night, computed once."""
        if label in self._overview:
            return self._overview[label]
        x = self.samples(label)
        fs = self.recording.channel(label).fs_hz
        per = max(1, int(round(OVERVIEW_BIN_S * fs)))
        n_bins = int(np.ceil(x.size / per))
        padded = np.full(n_bins * per, np.nan, dtype=np.float32)
        padded[:x.size] = x
        blocks = padded.reshape(n_bins, per)
        result = (np.nanmin(blocks, axis=1), np.nanmax(blocks, axis=1))
        self._overview[label] = result
        return result

    def _bandpass(self, label: str) -> np.ndarray | None:
        kind = channel_kind(self.role_of.get(label))
        band = DISPLAY_BAND_HZ.get(kind)
        if band is None:
            return None
        fs = self.recording.channel(label).fs_hz
        key = (label, fs)
        if key not in self._sos:
            low, high = band
            self._sos[key] = design_bandpass(fs, low_hz=low, high_hz=min(high, 0.45 * fs),
                                             order=2, zero_phase_edges=True)
        return self._sos[key]

    def window(self, label: str, start_s: float, duration_s: float, pixels: int,
               *, filtered: bool) -> dict[str, Any]:
        """Samples of ``[start_s, start_s + duration_s)`` for a trace ``pixels`` wide."""
        if not (np.isfinite(start_s) and np.isfinite(duration_s)) or duration_s <= 0 \
                or duration_s > MAX_WINDOW_S:
            raise ParameterError(f"window must be 0..{MAX_WINDOW_S:g} s long, received "
                                 f"start {start_s!r} s, duration {duration_s!r} s")
        pixels = int(min(max(pixels, 10), MAX_PIXELS))
        fs = self.recording.channel(label).fs_hz
        x = self.samples(label)
        a = max(0, int(np.floor(start_s * fs)))
        b = min(x.size, int(np.ceil((start_s + duration_s) * fs)))
        if b <= a:
            return {"label": label, "t0": start_s, "dt": 1.0 / fs, "kind": "raw", "y": []}
        sos = self._bandpass(label) if filtered else None
        if sos is not None and (b - a) / fs <= 600.0:
            # enough context on both sides that the filter has settled at the window edges
            pad = int(min(x.size - 1, max(3 * fs, 64)))
            seg = filter_segment(x, a, b, sos=sos, pad=pad)
        elif (b - a) > 2 * pixels and (b - a) / fs > 600.0:
            return self._from_overview(label, start_s, duration_s, pixels)
        else:
            seg = x[a:b]
        n = seg.size
        if n <= 2 * pixels:
            return {"label": label, "t0": a / fs, "dt": 1.0 / fs, "kind": "raw",
                    "y": np.round(seg.astype(np.float64), 2).tolist()}
        edges = np.linspace(0, n, pixels + 1).astype(np.int64)
        mins = np.minimum.reduceat(seg, edges[:-1])
        maxs = np.maximum.reduceat(seg, edges[:-1])
        return {"label": label, "t0": a / fs, "dt": (n / fs) / pixels, "kind": "minmax",
                "min": np.round(mins.astype(np.float64), 2).tolist(),
                "max": np.round(maxs.astype(np.float64), 2).tolist()}

    def _from_overview(self, label: str, start_s: float, duration_s: float,
                       pixels: int) -> dict[str, Any]:
        lo, hi = self.overview(label)
        a = max(0, int(np.floor(start_s / OVERVIEW_BIN_S)))
        b = min(lo.size, int(np.ceil((start_s + duration_s) / OVERVIEW_BIN_S)))
        mins, maxs = lo[a:b], hi[a:b]
        step = OVERVIEW_BIN_S
        if mins.size > pixels:
            edges = np.linspace(0, mins.size, pixels + 1).astype(np.int64)
            mins = np.minimum.reduceat(mins, edges[:-1])
            maxs = np.maximum.reduceat(maxs, edges[:-1])
            step = (b - a) * OVERVIEW_BIN_S / pixels
        return {"label": label, "t0": a * OVERVIEW_BIN_S, "dt": step, "kind": "minmax",
                "min": np.round(mins.astype(np.float64), 2).tolist(),
                "max": np.round(maxs.astype(np.float64), 2).tolist()}


__all__ = ["DISPLAY_BAND_HZ", "OVERVIEW_BIN_S", "SignalStore", "channel_kind"]
