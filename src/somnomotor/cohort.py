"""Score many nights the same way and gather their indices in one table.

:func:`run_cohort` analyses every recording it is given (files, or folders searched for
``.edf``/``.bdf`` files), writes each night's output contract into its own folder and one
table with a row per night: ``cohort.tsv`` (and ``cohort.parquet``). A night that fails is a
row with ``status = "error"`` and its message, never the end of the run; a night whose folder
already holds results is not analysed again (``status = "kept"``), so an interrupted run over
thousands of files goes on where it stopped.

Nights run in ``jobs`` worker processes; each analysis also uses two threads for its EMG
filtering, so ``jobs = cores / 2`` keeps a machine busy without oversubscribing it. Measured
on the 2-core development machine (``benchmarks/bench_cohort.py``): 1.7 s per 8-h rbd night
from file to outputs (all analyses), about 2100 nights per hour, the same with 1 or 2 jobs.
Each night's warnings go to its summary.json, not to stderr.
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import os
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from somnomotor._errors import (
    InputFileNotFoundError,
    ParameterError,
    SomnomotorError,
    SomnomotorWarning,
)
from somnomotor.io.atomic import atomic_write_text, atomic_write_with, ensure_writable_dir

logger = logging.getLogger(__name__)

#: File name endings taken as recordings when a folder is searched (case-insensitive).
RECORDING_SUFFIXES: tuple[str, ...] = (".edf", ".bdf")
#: The cohort table, tab-separated (and the same as Parquet).
TABLE_FILE = "cohort.tsv"
PARQUET_FILE = "cohort.parquet"
#: Columns before the indices, in this order.
LEADING_COLUMNS: tuple[str, ...] = ("recording", "output", "status", "error", "seconds",
                                    "staging", "rule_set")


@dataclass(frozen=True)
class CohortSettings:
    """How every night of a cohort is analysed (the same for all of them).

    Parameters
    ----------
    rule_set : str
        Leg-movement rule set, ``"wasm_2016"`` or ``"aasm"``.
    analyses : tuple of str, optional
        Analyses to run (names of :data:`somnomotor.pipeline.ANALYSES`); ``None`` runs
        every analysis each night's montage allows.
    annotations_pattern : str, optional
        Scored-events file of each night, relative to its recording's folder, with
        ``{stem}`` for the recording's name without suffix, e.g. ``"{stem}-nsrr.xml"``
        (NSRR layout). A night whose file is missing is an error row.
    roles : mapping, optional
        Channel-role overrides applied to every night (as ``--channel ROLE=LABEL``).
    auto_stage : bool
        Stage automatically (YASA) nights without a scored hypnogram.
    overwrite : bool
        Analyse again nights whose folder already holds results.
    stage_map : mapping, optional
        Unknown stage labels mapped to a stage (as ``--stage-map "Stage Q=N2"``).
    channel_map : str, optional
        Cohort channel map (``"mesa"`` ... or a YAML file), see somnomotor.io.channel_maps.
    """

    rule_set: str = "wasm_2016"
    analyses: tuple[str, ...] | None = None
    annotations_pattern: str | None = None
    roles: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    auto_stage: bool = True
    overwrite: bool = False
    stage_map: Mapping[str, str] = field(default_factory=dict)
    channel_map: str | None = None


def find_recordings(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """The recordings named by ``paths``: files as given, folders searched recursively.

    Raises
    ------
    InputFileNotFoundError
        A path does not exist, or no recording was found at all.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and p.suffix.lower() in RECORDING_SUFFIXES))
        elif path.is_file():
            found.append(path)
        else:
            raise InputFileNotFoundError(f"{str(path)!r} does not exist")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        raise InputFileNotFoundError(
            f"no recording found in {[str(p) for p in paths]}; folders are searched for "
            f"files ending in {', '.join(RECORDING_SUFFIXES)} (any case)")
    return unique


def output_names(recordings: Sequence[Path]) -> list[str]:
    """A folder name per recording: its stem, with parent folders added where stems repeat."""
    names = [p.stem for p in recordings]
    depth = 1
    while len(set(names)) < len(names) and depth < 32:
        counts = pd.Series(names).value_counts()
        names = [
            "__".join([*p.parent.parts[-depth:], p.stem]) if counts[n] > 1 else n
            for p, n in zip(recordings, names, strict=True)
        ]
        depth += 1
    if len(set(names)) < len(names):  # same path twice cannot happen (resolved, unique)
        names = [f"{n}__{i}" for i, n in enumerate(names)]
    return names


def annotation_file(recording: Path, pattern: str | None) -> list[Path]:
    """The scored-events file of ``recording`` by ``pattern`` (empty list without one)."""
    if not pattern:
        return []
    try:
        name = pattern.format(stem=recording.stem, name=recording.name)
    except (KeyError, IndexError, ValueError) as exc:
        raise ParameterError(
            f"annotations pattern {pattern!r} is not valid ({exc}); use {{stem}} for the "
            "recording's name without suffix, e.g. '{stem}-nsrr.xml'") from None
    path = recording.parent / name
    if not path.exists():
        raise InputFileNotFoundError(f"annotation file {str(path)!r} does not exist")
    return [path]


