"""The filtered EMG segment around a REM period and the activity runs found in it.

Helpers of the RSWA detector (:mod:`somnomotor.detect.rswa`), kept apart so each module stays
short: :class:`Segment` (band-pass, optional mains notch, moving RMS, saturation runs, all
dropped once the period is scored), :func:`notch_for`, :func:`activity` (phasic and sustained
runs above a threshold, corrected for the RMS window's smear) and
:func:`phasic_on_sustained`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from somnomotor.detect.rswa_background import artefact_reasons
from somnomotor.detect.rswa_rules import RSWAParams
from somnomotor.signal.filters import design_notch, mains_ratios
from somnomotor.signal.rms import (
    binned_abs,
    emg_bandpass32,
    intervals_hit,
    moving_rms_cs,
    runs_above,
    sos_filtfilt32,
    stuck_runs,
)


@dataclass(frozen=True)
class Segment:
    """One filtered stretch around a REM period (dropped after the period is scored).

    ``filt`` and ``env`` are float32 (µV); ``power_cs`` is the float64 running sum of
    ``filt**2`` (µV²) for binned RMS values; ``stuck`` holds the sample intervals of
    saturation in the raw signal.
    """

    n: int
    s0: int
    fs: float
    w: int
    filt: np.ndarray
    power_cs: np.ndarray
    env: np.ndarray
    stuck: tuple[np.ndarray, np.ndarray]
    #: results shared between rule sets run together (same bins or same threshold)
    memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, compare=False)

    @classmethod
    def create(cls, raw: np.ndarray, s0: int, fs: float, w: int, p: RSWAParams,
               filt: np.ndarray | None = None, notch_hz: float | None = None) -> Segment:
        raw = np.asarray(raw)
        if filt is None or filt.size != raw.size:
            filt = emg_bandpass32(raw, fs, low_hz=p.band_low_hz, high_hz=p.band_high_hz)
        if notch_hz is not None:
            sos = design_notch(fs, notch_hz)
            if sos.size:
                filt = sos_filtfilt32(filt, sos)
        env, power_cs = moving_rms_cs(filt, w)
        stuck = stuck_runs(raw, int(round(p.saturation_min_s * fs)))
        return cls(n=raw.size, s0=s0, fs=fs, w=w, filt=filt, power_cs=power_cs, env=env,
                   stuck=stuck)

    def reasons(self, edges: np.ndarray, p: RSWAParams,
                peak_abs: np.ndarray | None = None) -> np.ndarray:
        key = ("reasons", edges.size, int(edges[0]), int(edges[-1]), hash(edges.tobytes()))
        hit = self.memo.get(key)
        if hit is not None and np.array_equal(hit[0], edges):
            return hit[1].copy()
        if peak_abs is None:
            peak_abs = binned_abs(self.filt, edges)[0]
        out = artefact_reasons(self.power_cs, peak_abs, intervals_hit(*self.stuck, edges),
                               edges, flat_rms_uv=p.flat_rms_uv,
                               artefact_max_uv=p.artefact_max_uv)
        self.memo[key] = (edges.copy(), out.copy())
        return out

    def runs(self, lo: int, hi: int, thr: float, inclusive: bool,
             max_gap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:func:`runs_above` on the envelope, remembered for the other rule sets."""
        key = ("runs", lo, hi, thr, inclusive, max_gap)
        hit = self.memo.get(key)
        if hit is None:
            hit = runs_above(self.env, lo, hi, thr, inclusive=inclusive, max_gap=max_gap)
            self.memo[key] = hit
        return hit


def notch_for(raw: np.ndarray, fs: float, p: RSWAParams) -> float | None:
    """Mains frequency (Hz) to notch on this channel, or ``None``."""
    if p.notch_hz is not None:
        return p.notch_hz
    if not p.auto_notch:
        return None
    lines = (50.0, 60.0)
    ratios = mains_ratios(np.asarray(raw), fs, lines)
    best = int(np.argmax(ratios))
    return lines[best] if ratios[best] > p.auto_notch_ratio else None


def phasic_on_sustained(sg: Segment, sustained: np.ndarray, phasic: np.ndarray,
                         aasm: np.ndarray | None, p: RSWAParams) -> None:
    """Bursts riding on sustained (tonic) activity, found against that activity's level.

    For each run of sustained activity the level is the square root of the median power of
    the RMS envelope over the run (the median keeps the bursts themselves from raising it);
    bursts above ``phasic_factor`` (and the AASM factor) x that level are added in place.
    """
    if not sustained.any():
        return
    d = np.diff(sustained.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    for a, b in zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(),
                    strict=True):
        level = float(np.sqrt(np.median(np.square(sg.env[a:b], dtype=np.float64))))
        if not level > 0:
            continue
        phasic[a:b] |= activity(sg, a, b, level, p.phasic_factor, p.phasic_inclusive, p)[0]
        if aasm is not None:
            aasm[a:b] |= activity(sg, a, b, level, p.aasm_phasic_factor, True, p)[0]


def activity(sg: Segment, lo: int, hi: int, ref: float, factor: float, inclusive: bool,
              p: RSWAParams) -> tuple[np.ndarray, np.ndarray]:
    """Sample masks of phasic bursts and of longer sustained activity above ``factor x ref``.

    Runs of the RMS envelope above the threshold (inside samples ``lo:hi``) are bridged across
    gaps shorter than ``bridge_gap_s``. The moving RMS smears each run: a rectangular burst of
    power A² on background b² stays above T² for d + w(1 - 2g) with
    g = (T² - b²)/(A² - b²). The duration is corrected by that amount, so the 0.1-s and 5-s
    limits apply to the burst itself, and the run is shrunk by half of it at each end (not at
    an end cut by ``lo``/``hi``), so the masks cover the burst, not the window's overhang
    into the next mini-epoch.
    """
    fs, w = sg.fs, sg.w
    thr = factor * ref
    phasic = np.zeros(hi - lo, bool)
    sustained = np.zeros(hi - lo, bool)
    s, e, peak = sg.runs(lo, hi, thr, inclusive, int(round(p.bridge_gap_s * fs)))
    if not s.size:
        return phasic, sustained
    s, e = s - lo, e - lo
    peak = np.square(peak)
    bg2 = ref * ref
    g = np.clip((thr * thr - bg2) / np.maximum(peak - bg2, 1e-12), 0.0, 0.5)
    smear = w * (1.0 - 2.0 * g)  # samples
    dur = ((e - s) - smear) / fs
    half = np.rint(smear / 2.0).astype(np.int64)
    s_in = np.where(s > 0, s + half, s)
    e_in = np.where(e < hi - lo, e - half, e)
    e_in = np.maximum(e_in, s_in)
    is_ph = (dur >= p.phasic_min_s - 1e-9) & (dur <= p.phasic_max_s + 1e-9)
    is_sus = dur > p.phasic_max_s + 1e-9
    for a, b in zip(s_in[is_ph], e_in[is_ph], strict=True):
        phasic[a:b] = True
    for a, b in zip(s_in[is_sus], e_in[is_sus], strict=True):
        sustained[a:b] = True
    return phasic, sustained


__all__ = ["Segment", "activity", "notch_for", "phasic_on_sustained"]
