"""Our .gt3x reader against the worked examples of ActiGraph's format documentation
(actigraph/GT3X-File-Format: LogRecords/Activity.md, LogRecords/Activity2.md, README.md)."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pytest

from somnomotor._errors import InputFileError
from somnomotor.io.accel import read_accelerometer
from somnomotor.io.accel.gt3x import read_gt3x, unpack_activity

#: Activity.md example bytes and its table (Y, X, Z per sample, /341, rounded to 3 decimals)
ACTIVITY_BYTES = bytes.fromhex("00 60 08 EB D0 07 00 9E BF 00 70 08 EB F0")
ACTIVITY_YXZ_G = [(0.018, 0.023, -0.947), (0.021, 0.026, -0.941), (0.021, 0.023, -0.941)]
#: Activity2.md example, first two samples (X, Y, Z int16 LE): 0,0,0 and 48, -52, 322
ACTIVITY2_HEAD = bytes.fromhex("00 00 00 00 00 00 30 00 cc ff 42 01")


def _record(rtype: int, stamp: int, payload: bytes) -> bytes:
    """A log record as README.md 'Log Record Format' lays it out, checksum included."""
    head = bytes([0x1E, rtype]) + stamp.to_bytes(4, "little") + len(payload).to_bytes(2, "little")
    check = 0
    for b in head + payload:
        check ^= b
    return head + payload + bytes([(~check) & 0xFF])


def _gt3x(path: Path, info: str, records: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("info.txt", info)
        zf.writestr("log.bin", records)
    return path


def test_12_bit_unpacking_matches_the_documented_example() -> None:
    counts = unpack_activity(ACTIVITY_BYTES)
    # X, Y, Z order out; the table lists Y, X, Z
    expected_xyz = [(x, y, z) for y, x, z in ACTIVITY_YXZ_G]
    np.testing.assert_array_equal(np.round(counts / 341.0, 3), expected_xyz)
    assert counts[0].tolist() == [8, 6, -323]


def test_activity_and_activity2_records_in_a_file(tmp_path: Path) -> None:
    info = ("Serial Number: NEO1C16110020\nFirmware: 3.2.1\nSample Rate: 3\n"
            "Start Date: 634556532600000000\n")
    stamp = 1421142129  # README's example header: 2015/01/13 09:42:09
    log = (_record(0x06, stamp - 1, b'{"x": 1}') + b"\x00\x00"  # metadata, zero padding
           + _record(0x00, stamp, ACTIVITY_BYTES)
           + _record(0x1A, stamp + 1, b"\x01")  # USB event: skipped
           + _record(0x00, stamp + 1, ACTIVITY_BYTES))
    path = _gt3x(tmp_path / "a.gt3x", info, log)
    t, xyz, fs, start, _ = read_gt3x(path)
    assert fs == 3.0 and start == dt.datetime(2015, 1, 13, 9, 42, 9)
    assert xyz.shape == (6, 3)
    np.testing.assert_allclose(t, [0, 1 / 3, 2 / 3, 1, 4 / 3, 5 / 3])
    np.testing.assert_allclose(xyz[0], (0.023, 0.018, -0.947))
    rec = read_accelerometer(path)
    assert rec.device == "actigraph" and rec.fs_hz == 3.0 and rec.n_samples == 6


def test_activity2_uses_the_scale_of_info_txt(tmp_path: Path) -> None:
    info = "Serial Number: MOS2A1\nSample Rate: 2\nAcceleration Scale: 256.0\n"
    path = _gt3x(tmp_path / "b.gt3x", info, _record(0x1A, 1_600_000_000, ACTIVITY2_HEAD))
    _, xyz, _, _, _ = read_gt3x(path)
    # the documented values after scaling; 0x42 0x01 is 322 (the doc's int16 column says 332,
    # its scaled column 1.258 = 322/256)
    np.testing.assert_allclose(xyz, [(0, 0, 0), (0.188, -0.203, 1.258)])


def test_a_bad_checksum_is_skipped_and_errors_say_what_is_wrong(tmp_path: Path) -> None:
    good = _record(0x00, 1_500_000_000, ACTIVITY_BYTES)
    bad = bytearray(_record(0x00, 1_500_000_001, ACTIVITY_BYTES))
    bad[-1] ^= 0xFF
    path = _gt3x(tmp_path / "c.gt3x", "Serial Number: CLE1\nSample Rate: 3\n", good + bytes(bad))
    _, xyz, _, _, _ = read_gt3x(path)
    assert xyz.shape == (3, 3)
    with pytest.raises(InputFileError, match="no ACTIVITY"):
        read_gt3x(_gt3x(tmp_path / "d.gt3x", "Serial Number: CLE1\nSample Rate: 3\n", bytes(bad)))
    with pytest.raises(InputFileError, match="Acceleration Scale"):
        read_gt3x(_gt3x(tmp_path / "e.gt3x", "Serial Number: XYZ1\nSample Rate: 3\n", good))
    old = tmp_path / "old.gt3x"
    with zipfile.ZipFile(old, "w") as zf:
        zf.writestr("info.txt", "Sample Rate: 30\n")
        zf.writestr("activity.bin", b"\x00")
    with pytest.raises(InputFileError, match="NHANES"):
        read_gt3x(old)
