"""Checks and small tables of the leg-movement detector (:mod:`somnomotor.detect.leg_movements`).

A leg channel with nothing to score all night (no samples, NaN/inf, constant) raises
:class:`_Unusable`, which the detector turns into a per-channel verdict: the leg is left out
when another can be scored (docs/leg-movement-detection.md, "One unusable leg").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from somnomotor._errors import ParameterError, SignalQualityError
from somnomotor.events import EventTable
from somnomotor.recording import Channel
from somnomotor.signal.filters import BlockEnvelope
from somnomotor.signal.quality import REASONS, runs


def _check_channel(ch: Channel, n_samples: int) -> None:
    """Checks that need no pass over the samples (the sample checks: :func:`_check_blocks`)."""
    if ch.fs_hz < 2.2 * 10.0 + 1:
        raise ParameterError(
            f"leg channel {ch.label!r} is sampled at {ch.fs_hz} Hz; leg EMG needs at least "
            "50 Hz (AASM asks for 200 Hz, 500 Hz desirable)")
    if n_samples == 0:
        raise _Unusable("no samples", f"leg channel {ch.label!r} has no samples")


class _Unusable(SignalQualityError):
    """A leg channel with nothing to score all night; ``reason`` is the short form."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _check_blocks(ch: Channel, read: Callable[[int, int], np.ndarray],
                  blocks: BlockEnvelope) -> None:
    """NaN/inf and constant channels, from the block statistics of the filter pass (a NaN or
    inf sample makes the filtered envelope non-finite; a constant channel has no jump).
    ``read(start, stop)`` reads the channel's samples (only the first is read, to name the
    constant)."""
    if not np.isfinite(np.sum(blocks.envelope_uV, dtype=np.float64)):
        raise _Unusable(
            "contains NaN or infinite samples", f"leg channel {ch.label!r} contains NaN or "
            "infinite samples; expected finite µV")
    if float(blocks.max_jump_uV.max()) == 0.0:
        lo = float(read(0, 1)[0])
        what = "all zero" if lo == 0 else f"constant at {lo:g} µV"
        rail = (ch.physical_range is not None and ch.unit == "uV"
                and lo in (float(ch.physical_range[0]), float(ch.physical_range[1])))
        short = ("flat all night (all zero)" if lo == 0 else
                 f"saturated all night (at the rail, {lo:g} µV)" if rail else
                 f"flat all night (constant at {lo:g} µV)")
        raise _Unusable(
            short,
            f"leg channel {ch.label!r} is {what} over the whole recording: no EMG to score "
            "(electrode disconnected or wrong channel). Check the channel or assign another "
            "with --channel leg_left=LABEL / leg_right=LABEL")


def _weighted_median(values: np.ndarray, counts: np.ndarray) -> float:
    """``np.median`` of ``values`` each repeated ``counts`` times (NaN if none), without
    building the repeated array."""
    keep = counts > 0
    v = values[keep]
    c = counts[keep]
    total = int(c.sum())
    if total == 0:
        return float("nan")
    order = np.argsort(v, kind="stable")
    v, cum = v[order], np.cumsum(c[order])

    def at(pos: int) -> np.floating:
        return v[int(np.searchsorted(cum, pos, side="right"))]

    if total % 2:
        return float(at(total // 2))
    return float((at(total // 2 - 1) + at(total // 2)) / 2)  # same dtype arithmetic as np.median


def _scorable_median(base_c: np.ndarray, unscorable: np.ndarray, k: int) -> float:
    """Median of the baseline ``base_c`` (one value per ``k`` envelope samples) over the
    scorable samples (``~unscorable``, one per envelope sample): each value weighted by
    its block's length less its unscorable samples (no inverted mask: memory; int32 below
    2**31 samples)."""
    n = unscorable.size
    count_type = np.int32 if n < 2**31 else np.int64
    counts = np.full(base_c.size, k, dtype=count_type)
    counts[-1] = n - k * (base_c.size - 1)
    if unscorable.any():
        counts -= np.add.reduceat(unscorable.view(np.uint8), np.arange(0, n, k),
                                  dtype=count_type)
    counts[~np.isfinite(base_c)] = 0
    return _weighted_median(base_c, counts)


def _intervals_table(masks: Mapping[str, np.ndarray], fs_env: float, label: str) -> EventTable:
    onsets: list[float] = []
    durs: list[float] = []
    reasons: list[str] = []
    for reason in REASONS:
        mask = masks.get(reason)
        if mask is None:
            continue
        for s, e in zip(*runs(mask)):
            onsets.append(s / fs_env)
            durs.append((e - s) / fs_env)
            reasons.append(reason)
    if not onsets:
        return EventTable.empty(("reason",))
    return EventTable.from_arrays(onsets, durs, "unscorable", label, reason=reasons)
