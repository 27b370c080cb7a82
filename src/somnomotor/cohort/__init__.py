"""Score many nights the same way and gather their indices in one table.

:func:`run_cohort` analyses every recording it is given (files, or folders searched for
``.edf``/``.bdf`` files), writes each night's output contract into its own folder and one
table with a row per night: ``cohort.tsv``, the Parquet dataset ``cohort.parquet/`` (one
file per night, written as it finishes) and the quality table ``cohort_qc.tsv``
(:mod:`somnomotor.cohort.table`). A night that fails is a row with ``status = "error"``
and its message, never the end of the run.

A night is analysed again unless its folder holds results made from the same input content
(SHA-256 of the recording and its annotation files), the same analysis settings and the same
somnomotor version (:mod:`somnomotor.cohort.identity`); then it is kept (``status = "kept"``),
so an interrupted run over thousands of files goes on where it stopped, and a corrected
recording or changed settings are never answered with old results. The table's ``reason``
column says why each night was kept or analysed.

Nights run in ``jobs`` local worker processes (:mod:`somnomotor.cohort.executor`), or as
tasks on a running ``dask.distributed`` cluster with ``scheduler=``
(:mod:`somnomotor.cohort.dask_executor`, the same night code); each analysis
also uses two threads for its EMG filtering, so ``jobs = cores / 2`` keeps a machine busy
without oversubscribing it. Measured on the 2-core development machine
(``benchmarks/bench_cohort.py``): 1.7 s per 8-h rbd night from file to outputs (all
analyses), about 2100 nights per hour, the same with 1 or 2 jobs. Each night's warnings go
to its summary.json, not to stderr.
"""

from __future__ import annotations

from somnomotor.cohort.executor import NightTask, run_night
from somnomotor.cohort.identity import (
    MANIFEST_FILE,
    InputDigest,
    canonical_settings,
    keep_or_recompute,
    night_key,
    read_manifest,
)
from somnomotor.cohort.naming import (
    RECORDING_SUFFIXES,
    annotation_file,
    assign_output_folders,
    find_recordings,
    output_names,
)
from somnomotor.cohort.progress import CohortProgress
from somnomotor.cohort.run import (
    LEADING_COLUMNS,
    PARQUET_FILE,
    STATUS_INTERRUPTED,
    TABLE_FILE,
    CohortInterrupted,
    CohortSettings,
    analyze_one,
    cohort_table,
    run_cohort,
)
from somnomotor.cohort.table import PARQUET_DATASET, QC_COLUMNS, QC_FILE, qc_row

__all__ = ["LEADING_COLUMNS", "MANIFEST_FILE", "PARQUET_DATASET", "PARQUET_FILE",
           "QC_COLUMNS", "QC_FILE", "RECORDING_SUFFIXES", "CohortProgress",
           "STATUS_INTERRUPTED", "TABLE_FILE", "CohortInterrupted", "CohortSettings",
           "InputDigest", "NightTask", "analyze_one", "annotation_file",
           "assign_output_folders", "canonical_settings", "cohort_table", "find_recordings",
           "keep_or_recompute", "night_key", "output_names", "qc_row", "read_manifest",
           "run_cohort", "run_night"]
