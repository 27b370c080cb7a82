"""One cohort night from its task to its table row, and the whole run to its table."""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from somnomotor._errors import ParameterError, SomnomotorError, SomnomotorWarning
from somnomotor.cohort.identity import (
    InputDigest,
    canonical_settings,
    keep_or_recompute,
    mark_kept,
    night_key,
    read_manifest,
    write_manifest,
)
from somnomotor.cohort.naming import annotation_file, assign_output_folders, find_recordings
from somnomotor.io.atomic import check_output_path, ensure_writable_dir, output_folder

logger = logging.getLogger("somnomotor.cohort")

#: The cohort table, tab-separated (and the same as a Parquet dataset: a folder of one file
#: per night, see somnomotor.cohort.table).
TABLE_FILE = "cohort.tsv"
PARQUET_FILE = "cohort.parquet"
#: Columns before the indices, in this order.
LEADING_COLUMNS: tuple[str, ...] = ("recording", "output", "status", "reason", "error",
                                    "seconds", "staging", "rule_set")
#: ``status`` of a night the run did not finish because it was stopped (Ctrl-C).
STATUS_INTERRUPTED = "interrupted"


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
        Analyse every night again, even those whose results match their inputs and settings.
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

    def canonical(self) -> dict[str, Any]:
        """The settings that enter the night key (see cohort.identity.canonical_settings)."""
        return canonical_settings(rule_set=self.rule_set, analyses=self.analyses,
                                  roles=self.roles, auto_stage=self.auto_stage,
                                  stage_map=self.stage_map, channel_map=self.channel_map)


