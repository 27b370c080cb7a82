"""Exports of an analysed night to reviewers' tools: EDF+, BIDS events, NSRR XML, CSV, Parquet.

The input is either an analysis output folder (``events.tsv`` + ``hypnogram.tsv`` +
``summary.json``, see :mod:`somnomotor.report.outputs`) or an in-memory
:class:`~somnomotor.events.EventTable` and :class:`~somnomotor.hypnogram.Hypnogram`.

=========== ============================================ ==================================
format      file(s)                                       opens in
=========== ============================================ ==================================
``edf``     ``<stem>_annotations.edf``: EDF+C with only    EDFbrowser (File > Import
            an "EDF Annotations" signal, like the Sleep-   annotations, or open beside the
            EDF hypnograms                                 recording), MNE, Luna
``bids``    ``<stem>_events.tsv`` + ``<stem>_events.json`` BIDS tools, pandas, R
``nsrr``    ``<stem>_nsrr.xml``: PSGAnnotation/ScoredEvents NSRR tools, Luna, EDF viewers
                                                           with NSRR XML import
``csv``     ``<stem>_events.csv``                          spreadsheets
``parquet`` ``<stem>_events.parquet`` (typed columns)      pandas, polars, R arrow, DuckDB
=========== ============================================ ==================================

EDF+ and NSRR XML carry one readable label per event (``"PLM left"``, ``"LM bilateral"``,
``"RSWA tonic epoch"``, see :mod:`somnomotor.io.export_labels`) and the stages; by default
they leave out RSWA epochs and mini-epochs without a finding, which would bury the
findings in a viewer (``findings_only=False`` keeps them). The tables keep every row and
column. All files are written atomically (:mod:`somnomotor.io.atomic`).

Every export re-imports with :func:`somnomotor.io.annotations.read_annotations` (EDF+,
NSRR XML, CSV) or pandas (BIDS, Parquet) to the same events and stages.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from somnomotor._errors import InputFileError, InputFileNotFoundError, OutputError, ParameterError
from somnomotor._version import __version__
from somnomotor.events import NOT_APPLICABLE, EventTable
from somnomotor.hypnogram import Hypnogram
from somnomotor.io.atomic import atomic_write_text, atomic_write_with, ensure_writable_dir
from somnomotor.io.export_columns import (
    COMPONENT_TRIAL_TYPE,
    bids_sidecar,
    format_time_columns,
)
from somnomotor.io.export_labels import (
    EDF_STAGE_LABELS,
    NSRR_STAGE_CONCEPTS,
    event_label,
    nsrr_concept,
)

logger = logging.getLogger(__name__)

#: Export formats, in the order ``--format`` lists them.
EXPORT_FORMATS: tuple[str, ...] = ("edf", "bids", "nsrr", "csv", "parquet")

#: trial_type of the per-epoch stage rows in the tabular exports.
STAGE_TRIAL_TYPE = "sleep_stage"

MISSING = "n/a"

# EDF+ TALs separate fields with these bytes; they must not occur inside a text
# (EDF+ specification, Kemp & Olivan 2003, doi:10.1016/S1388-2457(03)00123-8).
_TAL_BYTES = str.maketrans({"\x14": " ", "\x15": " ", "\x00": " "})


@dataclass(frozen=True)
class ExportInput:
    """What an export writes: events, stages and the night's clock.

    Attributes
    ----------
    events : EventTable
        Onsets in s from the recording start.
    hypnogram : Hypnogram or None
    start : datetime or None
        Wall-clock start of the recording (EDF+ header, NSRR "Recording Start Time").
    duration_s : float or None
        Length of the recording in s.
    stem : str
        File-name stem of the exports (the recording's name without extension).
    """

    events: EventTable
    hypnogram: Hypnogram | None = None
    start: dt.datetime | None = None
    duration_s: float | None = None
    stem: str = "somnomotor"


# -- reading an output folder -------------------------------------------------------------
def load_output_folder(folder: str | os.PathLike[str]) -> ExportInput:
    """Read ``events.tsv``, ``hypnogram.tsv`` and ``summary.json`` of an analysis folder.

    Raises
    ------
    InputFileNotFoundError
        The folder or its ``events.tsv`` does not exist.
    InputFileError
        ``summary.json`` or ``hypnogram.tsv`` cannot be parsed.
    """
    from somnomotor.report.outputs import (
        EVENTS_FILE,
        HYPNOGRAM_FILE,
        SUMMARY_FILE,
        read_events_tsv,
    )

    root = Path(folder)
    if not root.is_dir():
        raise InputFileNotFoundError(
            f"analysis folder {str(root)!r} does not exist or is not a folder; expected the "
            f"--out folder of 'somnomotor analyze' holding {EVENTS_FILE} and {SUMMARY_FILE}"
        )
    events_path = root / EVENTS_FILE
    if not events_path.is_file():
        raise InputFileNotFoundError(
            f"{str(root)!r} holds no {EVENTS_FILE}; expected the --out folder of "
            f"'somnomotor analyze'"
        )
    summary: dict[str, Any] = {}
    if (root / SUMMARY_FILE).is_file():
        try:
            summary = json.loads((root / SUMMARY_FILE).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputFileError(
                f"cannot parse {str(root / SUMMARY_FILE)!r}: {exc.msg} at line {exc.lineno}"
            ) from exc
    events = read_events_tsv(events_path)
    info = summary.get("input") or {}
    start = None
    if info.get("start"):
        try:
            start = dt.datetime.fromisoformat(str(info["start"]))
        except ValueError as exc:
            raise InputFileError(
                f"{SUMMARY_FILE}: input.start {info['start']!r} is not an ISO date-time"
            ) from exc
    duration = info.get("duration_s")
    hypnogram = None
    if (root / HYPNOGRAM_FILE).is_file():
        hypnogram = _read_hypnogram_tsv(root / HYPNOGRAM_FILE, summary.get("hypnogram") or {})
    stem = Path(str(info.get("file") or root.name)).stem or "somnomotor"
    return ExportInput(events=events, hypnogram=hypnogram, start=start,
                       duration_s=float(duration) if duration else None, stem=stem)


def _read_hypnogram_tsv(path: Path, meta: Mapping[str, Any]) -> Hypnogram:
    frame = pd.read_csv(path, sep="\t", keep_default_na=False)
    column = "scored_stage" if "scored_stage" in frame.columns else "stage"
    if column not in frame.columns or "onset" not in frame.columns or not len(frame):
        raise InputFileError(
            f"{str(path)!r} has columns {list(frame.columns)}; expected onset, duration, stage "
            f"and scored_stage with one row per epoch"
        )
    epoch_s = float(frame["duration"].iloc[0]) if "duration" in frame.columns else 30.0
    return Hypnogram(
        stages=tuple(frame[column].astype(str)), epoch_s=epoch_s,
        onset_s=float(frame["onset"].iloc[0]),
        analysis_start_s=meta.get("analysis_start_s"), analysis_end_s=meta.get("analysis_end_s"),
        source=str(meta.get("source") or f"from {path.name}"),
    )


# -- one table for every format -----------------------------------------------------------
def _lights_rows(hypnogram: Hypnogram | None, events: EventTable) -> list[dict[str, Any]]:
    """Lights off / on rows from the analysis period, unless the events already hold them."""
    if hypnogram is None or not len(events.frame.columns):
        return []
    present = set(events.frame["trial_type"]) if len(events) else set()
    rows = []
    for kind, text, value in (("lights_off", "Lights off", hypnogram.analysis_start_s),
                              ("lights_on", "Lights on", hypnogram.analysis_end_s)):
        if value is not None and kind not in present:
            rows.append({"onset": float(value), "duration": 0.0, "trial_type": kind,
                         "label": text, "channel": NOT_APPLICABLE})
    return rows


def export_frame(events: EventTable, hypnogram: Hypnogram | None = None, *,
                 findings_only: bool = False) -> pd.DataFrame:
    """The events and stages as one table, sorted by onset (BIDS column names).

    Columns: ``onset`` (s), ``duration`` (s), ``trial_type``, ``label`` (readable text,
    see :func:`~somnomotor.io.export_labels.event_label`), ``channel``, ``stage``, then
    every further column of the events. Stages are one row per epoch with ``trial_type``
    ``"sleep_stage"`` and the scored stage in ``stage``; lights off/on of the analysis
    period are rows ``lights_off``/``lights_on``.

    Parameters
    ----------
    findings_only : bool
        Leave out RSWA epochs and mini-epochs without a finding (for viewers).
    """
    frame = events.to_bids_frame().copy()
    records = frame.to_dict("records")
    labels = [event_label(r) for r in records]
    frame.insert(3, "label", labels)
    if findings_only and len(frame):
        keep = ~(frame["trial_type"].isin(["rswa_epoch", "rswa_mini_epoch"])
                 & frame["label"].str.contains("no RSWA", regex=False))
        frame = frame[keep]
    parts = [frame]
    if hypnogram is not None and len(hypnogram):
        n = len(hypnogram)
        parts.append(pd.DataFrame({
            "onset": hypnogram.onset_s + np.arange(n) * hypnogram.epoch_s,
            "duration": np.full(n, hypnogram.epoch_s),
            "trial_type": STAGE_TRIAL_TYPE,
            "label": [EDF_STAGE_LABELS[s] for s in hypnogram.stages],
            "channel": NOT_APPLICABLE,
            "stage": list(hypnogram.stages),
        }))
    lights = _lights_rows(hypnogram, events)
    if lights:
        parts.append(pd.DataFrame(lights))
    parts = [p for p in parts if len(p)]
    if not parts:
        out = pd.DataFrame(columns=["onset", "duration", "trial_type", "label", "channel"])
    else:
        out = pd.concat(parts, ignore_index=True, sort=False)
    # Stages before events at the same onset, as viewers list them.
    order = np.lexsort((out["trial_type"].ne(STAGE_TRIAL_TYPE).to_numpy(),
                        out["onset"].to_numpy(dtype=float)))
    out = out.iloc[order].reset_index(drop=True)
    first = ["onset", "duration", "trial_type", "label", "channel"]
    if "stage" in out.columns:
        first.append("stage")
    return out[first + [c for c in out.columns if c not in first]]


def _is_bool_column(series: pd.Series) -> bool:
    values = series.dropna()
    values = values[values.map(lambda v: not (isinstance(v, str) and v in ("", MISSING)))]
    return bool(len(values)) and values.map(
        lambda v: isinstance(v, (bool, np.bool_)) or (
            isinstance(v, (int, float, np.integer, np.floating)) and v in (0, 1))).all()


def _bool_columns(frame: pd.DataFrame) -> list[str]:
    """Flag columns (every non-missing value True/False or 1/0; events.tsv writes 1/0)."""
    from somnomotor.io.export_columns import FLAG_COLUMNS

    out = []
    for col in frame.columns:
        if col in ("onset", "duration"):
            continue
        if frame[col].dtype == bool or (col in FLAG_COLUMNS and _is_bool_column(frame[col])):
            out.append(col)
    return out


def _as_text_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Booleans as 1/0, missing as n/a (the events.tsv conventions)."""
    out = frame.copy()
    for col in _bool_columns(out):
        out[col] = out[col].map(lambda v: MISSING if pd.isna(v) else int(bool(v)))
    return out


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns with one type each (nullable booleans, floats, strings) for Parquet."""
    out = frame.copy()
    flags = set(_bool_columns(out))
    for col in out.columns:
        series = out[col]
        if col in flags:
            out[col] = series.map(lambda v: None if pd.isna(v) else bool(v)).astype("boolean")
        elif series.dtype == object:
            values = series.dropna()
            numeric = pd.to_numeric(values, errors="coerce")
            if len(values) and numeric.notna().all() and not values.map(
                    lambda v: isinstance(v, str)).any():
                out[col] = pd.to_numeric(series, errors="coerce")
            else:
                out[col] = series.map(lambda v: None if pd.isna(v) else str(v)).astype("string")
    return out


# -- writers ------------------------------------------------------------------------------
def _check_target(path: Path, overwrite: bool) -> Path:
    if path.exists() and not overwrite:
        raise OutputError(
            f"{str(path)!r} already exists; pass overwrite=True (--overwrite) to replace it"
        )
    ensure_writable_dir(path.parent)
    return path


def write_edf_annotations(path: str | os.PathLike[str], events: EventTable,
                          hypnogram: Hypnogram | None = None, *,
                          start: dt.datetime | None = None, findings_only: bool = True,
                          overwrite: bool = False) -> Path:
    """Write an annotation-only EDF+C file (one "EDF Annotations" signal, no signals).

    Stages are one annotation per run of equal stages (``"Sleep stage N2"``, as in the
    Sleep-EDF hypnograms); events carry their readable label. Onsets are in s from
    ``start``, which becomes the header's start date and time (``01.01.85 00.00.00``
    and an anonymised "Startdate X" when unknown).
    """
    import edfio

    target = _check_target(Path(path), overwrite)
    annotations: list[Any] = []
    if hypnogram is not None and len(hypnogram):
        stages = list(hypnogram.stages)
        run_start = 0
        for i in range(1, len(stages) + 1):
            if i == len(stages) or stages[i] != stages[run_start]:
                annotations.append(edfio.EdfAnnotation(
                    hypnogram.onset_s + run_start * hypnogram.epoch_s,
                    (i - run_start) * hypnogram.epoch_s, EDF_STAGE_LABELS[stages[run_start]]))
                run_start = i
    frame = export_frame(events, hypnogram, findings_only=findings_only)
    frame = frame[~frame["trial_type"].isin([STAGE_TRIAL_TYPE, COMPONENT_TRIAL_TYPE])]
    for onset, duration, label in zip(frame["onset"], frame["duration"], frame["label"],
                                      strict=True):
        text = str(label).translate(_TAL_BYTES)
        annotations.append(edfio.EdfAnnotation(float(onset), float(duration) or None, text))
    annotations.sort(key=lambda a: a.onset)
    if start is not None and not 1985 <= start.year <= 2084:
        raise ParameterError(
            f"EDF+ can only hold start dates in 1985-2084; received {start.isoformat()}"
        )
    recording = edfio.Recording(startdate=start.date() if start else None,
                                equipment_code="somnomotor")
    edf = edfio.Edf([], recording=recording,
                    starttime=start.time().replace(microsecond=0) if start else dt.time(0, 0),
                    annotations=annotations)
    atomic_write_with(target, lambda tmp: edf.write(tmp))
    logger.info("wrote %d EDF+ annotations to %s", len(annotations), target)
    return target


def _fmt(value: float) -> str:
    """Seconds as text without float noise (µs resolution)."""
    text = f"{round(float(value), 6):.6f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def write_nsrr_xml(path: str | os.PathLike[str], events: EventTable,
                   hypnogram: Hypnogram | None = None, *, start: dt.datetime | None = None,
                   duration_s: float | None = None, findings_only: bool = True,
                   overwrite: bool = False) -> Path:
    """Write NSRR-style XML: ``PSGAnnotation/ScoredEvents/ScoredEvent``.

    Each ``ScoredEvent`` has ``EventType``, ``EventConcept`` (``"Stage 2 sleep|2"``,
    ``"Limb movement - left|Limb Movement (Left)"``), ``Start`` and ``Duration`` in s from
    the recording start and ``SignalLocation`` (the channel). A first "Recording Start
    Time" event carries the clock time, as in NSRR files.
    """
    target = _check_target(Path(path), overwrite)
    root = ET.Element("PSGAnnotation")
    ET.SubElement(root, "SoftwareVersion").text = f"somnomotor {__version__}"
    epoch_s = hypnogram.epoch_s if hypnogram is not None else 30.0
    ET.SubElement(root, "EpochLength").text = f"{epoch_s:g}"
    scored = ET.SubElement(root, "ScoredEvents")

    def add(event_type: str, concept: str, onset: float, duration: float,
            location: str | None = None, clock: str | None = None) -> None:
        node = ET.SubElement(scored, "ScoredEvent")
        ET.SubElement(node, "EventType").text = event_type
        ET.SubElement(node, "EventConcept").text = concept
        ET.SubElement(node, "Start").text = _fmt(onset)
        ET.SubElement(node, "Duration").text = _fmt(duration)
        if location:
            ET.SubElement(node, "SignalLocation").text = location
        if clock:
            ET.SubElement(node, "ClockTime").text = clock

    total = duration_s if duration_s is not None else (hypnogram.end_s if hypnogram else 0.0)
    add("", "Recording Start Time", 0.0, float(total),
        clock=start.strftime("%d.%m.%y %H.%M.%S") if start else None)
    frame = export_frame(events, hypnogram, findings_only=findings_only)
    if hypnogram is not None and len(hypnogram):
        stages = list(hypnogram.stages)
        run_start = 0
        for i in range(1, len(stages) + 1):
            if i == len(stages) or stages[i] != stages[run_start]:
                add("Stages|Stages", NSRR_STAGE_CONCEPTS[stages[run_start]],
                    hypnogram.onset_s + run_start * hypnogram.epoch_s,
                    (i - run_start) * hypnogram.epoch_s)
                run_start = i
    rows = frame[~frame["trial_type"].isin([STAGE_TRIAL_TYPE, COMPONENT_TRIAL_TYPE])
                 ].to_dict("records")
    for row in rows:
        event_type, concept = nsrr_concept({**row, "onset_s": row["onset"]})
        channel = row.get("channel")
        add(event_type, concept, float(row["onset"]), float(row["duration"]),
            location=str(channel) if channel not in (None, "", NOT_APPLICABLE) else None)
    ET.indent(root, space="  ")
    text = ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            + ET.tostring(root, encoding="unicode") + "\n")
    atomic_write_text(target, text)
    return target


def write_bids_events(path: str | os.PathLike[str], events: EventTable,
                      hypnogram: Hypnogram | None = None, *,
                      overwrite: bool = False) -> tuple[Path, Path]:
    """Write a BIDS ``*_events.tsv`` and its ``*_events.json`` sidecar.

    The sidecar describes every column (``Description``, ``Units`` for numbers in units,
    ``Levels`` for ``trial_type``, ``stage``, ``leg`` ...), per the BIDS specification
    "Task events" (https://bids-specification.readthedocs.io, doi:10.1038/sdata.2016.44).

    Returns
    -------
    (tsv_path, json_path)
    """
    target = Path(path)
    if not target.name.endswith("_events.tsv"):
        raise ParameterError(
            f"a BIDS events file name must end in '_events.tsv'; received {target.name!r}"
        )
    sidecar_path = target.with_name(target.name[: -len(".tsv")] + ".json")
    _check_target(target, overwrite)
    _check_target(sidecar_path, overwrite)
    frame = export_frame(events, hypnogram)
    sidecar = bids_sidecar(frame)
    text = format_time_columns(_as_text_table(frame), MISSING).to_csv(
        sep="\t", index=False, na_rep=MISSING, lineterminator="\n", float_format="%.10g")
    atomic_write_text(target, text)
    atomic_write_text(sidecar_path, json.dumps(sidecar, indent=2, ensure_ascii=False) + "\n")
    return target, sidecar_path


def write_csv(path: str | os.PathLike[str], events: EventTable,
              hypnogram: Hypnogram | None = None, *, overwrite: bool = False) -> Path:
    """Write the export table as comma-separated text (UTF-8; 1/0 flags; ``n/a`` missing)."""
    target = _check_target(Path(path), overwrite)
    frame = format_time_columns(_as_text_table(export_frame(events, hypnogram)), MISSING)
    atomic_write_text(target, frame.to_csv(index=False, na_rep=MISSING, lineterminator="\n",
                                           float_format="%.10g"))
    return target


def write_parquet(path: str | os.PathLike[str], events: EventTable,
                  hypnogram: Hypnogram | None = None, *, overwrite: bool = False) -> Path:
    """Write the export table as Parquet (pyarrow) with typed columns.

    ``onset``/``duration`` float64 in s, flags nullable booleans, text columns strings;
    the file's metadata holds the units and the somnomotor version.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = _check_target(Path(path), overwrite)
    frame = _typed(export_frame(events, hypnogram))
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"somnomotor"] = json.dumps(
        {"version": __version__, "units": {"onset": "s", "duration": "s"},
         "onset_reference": "recording start"}).encode()
    table = table.replace_schema_metadata(meta)
    atomic_write_with(target, lambda tmp: pq.write_table(table, tmp))
    return target


