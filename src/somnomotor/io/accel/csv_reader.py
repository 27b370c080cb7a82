"""Accelerometer CSV: ``time, x, y, z`` in g, or a GENEActiv CSV export.

Plain layout: a header line naming the columns ``time``, ``x``, ``y``, ``z`` (any case;
``timestamp`` is accepted for ``time``), then one sample per line. ``time`` is either an ISO
date-time (``2026-01-01 22:00:00.010``) or seconds from the start. The rate is taken from the
median sample interval, and the samples are put on that regular grid.

GENEActiv export (GENEActiv PC software): about 100 lines of device header, then lines
``YYYY-MM-DD hh:mm:ss:mmm, x, y, z, light, button, temperature`` without a column header.
The rate is read from the header line ``Measurement Frequency,100 Hz``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from somnomotor._errors import InputFileError
from somnomotor.io.accel import AccelRecording, regular_grid

_GENEACTIV_ROW = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}:\d{3},")


def _geneactiv_time(text: pd.Series) -> np.ndarray:
    # "2018-08-27 09:32:38:010": the milliseconds follow a colon
    fixed = text.str.replace(r":(\d{3})$", r".\1", regex=True)
    return pd.to_datetime(fixed, format="%Y-%m-%d %H:%M:%S.%f").to_numpy()


def read_accel_csv(path: Path) -> AccelRecording:
    """Read a CSV accelerometer file (see the module doc for the two layouts)."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        head = [fh.readline() for _ in range(200)]
    first_data = next((i for i, line in enumerate(head) if _GENEACTIV_ROW.match(line)), None)
    if first_data is not None and head[0].lower().startswith("device type"):
        fs_line = next((ln for ln in head[:first_data] if ln.lower().startswith("measurement frequency")),
                       "")
        m = re.search(r"([\d.]+)\s*hz", fs_line.lower())
        frame = pd.read_csv(path, skiprows=first_data, header=None, usecols=[0, 1, 2, 3],
                            names=["time", "x", "y", "z"])
        stamps = _geneactiv_time(frame["time"].astype(str))
        t = (stamps - stamps[0]) / np.timedelta64(1, "s")
        fs = float(m.group(1)) if m else float(1.0 / np.median(np.diff(t)))
        xyz = frame[["x", "y", "z"]].to_numpy(dtype=np.float64)
        start = pd.Timestamp(stamps[0]).to_pydatetime()
        return AccelRecording(regular_grid(t, xyz, fs), fs, start, "geneactiv_csv", path.name)

    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(f"{path.name!r} is not a readable CSV file: {exc}") from exc
    cols = {str(c).strip().lower(): c for c in frame.columns}
    if "timestamp" in cols and "time" not in cols:
        cols["time"] = cols["timestamp"]
    missing = [c for c in ("time", "x", "y", "z") if c not in cols]
    if missing:
        raise InputFileError(
            f"{path.name!r}: an accelerometer CSV needs the columns time, x, y, z (in g); "
            f"missing {missing}, received {list(frame.columns)}"
        )
    if len(frame) < 2:
        raise InputFileError(f"{path.name!r} holds fewer than two samples")
    xyz = frame[[cols["x"], cols["y"], cols["z"]]].apply(pd.to_numeric, errors="coerce").to_numpy(
        dtype=np.float64)
    bad = ~np.isfinite(xyz).all(axis=1)
    if bad.any():
        line = int(np.flatnonzero(bad)[0]) + 2
        raise InputFileError(f"{path.name!r} line {line}: x, y and z must be numbers in g")
    raw_time = frame[cols["time"]]
    start: dt.datetime | None
    if pd.api.types.is_numeric_dtype(raw_time):
        t = raw_time.to_numpy(dtype=np.float64)
        start = None
    else:
        try:
            stamps = pd.to_datetime(raw_time).to_numpy()
        except (ValueError, TypeError) as exc:
            raise InputFileError(
                f"{path.name!r}: the time column must hold seconds or ISO date-times, "
                f"e.g. 2026-01-01 22:00:00.010 ({exc})"
            ) from exc
        t = (stamps - stamps[0]) / np.timedelta64(1, "s")
        start = pd.Timestamp(stamps[0]).to_pydatetime()
    dt_s = np.diff(t)
    if (dt_s <= 0).any():
        line = int(np.flatnonzero(dt_s <= 0)[0]) + 3
        raise InputFileError(f"{path.name!r} line {line}: times must increase")
    fs = float(round(1.0 / float(np.median(dt_s)), 3))
    return AccelRecording(regular_grid(t, xyz, fs), fs, start, "csv", path.name)


__all__ = ["read_accel_csv"]
