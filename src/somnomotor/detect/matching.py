"""Event matching for accuracy checks: one-to-one greedy matching by intersection over union.

Used by tests and benchmarks to compare detected events with ground truth (simulated or
scored). Pairs are taken in order of decreasing IoU; each event is matched at most once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from somnomotor._errors import ParameterError


@dataclass(frozen=True)
class MatchResult:
    """Counts and rates of a matching.

    Attributes
    ----------
    tp, fp, fn : int
        Matched detections, unmatched detections, unmatched true events.
    precision, recall, f1 : float
        ``tp/(tp+fp)``, ``tp/(tp+fn)`` and their harmonic mean; 1.0 when both sets are empty.
    pairs : tuple of (int, int)
        Matched (detected index, true index) pairs.
    """

    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float
    pairs: tuple[tuple[int, int], ...] = ()


def _as_1d(name: str, values: object) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    if not np.isfinite(arr).all():
        raise ParameterError(f"{name} must be finite seconds; received non-finite values")
    return arr


def match_events(
    detected_onsets: object,
    detected_offsets: object,
    true_onsets: object,
    true_offsets: object,
    min_iou: float = 0.2,
) -> MatchResult:
    """Match detected to true events one-to-one, greedily by intersection over union.

    Parameters
    ----------
    detected_onsets, detected_offsets, true_onsets, true_offsets : array-like of float
        Event starts and ends in s.
    min_iou : float
        Smallest IoU (dimensionless, 0-1) that counts as a match (0.2).

    Returns
    -------
    MatchResult
    """
    if not 0 < min_iou <= 1:
        raise ParameterError(f"min_iou must be in (0, 1], received {min_iou!r}")
    d_on = _as_1d("detected_onsets", detected_onsets)
    d_off = _as_1d("detected_offsets", detected_offsets)
    t_on = _as_1d("true_onsets", true_onsets)
    t_off = _as_1d("true_offsets", true_offsets)
    if d_on.size != d_off.size or t_on.size != t_off.size:
        raise ParameterError(
            "onsets and offsets must have the same length; received "
            f"{d_on.size}/{d_off.size} detected and {t_on.size}/{t_off.size} true")
    cand: list[tuple[float, int, int]] = []
    order = np.argsort(t_on, kind="stable")
    t_on_s, t_off_s = t_on[order], t_off[order]
    max_len = float((t_off - t_on).max()) if t_on.size else 0.0
    for i in range(d_on.size):
        # only true events that can overlap: onset < detected offset, offset > detected onset
        lo = int(np.searchsorted(t_on_s, d_on[i] - max_len, side="left"))
        hi = int(np.searchsorted(t_on_s, d_off[i], side="left"))
        for k in range(lo, hi):
            inter = min(d_off[i], t_off_s[k]) - max(d_on[i], t_on_s[k])
            if inter <= 0:
                continue
            union = max(d_off[i], t_off_s[k]) - min(d_on[i], t_on_s[k])
            iou = inter / union if union > 0 else 0.0
            if iou >= min_iou:
                cand.append((iou, i, int(order[k])))
    cand.sort(key=lambda c: -c[0])
    used_d: set[int] = set()
    used_t: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, i, k in cand:
        if i in used_d or k in used_t:
            continue
        used_d.add(i)
        used_t.add(k)
        pairs.append((i, k))
    tp = len(pairs)
    fp = int(d_on.size) - tp
    fn = int(t_on.size) - tp
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return MatchResult(tp, fp, fn, precision, recall, f1, tuple(sorted(pairs)))


__all__ = ["MatchResult", "match_events"]
