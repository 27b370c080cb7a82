"""Signals for the review screen: a min/max overview computed once, full resolution on screen.

Each channel is decoded from the recording once (in a background thread that starts after
the first screen was served) and kept in memory as float32; until then a window reads only
the data records it spans (:func:`somnomotor.io.edf.read_window`), so the first screen does
not wait for whole-night decoding. A channel's overview, the minimum and maximum of each
:data:`OVERVIEW_BIN_S`-s bin, is computed the first time a long window or the overview is
asked for. A window request returns the samples of that window only, band-passed on
request, and reduced to one min/max pair per screen pixel when it holds more samples than
twice the pixels (what a trace drawn on that many pixels shows anyway).

The display filters need numba (about half a second of imports and start-up on a quiet machine):
:func:`prepare_filters` imports them in a background thread as soon as a recording is
known, beside hashing and reading it, instead of on the first screen's path.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from somnomotor._errors import ChannelNotFoundError, ParameterError
from somnomotor.io.edf import read_window
from somnomotor.recording import Recording

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
#: Longest wait (s) of the whole-channel decoding for the first screen to be served.
FIRST_SCREEN_WAIT_S = 10.0

_filters_lock = threading.Lock()
_filters_started = False


def _import_filters() -> None:
    try:
        from somnomotor.signal.filters import design_bandpass, filter_segment

        # loads the compiled (cached) numba kernels once, off the first request's path
        filter_segment(np.zeros(64, dtype=np.float32), 0, 64,
                       sos=design_bandpass(512.0, low_hz=10.0, high_hz=100.0), pad=8)
    except Exception as exc:  # noqa: BLE001 - warming the filters is only an optimisation
        logger.debug("filter warm-up: %s", exc)


def prepare_filters() -> None:
    """Import and warm the display filters in a daemon thread (once per process)."""
    global _filters_started
    with _filters_lock:
        if _filters_started:
            return
        _filters_started = True
    threading.Thread(target=_import_filters, name="review-filters", daemon=True).start()


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
        #: set when the first window was served: whole-channel decoding may start
        self.first_window_served = threading.Event()

    def start_background(self, *, wait_s: float = FIRST_SCREEN_WAIT_S) -> threading.Thread:
        """Decode every channel in a daemon thread, after the first window was served.

        Until a channel is decoded its windows are read from the records they span, so no
        request waits for this thread (except long windows, which need the overview). It
        waits for the first screen (at most ``wait_s`` s) so as not to compete with it for
        the CPU.
        """
        prepare_filters()
        thread = threading.Thread(target=self._load_all, args=(wait_s,),
                                  name="review-signals", daemon=True)
        thread.start()
        return thread

    def _load_all(self, wait_s: float) -> None:
        self.first_window_served.wait(wait_s)
        for lab in self.labels:
            try:
                self.samples(lab)
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
        from somnomotor.signal.filters import design_bandpass

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
        if label not in self._locks:
            raise ChannelNotFoundError(f"no channel {label!r}; channels are {self.labels}")
        pixels = int(min(max(pixels, 10), MAX_PIXELS))
        channel = self.recording.channel(label)
        fs = channel.fs_hz
        # decoded already: slice it; else read only the records of the window (the first
        # screens, while the background thread decodes)
        x = self._data.get(label)
        size = x.size if x is not None else channel.n_samples
        a = max(0, int(np.floor(start_s * fs)))
        b = min(size, int(np.ceil((start_s + duration_s) * fs)))
        if b <= a:
            return {"label": label, "t0": start_s, "dt": 1.0 / fs, "kind": "raw", "y": []}
        sos = self._bandpass(label) if filtered else None
        if sos is not None and (b - a) / fs <= 600.0:
            from somnomotor.signal.filters import filter_segment

            # enough context on both sides that the filter has settled at the window edges
            pad = int(min(size - 1, max(3 * fs, 64)))
            if x is not None:
                seg = filter_segment(x, a, b, sos=sos, pad=pad)
            else:
                # the padding read with the window: the same samples as from the whole
                # channel (odd reflection only at the recording's own ends)
                first = max(0, a - pad)
                part = read_window(channel, first, min(size, b + pad))
                seg = filter_segment(part, a - first, b - first, sos=sos, pad=pad)
        elif (b - a) > 2 * pixels and (b - a) / fs > 600.0:
            return self._from_overview(label, start_s, duration_s, pixels)
        else:
            seg = x[a:b] if x is not None else read_window(channel, a, b)
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


__all__ = ["DISPLAY_BAND_HZ", "OVERVIEW_BIN_S", "SignalStore", "channel_kind", "prepare_filters"]
