"""Raw accelerometer recordings worn on the ankle: Axivity CWA, GENEActiv BIN, ActiGraph GT3X, CSV.

Every reader returns an :class:`AccelRecording`: three axes in g at one sampling rate, the
start time as written by the device, and the file it came from. Binary formats are read
with packages made for them where a suitable one exists (the optional extra ``accel``):

* Axivity ``.cwa`` and GENEActiv ``.bin``: ``scikit-digital-health`` (``skdh.io.ReadCwa``,
  ``skdh.io.ReadBin``; C readers of the published formats, maintained by Pfizer R&D).
* ActiGraph ``.gt3x``: our own reader of ActiGraph's published format
  (:mod:`somnomotor.io.accel.gt3x`; ActiGraph's pygt3x is GPL-3.0).
* ``.csv``: our own reader (:mod:`somnomotor.io.accel.csv_reader`): columns time, x, y, z in
  g, or a GENEActiv CSV export.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from somnomotor._errors import InputFileError, InputFileNotFoundError

#: File suffixes read as accelerometer recordings (lower case).
ACCEL_SUFFIXES: tuple[str, ...] = (".cwa", ".bin", ".gt3x", ".csv")


@dataclass(frozen=True)
class AccelRecording:
    """A raw tri-axial acceleration recording.

    Attributes
    ----------
    acceleration_g : numpy.ndarray
        ``(n_samples, 3)`` float32, x, y, z in g (1 g = 9.81 m/s^2), as stored (uncalibrated).
    fs_hz : float
        Sampling rate, Hz (resampled to a regular grid when the device stored it irregularly).
    start : datetime.datetime or None
        Wall-clock time of the first sample (device time, naive).
    device : str
        ``"axivity"``, ``"geneactiv"``, ``"actigraph"`` or ``"csv"``.
    source : str
        File name.
    warnings : tuple of str
    """

    acceleration_g: np.ndarray = field(repr=False)
    fs_hz: float
    start: dt.datetime | None
    device: str
    source: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.acceleration_g.shape[0])

    @property
    def duration_s(self) -> float:
        """Length of the recording, s."""
        return self.n_samples / self.fs_hz


def is_accelerometer_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` has a suffix read by :func:`read_accelerometer`."""
    return Path(path).suffix.lower() in ACCEL_SUFFIXES


def regular_grid(time_s: np.ndarray, xyz: np.ndarray, fs_hz: float) -> np.ndarray:
    """Linear interpolation of samples at times ``time_s`` (s) onto a regular ``fs_hz`` grid.

    CWA and GT3X store blocks with their own time stamps; a device clock that drifts or
    a dropped block makes the grid irregular, and the detector assumes a fixed rate.
    """
    t = np.asarray(time_s, dtype=float) - float(time_s[0])
    n = int(np.floor(t[-1] * fs_hz)) + 1
    grid = np.arange(n) / fs_hz
    out = np.empty((n, 3), dtype=np.float32)
    for k in range(3):
        out[:, k] = np.interp(grid, t, xyz[:, k])
    return out


def _from_unix(seconds: float) -> dt.datetime:
    return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=float(seconds))


def _read_skdh(path: Path, device: str) -> AccelRecording:
    try:
        from skdh.io import ReadBin, ReadCwa
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise InputFileError(
            f"reading {path.suffix} files needs scikit-digital-health; install the extra: "
            "pip install 'somnomotor[accel]'"
        ) from exc
    import warnings

    reader = ReadCwa() if device == "axivity" else ReadBin()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skdh warns about naive local time on every file
        try:
            data = reader.predict(file=str(path))
        except Exception as exc:  # skdh raises plain exceptions from its C readers
            raise InputFileError(
                f"{path.name!r} could not be read as a {device} {path.suffix} file: {exc}"
            ) from exc
    xyz = np.asarray(data["accel"], dtype=np.float64)
    time_s = np.asarray(data["time"], dtype=np.float64)
    fs = float(data["fs"])
    if xyz.ndim != 2 or xyz.shape[0] < 2 or xyz.shape[1] != 3:
        raise InputFileError(f"{path.name!r} holds no tri-axial acceleration (shape {xyz.shape})")
    return AccelRecording(regular_grid(time_s, xyz, fs), fs, _from_unix(time_s[0]), device,
                          path.name)


def _read_gt3x(path: Path) -> AccelRecording:
    from somnomotor.io.accel.gt3x import read_gt3x

    time_s, xyz, fs, start, _info = read_gt3x(path)
    if xyz.shape[0] < 2:
        raise InputFileError(f"{path.name!r} holds fewer than two samples")
    return AccelRecording(regular_grid(time_s, xyz, fs), fs, start, "actigraph", path.name)


def read_accelerometer(path: str | os.PathLike[str]) -> AccelRecording:
    """Read an accelerometer file by its suffix (``.cwa``, ``.bin``, ``.gt3x``, ``.csv``).

    Raises
    ------
    InputFileNotFoundError
        The file does not exist.
    InputFileError
        Unknown suffix, unreadable content, or the reader package is not installed.
    """
    p = Path(path)
    if not p.exists():
        raise InputFileNotFoundError(f"accelerometer file {str(p)!r} does not exist")
    suffix = p.suffix.lower()
    if suffix == ".cwa":
        return _read_skdh(p, "axivity")
    if suffix == ".bin":
        return _read_skdh(p, "geneactiv")
    if suffix == ".gt3x":
        return _read_gt3x(p)
    if suffix == ".csv":
        from somnomotor.io.accel.csv_reader import read_accel_csv

        return read_accel_csv(p)
    raise InputFileError(
        f"{p.name!r}: unknown accelerometer file type {suffix!r}; allowed are "
        f"{list(ACCEL_SUFFIXES)}"
    )


__all__ = ["ACCEL_SUFFIXES", "AccelRecording", "is_accelerometer_file", "read_accelerometer",
           "regular_grid"]
