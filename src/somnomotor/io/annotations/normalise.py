"""The shared label normaliser: labelled events of any format to a hypnogram and events."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from somnomotor._errors import AnnotationError, ParameterError
from somnomotor.events import NOT_APPLICABLE, EventTable
from somnomotor.hypnogram import Hypnogram
from somnomotor.io.annotations.align import stages_to_hypnogram
from somnomotor.io.annotations.labels import classify_event, normalise_stage, side_of

logger = logging.getLogger(__name__)

#: Scored limb movements shorter than this (s) are not leg movements: WASM 2016 and AASM
#: both require at least 0.5 s (Ferri et al., Sleep Med 2016;26:86-95,
#: doi:10.1016/j.sleep.2016.10.010). Such rows (RemLogic exports hold zero-length PLM-LM
#: rows) are kept as ``other`` with their label, and counted in a warning.
MIN_LIMB_MOVEMENT_S = 0.5

EVENT_COLUMNS: tuple[str, ...] = ("label", "side")


def from_labelled_events(
    onset_s: Sequence[float] | np.ndarray,
    duration_s: Sequence[float] | np.ndarray,
    labels: Sequence[str],
    *,
    source: str,
    channels: Sequence[str] | None = None,
    epoch_s: float = 30.0,
) -> tuple[Hypnogram | None, EventTable, list[str]]:
    """Sort labelled events into a hypnogram and a table of normalised events.

    Used by every annotation reader and by the EDF reader for embedded EDF+ annotations.

    Parameters
    ----------
    onset_s : sequence of float
        Onsets in s from the recording start.
    duration_s : sequence of float
        Durations in s; NaN or 0 when unknown (a stage annotation then lasts one epoch).
    labels : sequence of str
        Text of each annotation as in the file; a ``"label@@channel"`` text (written by
        MNE into EDF+) is split into label and channel.
    source : str
        Where the annotations come from (file name), used in messages and in
        ``Hypnogram.source`` (``"scored: <source>"``).
    channels : sequence of str, optional
        Channel of each annotation (``"n/a"`` when none); for limb movements it is searched
        for the leg when the label names none.
    epoch_s : float, default 30.0
        Epoch length in s (AASM: 30 s).

    Returns
    -------
    hypnogram : Hypnogram or None
        ``None`` when no label is a sleep stage. Stage annotations lasting several epochs
        are expanded; gaps become ``UNS``. Lights off / lights on set
        ``analysis_start_s`` / ``analysis_end_s``.
    events : EventTable
        Every non-stage annotation, ``trial_type`` one of ``apnea hypopnea rera arousal
        lights_off lights_on limb_movement other``, with columns ``label`` (original text)
        and ``side`` (``left right bilateral unknown`` for limb movements, ``n/a`` else).
    warnings : list of str

    Raises
    ------
    AnnotationError
        When the stage annotations are not on a consistent ``epoch_s`` grid.
    """
    onsets = np.asarray(onset_s, dtype=float).ravel()
    durations = np.asarray(duration_s, dtype=float).ravel()
    texts = [str(x) for x in labels]
    chans = [NOT_APPLICABLE] * len(texts) if channels is None else [
        str(c) if c not in (None, "") else NOT_APPLICABLE for c in channels
    ]
    if not onsets.size == durations.size == len(texts) == len(chans):
        raise ParameterError(
            f"onset_s, duration_s, labels and channels must have one entry per annotation; "
            f"received lengths {onsets.size}, {durations.size}, {len(texts)}, {len(chans)}"
        )
    if not epoch_s > 0:
        raise ParameterError(f"epoch_s must be > 0 s, received {epoch_s!r}")
    if not np.isfinite(onsets).all():
        bad = int(np.flatnonzero(~np.isfinite(onsets))[0])
        raise AnnotationError(
            f"annotation {bad + 1} of {source} ({texts[bad]!r}) has no finite onset; "
            f"received {onsets[bad]!r}"
        )
    durations = np.where(np.isfinite(durations) & (durations > 0), durations, 0.0)
    warnings: list[str] = []

    stage_rows: list[int] = []
    stages: list[str] = []
    ev_on, ev_dur, ev_kind, ev_chan, ev_label, ev_side = [], [], [], [], [], []
    too_short = 0
    for i, raw_text in enumerate(texts):
        # MNE writes the channel into EDF+ texts as "label@@channel".
        text, sep, suffix = raw_text.partition("@@")
        text = text.strip()
        if sep and suffix.strip() and chans[i] == NOT_APPLICABLE:
            chans[i] = suffix.strip()
        stage = normalise_stage(text)
        if stage is not None:
            stage_rows.append(i)
            stages.append(stage)
            continue
        kind = classify_event(text)
        side = NOT_APPLICABLE
        if kind == "limb_movement":
            if durations[i] < MIN_LIMB_MOVEMENT_S:
                kind = "other"
                too_short += 1
            else:
                side = side_of(text, chans[i] if chans[i] != NOT_APPLICABLE else None)
        ev_on.append(onsets[i])
        ev_dur.append(durations[i])
        ev_kind.append(kind)
        ev_chan.append(chans[i])
        ev_label.append(text)
        ev_side.append(side)
    if too_short:
        warnings.append(
            f"{source}: {too_short} limb-movement annotation(s) last less than "
            f"{MIN_LIMB_MOVEMENT_S} s (the WASM/AASM minimum) and were kept as 'other'"
        )

    if ev_on:
        events = EventTable.from_arrays(ev_on, ev_dur, ev_kind, ev_chan, label=ev_label,
                                        side=ev_side)
    else:
        events = EventTable.empty(EVENT_COLUMNS)

    hypnogram: Hypnogram | None = None
    if stage_rows:
        lights_off = [o for o, k in zip(ev_on, ev_kind, strict=True) if k == "lights_off"]
        lights_on = [o for o, k in zip(ev_on, ev_kind, strict=True) if k == "lights_on"]
        if len(lights_off) > 1 or len(lights_on) > 1:
            warnings.append(
                f"{source}: {len(lights_off)} lights-off and {len(lights_on)} lights-on "
                f"annotations; the analysis period runs from the first lights off to the "
                f"last lights on"
            )
        start = min(lights_off) if lights_off else None
        end = max(lights_on) if lights_on else None
        if start is not None and end is not None and end <= start:
            warnings.append(
                f"{source}: lights on ({end:.1f} s) is not after lights off ({start:.1f} s); "
                f"both are ignored for the analysis period"
            )
            start = end = None
        hypnogram, hyp_warnings = stages_to_hypnogram(
            onsets[stage_rows], durations[stage_rows], stages, epoch_s=epoch_s, source=source,
            analysis_start_s=start, analysis_end_s=end,
        )
        warnings += hyp_warnings
    logger.debug("%s: %d stage annotations, %d events", source, len(stage_rows), len(ev_on))
    return hypnogram, events, warnings


__all__ = ["EVENT_COLUMNS", "MIN_LIMB_MOVEMENT_S", "from_labelled_events"]
