"""Scored annotations: hypnograms and events from EDF+, NSRR / Profusion / Embla XML,
SOMNOmedics, RemLogic, Stanford SEV .SCO/.STA, CSV/TSV and stage text, normalised and
lined up with the recording.

>>> ann = read_annotations("night-Hypnogram.edf", recording_start=rec.start,
...                        recording_duration_s=rec.duration_s)     # doctest: +SKIP
>>> ann.hypnogram.total_sleep_time_s, ann.events.select("arousal")  # doctest: +SKIP

The supported formats, the label table and the alignment tolerances are documented in
``docs/annotation-formats.md``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import warnings as _warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from somnomotor._errors import AnnotationError, ParameterError, SomnomotorWarning
from somnomotor.events import EventTable
from somnomotor.hypnogram import Hypnogram
from somnomotor.io.annotations._common import (
    UTF16_BOMS,
    RawAnnotations,
    check_exists,
    read_text_lines,
)
from somnomotor.io.annotations.align import clock_offset_s, fit_to_recording
from somnomotor.io.annotations.edfplus import looks_like_edf, read_edfplus
from somnomotor.io.annotations.labels import normalise_stage
from somnomotor.io.annotations.normalise import check_limb_labels, from_labelled_events
from somnomotor.io.annotations.nsrr_xml import looks_like_xml, read_nsrr_xml
from somnomotor.io.annotations.remlogic import looks_like_remlogic, read_remlogic
from somnomotor.io.annotations.sev import looks_like_sco, looks_like_sta, read_sco, read_sta
from somnomotor.io.annotations.somnomedics import looks_like_somnomedics, read_somnomedics
from somnomotor.io.annotations.text import (
    looks_like_stage_text,
    looks_like_table,
    read_stage_text,
    read_table,
)

logger = logging.getLogger(__name__)

#: Format names accepted by ``read_annotations(format=...)``.
FORMATS: tuple[str, ...] = ("edf", "nsrr_xml", "somnomedics", "remlogic", "sev_sco", "sev_sta",
                            "table", "stages")

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Annotations:
    """Annotations read from one or more files, lined up with the recording.

    Parameters
    ----------
    hypnogram : Hypnogram or None
        Stages per 30-s epoch, ``None`` when the files hold no stages.
    events : EventTable
        Non-stage events (``trial_type`` apnea, hypopnea, rera, arousal, lights_off,
        lights_on, limb_movement, other) with columns ``label`` and ``side``; onsets in s
        from the recording start (from the annotation start if that was not given).
    warnings : tuple of str
        Doubts raised while reading (clipped events, unscored gaps ...).
    source : str
        File name(s) the annotations come from.
    start : datetime or None
        Wall-clock time onsets count from: the recording start when given, otherwise the
        annotation file's own start (``None`` for formats without clock times).
    """

    hypnogram: Hypnogram | None
    events: EventTable
    warnings: tuple[str, ...]
    source: str
    start: dt.datetime | None


def detect_format(path: Path) -> str:
    """The format of an annotation file (one of :data:`FORMATS`), from content and extension.

    Raises
    ------
    AnnotationError
        When the content matches no supported format.
    """
    with open(path, "rb") as handle:
        head = handle.read(256)
    suffix = path.suffix.lower()
    if looks_like_edf(head) or suffix in (".edf", ".bdf", ".rec"):
        return "edf"
    if looks_like_xml(head) or suffix == ".xml":
        return "nsrr_xml"
    if b"\x00" in head and head[:2] not in UTF16_BOMS:
        # Text exports never hold NUL bytes; quoting a binary "first line" helps nobody.
        raise AnnotationError(
            f"annotation file {str(path)!r} is binary (it starts with {head[:8]!r}) and not "
            f"EDF+; supported are EDF+, NSRR XML, SOMNOmedics and RemLogic text exports, "
            f"CSV/TSV with onset, duration and label columns, and one sleep stage per line"
        )
    lines = read_text_lines(path)
    if looks_like_somnomedics(lines):
        return "somnomedics"
    if looks_like_remlogic(lines):
        return "remlogic"
    if looks_like_sco(lines):
        return "sev_sco"
    if looks_like_sta(lines):
        return "sev_sta"
    if looks_like_table(lines):
        return "table"
    if looks_like_stage_text(lines):
        return "stages"
    first = next((line for line in lines if line.strip()), "")
    raise AnnotationError(
        f"cannot tell the format of annotation file {str(path)!r} (first line {first[:80]!r}); "
        f"supported are EDF+, NSRR XML, SOMNOmedics and RemLogic text exports, CSV/TSV with "
        f"onset, duration and label columns, and one sleep stage per line"
    )


def _parse(path: Path, fmt: str) -> RawAnnotations:
    if fmt == "edf":
        return read_edfplus(path)
    if fmt == "nsrr_xml":
        return read_nsrr_xml(path)
    if fmt == "somnomedics":
        return read_somnomedics(path)
    lines = read_text_lines(path)
    if fmt == "remlogic":
        return read_remlogic(path, lines)
    if fmt == "sev_sco":
        return read_sco(path, lines)
    if fmt == "sev_sta":
        return read_sta(path, lines)
    if fmt == "table":
        return read_table(path, lines)
    return read_stage_text(path, lines)


def read_annotations(
    path: PathLike | Sequence[PathLike],
    *,
    recording_start: dt.datetime | None = None,
    recording_duration_s: float | None = None,
    format: str | None = None,
    stage_map: Mapping[str, str] | None = None,
) -> Annotations:
    """Read scored annotations and line them up with the recording.

    Parameters
    ----------
    path : path or list of paths
        One annotation file, or several files of one night that are merged (SOMNOmedics
        writes one file per event type: "Sleep profile - X.txt", "Classification Arousals -
        X.txt", "Flow Events - X.txt" ...).
    recording_start : datetime, optional
        Wall-clock start of the recording. Files with clock times (EDF+, SOMNOmedics,
        RemLogic) are shifted by (file start - recording start). When ``None`` onsets count
        from the (earliest) annotation file's own start.
    recording_duration_s : float, optional
        Length of the recording in s. When given, annotations are checked against it and
        trimmed (see :mod:`somnomotor.io.annotations.align` for the tolerances).
    format : str, optional
        Force a format (one of :data:`FORMATS`); detected from content and extension
        when ``None``.
    stage_map : mapping of str to str, optional
        Stage labels the label table does not know, mapped to a stage
        (``{"Stage Q": "N2"}``, as ``--stage-map "Stage Q=N2"``); unknown stage labels
        that are not mapped count as unscored and are named in a warning.

    Returns
    -------
    Annotations

    Raises
    ------
    InputFileNotFoundError
        A file does not exist.
    AnnotationError
        A file cannot be parsed (the message names file and line), its format is unknown,
        the annotations do not fit the recording, or events look like leg movements
        ("LM", "limb", "leg" in their labels) but none is recognised as one.
    """
    paths = [check_exists(p) for p in ([path] if isinstance(path, (str, os.PathLike)) else path)]
    if not paths:
        raise ParameterError("read_annotations needs at least one path; received an empty list")
    if format is not None and format not in FORMATS:
        raise ParameterError(f"unknown annotation format {format!r}; allowed are {list(FORMATS)}")
    if recording_duration_s is not None and not recording_duration_s > 0:
        raise ParameterError(
            f"recording_duration_s must be > 0 s, received {recording_duration_s!r}"
        )
    source = ", ".join(p.name for p in paths)
    parsed = [_parse(p, format or detect_format(p)) for p in paths]
    warnings = [w for raw in parsed for w in raw.warnings]
    warnings += [f"{file.name}: holds no annotations" for file, raw in zip(paths, parsed,
                                                                            strict=True)
                 if not raw.labels]

    starts = [raw.start for raw in parsed if raw.start is not None]
    reference = recording_start if recording_start is not None else (
        min(starts) if starts else None)
    onsets: list[np.ndarray] = []
    for file, raw in zip(paths, parsed, strict=True):
        shift = 0.0
        if raw.start is not None and reference is not None:
            shift = clock_offset_s(raw.start, reference, date_known=raw.date_known)
            if not raw.date_known and recording_start is not None:
                warnings.append(
                    f"{file.name}: the file's date is unknown or anonymised; it is aligned "
                    f"to the recording by the time of day only ({shift:+.1f} s)"
                )
        elif raw.start is None and starts and recording_start is None and raw.labels:
            warnings.append(
                f"{file.name}: has no clock times; its onsets are taken as seconds from the "
                f"start of the other files"
            )
        if shift:
            logger.debug("%s: shifted by %.3f s to the recording start", file.name, shift)
        onsets.append(np.asarray(raw.onset_s, dtype=float) + shift)

    epochs = {raw.epoch_s for raw in parsed if raw.labels}
    epoch_s = epochs.pop() if len(epochs) == 1 else 30.0
    hypnogram, events, more = from_labelled_events(
        np.concatenate(onsets) if onsets else np.zeros(0),
        [d for raw in parsed for d in raw.duration_s],
        [lab for raw in parsed for lab in raw.labels],
        channels=[c for raw in parsed for c in raw.channels],
        source=source,
        epoch_s=epoch_s,
        stage_map=stage_map,
    )
    check_limb_labels(events, source)
    warnings += more
    stage_files = [f.name for f, raw in zip(paths, parsed, strict=True)
                   if any(normalise_stage(lab) for lab in raw.labels)]
    if hypnogram is not None and 0 < len(stage_files) < len(paths):
        # Name only the files the stages came from (e.g. the SOMNOmedics "Sleep profile").
        hypnogram = replace(hypnogram, source=f"scored: {', '.join(stage_files)}")
    if recording_duration_s is not None:
        hypnogram, events, more = fit_to_recording(
            hypnogram, events, recording_duration_s=recording_duration_s, source=source
        )
        warnings += more
    for message in warnings:
        logger.info("%s", message)
        if "is not a sleep stage somnomotor knows" in message:
            # changes total sleep time and every index: say it on stderr, not only in the log
            _warnings.warn(message, SomnomotorWarning, stacklevel=2)
    return Annotations(hypnogram=hypnogram, events=events, warnings=tuple(warnings),
                       source=source, start=reference)


__all__ = ["FORMATS", "Annotations", "detect_format", "from_labelled_events", "read_annotations"]
