"""The output contract every analysis fills: ``events.tsv``, ``hypnogram.tsv``, ``summary.json``.

``events.tsv`` is tab-separated in the BIDS-events style: ``onset``, ``duration``,
``trial_type``, ``channel`` first (onset in s from the recording start), then the columns
the analyses declare. Booleans are written ``1``/``0``; missing values ``n/a``.

``summary.json`` holds every index with its name, value, unit and denominator; the rule set
and every parameter used; the software version; the input file's name and SHA-256; the
channel mapping; the hypnogram used; and all warnings. Its layout is documented in
docs/architecture.md.

All files are written atomically: first every file goes to a temporary sibling, and only
when all are complete are they renamed into place, so a failed run leaves no half-written
file and keeps earlier results.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from somnomotor._version import __version__
from somnomotor.events import EventTable
from somnomotor.hypnogram import STAGES, Hypnogram
from somnomotor.io.atomic import atomic_write_text, ensure_writable_dir
from somnomotor.io.export_columns import format_time_columns
from somnomotor.recording import Recording
from somnomotor.results import AnalysisResult, merge_indices

EVENTS_FILE = "events.tsv"
SUMMARY_FILE = "summary.json"
HYPNOGRAM_FILE = "hypnogram.tsv"
MISSING = "n/a"

# -- what somnomotor writes into an analysis folder (and may therefore remove) --
#: Files somnomotor writes into an analysis output folder. Re-analysing a folder removes
#: those this run did not write again, so no earlier night's file is read with the new ones;
#: any other file (a user's notes) is never touched.
#: somnomotor.cohort's record of which inputs and settings made a night folder.
COHORT_MANIFEST_FILE = "cohort-night.json"
OUTPUT_FILES: tuple[str, ...] = (
    EVENTS_FILE, SUMMARY_FILE, HYPNOGRAM_FILE,
    "report.html", "report.pdf",  # somnomotor.report.html / .pdf
    COHORT_MANIFEST_FILE,
)
#: The export sub-folder (somnomotor.io.export) and the endings of the files written there.
EXPORT_DIR = "export"
EXPORT_SUFFIXES: tuple[str, ...] = ("_annotations.edf", "_nsrr.xml", "_events.tsv",
                                    "_events.json", "_events.csv", "_events.parquet")


def _is_output_temp(name: str) -> bool:
    """A temporary file of io.atomic for one of our outputs (left by a killed run)."""
    return name.startswith(".") and any(name.startswith(f".{out}.") for out in OUTPUT_FILES)


def remove_stale_outputs(folder: str | os.PathLike[str],
                         keep: Sequence[str | os.PathLike[str]] = ()) -> list[Path]:
    """Remove the files somnomotor wrote into ``folder`` earlier, except those in ``keep``.

    Only names listed in :data:`OUTPUT_FILES`, the export files in :data:`EXPORT_DIR` and
    temporary files of a killed run are removed; the export folder goes when it is empty.
    Returns the files removed.
    """
    root = Path(folder)
    kept = {Path(p).absolute() for p in keep}
    removed: list[Path] = []

    def drop(path: Path) -> None:
        if path.absolute() in kept or not path.is_file():
            return
        try:
            path.unlink()
            removed.append(path)
        except FileNotFoundError:
            pass

    if not root.is_dir():
        return removed
    for entry in root.iterdir():
        if entry.name in OUTPUT_FILES or _is_output_temp(entry.name):
            drop(entry)
    export = root / EXPORT_DIR
    if export.is_dir():
        for entry in export.iterdir():
            if entry.name.endswith(EXPORT_SUFFIXES):
                drop(entry)
        try:
            export.rmdir()  # only when empty: a user's file in it stays, and so does it
        except OSError:
            pass
    return removed
# -- end output folder contents --


def sha256_of(path: str | os.PathLike[str], *, chunk_bytes: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk_bytes):
            digest.update(block)
    return digest.hexdigest()


class BackgroundChecksums:
    """SHA-256 of input files, computed in a thread while the night is read and analysed.

    hashlib releases the GIL while it hashes, so hashing an 8-h recording (about 0.12 s for
    180 MB) overlaps the analysis instead of adding to it. The thread is a daemon: a run
    that fails does not wait for it.

    Parameters
    ----------
    paths : sequence of path
        Files to hash, in the order :meth:`result` returns them.
    """

    def __init__(self, paths: Sequence[str | os.PathLike[str]]) -> None:
        self._paths = [Path(p) for p in paths]
        self._digests: list[str | None] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="somnomotor-sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._digests = [sha256_of(p) if p.is_file() else None for p in self._paths]
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            self._error = exc

    def result(self) -> list[tuple[str, str | None]]:
        """``(file name, SHA-256 hex digest or None if not a file)`` per path (waits)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return [(p.name, d) for p, d in zip(self._paths, self._digests, strict=True)]


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def _clean_floats(value: Any) -> Any:
    """Replace NaN/inf (not valid JSON) by None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _clean_floats(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_floats(v) for v in value]
    return value


def events_to_tsv(events: EventTable) -> str:
    """Render an event table as BIDS-style TSV text."""
    frame = events.to_bids_frame().copy()
    for col in frame.columns:
        series = frame[col]
        if series.dtype == bool:
            frame[col] = series.astype(int)
        elif series.dtype == object:
            frame[col] = series.map(
                lambda v: int(v) if isinstance(v, (bool, np.bool_)) else v
            )
    # Onsets and durations to the millisecond all night (a relative format would keep only
    # 0.1 s after 10,000 s); other numbers keep 6 significant digits.
    frame = format_time_columns(frame, MISSING)
    return str(frame.to_csv(sep="\t", index=False, na_rep=MISSING, lineterminator="\n",
                            float_format="%.6g"))


def result_rows(result: AnalysisResult) -> EventTable:
    """The events.tsv rows of one analysis: its events, then any extra event tables it
    carries in ``extra`` (such as the leg-movement component rows), in onset order.

    On equal onsets the analysis's own rows come first (the sort is stable), so a combined
    leg movement precedes its components. Extra tables are never counted in an index.
    """
    tables = [result.events] + [v for v in result.extra.values() if isinstance(v, EventTable)]
    if len(tables) == 1:
        return result.events
    merged = EventTable.concat(tables)
    if not len(merged):
        return merged
    order = np.argsort(merged.onset_s, kind="stable")
    return EventTable(merged.frame.iloc[order].reset_index(drop=True))


def hypnogram_to_tsv(hypnogram: Hypnogram) -> str:
    """One row per epoch: onset (s), duration (s), stage (effective, i.e. UNS outside lights)."""
    n = len(hypnogram)
    frame = pd.DataFrame(
        {
            "onset": hypnogram.onset_s + np.arange(n) * hypnogram.epoch_s,
            "duration": np.full(n, hypnogram.epoch_s),
            "stage": hypnogram.effective_stages,
            "scored_stage": list(hypnogram.stages),
        }
    )
    return str(frame.to_csv(sep="\t", index=False, lineterminator="\n"))


def hypnogram_summary(hypnogram: Hypnogram | None) -> dict[str, Any] | None:
    """JSON-ready description of the hypnogram used."""
    if hypnogram is None:
        return None
    return {
        "source": hypnogram.source,
        "epoch_s": hypnogram.epoch_s,
        "n_epochs": len(hypnogram),
        "onset_s": hypnogram.onset_s,
        "analysis_start_s": hypnogram.analysis_start_s,
        "analysis_end_s": hypnogram.analysis_end_s,
        "total_sleep_time_s": hypnogram.total_sleep_time_s,
        "stage_durations_s": {s: hypnogram.duration_s(s) for s in STAGES},
    }


@dataclass(frozen=True)
class InputFileInfo:
    """Name and checksum of an input file."""

    file: str
    sha256: str | None

    @classmethod
    def of(cls, path: str | os.PathLike[str] | None) -> InputFileInfo | None:
        """Describe a file on disk (``None`` in, ``None`` out)."""
        if path is None:
            return None
        p = Path(path)
        return cls(file=p.name, sha256=sha256_of(p) if p.is_file() else None)


def build_summary(
    *,
    recording: Recording,
    results: Sequence[AnalysisResult],
    rule_set: str,
    input_file: InputFileInfo | None = None,
    annotation_files: Sequence[InputFileInfo] = (),
    warnings: Sequence[str] = (),
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble the summary.json document (see docs/architecture.md)."""
    role_of: dict[str, str] = {}
    for role, labels in recording.roles.items():
        for label in labels:
            role_of.setdefault(label, role)
    analyses: dict[str, Any] = {}
    for res in results:
        unscorable_s: dict[str, float] = {}
        if len(res.unscorable):
            grouped = res.unscorable.frame.groupby("channel")["duration_s"].sum()
            unscorable_s = {str(k): float(v) for k, v in grouped.items()}
        analyses[res.family] = {
            "params": dict(res.params),
            "warnings": list(res.warnings),
            "unscorable_s": unscorable_s,
            "n_events": len(res.events),
            # Extra event tables (e.g. the per-leg component rows) go to events.tsv.
            **{k: v for k, v in res.extra.items() if not isinstance(v, EventTable)},
        }
    all_warnings = [*recording.warnings, *warnings]
    for res in results:
        all_warnings.extend(
            w if w.startswith(f"{res.family}:") else f"{res.family}: {w}" for w in res.warnings
        )
    doc: dict[str, Any] = {
        "somnomotor_version": __version__,
        "created_utc": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "input": {
            "file": input_file.file if input_file else None,
            "sha256": input_file.sha256 if input_file else None,
            "start": recording.start.isoformat() if recording.start else None,
            "duration_s": recording.duration_s,
            "annotation_files": [vars(a) for a in annotation_files],
        },
        "channels": [
            {
                "label": ch.label,
                "role": role_of.get(ch.label),
                "fs_hz": ch.fs_hz,
                "unit": ch.unit,
                "n_samples": ch.n_samples,
            }
            for ch in recording.channels
        ],
        "channel_mapping": {role: list(labels) for role, labels in recording.roles.items()},
        "hypnogram": hypnogram_summary(recording.hypnogram),
        "rule_set": rule_set,
        "analyses": analyses,
        "indices": merge_indices(results),
        "warnings": list(dict.fromkeys(all_warnings)),
    }
    if extra:
        doc.update(extra)
    doc = _clean_floats(json.loads(json.dumps(doc, default=_json_default)))
    # too short a night, too little REM, more than one night: data beside every index
    from somnomotor.report.reliability import add_reliability

    return add_reliability(doc)


