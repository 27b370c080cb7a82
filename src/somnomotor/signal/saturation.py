"""Where a leg EMG channel sits at its rails, and which of it is an artefact.

A strong leg movement can drive the tibialis EMG past the channel's range: the amplifier or
the EDF writer clips it, and the samples at the peaks equal the rail (the EDF physical
minimum or maximum). That is a leg that moved hard, and it is scored like any movement.
Only rail contact that is clearly *not* EMG is an artefact (``saturation``, unscorable):

blocked
    a continuous run of samples at or near one rail of at least ``block_min_s`` (0.5 s):
    the amplifier is pinned. Clipped EMG leaves the rail within a half cycle of its
    lowest frequency (about 0.05 s at the standard 10-Hz high-pass); 0.5 s is the time
    scale of the leg-movement rules (the shortest LM and the quiet period that ends one),
    so a shorter loss cannot hide an LM's end or a whole LM, a longer one can.
isolated
    rail contact (a cluster of runs less than ``context_s`` = 0.5 s apart) at one rail only,
    with no EMG-like activity around it: the mean envelope over the ``context_s`` before it,
    over the ``context_s`` after it and between its runs, each leaving out ``skip_s``
    (0.2 s) next to every run (the band-pass rings there after a step to the rail), all
    stay below the resting baseline + 2 µV - at rest by the offset rule's own measure. A
    step to the rail in quiet EMG, a lone spike, a pop that rails. Contact with *both*
    rails within 0.5 s is an oscillation driven past the range, i.e. strong EMG: artefacts
    that rail (steps, pops, lead-off, a blocked amplifier) go to one rail.

Everything else - runs shorter than 0.5 s with activity on at least one side - is clipped
EMG and left alone. The rail is the channel's physical range when known (EDF header);
otherwise the largest absolute sample value, if at least 3 blocks reach it (a clipped
amplifier repeats its rail value, real EMG peaks do not repeat to the last bit); "near"
means within ``near_fraction`` (1 %) of the range between the rails. Numbers and the
measurements behind them: docs/leg-movement-detection.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit

from somnomotor._errors import ParameterError
from somnomotor.signal.envelope import window_samples
from somnomotor.signal.quality import dilate, runs, saturation_mask


@dataclass(frozen=True)
class RailContact:
    """Runs of samples at a rail and their clusters (internal result of :func:`rail_contact`).

    Attributes
    ----------
    run_starts, run_ends : numpy.ndarray
        Sample indices ``[start, end)`` of each continuous run at or near one rail.
    run_sides : numpy.ndarray
        +1 for a run at the upper rail, -1 at the lower one.
    blocked : numpy.ndarray of bool
        Block mask (envelope grid) of the blocked runs, widened by ``pad_s``; an empty
        array when there is none (no full-length mask on the usual night).
    cluster_starts, cluster_ends : numpy.ndarray
        Block indices ``[start, end)`` of each cluster of runs (runs less than ``context_s``
        apart) holding no blocked run.
    cluster_context_uV : numpy.ndarray
        ``(n_clusters, 3)`` mean envelope in µV before, after and inside each cluster (see
        :func:`measure_context`; NaN where there is no envelope, e.g. at the recording's
        edges).
    cluster_both_rails : numpy.ndarray of bool
        Whether a cluster holds runs at both rails.
    context_lo, context_hi : numpy.ndarray
        Block range ``[lo, hi)`` the mean was taken over (for the baseline there).
    """

    run_starts: np.ndarray
    run_ends: np.ndarray
    run_sides: np.ndarray
    blocked: np.ndarray
    cluster_starts: np.ndarray
    cluster_ends: np.ndarray
    cluster_context_uV: np.ndarray
    cluster_both_rails: np.ndarray
    context_lo: np.ndarray
    context_hi: np.ndarray


def rails_from_range_uV(physical_range_uV: tuple[float, float] | None
                        ) -> tuple[float, float] | None:
    """The rails of :func:`rail_levels_uV` when the physical range alone gives them (a
    finite range), µV; None: they depend on the samples."""
    if physical_range_uV is not None:
        lo, hi = float(physical_range_uV[0]), float(physical_range_uV[1])
        if np.isfinite(lo) and np.isfinite(hi) and hi > lo:
            return lo, hi
    return None


def rail_reach_uV(rails: tuple[float, float], *, near_fraction: float = 0.01
                  ) -> np.float32 | None:
    """The largest absolute sample (µV, float32) a block must reach to touch a rail (within
    ``near_fraction`` of the range), or None when any block may (both rails on one side
    of zero): the blocks :func:`rail_runs` reads."""
    lo, hi = rails
    tol = near_fraction * (hi - lo)
    lo_at, hi_at = lo + tol, hi - tol
    if lo_at < 0 < hi_at:
        return np.float32(min(-lo_at, hi_at))
    return None


def rail_levels_uV(max_abs_uV: np.ndarray, physical_range_uV: tuple[float, float] | None, *,
                   min_blocks: int = 3) -> tuple[float, float] | None:
    """Lower and upper rail in µV, or None when the channel shows no rail.

    ``physical_range_uV`` (EDF physical minimum and maximum) when given; otherwise
    ``(-top, top)`` with ``top`` the largest ``max_abs_uV`` if at least ``min_blocks``
    blocks reach it (to 1e-6 relative).
    """
    rails = rails_from_range_uV(physical_range_uV)
    if rails is not None:
        return rails
    if not saturation_mask(max_abs_uV, min_blocks=min_blocks).any():
        return None
    top = float(max_abs_uV.max())
    return -top, top


@njit(cache=True, nogil=True)
def _rail_runs(x: np.ndarray, a: np.ndarray, b: np.ndarray, lo_at: float, hi_at: float,
               count_only: bool, starts: np.ndarray, ends: np.ndarray) -> int:  # pragma: no cover
    # Runs of consecutive samples at one rail (x >= hi_at or x <= lo_at) inside the sample
    # ranges [a[k], b[k]); a switch from one rail to the other starts a new run.
    k = 0
    for r in range(a.size):
        side = 0
        start = 0
        for i in range(a[r], b[r]):
            v = x[i]
            s = 1 if v >= hi_at else (-1 if v <= lo_at else 0)
            if s != side:
                if side != 0:
                    if not count_only:
                        starts[k] = start
                        ends[k] = i
                    k += 1
                if s != 0:
                    start = i
                side = s
        if side != 0:
            if not count_only:
                starts[k] = start
                ends[k] = b[r]
            k += 1
    return k


def rail_runs(x: np.ndarray | Callable[[int, int], np.ndarray], max_abs_uV: np.ndarray,
              decimation: int, rails: tuple[float, float], *, near_fraction: float = 0.01,
              n_samples: int | None = None, max_read: int = 1 << 21,
              ) -> tuple[np.ndarray, np.ndarray]:
    """Sample ranges ``[start, end)`` of continuous runs at or near one rail.

    Only blocks whose largest absolute sample can reach a rail are read (``max_abs_uV``,
    ``decimation`` samples per block): the scan costs nothing on a night without clipping.
    ``x`` is the raw samples (µV), or a reader ``x(start, stop)`` of a channel of
    ``n_samples`` samples: then only those blocks are read, up to ``max_read`` samples at a
    time (the same runs).
    """
    starts, ends, _ = _rail_runs_sided(x, max_abs_uV, decimation, rails,
                                       near_fraction=near_fraction, n_samples=n_samples,
                                       max_read=max_read)
    return starts, ends


def _rail_runs_sided(x: np.ndarray | Callable[[int, int], np.ndarray], max_abs_uV: np.ndarray,
                     decimation: int, rails: tuple[float, float], *, near_fraction: float,
                     n_samples: int | None, max_read: int, reaches: np.ndarray | None = None,
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`rail_runs` and the first sample of each run (read while its stretch is in
    memory, for the run's side)."""
    lo, hi = rails
    tol = near_fraction * (hi - lo)
    lo_at, hi_at = lo + tol, hi - tol
    level = rail_reach_uV(rails, near_fraction=near_fraction)
    if reaches is not None:
        cand = np.asarray(reaches, dtype=bool)
    elif level is not None:
        cand = max_abs_uV >= level
    else:  # both rails on one side of zero (an offset range): every block may touch one
        cand = np.ones(max_abs_uV.size, dtype=bool)
    empty = np.zeros(0, dtype=np.int64)
    if not cand.any():
        return empty, empty, np.zeros(0, dtype=np.float32)
    bs, be = runs(cand)
    if callable(x):
        if n_samples is None:
            raise ParameterError("rail_runs: a reader needs n_samples, received None")
        n = int(n_samples)
    else:
        n = x.size
    a = np.minimum(bs * decimation, n).astype(np.int64)
    b = np.minimum(be * decimation, n).astype(np.int64)
    if not callable(x):
        return _rail_runs_in(np.ascontiguousarray(x, dtype=np.float32), 0, a, b, lo_at, hi_at)
    # read the candidate stretches only, neighbouring ones together (never the whole night)
    found_s, found_e, found_v = [], [], []
    i = 0
    while i < a.size:
        j = i + 1
        while j < a.size and b[j] - a[i] <= max_read and a[j] - b[j - 1] <= max_read // 16:
            j += 1
        part = np.ascontiguousarray(x(int(a[i]), int(b[j - 1])), dtype=np.float32)
        s_, e_, v_ = _rail_runs_in(part, int(a[i]), a[i:j], b[i:j], lo_at, hi_at)
        found_s.append(s_)
        found_e.append(e_)
        found_v.append(v_)
        i = j
    return np.concatenate(found_s), np.concatenate(found_e), np.concatenate(found_v)


