"""Shared burst finding for the short motor events (FM, sleep starts, rhythmic, bruxism, large).

All these detectors look at the same thing: the short-window power of the band-passed EMG.
This module computes it once per channel and finds bursts in it.

* :func:`emg_power` band-passes the raw EMG (10-100 Hz by default, the AASM recommended EMG
  band) with a zero-phase Butterworth filter and returns the moving mean of the squared
  signal over a short window (20 ms by default) in µV². Its square root is the RMS envelope;
  ``sqrt(2 * power)`` is the *sine-equivalent amplitude* used for every amplitude criterion
  here (for a sinusoidal potential it equals the peak amplitude in µV).
* :func:`background_power` gives a slowly varying resting level (a low percentile per block,
  smoothed by a running median over blocks) so "k x background" criteria follow the night.
* :func:`find_bursts` finds supra-threshold runs with hysteresis and merges short gaps.
* :func:`find_potentials` finds brief potentials and measures their duration as the full width
  at half maximum of the power envelope, which equals the duration of a rectangular burst
  whatever its amplitude and whatever the window (as long as the window is shorter).

Every kernel works on float32 and is compiled with numba (cached on disk), so a channel of
an 8-h night at 256 Hz takes a few tens of ms.

References
----------
AASM Manual for the Scoring of Sleep and Associated Events v2.6 (2020): EMG filters 10-100 Hz
(recalled, [R]).
"""

from __future__ import annotations

import logging
import warnings
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numba
import numpy as np

from somnomotor._errors import ParameterError, SomnomotorWarning
from somnomotor._validation import (  # noqa: F401  (re-exported: B.check_* in the detectors)
    check_count,
    check_non_negative,
    check_positive,
    check_range,
)
from somnomotor.detect import _emg_kernels as K
from somnomotor.detect._emg_stream import FilteredWindows, streamed_power
from somnomotor.io.edf_records import window_reader
from somnomotor.recording import Recording
from somnomotor.signal.filters import zero_phase_corners
from somnomotor.signal.iir_design import butterworth_sos

logger = logging.getLogger(__name__)

#: Channel roles that carry surface EMG.
EMG_ROLES: tuple[str, ...] = (
    "leg_left", "leg_right", "leg", "chin", "arm_left", "arm_right", "axial", "masseter",
)

#: Lowest sampling rate in Hz at which short EMG potentials can be analysed at all (a 10-100 Hz
#: band needs fs > 200 Hz; below 50 Hz the channel is an envelope, not an EMG).
MIN_FS_HZ = 50.0


# ---------------------------------------------------------------------------------------
# Validation helpers (one wording for every parameter error)
# ---------------------------------------------------------------------------------------
def check_roles(name: str, roles: Sequence[str]) -> None:
    """Raise unless every role is an EMG role."""
    bad = [r for r in roles if r not in EMG_ROLES]
    if not isinstance(roles, tuple) or not roles or bad:
        raise ParameterError(
            f"{name} must be a non-empty tuple of EMG roles from {list(EMG_ROLES)}, "
            f"received {roles!r}"
        )


