"""Cardiac artefact and synchrony among brief EMG potentials (for fragmentary myoclonus).

Two sources make brief EMG potentials that are not fragmentary myoclonus (FM):

* **ECG bleed.** A QRS complex picked up by a chin, arm or leg electrode lasts 80-120 ms and
  passes the FM duration rule (75-150 ms). :func:`cardiac_locked` finds the potentials that
  are time-locked to the R peaks of the ECG channel, but only in stretches where the channel
  really shows bleed: a true FM potential that happens to fall near a heartbeat in a clean
  channel is kept.
* **Synchronous potentials.** FM is "multifocal, asynchronous/asymmetric" (Lins; Frauscher
  et al. 2014, scoring-rules.md section 2 [C]); a potential that appears in several muscles at
  once is part of a generalised jerk (or of cardiac bleed in several leads).
  :func:`coincident_channels` counts, for each potential, the other channels with a
  potential overlapping it in time.

Decisions ([design], documented in docs/motor-events.md)
---------------------------------------------------------
* A potential is *locked* when its centre lies within ``window_s`` (0.1 s) of an R peak: the
  QRS reaches every lead at the same moment, and 0.1 s covers half a wide QRS plus timing
  jitter of the R-peak detector.
* A 60-s block of a channel *shows bleed* when at least 30 % of its heartbeats carry a locked
  potential **and** that fraction is at least 3x the fraction at control instants halfway
  between consecutive beats (chance coincidence: even 20 FM potentials per minute put a
  potential near only ~7 % of beats, and the control instants rise with them).
* Only locked potentials in blocks that show bleed are rejected, and only those whose
  amplitude is within 1.5x of the block's typical locked potential (bleed is stereotyped).
  A true FM potential of similar size that falls within 0.1 s of a beat in such a block
  (about 20 % of them: 0.2 s per ~1 s beat) is rejected with the bleed.
"""

from __future__ import annotations

import numpy as np

from somnomotor.detect._bursts import MIN_FS_HZ
from somnomotor.io.edf_records import window_reader
from somnomotor.recording import Recording
from somnomotor.signal.block_stream import block_envelope_parts, value_range_read
from somnomotor.signal.ecg import find_r_peaks_parts
from somnomotor.signal.filters import design_bandpass

#: Band of the QRS complex used to find R peaks, Hz (as in leg-movement ECG suppression).
QRS_BAND_HZ: tuple[float, float] = (8.0, 30.0)
#: Rate of the ECG envelope on which R peaks are found, Hz.
ENVELOPE_RATE_HZ = 100.0


