"""The cohort table on disk as nights finish: a Parquet dataset, cohort.tsv and cohort_qc.tsv.

``OUT/cohort.parquet/`` is a folder holding one file per finished night,
``part-<night folder>.parquet``, each written atomically (a temporary file renamed into
place) by the process that gathers the rows, as soon as the night's row arrives. Every file
has the same columns: the leading columns, then every index somnomotor knows
(:data:`somnomotor.report.index_names.INDEX_LABELS`), as float64, empty where a night did
not allow the analysis. So ``pandas.read_parquet(OUT / "cohort.parquet")`` (or
``pyarrow.parquet.read_table``) gives one row per night at any moment, even while the run
goes on or after it was killed; files starting with ``.`` (temporary) are skipped by both.
A run starts by removing the part files of the run before it: the dataset holds this run's
nights.

``cohort.tsv`` (the same rows, sorted by recording) and ``cohort_qc.tsv`` (signal quality
per night, :func:`qc_row`) are rewritten atomically every :data:`TSV_EVERY_S` and at the
end.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from somnomotor.io.atomic import atomic_write_text, atomic_write_with

#: The cohort table as a Parquet dataset (a folder of part files), and as TSV.
PARQUET_DATASET = "cohort.parquet"
#: Quality of each night's signals (one row per night).
QC_FILE = "cohort_qc.tsv"
#: How often cohort.tsv and cohort_qc.tsv are rewritten while a run goes on (s).
TSV_EVERY_S = 30.0
_STRING_COLUMNS = ("recording", "output", "status", "reason", "error", "staging", "rule_set")
#: Columns of cohort_qc.tsv, in this order.
QC_COLUMNS: tuple[str, ...] = (
    "recording", "output", "status", "leg_sensor_kind", "leg_sensor_scored", "leg_rate_hz",
    "leg_channels", "recording_min", "usable_min_leg_left", "usable_min_leg_right",
    "usable_min_by_channel", "skipped_analyses", "caveats", "n_warnings", "warnings")


def _index_names() -> list[str]:
    from somnomotor.report.index_names import INDEX_LABELS

    return list(INDEX_LABELS)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, str):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def parquet_schema(extra_columns: Sequence[str] = ()) -> Any:
    """The columns of every part file: leading columns, then every known index (float64)."""
    import pyarrow as pa

    from somnomotor.cohort.run import LEADING_COLUMNS

    fields = [pa.field(c, pa.float64() if c == "seconds" else pa.string())
              for c in LEADING_COLUMNS]
    names = [*_index_names(), *(c for c in extra_columns if c not in _index_names())]
    fields += [pa.field(n, pa.float64()) for n in names if n not in LEADING_COLUMNS]
    return pa.schema(fields)


def part_name(row: Mapping[str, Any]) -> str:
    """File name of a night's part: after its output folder, unique in the output folder."""
    return f"part-{Path(str(row['output'])).name}.parquet"


