"""Accelerometer readers on real files (tests/data/accelerometer, see LICENSES.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from somnomotor._errors import InputFileError, InputFileNotFoundError
from somnomotor.io.accel import is_accelerometer_file, read_accelerometer

DATA = Path(__file__).parent.parent / "data" / "accelerometer"
pytest.importorskip("skdh")


@pytest.mark.parametrize("name, device, fs, start, min_s", [
    ("skdh_ax3_sample.cwa", "axivity", 200.0, dt.datetime(2020, 2, 12, 9, 3, 37), 290.0),
    ("skdh_ax6_sample.cwa", "axivity", 100.0, dt.datetime(2019, 10, 29, 9, 3, 6), 100.0),
    ("skdh_gnactv_sample.bin", "geneactiv", 50.0, dt.datetime(2019, 5, 21, 16, 16, 43), 17.0),
    ("sleeppy_test_geneactiv.bin", "geneactiv", 100.0, dt.datetime(2018, 8, 27, 9, 32, 38), 190.0),
])
def test_real_files_read_at_their_rate_and_measure_gravity(name, device, fs, start, min_s) -> None:
    rec = read_accelerometer(DATA / name)
    assert rec.device == device
    assert rec.fs_hz == fs
    assert rec.acceleration_g.shape[1] == 3 and rec.acceleration_g.dtype == np.float32
    assert rec.duration_s >= min_s
    assert abs((rec.start - start).total_seconds()) < 1.0
    # a device at rest or in slow motion reads about 1 g: the median of |a| must be near it
    # (physics, not the reader's own numbers); a wrong unit or scale fails by far
    norm = np.linalg.norm(rec.acceleration_g, axis=1)
    assert 0.9 < float(np.median(norm)) < 1.1


def test_geneactiv_bin_and_its_own_csv_export_agree() -> None:
    """The GENEActiv PC software's CSV export is an independent decoding of the same .bin."""
    b = read_accelerometer(DATA / "sleeppy_test_geneactiv.bin")
    c = read_accelerometer(DATA / "sleeppy_test_geneactiv.csv")
    assert c.device == "geneactiv_csv"
    assert b.start == c.start
    assert b.fs_hz == c.fs_hz == 100.0
    n = min(b.n_samples, c.n_samples)
    assert n >= 19000
    # the export rounds to 0.1 mg
    assert float(np.abs(b.acceleration_g[:n] - c.acceleration_g[:n]).max()) < 1e-3


def test_plain_csv_seconds_and_iso_times(tmp_path: Path) -> None:
    t = np.arange(100) / 25.0
    p = tmp_path / "a.csv"
    p.write_text("time,x,y,z\n" + "".join(f"{v:.2f},0,0,1\n" for v in t))
    rec = read_accelerometer(p)
    assert rec.fs_hz == 25.0 and rec.n_samples == 100 and rec.start is None
    q = tmp_path / "b.csv"
    q.write_text("Timestamp,X,Y,Z\n2026-01-01 22:00:00.00,0,0,1\n2026-01-01 22:00:00.02,0,1,0\n"
                 "2026-01-01 22:00:00.04,1,0,0\n")
    rec = read_accelerometer(q)
    assert rec.fs_hz == 50.0 and rec.start == dt.datetime(2026, 1, 1, 22)
    np.testing.assert_allclose(rec.acceleration_g[1], [0, 1, 0])


def test_csv_errors_name_what_is_wrong(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_text("time,x,y\n0,0,0\n0.1,0,0\n")
    with pytest.raises(InputFileError, match=r"missing \['z'\]"):
        read_accelerometer(p)
    p.write_text("time,x,y,z\n0,0,0,1\n0.1,0,0,1\n0.1,0,0,1\n")
    with pytest.raises(InputFileError, match="line 4: times must increase"):
        read_accelerometer(p)
    p.write_text("time,x,y,z\n0,0,0,1\n0.1,0,abc,1\n")
    with pytest.raises(InputFileError, match="line 3"):
        read_accelerometer(p)


def test_unknown_missing_and_damaged_files(tmp_path: Path) -> None:
    assert is_accelerometer_file("x.CWA") and is_accelerometer_file("n.gt3x")
    assert not is_accelerometer_file("night.edf")
    with pytest.raises(InputFileNotFoundError):
        read_accelerometer(tmp_path / "none.cwa")
    bad = tmp_path / "bad.gt3x"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(InputFileError, match="not a zip archive"):
        read_accelerometer(bad)
    junk = tmp_path / "junk.cwa"
    junk.write_bytes(b"\x00" * 1024)
    with pytest.raises(InputFileError):
        read_accelerometer(junk)
