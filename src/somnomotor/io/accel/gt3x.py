"""ActiGraph ``.gt3x`` (GT3X+ firmware >= 3.0, wGT3X+, wGT3X-BT, ActiSleep+, GT9X Link).

Our own small reader of the format ActiGraph documents (actigraph/GT3X-File-Format on
GitHub: README.md "Log Records", LogRecords/Activity.md, LogRecords/Activity2.md,
info.txt.md). ActiGraph's own Python reader, pygt3x, is GPL-3.0 and cannot be a dependency
of this BSD-3-Clause package.

* The file is a zip archive with ``info.txt`` (``Key: value`` lines: ``Sample Rate`` in Hz,
  ``Start Date`` in .NET ticks, ``Serial Number``, optionally ``Acceleration Scale``) and
  ``log.bin``.
* ``log.bin`` is a sequence of records: separator ``0x1E``, type (1 byte), Unix time stamp
  of the record's second (uint32 LE, device local time), payload size (uint16 LE), payload,
  checksum (1's complement of the XOR of header and payload). Zero bytes between records are
  skipped.
* ``ACTIVITY`` (0x00): one second of samples, 12-bit two's complement, packed big-endian in
  Y, X, Z order. ``ACTIVITY2`` (0x1A): one second of int16 LE samples in X, Y, Z order; a
  1-byte payload marks a USB connection and is skipped.
* Scale: ``Acceleration Scale`` from info.txt when present; otherwise 341 LSB/g for serial
  numbers starting with NEO or CLE and 256 LSB/g for MOS (Activity2.md).

Not read: the older NHANES-format files (``activity.bin``; NEO/MRA firmware <= 2.5.0), and
the ACCEL_SCALE of a PARAMETERS record. Seconds the device skipped (idle sleep mode) are
filled by the linear interpolation onto the regular grid.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np

from somnomotor._errors import InputFileError

ACTIVITY, ACTIVITY2 = 0x00, 0x1A
_TICKS_EPOCH = dt.datetime(1, 1, 1)


def parse_info(text: str) -> dict[str, str]:
    """``Key: value`` lines of info.txt."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def unpack_activity(payload: bytes) -> np.ndarray:
    """12-bit YXZ samples of an ACTIVITY record as ``(n, 3)`` int16 in X, Y, Z order."""
    raw = np.frombuffer(payload, dtype=np.uint8)
    nibbles = np.empty(raw.size * 2, dtype=np.int32)
    nibbles[0::2] = raw >> 4
    nibbles[1::2] = raw & 0x0F
    n_samples = nibbles.size // 9  # 36 bits per sample; an odd count leaves a spare nibble
    tri = nibbles[: n_samples * 9].reshape(n_samples * 3, 3)
    values = (tri[:, 0] << 8) | (tri[:, 1] << 4) | tri[:, 2]
    values = np.where(values > 2047, values - 4096, values).reshape(n_samples, 3)
    return values[:, [1, 0, 2]].astype(np.int16)


def read_gt3x(path: Path) -> tuple[np.ndarray, np.ndarray, float, dt.datetime, dict[str, str]]:
    """``(time_s, xyz_g, fs_hz, start, info)`` of a .gt3x file; time_s from ``start``."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "log.bin" not in names or "info.txt" not in names:
                older = " (an older NHANES-format file, not read)" if "activity.bin" in names else ""
                raise InputFileError(f"{path.name!r}: a .gt3x file needs log.bin and info.txt; "
                                     f"found {sorted(names)}{older}")
            info = parse_info(zf.read("info.txt").decode("utf-8", errors="replace"))
            log = zf.read("log.bin")
    except zipfile.BadZipFile as exc:
        raise InputFileError(f"{path.name!r} is not a .gt3x file (not a zip archive: {exc})"
                             ) from None
    try:
        fs = float(info["Sample Rate"])
    except (KeyError, ValueError):
        raise InputFileError(f"{path.name!r}: info.txt has no valid 'Sample Rate'") from None
    serial = info.get("Serial Number", "")
    if "Acceleration Scale" in info:
        scale = float(info["Acceleration Scale"])
    elif serial.startswith(("NEO", "CLE")):
        scale = 341.0
    elif serial.startswith("MOS"):
        scale = 256.0
    else:
        raise InputFileError(f"{path.name!r}: no 'Acceleration Scale' in info.txt and serial "
                             f"number {serial!r} does not tell it (NEO/CLE: 341, MOS: 256)")
    times: list[np.ndarray] = []
    samples: list[np.ndarray] = []
    pos, n_bad = 0, 0
    first_stamp: int | None = None
    n = len(log)
    while pos + 8 <= n:
        if log[pos] != 0x1E:
            pos += 1  # zero bytes between records (README: may be skipped)
            continue
        rtype = log[pos + 1]
        stamp = int.from_bytes(log[pos + 2:pos + 6], "little")
        size = int.from_bytes(log[pos + 6:pos + 8], "little")
        end = pos + 8 + size
        if end >= n:  # a record cut off at the end of the file
            break
        payload = log[pos + 8:end]
        check = 0
        for b in log[pos:end]:
            check ^= b
        if (~check) & 0xFF != log[end]:
            n_bad += 1
            pos += 1
            continue
        if rtype in (ACTIVITY, ACTIVITY2) and size > 1:
            if rtype == ACTIVITY2:
                counts = np.frombuffer(payload[: size // 6 * 6], dtype="<i2").reshape(-1, 3)
            else:
                counts = unpack_activity(payload)
            k = counts.shape[0]
            if first_stamp is None:
                first_stamp = stamp
            # seconds from the first record, so that 1/k keeps its precision
            times.append((stamp - first_stamp) + np.arange(k) / k)
            samples.append(np.round(counts / scale, 3))
        pos = end + 1
    if not samples:
        raise InputFileError(f"{path.name!r}: no ACTIVITY or ACTIVITY2 record in log.bin"
                             + (f" ({n_bad} record(s) with a wrong checksum)" if n_bad else ""))
    t = np.concatenate(times)
    xyz = np.vstack(samples)
    start = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=float(first_stamp) + float(t[0]))
    return t - t[0], xyz, fs, start, info


__all__ = ["parse_info", "read_gt3x", "unpack_activity"]