def ecg_r_peak_times_s(recording: Recording, *, envelope_rate_hz: float = ENVELOPE_RATE_HZ,
                       chunk_s: float = 300.0, pad_s: float = 2.0) -> np.ndarray | None:
    """R-peak times in s from the recording's ECG channel; None without a usable one.

    The ECG is band-passed to 8-30 Hz, rectified and averaged to about ``envelope_rate_hz``
    (100 Hz), then :func:`somnomotor.signal.ecg.find_r_peaks` picks the beats (on the
    envelope a part at a time: :func:`~somnomotor.signal.ecg.find_r_peaks_parts`). Used by the
    leg-movement detector (ECG suppression) and the fragmentary myoclonus detector.
    ``chunk_s`` and ``pad_s`` are passed to
    :func:`~somnomotor.signal.filters.block_envelope`.
    """
    if not recording.has_role("ecg"):
        return None
    ch = recording.channel_for("ecg")
    if ch.fs_hz < MIN_FS_HZ:
        return None
    # read a part at a time, never whole (memory: the envelope at ~100 Hz is what is kept)
    read = window_reader(ch)
    n = ch.n_samples
    if n == 0:
        return None
    lo, hi = value_range_read(read, n)
    if hi - lo == 0.0:  # constant (NaN: not constant, as np.ptp)
        return None
    sos = design_bandpass(ch.fs_hz, low_hz=QRS_BAND_HZ[0],
                          high_hz=min(QRS_BAND_HZ[1], 0.45 * ch.fs_hz), order=2)
    q = max(1, int(ch.fs_hz // envelope_rate_hz))
    # the envelope a part at a time too: the beats are found on it as the parts come
    fs_env = ch.fs_hz / q
    parts = block_envelope_parts(read, n, ch.fs_hz, sos=sos, decimation=q, chunk_s=chunk_s,
                                 pad_s=pad_s)
    peaks = find_r_peaks_parts(parts, -(-n // q), fs_env)
    return (peaks + 0.5) / fs_env


def _hits(times_s: np.ndarray, centres_s: np.ndarray, window_s: float) -> np.ndarray:
    """Whether a (sorted) centre lies within ``window_s`` of each time."""
    if centres_s.size == 0:
        return np.zeros(times_s.size, dtype=bool)
    j = np.searchsorted(centres_s, times_s)
    before = np.abs(times_s - centres_s[np.clip(j - 1, 0, centres_s.size - 1)])
    after = np.abs(centres_s[np.clip(j, 0, centres_s.size - 1)] - times_s)
    return np.minimum(before, after) <= window_s


def cardiac_locked(
    centres_s: np.ndarray, r_peaks_s: np.ndarray, *, amplitude_uv: np.ndarray | None = None,
    window_s: float = 0.1, block_s: float = 60.0, min_locked_fraction: float = 0.3,
    min_ratio: float = 3.0, amplitude_ratio: float = 1.5,
) -> np.ndarray:
    """Potentials of ONE channel that are cardiac artefact (boolean mask, same order).

    Parameters
    ----------
    centres_s : numpy.ndarray
        Centres of the channel's potentials in s (any order).
    r_peaks_s : numpy.ndarray
        R-peak times in s (sorted).
    window_s : float
        Largest distance in s between a potential's centre and an R peak for the two to be
        time-locked (0.1 s).
    block_s : float
        Length in s of the blocks in which bleed is judged (60 s).
    min_locked_fraction : float
        Fraction of a block's beats that must carry a locked potential (0.3).
    min_ratio : float
        That fraction must also be this many times the fraction at the control instants
        halfway between beats (3).
    amplitude_uv : numpy.ndarray, optional
        Amplitudes of the potentials in µV. Bleed is stereotyped from beat to beat: when
        given, a locked potential is only rejected if its amplitude is within
        ``amplitude_ratio`` of the median amplitude of its block's locked potentials, so an
        FM potential of a different size that happens to fall near a beat is kept.
    amplitude_ratio : float
        Allowed ratio to that median (1.5).

    Returns
    -------
    numpy.ndarray of bool
        True for a potential locked to a beat in a block that shows bleed.
    """
    centres = np.asarray(centres_s, dtype=float)
    beats = np.asarray(r_peaks_s, dtype=float)
    out = np.zeros(centres.size, dtype=bool)
    if centres.size == 0 or beats.size < 2:
        return out
    order = np.argsort(centres, kind="stable")
    sorted_c = centres[order]
    hit = _hits(beats, sorted_c, window_s)
    control = _hits(0.5 * (beats[:-1] + beats[1:]), sorted_c, window_s)
    block = np.floor(beats / block_s).astype(np.int64)
    n_blocks = int(block.max()) + 1
    n_beats = np.bincount(block, minlength=n_blocks)
    n_hit = np.bincount(block, weights=hit, minlength=n_blocks)
    n_ctrl = np.bincount(block[:-1], weights=control, minlength=n_blocks)
    n_ctrl_beats = np.bincount(block[:-1], minlength=n_blocks)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(n_beats > 0, n_hit / np.maximum(n_beats, 1), 0.0)
        frac_ctrl = np.where(n_ctrl_beats > 0, n_ctrl / np.maximum(n_ctrl_beats, 1), 0.0)
    bleeding = (frac >= min_locked_fraction) & (frac >= min_ratio * frac_ctrl)
    # nearest beat of each potential, and whether it is close enough and in a bleeding block
    j = np.searchsorted(beats, centres)
    prev = np.clip(j - 1, 0, beats.size - 1)
    nxt = np.clip(j, 0, beats.size - 1)
    nearest = np.where(np.abs(centres - beats[prev]) <= np.abs(beats[nxt] - centres), prev, nxt)
    locked = np.abs(centres - beats[nearest]) <= window_s
    out[:] = locked & bleeding[block[nearest]]
    if amplitude_uv is not None and out.any():
        amp = np.asarray(amplitude_uv, dtype=float)
        blk = block[nearest]
        for b in np.unique(blk[out]):
            mine = out & (blk == b)
            typical = float(np.median(amp[mine]))
            out[mine] = ((amp[mine] <= amplitude_ratio * typical)
                         & (amp[mine] >= typical / amplitude_ratio))
    return out


def coincident_channels(onset_s: np.ndarray, end_s: np.ndarray,
                        channel: np.ndarray) -> np.ndarray:
    """For each potential, the number of OTHER channels with a potential overlapping it.

    Potentials within one channel must not overlap each other (the FM detector keeps them
    apart), so the last potential starting before an interval's end is the only one of that
    channel that can overlap it.
    """
    onset = np.asarray(onset_s, dtype=float)
    end = np.asarray(end_s, dtype=float)
    chan = np.asarray(channel)
    count = np.zeros(onset.size, dtype=np.int64)
    for label in np.unique(chan):
        mine = chan == label
        order = np.argsort(onset[mine], kind="stable")
        s = onset[mine][order]
        e = end[mine][order]
        j = np.searchsorted(s, end, side="left") - 1  # last start before each end
        ok = j >= 0
        overlap = np.zeros(onset.size, dtype=bool)
        overlap[ok] = e[j[ok]] > onset[ok]
        count += overlap & ~mine
    return count


__all__ = ["cardiac_locked", "coincident_channels", "ecg_r_peak_times_s"]