def write_outputs(
    out_dir: str | os.PathLike[str],
    *,
    recording: Recording,
    results: Sequence[AnalysisResult],
    rule_set: str,
    input_file: InputFileInfo | None = None,
    annotation_files: Sequence[InputFileInfo] = (),
    warnings: Sequence[str] = (),
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Path]:
    """Write events.tsv, hypnogram.tsv (when there is one) and summary.json atomically.

    Every document is rendered in memory first, so an error while building any of them
    leaves the folder as it was. Returns the paths written, by kind.
    """
    folder = ensure_writable_dir(out_dir)
    tables = [result_rows(res) for res in results] + [res.unscorable for res in results]
    events = EventTable.concat(tables)
    documents: dict[str, str] = {EVENTS_FILE: events_to_tsv(events)}
    if recording.hypnogram is not None:
        documents[HYPNOGRAM_FILE] = hypnogram_to_tsv(recording.hypnogram)
    summary = build_summary(
        recording=recording, results=results, rule_set=rule_set, input_file=input_file,
        annotation_files=annotation_files, warnings=warnings, extra=extra,
    )
    documents[SUMMARY_FILE] = json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
    written: dict[str, Path] = {}
    for name, text in documents.items():
        atomic_write_text(folder / name, text)
        written[name] = folder / name
    return written


def read_events_tsv(path: str | os.PathLike[str]) -> EventTable:
    """Read an events.tsv written by :func:`write_outputs` back into an EventTable."""
    frame = pd.read_csv(path, sep="\t", na_values=[MISSING], keep_default_na=False)
    return EventTable.from_bids_frame(frame)


__all__ = [
    "COHORT_MANIFEST_FILE",
    "EVENTS_FILE",
    "EXPORT_DIR",
    "HYPNOGRAM_FILE",
    "OUTPUT_FILES",
    "SUMMARY_FILE",
    "BackgroundChecksums",
    "InputFileInfo",
    "build_summary",
    "events_to_tsv",
    "hypnogram_to_tsv",
    "read_events_tsv",
    "result_rows",
    "remove_stale_outputs",
    "sha256_of",
    "write_outputs",
]