# ---------------------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------------------
@numba.njit(cache=True, nogil=True)
def _half_max_potentials(
    p: np.ndarray, run_start: np.ndarray, run_end: np.ndarray, p_plateau: np.ndarray,
    margin: int, fraction: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Extent of each supra-threshold run at half its plateau power.

    ``p`` is the (smoothed) power, ``p_plateau`` the single-window power used for the
    plateau level (mean over the central part of the half-peak extent). Extents that touch
    are fused. Returns start, end (exclusive) and plateau power per potential.
    """
    n = p.size
    m = run_start.size
    starts = np.empty(m, dtype=np.int64)
    ends = np.empty(m, dtype=np.int64)
    levels = np.empty(m, dtype=np.float32)
    count = 0
    last_end = -1
    for r in range(m):
        a = run_start[r]
        b = run_end[r]
        if a < last_end:
            continue  # already inside the previous potential's extent
        k_peak = a
        for j in range(a, b):
            if p[j] > p[k_peak]:
                k_peak = j
        # first pass: half the peak
        half = p[k_peak] * np.float32(0.5)
        left = k_peak
        while left > 0 and p[left - 1] >= half:
            left -= 1
        right = k_peak
        while right < n - 1 and p[right + 1] >= half:
            right += 1
        # second pass: half the plateau (the mean away from the edges is free of carrier
        # ripple, which makes the peak too high and the extent too short)
        lo = left + margin
        hi = right + 1 - margin
        if hi <= lo:
            lo = (left + right) // 2
            hi = lo + 1
        acc = 0.0
        for j in range(lo, hi):
            acc += np.float64(p_plateau[j])
        level = np.float32(acc / (hi - lo))
        half = level * np.float32(fraction)
        if half < p[k_peak]:
            left = k_peak
            while left > 0 and p[left - 1] >= half:
                left -= 1
            right = k_peak
            while right < n - 1 and p[right + 1] >= half:
                right += 1
        if count > 0 and left < last_end:
            ends[count - 1] = max(ends[count - 1], right + 1)
            levels[count - 1] = max(levels[count - 1], level)
            last_end = ends[count - 1]
        else:
            starts[count] = left
            ends[count] = right + 1
            levels[count] = level
            last_end = right + 1
            count += 1
    return starts[:count], ends[:count], levels[:count]


# ---------------------------------------------------------------------------------------
# Public helpers
# ---------------------------------------------------------------------------------------
def bandpass_emg(
    x: np.ndarray, fs_hz: float, *, band_hz: tuple[float, float] = (10.0, 100.0)
) -> np.ndarray:
    """Zero-phase Butterworth band-pass of raw EMG (float32, µV).

    Order 2 per direction, run forward and backward: no phase shift (onsets are not moved)
    and an effective 4th-order magnitude response. The upper edge is lowered to 0.45 x fs
    when fs is too low for it.
    """
    sos, warm = _checked_design(fs_hz, band_hz)
    return K.filtfilt2(np.ascontiguousarray(x, dtype=np.float32), sos, warm, K.N_LANES)


def _checked_design(fs_hz: float, band_hz: tuple[float, float]) -> tuple[np.ndarray, int]:
    """Check the rate and band, lower the upper edge to 0.45 x fs if needed, design."""
    check_positive("fs_hz", fs_hz)
    check_range("band_hz", band_hz)
    if fs_hz < MIN_FS_HZ:
        raise ParameterError(
            f"EMG sampled at {fs_hz} Hz cannot be analysed for short potentials; "
            f"at least {MIN_FS_HZ} Hz is needed (200 Hz or more recommended)"
        )
    low, high = band_hz
    high = min(high, 0.45 * fs_hz)
    if high <= low:
        raise ParameterError(
            f"band_hz {band_hz!r} leaves no pass band at fs={fs_hz} Hz "
            f"(upper edge limited to {0.45 * fs_hz:.1f} Hz)"
        )
    return _design(float(fs_hz), float(low), float(high))


def bandpass_emg_power(
    x: np.ndarray, fs_hz: float, *, band_hz: tuple[float, float] = (10.0, 100.0),
    window_s: float = 0.02, step: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`bandpass_emg` and its power (:func:`emg_power` at every ``step``-th sample).

    One pass: the power is summed while the filtered samples are still in the cache
    (:func:`somnomotor.detect._emg_kernels.filtfilt2_power`).
    """
    check_positive("window_s", window_s)
    if step < 1:
        raise ParameterError(f"step must be >= 1 sample, received {step!r}")
    sos, warm = _checked_design(fs_hz, band_hz)
    return K.filtfilt2_power(np.ascontiguousarray(x, dtype=np.float32), sos, warm,
                             K.N_LANES, odd_window(window_s, fs_hz), int(step))


@lru_cache(maxsize=32)
def _design(fs_hz: float, low: float, high: float) -> tuple[np.ndarray, int]:
    """Order-2 Butterworth band-pass sections and the lanes' warm-up length (samples).

    The corners are placed so that the forward-backward filter is -3 dB at ``low`` and
    ``high`` (the band asked for), as for the leg channels
    (:func:`somnomotor.signal.filters.zero_phase_corners`).
    """
    low, high = zero_phase_corners(fs_hz, low, high, 2)
    sos = butterworth_sos(2, (low, high), btype="bandpass", fs_hz=fs_hz)
    return sos, K.warm_up_samples(sos)


def emg_power(
    x: np.ndarray, fs_hz: float, *, band_hz: tuple[float, float] = (10.0, 100.0),
    window_s: float = 0.02, filtered: bool = False,
) -> np.ndarray:
    """Short-window power of the band-passed EMG.

    Parameters
    ----------
    x : numpy.ndarray
        Raw EMG in µV (or already band-passed when ``filtered`` is True).
    fs_hz : float
        Sampling rate in Hz (>= 50 Hz).
    band_hz : (float, float)
        Pass band in Hz (see :func:`bandpass_emg`).
    window_s : float
        Length of the moving mean in s (20 ms resolves potentials of 75 ms and more).

    Returns
    -------
    numpy.ndarray of float32
        Mean square in µV², one value per sample, centred on the sample (odd window).
    """
    check_positive("window_s", window_s)
    y = np.ascontiguousarray(x, dtype=np.float32) if filtered else bandpass_emg(
        x, fs_hz, band_hz=band_hz)
    return K.decimated_mean_square(y, odd_window(window_s, fs_hz), 1)


def smooth_power(p: np.ndarray, fs_hz: float, window_s: float) -> np.ndarray:
    """Centred moving mean of a power envelope over ``window_s`` (float32, same length)."""
    win = odd_window(window_s, fs_hz)
    if win <= 1:
        return p
    return K.centered_mean(np.ascontiguousarray(p, dtype=np.float32), win)


def plateau_power(p: np.ndarray, bursts: Bursts, *, margin: int) -> np.ndarray:
    """Mean power of each burst away from its edges (``margin`` samples in from each side).

    The moving-mean window makes the power ripple with the EMG carrier; the mean over the
    central part of a burst is free of that ripple and of the ramps at its edges, so it is
    the fairest single figure for the burst's amplitude.
    """
    out = np.empty(len(bursts), dtype=np.float64)
    c = np.concatenate(([0.0], np.cumsum(p, dtype=np.float64))) if len(bursts) else None
    for i, (a, b) in enumerate(zip(bursts.start, bursts.end, strict=True)):
        lo, hi = int(a) + margin, int(b) - margin
        if hi <= lo:
            mid = (int(a) + int(b)) // 2
            lo, hi = mid, mid + 1
        out[i] = (c[hi] - c[lo]) / (hi - lo)  # type: ignore[index]
    return out


def background_power(
    p: np.ndarray, fs_hz: float, *, block_s: float = 30.0, percentile: float = 20.0,
    smooth_blocks: int = 11,
) -> tuple[np.ndarray, int]:
    """Resting EMG power per block.

    The ``percentile`` of the power in each block of ``block_s`` (the quiet part of the
    block), then a running median over ``smooth_blocks`` blocks so that a long burst does
    not raise its own background.

    Returns
    -------
    (numpy.ndarray of float32, int)
        Background power in µV² per block and the block length in samples.
    """
    block = max(1, round(block_s * fs_hz))
    n_blocks = max(1, int(np.ceil(p.size / block)))
    # about 16 values per second (480 per 30-s block) are plenty for a low percentile: the
    # power is a 20-ms mean or smoother, so closer values add little information; the
    # partition is the costliest step of the motor-event detectors (0.19 s of CPU per 8-h
    # five-channel night at 64 values per second)
    step = max(1, int(fs_hz // 16))
    bg = np.empty(n_blocks, dtype=np.float32)
    full = p.size // block
    if full:
        # whole blocks at once (one vectorised partition instead of a loop)
        bg[:full] = np.percentile(p[:full * block].reshape(full, block)[:, ::step],
                                  percentile, axis=1)
    if full < n_blocks:
        seg = p[full * block::step]
        bg[full] = np.percentile(seg, percentile) if seg.size else 0.0
    if smooth_blocks > 1 and n_blocks > 2:
        # running median over the blocks that exist (shorter windows at the ends: padding
        # with the edge value would let one loud first block vote several times)
        half = smooth_blocks // 2
        raw = bg.copy()
        if n_blocks > 2 * half:
            bg[half:n_blocks - half] = np.median(
                np.lib.stride_tricks.sliding_window_view(raw, 2 * half + 1), axis=1)
        for b in [*range(min(half, n_blocks)), *range(max(half, n_blocks - half), n_blocks)]:
            bg[b] = np.median(raw[max(0, b - half):b + half + 1])
    return bg, block


@dataclass(frozen=True)
class Bursts:
    """Bursts found in one channel (sample indices, end exclusive)."""

    start: np.ndarray
    end: np.ndarray
    peak_power: np.ndarray

    def __len__(self) -> int:
        return int(self.start.size)

    def duration_s(self, fs_hz: float) -> np.ndarray:
        """Durations in s."""
        return (self.end - self.start) / fs_hz

    def peak_uv(self) -> np.ndarray:
        """Sine-equivalent peak amplitude in µV (sqrt(2 x peak power))."""
        return np.sqrt(2.0 * self.peak_power.astype(np.float64))

    def select(self, keep: np.ndarray) -> Bursts:
        """The bursts where ``keep`` is True."""
        return Bursts(self.start[keep], self.end[keep], self.peak_power[keep])


def find_bursts(
    p: np.ndarray, fs_hz: float, *, on_power: np.ndarray, off_power: np.ndarray, block: int,
    merge_gap_s: float = 0.0, duration_s: tuple[float, float] = (0.0, np.inf),
) -> Bursts:
    """Runs of ``p`` above ``on_power`` ending below ``off_power`` (per-block thresholds).

    Runs separated by less than ``merge_gap_s`` are merged; runs whose duration in s lies
    outside ``duration_s`` (inclusive) are dropped after merging.
    """
    on = np.ascontiguousarray(on_power, dtype=np.float32)
    off = np.ascontiguousarray(off_power, dtype=np.float32)
    s, e, pk = K.hysteresis_runs(p, on, off, block)
    if s.size and merge_gap_s > 0:
        gap = s[1:] - e[:-1]
        joined = gap < merge_gap_s * fs_hz
        group = np.concatenate(([0], np.cumsum(~joined)))
        n_groups = int(group[-1]) + 1
        first = np.searchsorted(group, np.arange(n_groups), side="left")
        last = np.searchsorted(group, np.arange(n_groups), side="right") - 1
        s = s[first]
        e = e[last]
        pk = np.maximum.reduceat(pk, first) if pk.size else pk
    dur = (e - s) / fs_hz
    keep = (dur >= duration_s[0] - 1e-9) & (dur <= duration_s[1] + 1e-9)
    return Bursts(s[keep], e[keep], pk[keep])


def find_potentials(
    p: np.ndarray, fs_hz: float, *, peak_power: float, window_s: float,
    edge_fraction: float = 0.45,
) -> Bursts:
    """Brief potentials whose power exceeds ``peak_power`` (µV²) somewhere.

    ``p`` is the power from :func:`emg_power` with the same ``window_s``. It is smoothed once
    more by the same window (a triangular window in all, which removes most carrier
    ripple); the extent of each potential is where that power stays at or above half the
    potential's plateau power (full width at half maximum, which equals the duration of a
    rectangular burst). Potentials whose extents touch are fused into one. ``peak_power`` of
    the returned bursts is the plateau power (mean over the central part).

    ``edge_fraction`` (0.45 by default) is the fraction of the plateau power at which the
    edges are placed. At exactly one half the band-pass filter's smoothing of the abrupt
    edges made potentials about 3 ms too short on simulated sine-carrier potentials
    (30-60 Hz carrier, random phase, 256-512 Hz); 0.45 brings the mean error to about
    -1 ms (SD 2-4 ms).
    """
    win = odd_window(window_s, fs_hz)
    p2 = K.centered_mean(np.ascontiguousarray(p, dtype=np.float32), win)
    above = p2 > np.float32(peak_power)
    if not above.any():
        empty = np.empty(0, dtype=np.int64)
        return Bursts(empty, empty.copy(), np.empty(0, dtype=np.float32))
    edges = np.flatnonzero(np.diff(above.view(np.int8)))
    starts = list(edges[~above[edges]] + 1) if edges.size else []
    if above[0]:
        starts = [0, *starts]
    ends = list(edges[above[edges]] + 1) if edges.size else []
    if above[-1]:
        ends = [*ends, above.size]
    s, e, lv = _half_max_potentials(
        p2, np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64),
        np.ascontiguousarray(p, dtype=np.float32), win, float(edge_fraction),
    )
    return Bursts(s, e, lv)


def refine_potentials(
    y: np.ndarray, fs_hz: float, bursts: Bursts, *, pad_s: float = 0.15,
    fraction: float = 0.5, smooth_s: float = 0.005, bridge_s: float = 0.04,
) -> Bursts:
    """Re-measure brief potentials on the analytic (Hilbert) envelope of the band-passed EMG.

    The moving-window power ripples with the carrier, so edges found on it depend on the
    carrier's phase at the edges. The analytic envelope of a sine burst is flat whatever its
    phase and crosses half its plateau at the burst's edges. For each potential a short
    stretch (``pad_s`` each side) is transformed and:

    * the amplitude is the RMS of the envelope over the central half of the potential (µV;
      the peak of a sine potential, sqrt(2) x RMS of a noise-like one);
    * the extent is the run around the envelope's maximum where the envelope (smoothed over
      ``smooth_s``) stays at or above ``fraction`` of the amplitude, dips shorter than
      ``bridge_s`` bridged (the envelope of a noise-like, polyphasic potential is lumpy).

    Both are computed twice (the second time on the first extent). ``peak_power`` of the
    result is amplitude² / 2 (µV²), consistent with :meth:`Bursts.peak_uv`.
    """
    n = y.size
    if not len(bursts):
        return bursts
    pad = round(pad_s * fs_hz)
    sm = max(1, round(smooth_s * fs_hz))
    bridge = round(bridge_s * fs_hz)
    lo = np.maximum(0, bursts.start.astype(np.int64) - pad)
    hi = np.minimum(n, bursts.end.astype(np.int64) + pad)
    offsets = np.concatenate(([0], np.cumsum(hi - lo)))
    env = np.empty(int(offsets[-1]))
    for i in range(lo.size):
        # the analytic signal (as scipy.signal.hilbert computes it: one-sided spectrum)
        seg = y[lo[i]:hi[i]].astype(np.float64)
        m = seg.size
        h = np.zeros(m)
        h[0] = 1.0
        if m % 2 == 0:
            h[m // 2] = 1.0
            h[1:m // 2] = 2.0
        else:
            h[1:(m + 1) // 2] = 2.0
        env[offsets[i]:offsets[i + 1]] = np.abs(np.fft.ifft(np.fft.fft(seg) * h))
    left, right, amp = K.measure_on_envelope(
        env, offsets, bursts.start - lo, bursts.end - lo - 1, sm, bridge, float(fraction))
    return Bursts(lo + left, lo + right + 1, (amp * amp / 2.0).astype(np.float32))


def odd_window(window_s: float, fs_hz: float) -> int:
    """Window length in samples, odd so that it is centred on the sample."""
    return 2 * round(window_s * fs_hz / 2.0) + 1


def thresholds(
    bg: np.ndarray, *, k_background: float, min_amplitude_uv: float
) -> np.ndarray:
    """Per-block power threshold: max(k² x background power, (min amplitude)² / 2)."""
    return np.maximum(bg * np.float32(k_background**2),
                      np.float32(min_amplitude_uv**2 / 2.0)).astype(np.float32)


# ---------------------------------------------------------------------------------------
# Channel envelopes, shared between detectors
# ---------------------------------------------------------------------------------------
#: Rate in Hz to which the power envelope is thinned out (every ``step``-th sample kept):
#: the 20-ms mean has no content above about 50 Hz, and 128 Hz keeps 8-ms time resolution.
POWER_RATE_HZ = 128.0


@dataclass(frozen=True)
class EmgEnvelope:
    """Band-passed EMG and its power of one channel (an intermediate, never kept in a result).

    ``filtered`` is at the channel rate ``fs_hz``: an array, or (from :class:`EnvelopeCache`)
    a :class:`~somnomotor.detect._emg_stream.FilteredWindows` that computes the stretch
    sliced from it, so that no full-rate copy of the night is held. ``power`` (µV²) keeps
    every ``step``-th sample, i.e. it is sampled at :attr:`power_fs_hz`.
    """

    label: str
    role: str
    fs_hz: float
    filtered: np.ndarray | FilteredWindows = field(repr=False)
    power: np.ndarray = field(repr=False)
    step: int = 1
    #: per smoothing window: the smoothed power (weakly: shared while a detector holds it,
    #: e.g. rhythmic leg activity and large movements at 50 ms, not kept for the night)
    #: and its background per block (kept: small, and the costly part)
    memo: dict[float, tuple[Callable[[], np.ndarray | None], np.ndarray, int]] = field(
        default_factory=dict, repr=False, compare=False)

    def smoothed(self, smooth_s: float) -> tuple[np.ndarray, np.ndarray, int]:
        """Power smoothed over ``smooth_s`` (s), its background per block (µV²), block length."""
        fs = self.power_fs_hz
        hit = self.memo.get(smooth_s)
        p = hit[0]() if hit is not None else None
        if p is None:
            # smoothing again costs about 20 ms per 8-h channel; keeping the copy for every
            # channel and window would cost 1.8 MB per channel and hour of the night
            p = smooth_power(self.power, fs, smooth_s) if smooth_s > 0 else self.power
        if hit is None:
            bg, block = background_power(p, fs)
        else:
            bg, block = hit[1], hit[2]
        self.memo[smooth_s] = (weakref.ref(p), bg, block)
        return p, bg, block

    @property
    def power_fs_hz(self) -> float:
        """Sampling rate of :attr:`power` in Hz."""
        return self.fs_hz / self.step

    @property
    def n_samples(self) -> int:
        """Number of samples of the filtered signal."""
        return int(self.filtered.size)


class EnvelopeCache:
    """Filter each channel once when several detectors run on one night.

    Pass the same cache as ``envelopes=`` to several detectors (as
    :func:`somnomotor.score.motor_events.detect_motor_events` does). It holds the power
    envelopes (at :data:`POWER_RATE_HZ`) only as long as the caller keeps it; the channel is
    read from its file a part at a time, and the band-passed samples of a stretch are
    filtered again when a detector slices ``EmgEnvelope.filtered``.

    Parameters
    ----------
    band_hz : (float, float)
        EMG pass band in Hz.
    window_s : float
        Power window in s.
    """

    def __init__(self, *, band_hz: tuple[float, float] = (10.0, 100.0),
                 window_s: float = 0.02) -> None:
        check_range("band_hz", band_hz)
        check_positive("window_s", window_s)
        self.band_hz = band_hz
        self.window_s = window_s
        self._store: dict[str, EmgEnvelope] = {}

    def get(self, recording: Recording, label: str, role: str) -> EmgEnvelope:
        """The envelope of channel ``label`` (computed on first use)."""
        if label not in self._store:
            ch = recording.channel(label)
            step = max(1, int(ch.fs_hz // POWER_RATE_HZ))
            # the channel is read a part at a time and only the power is kept; the
            # filtered samples of a stretch are computed again when a detector asks
            # (the same values as bandpass_emg_power on the whole channel)
            sos, warm = _checked_design(ch.fs_hz, self.band_hz)
            read = window_reader(ch)
            power = streamed_power(read, ch.n_samples, sos, warm,
                                   odd_window(self.window_s, ch.fs_hz), step)
            self._store[label] = EmgEnvelope(
                label=label, role=role, fs_hz=ch.fs_hz, power=power, step=step,
                filtered=FilteredWindows(read, ch.n_samples, sos, warm, step))
        return self._store[label]

    def prefill(self, recording: Recording, channels: Sequence[tuple[str, str]], *,
                n_threads: int = 2) -> None:
        """Compute the envelopes of ``[(label, role)]`` in ``n_threads`` threads.

        The numba kernels release the GIL, so channels are filtered in parallel.
        """
        todo = [(lab, role) for lab, role in channels if lab not in self._store]
        if n_threads <= 1 or len(todo) <= 1:
            for lab, role in todo:
                self.get(recording, lab, role)
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            list(pool.map(lambda lr: self.get(recording, lr[0], lr[1]), todo))

    def peek(self, label: str) -> EmgEnvelope | None:
        """The envelope of ``label`` if it has been computed, else None (never computes)."""
        return self._store.get(label)

    def clear(self) -> None:
        """Forget every envelope (frees the memory)."""
        self._store.clear()


def channel_bursts(
    env: EmgEnvelope, *, smooth_s: float, k_background: float, min_amplitude_uv: float,
    off_ratio: float = 0.5, merge_gap_s: float = 0.0,
    duration_s: tuple[float, float] = (0.0, np.inf),
) -> Bursts:
    """Bursts of one channel against its own resting level (indices at ``env.power_fs_hz``).

    The power is smoothed over ``smooth_s``; the resting level is the 20th percentile of
    that smoothed power per 30-s block (running median over 11 blocks). A burst starts where
    the sine-equivalent amplitude exceeds max(``k_background`` x resting amplitude,
    ``min_amplitude_uv``) and ends where it falls below ``off_ratio`` x that threshold.
    """
    fs = env.power_fs_hz
    p, bg, block = env.smoothed(float(smooth_s))
    on = thresholds(bg, k_background=k_background, min_amplitude_uv=min_amplitude_uv)
    return find_bursts(p, fs, on_power=on, off_power=on * np.float32(off_ratio**2),
                       block=block, merge_gap_s=merge_gap_s, duration_s=duration_s)


def emg_channels(
    recording: Recording, roles: Sequence[str], *, family: str
) -> tuple[list[tuple[str, str]], list[str]]:
    """``[(label, role)]`` of the EMG channels with the given roles that can be analysed.

    Channels sampled below :data:`MIN_FS_HZ` are skipped with a warning (returned and
    issued as :class:`SomnomotorWarning`); a label with two roles is used once.
    """
    out: list[tuple[str, str]] = []
    notes: list[str] = []
    seen: set[str] = set()
    for role in roles:
        for label in recording.roles.get(role, ()):
            if label in seen:
                continue
            seen.add(label)
            ch = recording.channel(label)
            if ch.fs_hz < MIN_FS_HZ:
                msg = (f"{family}: channel {label!r} ({role}) is sampled at {ch.fs_hz} Hz; "
                       f"at least {MIN_FS_HZ} Hz is needed, channel skipped")
                notes.append(msg)
                warnings.warn(msg, SomnomotorWarning, stacklevel=3)
                continue
            if ch.fs_hz < 200.0:
                msg = (f"{family}: channel {label!r} is sampled at {ch.fs_hz} Hz, below the "
                       "200 Hz recommended for brief EMG potentials; short events may be missed")
                notes.append(msg)
                logger.info(msg)
            out.append((label, role))
    return out, notes


def stage_of(recording: Recording, onset_s: np.ndarray) -> np.ndarray:
    """Sleep stage at each onset (``n/a`` when there is no hypnogram)."""
    if recording.hypnogram is None:
        return np.full(onset_s.shape, "n/a", dtype=object)
    return recording.hypnogram.stage_at(onset_s)


__all__ = [
    "EMG_ROLES",
    "POWER_RATE_HZ",
    "Bursts",
    "EmgEnvelope",
    "EnvelopeCache",
    "background_power",
    "bandpass_emg",
    "channel_bursts",
    "emg_channels",
    "emg_power",
    "find_bursts",
    "find_potentials",
    "plateau_power",
    "refine_potentials",
    "smooth_power",
    "stage_of",
    "thresholds",
]
