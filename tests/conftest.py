"""Shared fixtures: small EDF files written with edfio from seeded random data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pytest


def write_edf(
    path: Path,
    signals: Mapping[str, tuple[np.ndarray, float]],
    *,
    annotations: Sequence[tuple[float, float, str]] = (),
    unit: str = "uV",
    physical_range: tuple[float, float] = (-1000.0, 1000.0),
    start: dt.datetime = dt.datetime(2026, 1, 1, 22, 0, 0),
) -> Path:
    """Write an EDF(+) file: ``signals`` maps label -> (data in ``unit``, rate in Hz)."""
    import edfio

    edf_signals = [
        edfio.EdfSignal(
            np.asarray(data, dtype=float), fs, label=label, physical_dimension=unit,
            physical_range=physical_range,
        )
        for label, (data, fs) in signals.items()
    ]
    edf = edfio.Edf(
        edf_signals,
        starttime=start.time(),
        recording=edfio.Recording(startdate=start.date()),
        annotations=[edfio.EdfAnnotation(o, d, t) for o, d, t in annotations] or None,
    )
    edf.write(path)
    return path


@pytest.fixture
def make_edf(tmp_path: Path) -> Callable[..., Path]:
    """Factory writing an EDF into tmp_path (see :func:`write_edf`)."""

    def _make(name: str = "night.edf", **kwargs: object) -> Path:
        return write_edf(tmp_path / name, **kwargs)  # type: ignore[arg-type]

    return _make


@pytest.fixture
def two_leg_signals() -> dict[str, tuple[np.ndarray, float]]:
    """Two minutes of low-level noise on LAT/RAT at 200 Hz plus an EEG channel (µV)."""
    rng = np.random.default_rng(7)
    fs = 200.0
    n = int(120 * fs)
    return {
        "LAT": (rng.normal(0, 2.0, n), fs),
        "RAT": (rng.normal(0, 2.0, n), fs),
        "C4-M1": (rng.normal(0, 20.0, n // 2), fs / 2),
    }