def _rail_runs_in(part: np.ndarray, base: int, a: np.ndarray, b: np.ndarray, lo_at: float,
                  hi_at: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_rail_runs` over ``[a, b)`` with ``part[i - base]`` sample ``i``; also the
    first sample of each run."""
    empty = np.zeros(0, dtype=np.int64)
    la, lb = a - base, b - base
    count = _rail_runs(part, la, lb, lo_at, hi_at, True, empty, empty)
    starts = np.empty(count, dtype=np.int64)
    ends = np.empty(count, dtype=np.int64)
    _rail_runs(part, la, lb, lo_at, hi_at, False, starts, ends)
    return starts + base, ends + base, part[starts]


def rail_contact(x: np.ndarray | Callable[[int, int], np.ndarray], max_abs_uV: np.ndarray,
                 decimation: int, fs_hz: float,
                 rails: tuple[float, float] | None, *, block_min_s: float = 0.5,
                 near_fraction: float = 0.01, pad_s: float = 0.25,
                 n_samples: int | None = None,
                 reaches: np.ndarray | None = None) -> RailContact:
    """Runs at the rails, the blocked ones as a block mask, and the other runs' clusters.

    Parameters
    ----------
    x : numpy.ndarray or callable
        Raw samples in µV, or a reader ``x(start, stop)`` of a channel of ``n_samples``
        samples (only the blocks that may touch a rail are read; same result).
    max_abs_uV : numpy.ndarray
        Largest absolute raw sample per block of ``decimation`` samples.
    decimation : int
        Samples per envelope block.
    fs_hz : float
        Sampling rate of ``x`` in Hz.
    rails : tuple of float or None
        Lower and upper rail in µV (:func:`rail_levels_uV`); None: no rail, nothing found.
    block_min_s : float
        Shortest continuous run at a rail that is a blocked amplifier, s (0.5 s).
    near_fraction : float
        "At the rail" = within this fraction of the range between the rails (0.01).
    pad_s : float
        Blocked runs are widened by this much on each side, s (the filter rings there).
    reaches : numpy.ndarray of bool, optional
        ``max_abs_uV >= rail_reach_uV(rails, near_fraction=near_fraction)`` per block, when
        that is all that was kept of the block maxima (``max_abs_uV`` is then not used):
        1 byte per block instead of 4.

    The cluster context (:attr:`RailContact.cluster_context_uV`) is filled in by
    :func:`measure_context` once the envelope is final.
    """
    n_blocks = max_abs_uV.size if reaches is None else reaches.size
    empty = np.zeros(0, dtype=np.int64)
    blocked = np.zeros(0, dtype=bool)
    if rails is None:
        return RailContact(empty, empty, np.zeros(0, dtype=np.int8), blocked, empty, empty,
                           np.zeros((0, 3)), np.zeros(0, dtype=bool), empty, empty)
    starts, ends, first = _rail_runs_sided(x, max_abs_uV, decimation, rails,
                                           near_fraction=near_fraction, n_samples=n_samples,
                                           max_read=1 << 21, reaches=reaches)
    long_run = (ends - starts) >= int(round(block_min_s * fs_hz))
    if long_run.any():
        raw = np.zeros(n_blocks, dtype=bool)
        for s, e in zip(starts[long_run], ends[long_run]):
            raw[s // decimation:-(-e // decimation)] = True
        pad = window_samples(pad_s, fs_hz / decimation)
        blocked = dilate(raw, pad, pad)
    sides = np.where(first > 0.5 * (rails[0] + rails[1]), 1, -1).astype(np.int8)
    return RailContact(starts, ends, sides, blocked, empty, empty, np.zeros((0, 3)),
                       np.zeros(0, dtype=bool), empty, empty)


def measure_context(contact: RailContact, envelope: np.ndarray, decimation: int, fs_hz: float,
                    *, context_s: float = 0.5, skip_s: float = 0.2) -> RailContact:
    """Clusters of the runs that are not blocked, with the envelope around and inside each.

    Runs less than ``context_s`` apart form one cluster (a clipped burst touches the rail
    many times). For each cluster three mean envelopes (µV, ``fs_hz / decimation`` Hz) are
    taken, all leaving out every block within ``skip_s`` of a run (the band-pass rings next
    to a step to the rail: a 1000-µV step leaves < 0.02 µV mean beyond 0.2 s, see
    docs/leg-movement-detection.md): *before*, over the ``context_s`` before the first
    run; *after*, over the ``context_s`` after the last run; *inside*, between the runs.
    NaN where no block is left. And whether the cluster touches both rails.
    """
    fs_env = fs_hz / decimation
    n = envelope.size
    if contact.run_starts.size == 0 or n == 0:
        return contact
    b0 = np.minimum(contact.run_starts // decimation, n - 1)
    b1 = np.minimum(-(-contact.run_ends // decimation), n)
    free = ~contact.blocked[b0] if contact.blocked.size else np.ones(b0.size, dtype=bool)
    b0, b1, sides = b0[free], b1[free], contact.run_sides[free]
    if b0.size == 0:
        return contact
    ctx = window_samples(context_s, fs_env)
    skip = window_samples(skip_s, fs_env)
    # clusters: a gap of at least ctx blocks between runs starts a new one
    new = np.ones(b0.size, dtype=bool)
    new[1:] = b0[1:] - np.maximum.accumulate(b1)[:-1] >= ctx
    first = np.flatnonzero(new)
    c_start = b0[first]
    c_end = np.maximum.reduceat(b1, first)
    both = (np.maximum.reduceat(sides, first) > 0) & (np.minimum.reduceat(sides, first) < 0)
    # blocks within skip of a run: +1 / -1 at the widened run edges, then a running sum
    edges = np.zeros(n + 1, dtype=np.int64)
    np.add.at(edges, np.clip(b0 - skip, 0, n), 1)
    np.add.at(edges, np.clip(b1 + skip, 0, n), -1)
    near = np.cumsum(edges[:n]) > 0
    del edges
    m = c_start.size
    means = np.full((m, 3), np.nan)
    lo = np.maximum(0, c_start - skip - ctx)
    hi = np.minimum(n, c_end + skip + ctx)
    for j in range(m):
        a, b = int(c_start[j]), int(c_end[j])
        parts = ((int(lo[j]), a), (b, int(hi[j])), (a, b))
        for col, (p0, p1) in enumerate(parts):
            keep = ~near[p0:p1]
            if keep.any():
                means[j, col] = float(envelope[p0:p1][keep].mean(dtype=np.float64))
    return RailContact(contact.run_starts, contact.run_ends, contact.run_sides,
                       contact.blocked, c_start, c_end, means, both, lo, hi)


def isolated_mask(contact: RailContact, n_blocks: int, baseline_c: np.ndarray, k: int,
                  fs_env: float, *, above_baseline_uV: float = 2.0,
                  pad_s: float = 0.25) -> np.ndarray | None:
    """Block mask of the rail clusters with no EMG-like activity around them.

    A cluster is isolated when it touches one rail only and none of its three mean
    envelopes (before, after, inside: :attr:`RailContact.cluster_context_uV`) reaches the
    resting baseline (``baseline_c``, one value per ``k`` blocks, averaged over the
    cluster's neighbourhood) + ``above_baseline_uV`` µV - the EMG is at rest around it by
    the offset rule's own measure. Isolated clusters are marked over their extent widened
    by ``pad_s`` on each side. None when there is no isolated cluster.
    """
    out: np.ndarray | None = None
    if contact.cluster_starts.size == 0:
        return out
    pad = window_samples(pad_s, fs_env)
    for j in range(contact.cluster_starts.size):
        lo, hi = int(contact.context_lo[j]), int(contact.context_hi[j])
        ref = baseline_c[lo // k:max(lo // k + 1, -(-hi // k))]
        ref = ref[np.isfinite(ref)]
        level = float(ref.mean()) if ref.size else np.inf
        if contact.cluster_both_rails[j]:
            continue  # driven to both rails within 0.5 s: an oscillation, i.e. EMG
        values = contact.cluster_context_uV[j]
        values = values[np.isfinite(values)]
        if not (values >= level + above_baseline_uV).any():
            s, e = int(contact.cluster_starts[j]), int(contact.cluster_ends[j])
            if out is None:
                out = np.zeros(n_blocks, dtype=bool)
            out[max(0, s - pad):min(n_blocks, e + pad)] = True
    return out


__all__ = [
    "RailContact",
    "isolated_mask",
    "measure_context",
    "rail_contact",
    "rail_levels_uV",
    "rail_reach_uV",
    "rail_runs",
    "rails_from_range_uV",
]