def _row_from_summary(summary: Mapping[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"staging": summary.get("staging"), "rule_set": summary.get("rule_set")}
    for ix in summary.get("indices") or ():
        row[str(ix["name"])] = ix.get("value")
    return row


def analyze_one(recording: Path, out_dir: Path, settings: CohortSettings, *,
                run_id: str = "") -> dict[str, Any]:
    """Analyse one night into ``out_dir``, or keep its results, and return its table row.

    The results in ``out_dir`` are kept only when its manifest shows the same input contents,
    settings and version (:func:`somnomotor.cohort.identity.keep_or_recompute`); the row's
    ``reason`` says why the night was kept or analysed. Never raises for a problem of this
    night: the row says ``status = "error"`` and why.
    """
    from somnomotor.pipeline import analyze_recording, load_night, write_night_outputs
    from somnomotor.report.outputs import SUMMARY_FILE, remove_stale_outputs

    row: dict[str, Any] = {"recording": str(recording), "output": str(out_dir),
                           "status": "ok", "reason": "", "error": "", "seconds": 0.0}
    summary_path = out_dir / SUMMARY_FILE
    t0 = time.perf_counter()
    try:
        annotations = annotation_file(recording, settings.annotations_pattern)
        inputs = [InputDigest.of("recording", recording),
                  *(InputDigest.of("annotations", a) for a in annotations)]
        canonical = settings.canonical()
        key = night_key(inputs, canonical)
        manifest = read_manifest(out_dir)
        keep, reason = keep_or_recompute(manifest,
                                         results_present=summary_path.exists(), inputs=inputs,
                                         settings=canonical, key=key,
                                         overwrite=settings.overwrite)
        row["reason"] = reason
        if keep:
            row["status"] = "kept"
            if manifest is not None:
                mark_kept(out_dir, manifest, reason=reason, run_id=run_id)
            row.update(_row_from_summary(json.loads(summary_path.read_text(encoding="utf-8"))))
            return row
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
        # the folder stays this recording's, but is not a finished night until the new
        # manifest is written last: a run stopped in between analyses it again
        write_manifest(out_dir, recording=recording, inputs=inputs, settings=canonical,
                       key="", reason="writing")
        written = write_night_outputs(analysis, out_dir, input_checksums=[
            (i.file, i.sha256) for i in inputs])
        manifest_path = write_manifest(out_dir, recording=recording, inputs=inputs,
                                       settings=canonical, key=key, reason=reason,
                                       run_id=run_id)
        remove_stale_outputs(out_dir, keep=[*written.values(), manifest_path])
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


class CohortInterrupted(KeyboardInterrupt):
    """The run was stopped (Ctrl-C); the table of the nights finished so far is written.

    Attributes
    ----------
    table : pandas.DataFrame
        Finished nights, and the others with ``status = "interrupted"``.
    table_path : Path
    """

    def __init__(self, table: pd.DataFrame, table_path: Path) -> None:
        done = int((table["status"] != STATUS_INTERRUPTED).sum())
        super().__init__(f"interrupted; {done} of {len(table)} nights finished, table: "
                         f"{table_path}")
        self.table = table
        self.table_path = table_path


def run_cohort(
    paths: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    settings: CohortSettings | None = None,
    *,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    scheduler: str | None = None,
    retries: int | None = None,
    on_row: Callable[[Mapping[str, Any]], None] | None = None,
) -> pd.DataFrame:
    """Analyse every recording in ``paths`` and write the cohort table into ``out_dir``.

    Parameters
    ----------
    paths : sequence of path-like
        Recordings, or folders searched recursively for ``.edf``/``.bdf`` files.
    out_dir : path-like
        Gets one folder per night (``<name>/events.tsv``, ``summary.json``,
        ``hypnogram.tsv``, ``cohort-night.json``), the table as ``cohort.tsv`` and as the
        Parquet dataset ``cohort.parquet/`` (one file per night, written as each night
        finishes), and ``cohort_qc.tsv`` (signal quality per night); see
        :mod:`somnomotor.cohort.table`. Locked while the run writes there: a second run
        into it is refused.
    settings : CohortSettings, optional
    jobs : int
        Nights analysed at the same time, in separate local processes (1). Not used with
        ``scheduler``.
    progress : callable, optional
        Called as ``progress(nights_done, nights_total)`` after each night.
    scheduler : str, optional
        Address of a running ``dask.distributed`` scheduler (``"tcp://host:8786"``): each
        night is a task on that cluster (:mod:`somnomotor.cohort.dask_executor`), whose
        workers must see ``paths`` and ``out_dir`` at the same paths.
    retries : int, optional
        With ``scheduler``: times a night's task that raised is run again (default
        :data:`somnomotor.cohort.dask_executor.DEFAULT_RETRIES`).
    on_row : callable, optional
        Called with each night's row as it arrives (e.g. for a progress line).

    Returns
    -------
    pandas.DataFrame
        The cohort table (also written, atomically).

    Raises
    ------
    CohortInterrupted
        On Ctrl-C (a KeyboardInterrupt), after the nights in progress were stopped and the
        table of the finished ones was written.
    """
    from somnomotor.cohort.executor import NightTask, ctrl_c_ignored, run_processes
    from somnomotor.cohort.table import TableWriter

    settings = settings or CohortSettings()
    if jobs < 1:
        raise ParameterError(f"jobs must be >= 1, received {jobs!r}")
    check_output_path(out_dir)
    recordings = find_recordings(paths)
    with output_folder(out_dir, command="cohort") as root:
        run_id = uuid.uuid4().hex
        tasks = [NightTask(rec, out, settings, run_id)
                 for rec, out in zip(recordings, assign_output_folders(recordings, root),
                                     strict=True)]
        if scheduler:
            from somnomotor.cohort.dask_executor import DEFAULT_RETRIES, run_dask

            rows_in = run_dask(tasks, scheduler,
                               retries=DEFAULT_RETRIES if retries is None else retries)
        else:
            rows_in = run_processes(tasks, jobs)
        writer = TableWriter(root)
        writer.start()
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        try:
            for row in rows_in:
                if row["recording"] in seen:  # never counted twice, whatever an executor did
                    logger.warning("%s: a second row for this night was ignored",
                                   row["recording"])
                    continue
                seen.add(row["recording"])
                rows.append(row)
                writer.add(row)
                if on_row is not None:
                    on_row(row)
                if progress is not None:
                    progress(len(rows), len(tasks))
        except KeyboardInterrupt:
            with ctrl_c_ignored():
                close = getattr(rows_in, "close", None)
                if close is not None:  # stop the executor before reading what finished
                    close()
                table = _interrupted_table(rows, tasks)
                writer.finish(table)
            raise CohortInterrupted(table, root / TABLE_FILE) from None
        # an executor that ended without a row for some night (a lost cluster): those
        # finished on disk are read back, the others are "interrupted", never left out
        table = cohort_table(rows) if len(rows) == len(tasks) else \
            _interrupted_table(rows, tasks)
        writer.finish(table)
    return table


def _interrupted_table(rows: list[dict[str, Any]], tasks: Sequence[Any]) -> pd.DataFrame:
    """The finished rows, and every other night as ``status = "interrupted"``."""
    from somnomotor.report.outputs import SUMMARY_FILE

    finished = {r["recording"] for r in rows}
    for task in tasks:
        # finished in a worker while the run was stopping: its row never arrived
        manifest = read_manifest(task.out_dir)
        if (str(task.recording) not in finished and manifest and manifest.get("night_key")
                and manifest.get("run_id") == task.run_id and task.run_id):
            try:
                summary = json.loads((task.out_dir / SUMMARY_FILE).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            rows.append({"recording": str(task.recording), "output": str(task.out_dir),
                         "status": "ok", "reason": manifest.get("reason", ""), "error": "",
                         "seconds": None, **_row_from_summary(summary)})
            finished.add(str(task.recording))
    stopped = [{"recording": str(t.recording), "output": str(t.out_dir),
                "status": STATUS_INTERRUPTED,
                "reason": "the run was stopped before this night finished; its folder is as "
                          "the last finished run left it",
                "error": "", "seconds": None}
               for t in tasks if str(t.recording) not in finished]
    return cohort_table([*rows, *stopped])


__all__ = ["LEADING_COLUMNS", "PARQUET_FILE", "STATUS_INTERRUPTED", "TABLE_FILE",
           "CohortInterrupted", "CohortSettings", "analyze_one", "cohort_table", "run_cohort"]
