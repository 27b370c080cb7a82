"""The cohort table on disk: Parquet parts that read as one table, and the quality table.

Reference values are written by hand here (a summary.json made in the test, minutes worked
out from samples and rates), never taken from the code under test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from somnomotor.cohort.table import QC_COLUMNS, TableWriter, qc_row, write_part


def test_parts_with_different_indices_read_as_one_table_with_one_row_per_night(
        tmp_path: Path) -> None:
    dataset = tmp_path / "cohort.parquet"
    dataset.mkdir()
    # an error row without any index sorts first: a reader taking the first file's columns
    # must still see the indices of the others
    write_part(dataset, {"recording": "/d/a.edf", "output": "/o/a", "status": "error",
                         "reason": "new", "error": "InputFileError: truncated",
                         "seconds": 0.1})
    write_part(dataset, {"recording": "/d/b.edf", "output": "/o/b", "status": "ok",
                         "reason": "new", "error": "", "seconds": 1.5, "staging": "scored",
                         "rule_set": "wasm_2016", "plms_index": 12.5,
                         "sinbar_chin_any_pct": 31.0})
    write_part(dataset, {"recording": "/d/c.edf", "output": "/o/c", "status": "ok",
                         "reason": "new", "error": "", "seconds": 1.0, "staging": "scored",
                         "rule_set": "aasm", "plms_index": 0.0})
    table = pd.read_parquet(dataset).set_index("recording").sort_index()
    assert table.index.tolist() == ["/d/a.edf", "/d/b.edf", "/d/c.edf"]
    assert table.loc["/d/b.edf", "plms_index"] == 12.5
    assert table.loc["/d/b.edf", "sinbar_chin_any_pct"] == 31.0
    assert table.loc["/d/c.edf", "plms_index"] == 0.0
    assert pd.isna(table.loc["/d/a.edf", "plms_index"])
    assert pd.isna(table.loc["/d/c.edf", "sinbar_chin_any_pct"])
    assert table.loc["/d/a.edf", "error"] == "InputFileError: truncated"
    assert pq.read_table(dataset).num_rows == 3
    # writing a night again replaces its part: still one row per night
    write_part(dataset, {"recording": "/d/a.edf", "output": "/o/a", "status": "ok",
                         "reason": "recomputed", "error": "", "seconds": 2.0,
                         "plms_index": 7.0})
    again = pd.read_parquet(dataset).set_index("recording")
    assert len(again) == 3 and again.loc["/d/a.edf", "plms_index"] == 7.0


def test_a_new_run_starts_a_new_dataset_and_replaces_an_old_single_file(tmp_path: Path) -> None:
    (tmp_path / "cohort.parquet").write_bytes(b"old single-file table")
    writer = TableWriter(tmp_path)
    writer.start()
    assert (tmp_path / "cohort.parquet").is_dir()
    writer.add({"recording": "/d/a.edf", "output": str(tmp_path / "a"), "status": "error",
                "reason": "", "error": "x", "seconds": 0.0})
    assert len(pd.read_parquet(tmp_path / "cohort.parquet")) == 1
    TableWriter(tmp_path).start()
    assert not list((tmp_path / "cohort.parquet").iterdir())


def _summary(folder: Path) -> None:
    folder.mkdir()
    doc = {
        "input": {"duration_s": 3600.0},
        "channels": [
            {"label": "LAT", "role": "leg_left", "fs_hz": 200.0, "n_samples": 200 * 3600},
            {"label": "RAT", "role": "leg_right", "fs_hz": 200.0, "n_samples": 200 * 3000},
            {"label": "Chin", "role": "chin", "fs_hz": 500.0, "n_samples": 500 * 3600},
        ],
        "channel_mapping": {"leg_left": ["LAT"], "leg_right": ["RAT"], "chin": ["Chin"]},
        "analyses": {"leg_movements": {"unscorable_s": {"LAT": 600.0}},
                     "rswa": {"unscorable_s": {"Chin": 90.0}}},
        "leg_sensor": {"kind": "emg", "scored": True, "fs_hz": 200.0,
                       "channels": [{"label": "LAT", "side": "left", "kind": "emg",
                                     "fs_hz": 200.0},
                                    {"label": "RAT", "side": "right", "kind": "emg",
                                     "fs_hz": 200.0}]},
        "skipped_analyses": {"fm": "no arm channels", "bruxism": "no masseter channel"},
        "reliability": {"caveats": [{"code": "short_sleep"}]},
        "warnings": ["leg_movements: 200 Hz is the AASM minimum", "second\tone"],
    }
    (folder / "summary.json").write_text(json.dumps(doc))


def test_the_quality_row_of_a_night(tmp_path: Path) -> None:
    _summary(tmp_path / "n")
    qc = qc_row({"recording": "/d/n.edf", "output": str(tmp_path / "n"), "status": "ok"})
    assert list(qc) == list(QC_COLUMNS)
    assert qc["leg_sensor_kind"] == "emg" and qc["leg_sensor_scored"] is True
    assert qc["leg_rate_hz"] == 200.0
    assert qc["recording_min"] == 60.0
    assert qc["usable_min_leg_left"] == 50.0     # 60 min less 600 s unscorable
    assert qc["usable_min_leg_right"] == 50.0    # a 50-min channel, nothing unscorable
    assert qc["usable_min_by_channel"] == "LAT=50; RAT=50; Chin=58.5"  # 60 min less 90 s
    assert qc["skipped_analyses"] == "fm: no arm channels | bruxism: no masseter channel"
    assert qc["caveats"] == "short_sleep"
    assert qc["n_warnings"] == 2 and "\t" not in qc["warnings"]
    failed = qc_row({"recording": "/d/x.edf", "output": "/o/x", "status": "error"})
    assert failed["status"] == "error" and failed["leg_sensor_kind"] is None