# -- dispatch -----------------------------------------------------------------------------
def export_files(out_dir: str | os.PathLike[str], data: ExportInput, *,
                 formats: Sequence[str], findings_only: bool = True,
                 overwrite: bool = False) -> dict[str, list[Path]]:
    """Write the named formats into ``out_dir``; returns the files written by format.

    Parameters
    ----------
    formats : sequence of str
        Any of :data:`EXPORT_FORMATS`.
    findings_only : bool
        For EDF+ and NSRR XML: leave out RSWA epochs without a finding.
    """
    wanted = list(dict.fromkeys(formats))
    unknown = [f for f in wanted if f not in EXPORT_FORMATS]
    if unknown or not wanted:
        raise ParameterError(
            f"unknown export format(s) {unknown or wanted}; allowed are {list(EXPORT_FORMATS)}"
        )
    folder = ensure_writable_dir(out_dir)
    stem = data.stem
    written: dict[str, list[Path]] = {}
    for fmt in wanted:
        if fmt == "edf":
            written[fmt] = [write_edf_annotations(
                folder / f"{stem}_annotations.edf", data.events, data.hypnogram,
                start=data.start, findings_only=findings_only, overwrite=overwrite)]
        elif fmt == "nsrr":
            written[fmt] = [write_nsrr_xml(
                folder / f"{stem}_nsrr.xml", data.events, data.hypnogram, start=data.start,
                duration_s=data.duration_s, findings_only=findings_only, overwrite=overwrite)]
        elif fmt == "bids":
            written[fmt] = list(write_bids_events(folder / f"{stem}_events.tsv", data.events,
                                                  data.hypnogram, overwrite=overwrite))
        elif fmt == "csv":
            written[fmt] = [write_csv(folder / f"{stem}_events.csv", data.events,
                                      data.hypnogram, overwrite=overwrite)]
        else:
            written[fmt] = [write_parquet(folder / f"{stem}_events.parquet", data.events,
                                          data.hypnogram, overwrite=overwrite)]
    return written


def export_folder(folder: str | os.PathLike[str], *, formats: Sequence[str],
                  out_dir: str | os.PathLike[str] | None = None, findings_only: bool = True,
                  overwrite: bool = False) -> dict[str, list[Path]]:
    """Export an analysis output folder; files go to ``out_dir`` (default ``folder/export``)."""
    data = load_output_folder(folder)
    target = Path(out_dir) if out_dir is not None else Path(folder) / "export"
    return export_files(target, data, formats=formats, findings_only=findings_only,
                        overwrite=overwrite)


__all__ = [
    "EXPORT_FORMATS",
    "STAGE_TRIAL_TYPE",
    "ExportInput",
    "export_files",
    "export_folder",
    "export_frame",
    "load_output_folder",
    "write_bids_events",
    "write_csv",
    "write_edf_annotations",
    "write_nsrr_xml",
    "write_parquet",
]
