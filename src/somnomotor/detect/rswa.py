"""REM sleep without atonia (RSWA): tonic and phasic EMG activity in REM sleep.

The detector scores the chin (mentalis / submentalis) EMG, and arm and leg EMG where the
recording has them, per REM epoch and per mini-epoch, after one of three published rule sets:

* **SINBAR** (Frauscher et al., Sleep 2012;35:835, doi:10.5665/sleep.1886), the default:
  3-s mini-epochs; phasic = bursts 0.1-5.0 s above 2x background in any muscle; tonic =
  chin activity >= 2x background during more than 50 % of a 30-s epoch; "any" = either.
* **AASM** (Scoring Manual v2.x, rule wording [W]/[R], see docs/rswa.md): phasic bursts
  0.1-5.0 s of at least 4x background; an epoch is phasic when at least 5 of its 10 3-s
  mini-epochs hold a burst [C]; tonic = chin above the minimum NREM amplitude during at least
  50 % of the epoch [W]/[R].
* **Montreal** (Montplaisir et al., Mov Disord 2010;25:2044, doi:10.1002/mds.23257; method of
  Lapierre & Montplaisir 1992): 2-s mini-epochs and 20-s epochs [R]; phasic bursts
  0.1-10 s above 4x background [R]; tonic as SINBAR [R].

and the REM atonia index (Ferri et al., Sleep Med 2010;11:947,
doi:10.1016/j.sleep.2010.06.003) of the chin EMG.

The indices are computed by :mod:`somnomotor.score.rswa`; the method and its choices are
described in docs/rswa.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from somnomotor._errors import AnnotationError, ParameterError
from somnomotor.detect._bursts import EnvelopeCache
from somnomotor.detect.rswa_activity import Segment, activity, notch_for, phasic_on_sustained
from somnomotor.detect.rswa_background import (
    EXCLUSION_REASONS,
    Grid,
    background_power,
    build_grid,
    count_in_bins,
    overlaps,
    stage_periods,
)
from somnomotor.detect.rswa_rules import STANDARDS, RSWAParams
from somnomotor.events import RESPIRATORY_TYPES, EventTable
from somnomotor.hypnogram import NREM_STAGES
from somnomotor.io.edf_records import window_reader
from somnomotor.recording import Channel, Recording
from somnomotor.signal.rms import (
    bin_edges,
    binned_abs,
    binned_max,
    binned_mean_cs,
    diff_power,
    rolling_min,
    window_max,
)
from somnomotor.signal.stretches import mains_stretches

logger = logging.getLogger(__name__)

#: Channel roles scored, in this order; ``chin`` is required, the others are optional.
RSWA_ROLES: tuple[str, ...] = ("chin", "arm_left", "arm_right", "leg_left", "leg_right")
#: Extra padding (s) filtered around each REM period, beyond the atonia-index window, so the
#: filter's edge transients fall outside every bin that is used.
_FILTER_PAD_S = 2.0
#: Stretch of the night, in s, read at a time to rank the NREM epochs (memory, not results).
_NREM_READ_S = 600.0

ProgressCallback = Callable[[float], None]


@dataclass(frozen=True)
class AtoniaIndex:
    """REM atonia index of the chin EMG (Ferri et al. 2010, doi:10.1016/j.sleep.2010.06.003).

    Parameters
    ----------
    value : float or None
        AI = (% bins <= 1 µV) / (100 - % bins in (1, 2] µV), 0-1; ``None`` without usable bins.
    n_bins : int
        Clean 1-s REM bins used.
    n_le_1uv, n_1_2uv : int
        Bins with noise-corrected amplitude <= 1 µV and in (1, 2] µV.
    """

    value: float | None
    n_bins: int
    n_le_1uv: int
    n_1_2uv: int


@dataclass(frozen=True)
class RSWAResult:
    """What :func:`detect_rswa` found; holds flags and amplitudes, never the signal.

    Parameters
    ----------
    params : RSWAParams
    channels : dict
        Role to channel label of the channels scored.
    epochs : EventTable
        One ``rswa_epoch`` row per REM epoch; columns described in docs/rswa.md.
    mini_epochs : EventTable
        One ``rswa_mini_epoch`` row per mini-epoch and channel.
    rem_periods : tuple of (float, float)
        REM periods (s from the recording start) that were analysed.
    backgrounds_uv : dict
        Channel label to one background RMS (µV) per REM period (NaN when none).
    atonia : AtoniaIndex
    nrem_minimum_uv : float or None
        Minimum NREM chin amplitude (µV), when the rule set needs it.
    warnings : tuple of str
    """

    params: RSWAParams
    channels: dict[str, str]
    epochs: EventTable
    mini_epochs: EventTable
    rem_periods: tuple[tuple[float, float], ...]
    backgrounds_uv: dict[str, tuple[float, ...]]
    atonia: AtoniaIndex
    nrem_minimum_uv: float | None = None
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def standard(self) -> str:
        """Name of the rule set."""
        return self.params.standard

    @property
    def rem_s(self) -> float:
        """REM time (s) covered by whole epochs of the grid."""
        return float(len(self.epochs) * self.params.epoch_s)

    @property
    def events(self) -> EventTable:
        """Epoch and mini-epoch rows together, for events.tsv."""
        return EventTable.concat([self.epochs, self.mini_epochs])


# -- public entry points ---------------------------------------------------------------------

def detect_rswa(
    recording: Recording,
    params: RSWAParams | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> RSWAResult:
    """Score tonic and phasic EMG activity in REM sleep.

    Parameters
    ----------
    recording : Recording
        Needs a chin EMG channel (role ``chin``, in µV) and a hypnogram with REM sleep; arm
        (``arm_left``/``arm_right``) and leg (``leg_left``/``leg_right``) EMG are scored for
        phasic activity when present. Scored arousals (``trial_type`` ``arousal``) in
        ``recording.annotations`` exclude the mini-epochs they overlap.
    params : RSWAParams, optional
        Rule set; :meth:`RSWAParams.sinbar` by default.
    progress : callable, optional
        Called with the fraction done (0-1) after each channel.

    Returns
    -------
    RSWAResult
        Never ``None``.

    Raises
    ------
    ChannelNotFoundError
        Without a chin channel.
    AnnotationError
        Without a hypnogram.
    ParameterError
        When the hypnogram holds no whole REM epoch inside the signal.

    Notes
    -----
    ``rswa_epoch`` columns: ``chin_tonic`` (bool), ``chin_tonic_pct`` (% of the clean epoch
    time with tonic activity), ``chin_phasic_aasm`` (bool, AASM phasic epoch), ``chin_phasic_pct``
    (% of clean mini-epochs with phasic chin activity), ``chin_any_pct``, ``background_uv``
    (µV), ``rem_period``, ``excluded`` (bool), ``reason``.
    ``rswa_mini_epoch`` columns: ``role``, ``epoch``, ``phasic``, ``tonic``, ``any`` (bool),
    ``excluded`` (bool), ``reason`` (one of ``flat``, ``saturation``, ``pop``,
    ``no_background``, ``arousal``, ``respiratory`` or ``""``).
    """
    params = RSWAParams.sinbar() if params is None else params
    return detect_rswa_standards(recording, (params,), progress=progress)[params.standard]


def detect_rswa_standards(
    recording: Recording,
    standards: Sequence[RSWAParams | str] = STANDARDS,
    *,
    progress: ProgressCallback | None = None,
    envelopes: EnvelopeCache | None = None,
) -> dict[str, RSWAResult]:
    """Run several rule sets on one recording, filtering each channel only once.

    Parameters
    ----------
    recording : Recording
        As for :func:`detect_rswa`.
    standards : sequence of RSWAParams or str
        Parameter sets or preset names; their ``standard`` names must differ.
    progress : callable, optional
        Called with the fraction done (0-1).
    envelopes : EnvelopeCache, optional
        Whole-night band-passed channels already computed for the other motor events
        (:func:`somnomotor.score.motor_events.detect_motor_events`). A channel found there
        with the same pass band is sliced instead of filtered again (the same zero-phase
        order-2 Butterworth; the 2-s padding keeps edge effects out of every bin used).
    """
    plist = [RSWAParams.preset(s) if isinstance(s, str) else s for s in standards]
    if not plist:
        raise ParameterError("standards must name at least one rule set, received none")
    names = [p.standard for p in plist]
    if len(set(names)) != len(names):
        raise ParameterError(f"each rule set may appear once, received {names}")
    _check_signal_params(plist)
    chin = recording.channel_for("chin")  # raises ChannelNotFoundError with the fix
    hyp = recording.hypnogram
    if hyp is None:
        raise AnnotationError(
            "REM sleep without atonia needs a hypnogram (sleep stages), received a recording "
            "without one; give a scored stage file"
        )
    periods = stage_periods(hyp, ("R",), end_s=chin.duration_s)
    if not periods:
        raise ParameterError(
            "the hypnogram has no whole REM (R) epoch inside the recording, so REM sleep "
            f"without atonia cannot be scored (stages present: {sorted(set(hyp.stages))})"
        )
    channels: dict[str, Channel] = {"chin": chin}
    for role in RSWA_ROLES[1:]:
        if recording.has_role(role):
            channels[role] = recording.channel_for(role)
    exclusions = _annotation_exclusions(recording)
    nrem_needed = any(p.tonic_reference == "nrem_minimum" for p in plist)
    work = _ChannelWork.create(plist, periods)
    n_steps = len(channels) + (1 if nrem_needed else 0)
    done = 0
    nrem_min: float | None = None
    warn: list[str] = []
    p0 = plist[0]
    if nrem_needed:
        read_chin = window_reader(chin)
        nrem_min = _nrem_minimum(chin, hyp, p0, read=read_chin, notch_hz=notch_for(
            mains_stretches(chin, read=read_chin), chin.fs_hz, p0))
        del read_chin
        if nrem_min is None:
            warn.append("no clean NREM chin EMG: the AASM tonic rule (NREM minimum) was not "
                        "applied")
        done += 1
        if progress is not None:
            progress(done / n_steps)
    shared = envelopes if envelopes is not None and envelopes.band_hz == (
        p0.band_low_hz, p0.band_high_hz) else None
    for role, ch in channels.items():
        env = shared.peek(ch.label) if shared is not None else None
        _score_channel(work, role, ch, exclusions, nrem_min=nrem_min,
                       filtered=env.filtered if env is not None and env.fs_hz == ch.fs_hz
                       else None)
        done += 1
        if progress is not None:
            progress(done / n_steps)
    out: dict[str, RSWAResult] = {}
    for p in plist:
        out[p.standard] = work.result(p, channels, nrem_min, tuple(warn))
    return out


# -- internals ---------------------------------------------------------------------------

def _check_signal_params(plist: list[RSWAParams]) -> None:
    """Rule sets run together must share the signal processing (filter and envelope)."""
    keys = ("band_low_hz", "band_high_hz", "notch_hz", "auto_notch", "auto_notch_ratio",
            "rms_window_s", "atonia_bin_s",
            "atonia_noise_half_window", "atonia_amplitude_scale", "flat_rms_uv",
            "artefact_max_uv", "saturation_min_s")
    for p in plist[1:]:
        for k in keys:
            if getattr(p, k) != getattr(plist[0], k):
                raise ParameterError(
                    f"rule sets run together must share {k}: {plist[0].standard} has "
                    f"{getattr(plist[0], k)!r}, {p.standard} has {getattr(p, k)!r}"
                )


def _annotation_exclusions(recording: Recording) -> dict[str, EventTable]:
    ann = recording.annotations
    return {"arousal": ann.select("arousal"), "respiratory": ann.select(RESPIRATORY_TYPES)}


@dataclass
class _Layer:
    """Per-rule-set accumulators (mutable while scoring, turned into tables at the end)."""

    params: RSWAParams
    grid: Grid
    mini: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    epoch: dict[str, np.ndarray] = field(default_factory=dict)
    backgrounds: dict[str, list[float]] = field(default_factory=dict)


@dataclass
class _ChannelWork:
    layers: list[_Layer]
    periods: list[tuple[float, float]]
    atonia: AtoniaIndex = AtoniaIndex(None, 0, 0, 0)
    labels: dict[str, str] = field(default_factory=dict)
    notch: dict[str, float | None] = field(default_factory=dict)

    @classmethod
    def create(cls, plist: list[RSWAParams], periods: list[tuple[float, float]]) -> _ChannelWork:
        layers = [_Layer(p, build_grid(periods, epoch_s=p.epoch_s, mini_epoch_s=p.mini_epoch_s))
                  for p in plist]
        return cls(layers=layers, periods=periods)

    def result(self, p: RSWAParams, channels: dict[str, Channel], nrem_min: float | None,
               warn: tuple[str, ...]) -> RSWAResult:
        layer = next(la for la in self.layers if la.params is p)
        res = _build_result(layer, channels, self.atonia, nrem_min, warn)
        res.extra["notch_hz"] = dict(self.notch)
        return res


def _score_channel(work: _ChannelWork, role: str, ch: Channel,
                   exclusions: dict[str, EventTable], *, nrem_min: float | None,
                   filtered: np.ndarray | None = None) -> None:
    p0 = work.layers[0].params
    fs = ch.fs_hz
    n_all = ch.n_samples
    read = window_reader(ch)
    # only the chin needs the atonia index's +-30-s noise window around each REM period
    pad = _FILTER_PAD_S + (p0.atonia_noise_half_window * p0.atonia_bin_s if role == "chin"
                           else 0.0)
    w = max(1, int(round(p0.rms_window_s * fs)))
    notch = notch_for(mains_stretches(ch, read=read), fs, p0)
    work.notch[ch.label] = notch
    for la in work.layers:
        n = la.grid.mini_start.size
        la.mini[role] = {
            "phasic": np.zeros(n, bool), "tonic": np.zeros(n, bool), "any": np.zeros(n, bool),
            "reason": np.full(n, "", dtype=object),
        }
        la.backgrounds[ch.label] = []
        if role == "chin":
            ne = la.grid.epoch_start.size
            la.epoch = {"tonic": np.zeros(ne, bool), "tonic_pct": np.full(ne, np.nan),
                        "phasic_aasm": np.zeros(ne, bool), "background": np.full(ne, np.nan)}
    ai_le1 = ai_12 = ai_n = 0
    for pi, (a, b) in enumerate(work.periods):
        s0 = max(0, int(np.floor((a - pad) * fs)))
        s1 = min(n_all, int(np.ceil((b + pad) * fs)))
        # one REM period (and its padding) read at a time: memory, not results
        seg = Segment.create(read(s0, s1), s0, fs, w, p0,
                              filt=None if filtered is None else filtered[s0:s1], notch_hz=notch)
        for la in work.layers:
            _score_period(la, role, ch.label, pi, (a, b), seg, exclusions, nrem_min)
        if role == "chin":
            counts = _atonia_counts(work.layers[0], seg, (a, b))
            ai_n += counts[0]
            ai_le1 += counts[1]
            ai_12 += counts[2]
    if role == "chin":
        value = None
        if ai_n and ai_12 < ai_n:
            value = (100.0 * ai_le1 / ai_n) / (100.0 - 100.0 * ai_12 / ai_n)
        work.atonia = AtoniaIndex(value, ai_n, ai_le1, ai_12)


def _score_period(la: _Layer, role: str, label: str, pi: int, span: tuple[float, float],
                  sg: Segment, exclusions: dict[str, EventTable],
                  nrem_min: float | None) -> None:
    p = la.params
    s0, fs = sg.s0, sg.fs
    n_samp = sg.n
    g = la.grid
    a, b = span
    idx = np.flatnonzero(g.epoch_period[g.mini_epoch_of] == pi)
    if not idx.size:
        la.backgrounds[label].append(float("nan"))
        return
    starts = g.mini_start[idx]
    edges = np.concatenate([np.rint(starts * fs), [np.rint((starts[-1] + g.mini_epoch_s) * fs)]])
    edges = np.clip(edges.astype(np.int64) - s0, 0, n_samp)
    reason = sg.reasons(edges, p)
    if p.exclude_arousals:
        hit = overlaps(starts, g.mini_epoch_s, exclusions["arousal"])
        reason[hit & (reason == "")] = "arousal"
    if p.exclude_respiratory:
        hit = overlaps(starts, g.mini_epoch_s, exclusions["respiratory"])
        reason[hit & (reason == "")] = "respiratory"
    # background: RMS of the quiet clean 1-s bins of this REM period (rswa_background)
    lo, hi = int(edges[0]), int(edges[-1])
    n_sec = int(np.floor((hi - lo) / fs))
    sec_edges = np.clip(lo + np.rint(np.arange(n_sec + 1) * fs).astype(np.int64), 0, n_samp)
    power = binned_mean_cs(sg.power_cs, sec_edges)
    bad_mask = np.zeros(n_samp, bool)
    for kb in np.flatnonzero(reason != "").tolist():
        bad_mask[edges[kb]:edges[kb + 1]] = True
    power[binned_max(bad_mask, sec_edges) > 0] = np.nan
    bg_pow = background_power(power, percentile=p.background_percentile,
                              quiet_ratio=p.background_quiet_ratio,
                              min_quiet_s=p.background_min_s)
    bg = float(np.sqrt(bg_pow)) if np.isfinite(bg_pow) and bg_pow > 0 else float("nan")
    la.backgrounds[label].append(bg)
    if not np.isfinite(bg):
        reason[reason == ""] = "no_background"
    valid = reason == ""
    r_lo = max(0, int(round(a * fs)) - s0)
    r_hi = min(n_samp, int(round(b * fs)) - s0)
    phasic_s = np.zeros(n_samp, bool)
    sustained_s = np.zeros(n_samp, bool)
    phasic_s[r_lo:r_hi], sustained_s[r_lo:r_hi] = activity(
        sg, r_lo, r_hi, bg, p.phasic_factor, p.phasic_inclusive, p)
    aasm_s = np.zeros(n_samp, bool)
    if role == "chin" and np.isfinite(bg):
        # AASM phasic epoch: bursts >= 4x background in >= 5 of the 10 3-s mini-epochs
        aasm_s[r_lo:r_hi] = activity(sg, r_lo, r_hi, bg, p.aasm_phasic_factor, True, p)[0]
    if p.phasic_on_tonic:
        phasic_on_sustained(sg, sustained_s, phasic_s, aasm_s if role == "chin" else None, p)
    any_s = phasic_s | sustained_s
    flags = la.mini[role]
    n_mini = g.n_mini_per_epoch
    need = max(1, int(round(p.mini_epoch_min_activity_s * fs)))
    ep_idx = np.unique(g.mini_epoch_of[idx])
    if role == "chin" and np.isfinite(bg):
        tonic_ref = bg if p.tonic_reference == "background" else (nrem_min or np.nan)
        tonic_s = np.zeros(n_samp, bool)
        if np.isfinite(tonic_ref):
            act = activity(sg, r_lo, r_hi, tonic_ref, p.tonic_factor, p.tonic_inclusive, p)
            cover = np.zeros(n_samp, bool)
            cover[r_lo:r_hi] = act[0] | act[1]
            for k, ei in enumerate(ep_idx.tolist()):
                ok = valid[k * n_mini:(k + 1) * n_mini]
                if ok.sum() * 2 < n_mini:  # most of the epoch excluded
                    continue
                e_lo, e_hi = edges[k * n_mini], edges[(k + 1) * n_mini]
                ok_samples = ~bad_mask[e_lo:e_hi]
                frac = float(cover[e_lo:e_hi][ok_samples].mean()) if ok_samples.any() else 0.0
                la.epoch["tonic_pct"][ei] = 100.0 * frac
                is_tonic = (frac >= p.tonic_fraction if p.tonic_fraction_inclusive
                            else frac > p.tonic_fraction)
                if not is_tonic:
                    continue
                la.epoch["tonic"][ei] = True
                tonic_s[e_lo:e_hi] = cover[e_lo:e_hi]
        tonic_mini = count_in_bins(tonic_s, edges) >= need
        flags["tonic"][idx] = tonic_mini & valid
        any_s = any_s | tonic_s
        n3 = max(1, int(np.floor(p.epoch_s / 3.0 + 1e-9)))
        need_pos = int(np.ceil(p.aasm_positive_fraction * n3 - 1e-9))
        ep_lo = edges[np.arange(ep_idx.size) * n_mini]
        sub_lo = (ep_lo[:, None] + np.rint(np.arange(n3) * 3.0 * fs)[None, :]).astype(np.int64)
        sub_hi = np.minimum(sub_lo + int(round(3.0 * fs)), n_samp).ravel()
        sub_lo = np.minimum(sub_lo.ravel(), sub_hi - 1)
        pos = (count_in_bins(aasm_s, sub_lo, sub_hi) >= need).reshape(-1, n3)
        sub_ok = ~window_max(bad_mask, sub_lo, sub_hi).reshape(-1, n3)
        enough = sub_ok.sum(axis=1) * 2 >= n3
        la.epoch["phasic_aasm"][ep_idx] = enough & ((pos & sub_ok).sum(axis=1) >= need_pos)
        la.epoch["background"][ep_idx] = bg
    flags["phasic"][idx] = (count_in_bins(phasic_s, edges) >= need) & valid
    flags["any"][idx] = (count_in_bins(any_s, edges) >= need) & valid
    flags["reason"][idx] = reason


def _atonia_counts(la: _Layer, sg: Segment, span: tuple[float, float]) -> tuple[int, int, int]:
    """Ferri's 1-s bins for one REM period: (usable bins, bins <= 1 µV, bins in (1, 2] µV)."""
    p = la.params
    a, b = span
    bs = p.atonia_bin_s
    seg_t0 = sg.s0 / sg.fs
    seg_t1 = (sg.s0 + sg.n) / sg.fs
    first = int(np.ceil(seg_t0 / bs - 1e-9))
    last = int(np.floor(seg_t1 / bs + 1e-9))
    if last <= first:
        return 0, 0, 0
    edges = bin_edges(sg.s0, sg.n, sg.fs, bs, first, last - first)
    peak_abs, mean_abs = binned_abs(sg.filt, edges)
    amp = p.atonia_amplitude_scale * mean_abs
    t = (first + np.arange(last - first)) * bs
    in_rem = (t >= a - 1e-9) & (t + bs <= b + 1e-9)
    edge_zone = ~in_rem & ((t < seg_t0 + _FILTER_PAD_S) | (t + bs > seg_t1 - _FILTER_PAD_S))
    reason = sg.reasons(edges, p, peak_abs)
    amp[(reason != "") | edge_zone] = np.nan
    # REM bins: inside the period and not in an excluded chin mini-epoch of this layer
    flags = la.mini.get("chin")
    g = la.grid
    if flags is not None:
        excl = (flags["reason"] != "") & (flags["reason"] != "no_background")
        ex_starts = g.mini_start[excl]
        if ex_starts.size:
            k = np.searchsorted(ex_starts, t + bs, side="left")
            hit = (k > 0) & (ex_starts[np.maximum(k - 1, 0)] + g.mini_epoch_s > t)
            amp[hit & in_rem] = np.nan
    corrected = amp - rolling_min(amp, p.atonia_noise_half_window)
    use = in_rem & np.isfinite(corrected)
    c = corrected[use]
    return int(c.size), int(np.sum(c <= 1.0)), int(np.sum((c > 1.0) & (c <= 2.0)))


