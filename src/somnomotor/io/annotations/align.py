"""Line annotations up with the recording: stage epochs on a grid, clock offsets, clipping.

Tolerances (all documented in ``docs/annotation-formats.md``):

* :data:`GRID_TOLERANCE_S` (0.5 s): every stage annotation must start within 0.5 s of
  ``first stage onset + k x epoch_s`` and last a whole number of epochs within 0.5 s
  (a zero or missing duration means one epoch). Anything else is not a 30-s hypnogram
  (AASM Manual v2.6: 30-s epochs from the start of the study) and raises.
* A hypnogram may stick out of the recording; epochs wholly outside are dropped with a
  warning. It raises when it starts more than one epoch after the recording end, ends more
  than one epoch before its start, or covers less than :data:`MIN_COVERAGE` (10 %) of it.
* Events wholly outside ``0 .. recording_duration_s`` are dropped and events straddling an
  edge are clipped, both with a count in the warnings; when *nothing* in the file lies
  inside the recording, the file (or the recording start) is wrong and that raises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from somnomotor._errors import AnnotationError
from somnomotor.events import EventTable
from somnomotor.hypnogram import UNSCORED, Hypnogram

#: Largest distance in s of a stage onset from the epoch grid, and of a stage duration from
#: a whole number of epochs.
GRID_TOLERANCE_S = 0.5
#: Smallest part of the recording a hypnogram must cover (fraction of the duration).
MIN_COVERAGE = 0.10
_DAY_S = 86400.0


def clock_offset_s(
    file_start: dt.datetime, recording_start: dt.datetime, *, date_known: bool = True
) -> float:
    """Seconds to add to the file's onsets to count them from the recording start.

    When the file's date is anonymised (``date_known=False``) only the time of day is
    compared, and the offset closest to zero (within ±12 h) is taken.
    """
    a = file_start.replace(tzinfo=None)
    b = recording_start.replace(tzinfo=None)
    offset = (a - b).total_seconds()
    if not date_known:
        offset = (offset + _DAY_S / 2) % _DAY_S - _DAY_S / 2
    return offset


def stages_to_hypnogram(
    onset_s: Sequence[float] | np.ndarray,
    duration_s: Sequence[float] | np.ndarray,
    stages: Sequence[str],
    *,
    epoch_s: float,
    source: str,
    analysis_start_s: float | None = None,
    analysis_end_s: float | None = None,
) -> tuple[Hypnogram, list[str]]:
    """Expand stage annotations (one per epoch or one per run of epochs) into a hypnogram.

    Parameters
    ----------
    onset_s, duration_s : sequence of float
        Onset and duration of each stage annotation in s; a duration of 0 or NaN means one
        epoch.
    stages : sequence of str
        Normalised stages (``W N1 N2 N3 R MT UNS``).
    epoch_s : float
        Epoch length in s.
    source : str
        File name(s), for messages and :attr:`Hypnogram.source`.
    analysis_start_s, analysis_end_s : float or None
        Lights off / lights on in s.

    Returns
    -------
    hypnogram : Hypnogram
        Starts at the first stage onset; epochs no annotation covers are ``UNS``.
    warnings : list of str
    """
    onsets = np.asarray(onset_s, dtype=float)
    durations = np.nan_to_num(np.asarray(duration_s, dtype=float), nan=0.0)
    order = np.argsort(onsets, kind="stable")
    onsets, durations = onsets[order], durations[order]
    labels = [stages[i] for i in order]
    origin = float(onsets[0])
    position = (onsets - origin) / epoch_s
    index = np.round(position).astype(np.int64)
    off_grid = np.abs(position - index) * epoch_s > GRID_TOLERANCE_S
    if off_grid.any():
        first = int(np.flatnonzero(off_grid)[0])
        raise AnnotationError(
            f"stage annotations of {source} are not on a consistent {epoch_s:g}-s grid: "
            f"{int(off_grid.sum())} of {onsets.size} stage onsets lie between epochs, the first "
            f"at {onsets[first]:.3f} s ({(position[first] - index[first]) * epoch_s:+.3f} s "
            f"from the grid); expected onsets {origin:.3f} s + k x {epoch_s:g} s "
            f"(tolerance ±{GRID_TOLERANCE_S} s)"
        )
    n_epochs = np.maximum(1, np.round(durations / epoch_s)).astype(np.int64)
    bad_len = (durations > 0) & (np.abs(durations - n_epochs * epoch_s) > GRID_TOLERANCE_S)
    if bad_len.any():
        first = int(np.flatnonzero(bad_len)[0])
        raise AnnotationError(
            f"stage annotations of {source} do not last whole {epoch_s:g}-s epochs: "
            f"{int(bad_len.sum())} do not, the first at {onsets[first]:.3f} s lasting "
            f"{durations[first]:.3f} s; expected a multiple of {epoch_s:g} s "
            f"(tolerance ±{GRID_TOLERANCE_S} s)"
        )
    total = int((index + n_epochs).max())
    out = np.full(total, UNSCORED, dtype=object)
    assigned = np.zeros(total, dtype=bool)
    conflicts = 0
    for start, count, stage in zip(index, n_epochs, labels, strict=True):
        span = slice(int(start), int(start + count))
        conflicts += int(np.sum(assigned[span] & (out[span] != stage)))
        out[span] = stage
        assigned[span] = True
    warnings: list[str] = []
    gaps = int((~assigned).sum())
    if gaps:
        warnings.append(
            f"{source}: {gaps} epoch(s) of {epoch_s:g} s inside the scored span had no stage "
            f"annotation and are counted as unscored (UNS)"
        )
    if conflicts:
        warnings.append(
            f"{source}: {conflicts} epoch(s) had two different stage annotations; the later "
            f"annotation in the file was kept"
        )
    hypnogram = Hypnogram(
        stages=tuple(out), epoch_s=epoch_s, onset_s=origin, analysis_start_s=analysis_start_s,
        analysis_end_s=analysis_end_s, source=f"scored: {source}",
    )
    return hypnogram, warnings


def fit_to_recording(
    hypnogram: Hypnogram | None,
    events: EventTable,
    *,
    recording_duration_s: float,
    source: str,
) -> tuple[Hypnogram | None, EventTable, list[str]]:
    """Check that annotations lie in ``0 .. recording_duration_s``; trim what sticks out.

    Raises
    ------
    AnnotationError
        When the hypnogram does not line up with the recording (see the module docstring)
        or when nothing in the annotations lies inside the recording.
    """
    duration = float(recording_duration_s)
    warnings: list[str] = []
    if hypnogram is not None and len(hypnogram):
        hypnogram, hyp_warnings = _fit_hypnogram(hypnogram, duration, source)
        warnings += hyp_warnings
    if len(events):
        onset, offset = events.onset_s, events.offset_s
        outside = (offset < 0.0) | (onset > duration)
        if outside.all() and hypnogram is None:
            raise AnnotationError(
                f"all {len(events)} annotations of {source} lie outside the recording "
                f"(0 to {duration:.1f} s): onsets from {onset.min():.1f} s to "
                f"{onset.max():.1f} s; is the recording start or the annotation file wrong?"
            )
        frame = events.frame.loc[~outside].copy()
        clipped = int(((frame["onset_s"] < 0.0) |
                       (frame["onset_s"] + frame["duration_s"] > duration)).sum())
        if clipped:
            new_on = frame["onset_s"].clip(lower=0.0, upper=duration)
            new_off = (frame["onset_s"] + frame["duration_s"]).clip(lower=0.0, upper=duration)
            frame["onset_s"] = new_on
            frame["duration_s"] = new_off - new_on
        if outside.any():
            warnings.append(
                f"{source}: {int(outside.sum())} of {len(events)} annotation(s) lie wholly "
                f"outside the recording (0 to {duration:.1f} s) and were dropped"
            )
        if clipped:
            warnings.append(
                f"{source}: {clipped} annotation(s) reach past an edge of the recording "
                f"(0 to {duration:.1f} s) and were clipped to it"
            )
        events = EventTable(frame)
    return hypnogram, events, warnings


def _fit_hypnogram(
    hypnogram: Hypnogram, duration: float, source: str
) -> tuple[Hypnogram, list[str]]:
    epoch = hypnogram.epoch_s
    start, end = hypnogram.onset_s, hypnogram.end_s
    if start > duration + epoch:
        raise AnnotationError(
            f"the hypnogram of {source} starts at {start:.1f} s, more than one epoch "
            f"({epoch:g} s) after the recording end at {duration:.1f} s; expected it to start "
            f"within the recording (is the recording start right?)"
        )
    if end < -epoch:
        raise AnnotationError(
            f"the hypnogram of {source} ends at {end:.1f} s, more than one epoch ({epoch:g} s) "
            f"before the recording start; expected it to overlap the recording "
            f"(0 to {duration:.1f} s)"
        )
    covered = max(0.0, min(end, duration) - max(start, 0.0))
    if duration > 0 and covered < MIN_COVERAGE * duration:
        raise AnnotationError(
            f"the hypnogram of {source} covers only {covered:.0f} s "
            f"({100 * covered / duration:.1f} %) of the {duration:.0f}-s recording "
            f"(it spans {start:.1f} to {end:.1f} s); expected at least "
            f"{100 * MIN_COVERAGE:.0f} %"
        )
    starts = start + np.arange(len(hypnogram)) * epoch
    keep = (starts + epoch > 0.0) & (starts < duration)
    dropped = int((~keep).sum())
    if not dropped:
        return hypnogram, []
    first = int(np.flatnonzero(keep)[0])
    last = int(np.flatnonzero(keep)[-1])
    trimmed = Hypnogram(
        stages=hypnogram.stages[first:last + 1], epoch_s=epoch, onset_s=float(starts[first]),
        analysis_start_s=hypnogram.analysis_start_s, analysis_end_s=hypnogram.analysis_end_s,
        source=hypnogram.source,
    )
    message = (f"{source}: {dropped} hypnogram epoch(s) lie wholly outside the recording "
               f"(0 to {duration:.1f} s) and were dropped")
    return trimmed, [message]


__all__ = [
    "GRID_TOLERANCE_S",
    "MIN_COVERAGE",
    "clock_offset_s",
    "fit_to_recording",
    "stages_to_hypnogram",
]
