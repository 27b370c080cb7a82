"""Rows sent to the page: column-wise conversion equals the cell-by-cell definition."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from somnomotor.review.server import _records


def _cell_by_cell(frame: pd.DataFrame, columns: tuple[str, ...] | None = None) -> list[dict]:
    # independent reference: every cell to plain JSON, missing and non-finite dropped
    out = []
    for row in frame.to_dict("records"):
        rec = {}
        for k, v in row.items():
            if columns is not None and k not in columns and k not in (
                    "onset_s", "duration_s", "channel", "trial_type"):
                continue
            if isinstance(v, (bool, np.bool_)):
                rec[k] = bool(v)
            elif isinstance(v, (int, np.integer)):
                rec[k] = int(v)
            elif isinstance(v, (float, np.floating)):
                if math.isfinite(float(v)):
                    rec[k] = float(v)
            elif v is not None:
                rec[k] = v
        out.append(rec)
    return out


def test_records_match_cell_by_cell_conversion() -> None:
    frame = pd.DataFrame({
        "onset_s": [0.0, 30.5, 61.25],
        "duration_s": [30.0, np.nan, 0.5],
        "trial_type": ["rswa_epoch", "unscorable", "rswa_mini_epoch"],
        "channel": [None, "LAT", "Chin1-Chin2"],
        "count": np.array([1, 2, 3], dtype=np.int64),
        "flag": [True, False, True],
        "empty": [np.nan, np.nan, np.nan],
        "ratio": [np.inf, -1.5, np.nan],
        "mixed": [np.float64(2.0), None, "x"],
    })
    for columns in (None, ("count", "ratio")):
        got = _records(frame, columns)
        want = _cell_by_cell(frame, columns)
        assert got == want
        assert json.dumps(got) == json.dumps(want)  # same key order, ints stay ints
    assert _records(frame.iloc[:0]) == []
    assert _records(frame[["empty"]]) == [{}, {}, {}]