def _row_from_summary(summary: Mapping[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"staging": summary.get("staging"), "rule_set": summary.get("rule_set")}
    for ix in summary.get("indices") or ():
        row[str(ix["name"])] = ix.get("value")
    return row


def analyze_one(recording: Path, out_dir: Path, settings: CohortSettings) -> dict[str, Any]:
    """Analyse one night into ``out_dir`` and return its table row (never raises for a
    problem of this night: the row says ``status = "error"`` and why)."""
    from somnomotor.pipeline import analyze_recording, load_night, write_night_outputs
    from somnomotor.report.outputs import SUMMARY_FILE

    row: dict[str, Any] = {"recording": str(recording), "output": str(out_dir),
                           "status": "ok", "error": "", "seconds": 0.0}
    summary_path = out_dir / SUMMARY_FILE
    t0 = time.perf_counter()
    try:
        if summary_path.exists() and not settings.overwrite:
            row["status"] = "kept"
            row.update(_row_from_summary(json.loads(summary_path.read_text(encoding="utf-8"))))
            return row
        annotations = annotation_file(recording, settings.annotations_pattern)
        with warnings.catch_warnings():
            # a night's doubts (skipped analyses, units, staging) are in its summary.json;
            # repeated on stderr for thousands of nights they would bury the errors
            warnings.simplefilter("ignore", SomnomotorWarning)
            night = load_night(recording, annotation_files=annotations,
                               roles=dict(settings.roles) or None,
                               stage_map=dict(settings.stage_map) or None,
                               channel_map=settings.channel_map)
            analysis = analyze_recording(night, rule_set=settings.rule_set,
                                         analyses=settings.analyses,
                                         auto_stage=settings.auto_stage)
        ensure_writable_dir(out_dir)
        written = write_night_outputs(analysis, out_dir, input_path=recording,
                                      annotation_files=annotations)
        row.update(_row_from_summary(json.loads(written[SUMMARY_FILE].read_text(
            encoding="utf-8"))))
    except Exception as exc:  # one odd file must not end a run over thousands
        # one clear line per failed night; the run goes on with the others. Errors that are
        # not ours (a bug, a library failing on a strange file) say so and keep the
        # traceback in the debug log.
        ours = isinstance(exc, SomnomotorError | OSError)
        row["status"] = "error"
        row["error"] = (f"{type(exc).__name__}: {exc}" if ours else
                        f"internal error {type(exc).__name__}: {exc}").splitlines()[0]
        logger.warning("%s: %s", recording, row["error"])
        if not ours:
            logger.debug("traceback of %s", recording, exc_info=True)
    row["seconds"] = round(time.perf_counter() - t0, 3)
    return row


def _rows(recordings: Sequence[Path], out_dirs: Sequence[Path], settings: CohortSettings,
          jobs: int) -> Iterator[dict[str, Any]]:
    if jobs <= 1 or len(recordings) <= 1:
        for rec, out in zip(recordings, out_dirs, strict=True):
            yield analyze_one(rec, out, settings)
        return
    # "spawn": fresh interpreters, not forks of a process that may hold numba's and the
    # filter threads' locks (forking a threaded process can deadlock the child)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn")) as pool:
        futures = [pool.submit(analyze_one, rec, out, settings)
                   for rec, out in zip(recordings, out_dirs, strict=True)]
        for fut in as_completed(futures):
            yield fut.result()


def cohort_table(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows (in any order) as the cohort table: sorted by recording, leading columns first,
    then every index name in the order it first appears."""
    frame = pd.DataFrame(list(rows))
    for col in LEADING_COLUMNS:
        if col not in frame.columns:
            frame[col] = None
    index_cols = [c for c in frame.columns if c not in LEADING_COLUMNS]
    frame = frame[[*LEADING_COLUMNS, *index_cols]]
    return frame.sort_values("recording", kind="stable").reset_index(drop=True)


def run_cohort(
    paths: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    settings: CohortSettings | None = None,
    *,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Analyse every recording in ``paths`` and write the cohort table into ``out_dir``.

    Parameters
    ----------
    paths : sequence of path-like
        Recordings, or folders searched recursively for ``.edf``/``.bdf`` files.
    out_dir : path-like
        Gets one folder per night (``<name>/events.tsv``, ``summary.json``,
        ``hypnogram.tsv``), ``cohort.tsv`` and ``cohort.parquet``.
    settings : CohortSettings, optional
    jobs : int
        Nights analysed at the same time, in separate processes (1).
    progress : callable, optional
        Called as ``progress(nights_done, nights_total)`` after each night.

    Returns
    -------
    pandas.DataFrame
        The cohort table (also written, atomically).
    """
    settings = settings or CohortSettings()
    if jobs < 1:
        raise ParameterError(f"jobs must be >= 1, received {jobs!r}")
    recordings = find_recordings(paths)
    root = ensure_writable_dir(out_dir)
    out_dirs = [root / name for name in output_names(recordings)]
    rows: list[dict[str, Any]] = []
    for row in _rows(recordings, out_dirs, settings, jobs):
        rows.append(row)
        if progress is not None:
            progress(len(rows), len(recordings))
    table = cohort_table(rows)
    atomic_write_text(root / TABLE_FILE, table.to_csv(sep="\t", index=False, na_rep="n/a"))
    atomic_write_with(root / PARQUET_FILE, lambda tmp: table.to_parquet(tmp, index=False))
    return table


__all__ = ["CohortSettings", "analyze_one", "annotation_file", "cohort_table",
           "find_recordings", "output_names", "run_cohort"]