def write_part(dataset: Path, row: Mapping[str, Any]) -> Path:
    """Write one night's row as ``dataset/part-<night>.parquet`` (atomically)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from somnomotor.cohort.run import LEADING_COLUMNS

    # an index somnomotor does not list yet still reaches this night's file (a reader
    # taking the columns of the first file would not see it: INDEX_LABELS must list it)
    extra = [k for k in row if k not in LEADING_COLUMNS and k not in _index_names()]
    schema = parquet_schema(extra)
    record: dict[str, Any] = {}
    for f in schema:
        value = row.get(f.name)
        if f.name in _STRING_COLUMNS:
            record[f.name] = None if value is None else str(value)
        else:
            record[f.name] = _number(value)
    table = pa.Table.from_pylist([record], schema=schema)
    path = dataset / part_name(row)
    atomic_write_with(path, lambda tmp: pq.write_table(table, tmp))
    return path


def _text(items: Sequence[str]) -> str:
    return " | ".join(str(i).replace("\t", " ").replace("\n", " ") for i in items)


def qc_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """Signal quality of one night, from its row and its summary.json.

    Leg sensor (``summary.json`` ``leg_sensor``: kind, scored, lowest rate in Hz), the usable
    minutes of each leg channel (its length minus the unscorable seconds leg detection
    reports, ``analyses.leg_movements.unscorable_s``) and of every other channel an analysis
    reports unscorable time for, the analyses left out and why (``skipped_analyses``), the
    reliability caveats (codes) and the warnings.
    """
    qc: dict[str, Any] = {c: None for c in QC_COLUMNS}
    qc.update(recording=row.get("recording"), output=row.get("output"),
              status=row.get("status"))
    if row.get("status") not in ("ok", "kept") or not row.get("output"):
        return qc
    try:
        summary = json.loads((Path(str(row["output"])) / "summary.json").read_text(
            encoding="utf-8"))
    except (OSError, ValueError):
        return qc
    leg = summary.get("leg_sensor") or {}
    channels = {c.get("label"): c for c in summary.get("channels") or ()}
    duration_s = (summary.get("input") or {}).get("duration_s")
    qc["recording_min"] = None if duration_s is None else round(float(duration_s) / 60.0, 2)
    qc["leg_sensor_kind"] = leg.get("kind")
    qc["leg_sensor_scored"] = leg.get("scored")
    qc["leg_rate_hz"] = leg.get("fs_hz")
    qc["leg_channels"] = "; ".join(
        f"{c.get('label')} ({c.get('side')}, {c.get('kind')}, {c.get('fs_hz'):g} Hz)"
        for c in leg.get("channels") or ())
    analyses = summary.get("analyses") or {}
    unscorable: dict[str, float] = {}
    for result in analyses.values():
        for label, seconds in (result.get("unscorable_s") or {}).items():
            unscorable[label] = max(unscorable.get(label, 0.0), float(seconds))

    def usable_min(label: str) -> float | None:
        ch = channels.get(label)
        if not ch or not ch.get("fs_hz"):
            return None
        length_s = float(ch["n_samples"]) / float(ch["fs_hz"])
        return round(max(0.0, length_s - unscorable.get(label, 0.0)) / 60.0, 2)

    usable: dict[str, float | None] = {}
    if "leg_movements" in analyses:
        mapping = summary.get("channel_mapping") or {}
        for side in ("leg_left", "leg_right"):
            values = [usable_min(label) for label in mapping.get(side) or ()]
            values = [v for v in values if v is not None]
            qc[f"usable_min_{side}"] = min(values) if values else None
            for label in mapping.get(side) or ():
                usable[label] = usable_min(label)
    for label in unscorable:
        usable.setdefault(label, usable_min(label))
    qc["usable_min_by_channel"] = "; ".join(f"{k}={v:g}" for k, v in usable.items()
                                            if v is not None)
    qc["skipped_analyses"] = _text([f"{k}: {v}" for k, v in
                                    (summary.get("skipped_analyses") or {}).items()])
    qc["caveats"] = ", ".join(str(c.get("code")) for c in
                              (summary.get("reliability") or {}).get("caveats") or ())
    warns = list(summary.get("warnings") or ())
    qc["n_warnings"] = len(warns)
    qc["warnings"] = _text(warns)
    return qc


class TableWriter:
    """Writes the cohort table of one run as its rows arrive (see the module docstring)."""

    def __init__(self, root: Path, *, tsv_every_s: float = TSV_EVERY_S) -> None:
        self.root = root
        self.dataset = root / PARQUET_DATASET
        self.tsv_every_s = tsv_every_s
        self.rows: dict[str, dict[str, Any]] = {}  # by recording: a night is one row
        self.qc: dict[str, dict[str, Any]] = {}
        self._written: set[str] = set()
        self._last_tsv = time.monotonic()

    def start(self) -> None:
        """Clear the parts of an earlier run (or an older single-file cohort.parquet)."""
        if self.dataset.is_file() or self.dataset.is_symlink():
            self.dataset.unlink()
        self.dataset.mkdir(exist_ok=True)
        for old in self.dataset.glob("part-*.parquet"):
            old.unlink()
        for tmp in self.dataset.glob(".part-*"):  # left by a run killed while writing
            tmp.unlink()

    def add(self, row: Mapping[str, Any]) -> None:
        """One finished night: its part file now, the TSV files when they are due."""
        rec = str(row["recording"])
        self.rows[rec] = dict(row)
        self.qc[rec] = qc_row(row)
        write_part(self.dataset, row)
        self._written.add(rec)
        if time.monotonic() - self._last_tsv >= self.tsv_every_s:
            self.write_tsv()

    def write_tsv(self, table: pd.DataFrame | None = None) -> None:
        from somnomotor.cohort.run import TABLE_FILE, cohort_table

        table = cohort_table(list(self.rows.values())) if table is None else table
        atomic_write_text(self.root / TABLE_FILE,
                          table.to_csv(sep="\t", index=False, na_rep="n/a"))
        qc = pd.DataFrame([self.qc[r] for r in sorted(self.qc)], columns=list(QC_COLUMNS))
        atomic_write_text(self.root / QC_FILE, qc.to_csv(sep="\t", index=False, na_rep="n/a"))
        self._last_tsv = time.monotonic()

    def finish(self, table: pd.DataFrame) -> None:
        """The final table: parts of rows not written yet (nights found finished on disk
        after a stop, interrupted nights), then both TSV files."""
        for row in table.to_dict("records"):
            rec = str(row["recording"])
            clean = {k: (None if isinstance(v, float) and math.isnan(v) else v)
                     for k, v in row.items()}
            if rec not in self._written or self.rows.get(rec, {}).get("status") != \
                    clean.get("status"):
                self.rows[rec] = clean
                self.qc[rec] = qc_row(clean)
                write_part(self.dataset, clean)
                self._written.add(rec)
        self.write_tsv(table)


__all__ = ["PARQUET_DATASET", "QC_COLUMNS", "QC_FILE", "TSV_EVERY_S", "TableWriter",
           "parquet_schema", "qc_row", "write_part"]