def _nrem_minimum(chin: Channel, hyp: Any, p: RSWAParams, *, n_candidates: int = 24,
                  notch_hz: float | None = None,
                  read: Callable[[int, int], np.ndarray] | None = None) -> float | None:
    """Minimum chin amplitude of NREM sleep (µV): band-passed RMS of the quietest NREM epoch.

    Filtering a whole night of NREM would cost more than the rest of the analysis, so the
    NREM epochs are first ranked by the power of the first difference of the raw signal (a
    cheap high-pass that follows EMG power), and only the ``n_candidates`` quietest are
    band-passed. Flat, saturated and popping epochs are skipped.
    """
    periods = stage_periods(hyp, NREM_STAGES, end_s=chin.duration_s)
    if not periods:
        return None
    read = window_reader(chin) if read is None else read
    fs = chin.fs_hz
    n_all = chin.n_samples
    e = hyp.epoch_s
    starts = np.concatenate([a + np.arange(int(round((b - a) / e))) * e for a, b in periods])
    lo = np.rint(starts * fs).astype(np.int64)
    n_ep = int(round(e * fs))
    ok = lo + n_ep <= n_all
    lo = lo[ok]
    if not lo.size:
        return None
    # every 4th pair of neighbours is enough to rank epochs and keeps this cheap; the
    # epochs are read a stretch of the night at a time (memory), each epoch's value is
    # its own
    dpow = np.empty(lo.size)
    order_lo = np.argsort(lo, kind="stable")
    sorted_lo = lo[order_lo]
    span = max(n_ep, int(round(_NREM_READ_S * fs)))
    i = 0
    while i < sorted_lo.size:
        j = int(np.searchsorted(sorted_lo, sorted_lo[i] + span - n_ep, side="right"))
        j = max(j, i + 1)
        base = int(sorted_lo[i])
        part = read(base, int(sorted_lo[j - 1]) + n_ep)
        dpow[order_lo[i:j]] = diff_power(part, sorted_lo[i:j] - base, n_ep, stride=4)
        i = j
    # a disconnected (flat) epoch has no first-difference power: not a candidate
    order = [i for i in np.argsort(dpow) if dpow[i] > 0][:n_candidates]
    pad = int(round(_FILTER_PAD_S * fs))
    best = np.inf
    for i in order:
        s0 = max(0, int(lo[i]) - pad)
        s1 = min(n_all, int(lo[i]) + n_ep + pad)
        sg = Segment.create(read(s0, s1), s0, fs, 1, p, notch_hz=notch_hz)
        edges = np.array([lo[i] - s0, lo[i] - s0 + n_ep])
        if sg.reasons(edges, p)[0] != "":
            continue
        best = min(best, float(binned_mean_cs(sg.power_cs, edges)[0]))
    return float(np.sqrt(best)) if np.isfinite(best) else None


