"""The shared label normaliser: labelled events of any format to a hypnogram and events."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence

import numpy as np

from somnomotor._errors import AnnotationError, ParameterError
from somnomotor.events import NOT_APPLICABLE, EventTable
from somnomotor.hypnogram import Hypnogram
from somnomotor.io.annotations._common import MAX_TIME_S
from somnomotor.io.annotations.align import stages_to_hypnogram
from somnomotor.hypnogram import STAGES
from somnomotor.io.annotations.labels import (
    LIMB_LIKE,
    classify_event,
    label_key,
    normalise_stage,
    side_of,
)

logger = logging.getLogger(__name__)

#: Scored limb movements shorter than this (s) are not leg movements: WASM 2016 and AASM
#: both require at least 0.5 s (Ferri et al., Sleep Med 2016;26:86-95,
#: doi:10.1016/j.sleep.2016.10.010). Such rows (RemLogic exports hold zero-length PLM-LM
#: rows) are kept as ``other`` with their label, and counted in a warning.
MIN_LIMB_MOVEMENT_S = 0.5

EVENT_COLUMNS: tuple[str, ...] = ("label", "side")

#: Labels that name a sleep stage by their form ("Stage Q", "Sleep stage X", "SLEEP-S9")
#: although the stage is not one we know. Read as an event they would leave their epochs
#: unscored without a word; they are kept as unscored stages and named in a warning.
STAGE_LIKE = re.compile(r"^(?:sleep[\s_-]*)?stage\b|^sleep-\w+$")
_LIMB_LIKE = re.compile(LIMB_LIKE)


def normalise_stage_map(stage_map: Mapping[str, str] | None) -> dict[str, str]:
    """A user's label -> stage map keyed like the labels are looked up.

    Raises
    ------
    ParameterError
        A target that is not a stage (``W N1 N2 N3 R MT UNS`` or a name of one).
    """
    out: dict[str, str] = {}
    for label, target in (stage_map or {}).items():
        stage = target.strip().upper() if target.strip().upper() in STAGES else (
            normalise_stage(target))
        if stage is None:
            raise ParameterError(
                f"--stage-map {label}={target}: {target!r} is not a sleep stage; allowed are "
                f"{list(STAGES)} (or a name of one, e.g. REM, Wake)"
            )
        out[label_key(label)] = stage
    return out


def check_limb_labels(events: EventTable, source: str) -> None:
    """Refuse events that look like leg movements when none of them was recognised.

    Scoring such a file would report a night without a single leg movement.

    Raises
    ------
    AnnotationError
        Naming the labels seen.
    """
    if not len(events) or "label" not in events.frame.columns:
        return
    labels = [str(x) for x in events.frame["label"]]
    if any(classify_event(lab) == "limb_movement" for lab in labels):
        return
    # only labels read as nothing at all: "PLM Arousal" is an arousal, rightly
    others = [str(lab) for lab, kind in zip(events.frame["label"], events.frame["trial_type"],
                                             strict=True) if kind == "other"]
    looking = sorted({lab for lab in others if _LIMB_LIKE.search(lab.lower())})
    if looking:
        raise AnnotationError(
            f"{source}: events look like leg movements ({', '.join(map(repr, looking[:8]))}) "
            f"but none is a label somnomotor reads as a limb movement, so every leg index "
            f"would be 0; rename them (e.g. 'Limb movement (left)', 'LM', 'PLM') or see "
            f"docs/annotation-formats.md for the labels read"
        )


def from_labelled_events(
    onset_s: Sequence[float] | np.ndarray,
    duration_s: Sequence[float] | np.ndarray,
    labels: Sequence[str],
    *,
    source: str,
    channels: Sequence[str] | None = None,
    epoch_s: float = 30.0,
    stage_map: Mapping[str, str] | None = None,
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
    stage_map : mapping of str to str, optional
        Label -> stage (``{"Stage Q": "N2"}``) for stage labels the table does not know;
        matched case-insensitively. A stage-like label that is neither known nor mapped
        (:data:`STAGE_LIKE`) counts as unscored and is named in a warning with its epochs.

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
    with np.errstate(invalid="ignore"):
        beyond = (np.abs(onsets) > MAX_TIME_S) | (np.nan_to_num(durations) > MAX_TIME_S)
    if beyond.any():
        # every reader gets here; the table reader already names the line
        bad = int(np.flatnonzero(beyond)[0])
        raise AnnotationError(
            f"annotation {bad + 1} of {source} ({texts[bad]!r}) has onset {onsets[bad]!r} s "
            f"and duration {durations[bad]!r} s; allowed are values within "
            f"+-{MAX_TIME_S:g} s (one week)"
        )
    durations = np.where(np.isfinite(durations) & (durations > 0), durations, 0.0)
    warnings: list[str] = []

    stage_rows: list[int] = []
    stages: list[str] = []
    ev_on, ev_dur, ev_kind, ev_chan, ev_label, ev_side = [], [], [], [], [], []
    too_short = 0
    mapping = normalise_stage_map(stage_map)
    used: set[str] = set()
    unknown: dict[str, int] = {}
    for i, raw_text in enumerate(texts):
        # MNE writes the channel into EDF+ texts as "label@@channel".
        text, sep, suffix = raw_text.partition("@@")
        text = text.strip()
        if sep and suffix.strip() and chans[i] == NOT_APPLICABLE:
            chans[i] = suffix.strip()
        key = label_key(text)
        stage = mapping.get(key) or normalise_stage(text)
        if key in mapping:
            used.add(key)
        if stage is None and STAGE_LIKE.search(key):
            stage = "UNS"
            unknown[text] = unknown.get(text, 0) + max(1, round(durations[i] / epoch_s))
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
    for label, n_epochs in unknown.items():
        warnings.append(
            f"{source}: stage label {label!r} is not a sleep stage somnomotor knows; its "
            f"{n_epochs} epoch(s) count as unscored, which shortens total sleep time and "
            f"changes every per-hour index; map it with --stage-map '{label}=N2' (any of "
            f"{', '.join(STAGES)})"
        )
    for key in mapping.keys() - used:
        warnings.append(f"{source}: --stage-map {key!r} matches no label in the file")
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


__all__ = ["EVENT_COLUMNS", "MIN_LIMB_MOVEMENT_S", "STAGE_LIKE", "check_limb_labels",
           "from_labelled_events", "normalise_stage_map"]
