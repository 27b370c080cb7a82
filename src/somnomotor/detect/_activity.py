"""EMG activity around a burst: does a potential stand alone, how long is a burst's movement.

Fragmentary myoclonus counts only potentials that stand alone on their channel, and a
sleep-start burst is as long as the stretch of activity it lies in. Both ask the same
question of the signal itself: where is the channel active (at or above twice its resting
amplitude and 10 µV), and for how long. See docs/motor-events.md for the rule and its
margin (0.5 s, the AASM/WASM movement rule).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from somnomotor.detect import _bursts as B

if TYPE_CHECKING:  # pragma: no cover - myoclonus imports this module
    from somnomotor.detect.myoclonus import MyoclonusParams


def stands_alone(env: B.EmgEnvelope, pot: B.Bursts, amplitude_uv: np.ndarray,
                 params: MyoclonusParams) -> np.ndarray:
    """Whether each potential stands alone on its channel (see :class:`MyoclonusParams`).

    Parameters
    ----------
    env : EmgEnvelope
        The channel's filtered EMG and 20-ms power.
    pot : Bursts
        The potentials, sample indices at the channel rate (end exclusive).
    amplitude_uv : numpy.ndarray
        Their sine-equivalent amplitudes in µV.
    params : MyoclonusParams

    Returns
    -------
    numpy.ndarray of bool
        False where the potential lies inside longer activity (it extends the potential by
        more than ``attached_max_s``) or where activity longer than ``duration_s[1]`` starts
        or ends less than ``alone_margin_s`` from the potential's edges.

    Notes
    -----
    Activity is the 20-ms power at or above max((``activity_k_background`` x resting
    amplitude)², ``activity_min_uv``²) / 2, with dips shorter than 0.06 s bridged (the power
    of a noise-like burst dips briefly); within ``near_zone_s`` of the potential it must also
    reach (``activity_near_ratio`` x the potential's amplitude)² / 2. The duration of a
    separate stretch of activity is measured like a potential's
    (:func:`somnomotor.detect._bursts.refine_potentials`), so a neighbouring FM potential is
    never taken for longer activity.
    """
    out = np.ones(len(pot), dtype=bool)
    if not len(pot):
        return out
    p = env.power
    fs = env.power_fs_hz
    step = env.step
    base, block = activity_level(env, k_background=params.activity_k_background,
                                 min_amplitude_uv=params.activity_min_uv)
    n = p.size
    margin = params.alone_margin_s * fs
    zone = round(params.near_zone_s * fs)
    reach = round(params.alone_margin_s * fs) + round(2.0 * fs)
    bridge = round(0.06 * fs)
    longest = params.duration_s[1] + 1e-9
    for i in range(len(pot)):
        a = int(pot.start[i]) // step
        b = max(a + 1, -(-int(pot.end[i]) // step))
        lo, hi = max(0, a - reach), min(n, b + reach)
        k = np.arange(lo, hi)
        level = base[np.minimum(k // block, base.size - 1)]
        near = (k >= a - zone) & (k < b + zone)
        level = np.where(near, np.maximum(level, np.float32(
            (params.activity_near_ratio * amplitude_uv[i]) ** 2 / 2.0)), level)
        act = p[lo:hi] >= level
        act[a - lo:b - lo] = True
        starts, ends = _runs(act, bridge)
        starts += lo
        ends += lo
        mine = np.flatnonzero((starts <= a) & (ends >= b))
        if mine.size and (ends[mine[0]] - starts[mine[0]] - (b - a)) / fs \
                > params.attached_max_s + 1e-9:
            out[i] = False
            continue
        gap = np.maximum(starts - b, a - ends)
        near_runs = np.flatnonzero((gap >= 0) & (gap < margin)
                                   & ((ends - starts) / fs > longest))
        if not near_runs.size:
            continue
        # measure each candidate neighbour like a potential (its L-level run is widened by
        # the filter's smear, a neighbouring FM potential is not)
        cand = B.Bursts(starts[near_runs] * step,
                        np.minimum(ends[near_runs] * step, env.n_samples),
                        np.zeros(near_runs.size, dtype=np.float32))
        refined = B.refine_potentials(env.filtered, env.fs_hz, cand)
        if (refined.duration_s(env.fs_hz) > longest).any():
            out[i] = False
    return out


def remeasure_lumpy(env: B.EmgEnvelope, pot: B.Bursts, params: MyoclonusParams) -> B.Bursts:
    """Measure again, from a wider start, potentials that came out too short.

    A noise-like potential may carry a loud lobe (twice the amplitude of the rest): measured
    from the lobe, its amplitude is the lobe's and its extent the lobe alone. Started from
    the stretch where the 20-ms power stays above (0.3 x that amplitude)² / 2, the analytic
    envelope measurement (:func:`somnomotor.detect._bursts.refine_potentials`) takes the
    whole potential. A genuinely short potential measures short again (its stretch is only
    widened by the 20-ms window). The new measure replaces the old only when it is within
    the duration rule.
    """
    if not len(pot):
        return pot
    dur = pot.duration_s(env.fs_hz)
    short = np.flatnonzero(dur < params.duration_s[0] - 1e-9)
    if not short.size:
        return pot
    p = env.power
    step = env.step
    n = p.size
    amp = pot.peak_uv()
    starts = np.empty(short.size, dtype=np.int64)
    ends = np.empty(short.size, dtype=np.int64)
    for j, i in enumerate(short):
        level = np.float32((0.3 * amp[i]) ** 2 / 2.0)
        a = int(pot.start[i]) // step
        b = max(a + 1, -(-int(pot.end[i]) // step))
        while a > 0 and p[a - 1] >= level:
            a -= 1
        while b < n and p[b] >= level:
            b += 1
        starts[j], ends[j] = a * step, min(b * step, env.n_samples)
    wide = B.refine_potentials(env.filtered, env.fs_hz, B.Bursts(
        starts, ends, np.zeros(short.size, dtype=np.float32)))
    new_dur = wide.duration_s(env.fs_hz)
    ok = ((new_dur >= params.duration_s[0] - 1e-9) & (new_dur <= params.duration_s[1] + 1e-9))
    if not ok.any():
        return pot
    start, end, power = pot.start.copy(), pot.end.copy(), pot.peak_power.copy()
    start[short[ok]] = wide.start[ok]
    end[short[ok]] = wide.end[ok]
    power[short[ok]] = wide.peak_power[ok]
    out = B.Bursts(start, end, power)
    # a widened potential may now cover a neighbouring candidate: keep the first
    order = np.argsort(out.start, kind="stable")
    out = out.select(order)
    keep_first = np.concatenate(([True], out.start[1:] >= np.maximum.accumulate(out.end)[:-1]))
    return out.select(keep_first)


def _runs(mask: np.ndarray, bridge: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of the True runs of ``mask``, gaps < ``bridge`` bridged."""
    d = np.diff(np.concatenate(([0], mask.view(np.int8), [0])))
    s = np.flatnonzero(d == 1)
    e = np.flatnonzero(d == -1)
    if s.size > 1 and bridge > 0:
        keep = np.concatenate(([True], s[1:] - e[:-1] >= bridge))
        s = s[keep]
        e = e[np.concatenate((keep[1:], [True]))]
    return s.astype(np.int64), e.astype(np.int64)


def activity_level(env: B.EmgEnvelope, *, k_background: float,
                   min_amplitude_uv: float) -> tuple[np.ndarray, int]:
    """Power (µV²) per block at or above which a channel shows EMG activity, block length.

    max((``k_background`` x resting amplitude)², ``min_amplitude_uv``²) / 2, the resting
    level being the 20th percentile of the 20-ms power per 30-s block with a running median
    over only 3 blocks: the level follows the raised tone of a brief awakening (a longer
    median would leave it at the sleep level and call the whole awakening activity), while
    a movement of up to about 25 s stays above it.
    """
    bg, block = B.background_power(env.power, env.power_fs_hz, smooth_blocks=3)
    return B.thresholds(bg, k_background=k_background, min_amplitude_uv=min_amplitude_uv), block


def activity_extent(env: B.EmgEnvelope, start: np.ndarray, end: np.ndarray,
                    peak_uv: np.ndarray, *, k_background: float = 2.0,
                    min_amplitude_uv: float = 10.0, peak_ratio: float = 0.1,
                    bridge_s: float = 0.06, reach_s: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """The stretch of EMG activity each burst lies in (indices at ``env.power_fs_hz``).

    Activity is the 20-ms power at or above :func:`activity_level` and at or above
    (``peak_ratio`` x the burst's amplitude)² / 2, dips shorter than ``bridge_s`` bridged;
    the stretch is searched up to ``reach_s`` beyond the burst on each side (a stretch
    reaching that far is cut there). A burst found with a high threshold inside a long
    movement is a fragment of it: its activity extent shows the movement.
    """
    p = env.power
    level_all, block = activity_level(env, k_background=k_background,
                                      min_amplitude_uv=min_amplitude_uv)
    fs = env.power_fs_hz
    reach = round(reach_s * fs)
    bridge = round(bridge_s * fs)
    n = p.size
    out_s = np.asarray(start, dtype=np.int64).copy()
    out_e = np.asarray(end, dtype=np.int64).copy()
    for i in range(out_s.size):
        a, b = int(out_s[i]), int(out_e[i])
        lo, hi = max(0, a - reach), min(n, b + reach)
        k = np.arange(lo, hi)
        level = np.maximum(level_all[np.minimum(k // block, level_all.size - 1)],
                           np.float32((peak_ratio * float(peak_uv[i])) ** 2 / 2.0))
        act = p[lo:hi] >= level
        act[a - lo:b - lo] = True
        s, e = _runs(act, bridge)
        m = np.flatnonzero((s + lo <= a) & (e + lo >= b))
        if m.size:
            out_s[i] = s[m[0]] + lo
            out_e[i] = e[m[0]] + lo
    return out_s, out_e


__all__ = ["activity_extent", "activity_level", "remeasure_lumpy", "stands_alone"]