def _build_result(la: _Layer, channels: dict[str, Channel], atonia: AtoniaIndex,
                  nrem_min: float | None, warn: tuple[str, ...]) -> RSWAResult:
    p = la.params
    g = la.grid
    n_mini = g.n_mini_per_epoch
    chin_label = channels["chin"].label
    frames = []
    for role, flags in la.mini.items():
        excluded = flags["reason"] != ""
        frames.append(pd.DataFrame({
            "onset_s": g.mini_start, "duration_s": g.mini_epoch_s,
            "trial_type": "rswa_mini_epoch", "channel": channels[role].label, "role": role,
            "epoch": g.mini_epoch_of, "phasic": flags["phasic"], "tonic": flags["tonic"],
            "any": flags["any"], "excluded": excluded, "reason": flags["reason"].astype(str),
        }))
    mini = EventTable(pd.concat(frames, ignore_index=True)) if frames else EventTable.empty()
    chin = la.mini["chin"]
    valid = (chin["reason"] == "").reshape(-1, n_mini)
    ph = chin["phasic"].reshape(-1, n_mini)
    an = chin["any"].reshape(-1, n_mini)
    n_ok = valid.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ph_pct = np.where(n_ok > 0, 100.0 * ph.sum(axis=1) / np.maximum(n_ok, 1), np.nan)
        an_pct = np.where(n_ok > 0, 100.0 * an.sum(axis=1) / np.maximum(n_ok, 1), np.nan)
    ep_excluded = n_ok * 2 < n_mini
    reasons = chin["reason"].reshape(-1, n_mini)
    ep_reason = []
    for i in range(reasons.shape[0]):
        if not ep_excluded[i]:
            ep_reason.append("")
            continue
        found = [r for r in EXCLUSION_REASONS if r in set(reasons[i])]
        ep_reason.append(found[0] if found else "")
    epochs = EventTable(pd.DataFrame({
        "onset_s": g.epoch_start, "duration_s": g.epoch_s, "trial_type": "rswa_epoch",
        "channel": chin_label, "rem_period": g.epoch_period,
        "chin_tonic": la.epoch["tonic"] & ~ep_excluded,
        "chin_tonic_pct": la.epoch["tonic_pct"],
        "chin_phasic_aasm": la.epoch["phasic_aasm"] & ~ep_excluded,
        "chin_phasic_pct": ph_pct, "chin_any_pct": an_pct,
        "background_uv": la.epoch["background"],
        "excluded": ep_excluded, "reason": ep_reason,
    }))
    return RSWAResult(
        params=p,
        channels={role: ch.label for role, ch in channels.items()},
        epochs=epochs,
        mini_epochs=mini,
        rem_periods=g.periods,
        backgrounds_uv={k: tuple(v) for k, v in la.backgrounds.items()},
        atonia=atonia,
        nrem_minimum_uv=nrem_min,
        warnings=warn,
    )


__all__ = [
    "RSWA_ROLES",
    "STANDARDS",
    "AtoniaIndex",
    "RSWAParams",
    "RSWAResult",
    "detect_rswa",
    "detect_rswa_standards",
]
