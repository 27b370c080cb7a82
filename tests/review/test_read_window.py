"""The window read of the review screen (somnomotor.io.edf.read_window).

A window must hold exactly the values of the whole-channel decode (Channel.data()) at the
same samples, wherever it lies: at the start, in the middle, at the end, across data-record
boundaries, for EDF (16-bit) and BDF (24-bit), for a unit that is scaled to µV (mV), and it
must read only the data records it spans.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import edfio
import numpy as np
import pytest

from somnomotor.io import edf as edf_module
from somnomotor.io.edf import read_recording, read_window
from somnomotor.recording import Channel

#: 0.5-s data records: 128 samples of the 256-Hz channel, 50 of the 100-Hz one per record.
RECORD_S = 0.5
N_RECORDS = 40


def _write(path: Path, *, bdf: bool) -> Path:
    rng = np.random.default_rng(11)
    signal_class = edfio.BdfSignal if bdf else edfio.EdfSignal
    leg_uv = rng.normal(0, 40, int(256 * RECORD_S * N_RECORDS))
    chin_mv = rng.normal(0, 0.02, int(100 * RECORD_S * N_RECORDS))  # written in mV
    signals = [
        signal_class(leg_uv, 256.0, label="LAT", physical_dimension="uV",
                     physical_range=(-400.0, 400.0)),
        signal_class(chin_mv, 100.0, label="Chin1-Chin2", physical_dimension="mV",
                     physical_range=(-0.2, 0.2)),
    ]
    cls = edfio.Bdf if bdf else edfio.Edf
    cls(signals, starttime=dt.time(23, 0, 0), data_record_duration=RECORD_S).write(path)
    return path


def _windows(per_record: int, n: int) -> list[tuple[int, int]]:
    return [
        (0, 1), (0, 10), (0, per_record), (0, per_record + 1),          # start
        (per_record - 1, per_record + 1),                                # one boundary
        (3 * per_record - 5, 7 * per_record + 3),                         # several boundaries
        (n // 2 - 17, n // 2 + 31),                                       # middle
        (n - per_record - 1, n), (n - 3, n), (n - 1, n),                  # end
        (n - 10, n + 500),                                                # past the end: clipped
        (0, n),                                                           # whole channel
    ]


@pytest.mark.parametrize("bdf", [False, True], ids=["edf", "bdf"])
@pytest.mark.parametrize(("label", "per_record"), [("LAT", 128), ("Chin1-Chin2", 50)])
def test_window_equals_the_whole_channel_decode(tmp_path: Path, bdf: bool, label: str,
                                                per_record: int) -> None:
    path = _write(tmp_path / ("w.bdf" if bdf else "w.edf"), bdf=bdf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        channel = read_recording(path).channel(label)
    whole = channel.data()
    n = per_record * N_RECORDS
    assert whole.size == n
    if label == "Chin1-Chin2":
        # written in mV: the whole decode is in µV (values of tens of µV, not hundredths)
        assert channel.unit == "uV" and 5.0 < float(np.std(whole)) < 50.0
    for start, stop in _windows(per_record, n):
        got = read_window(channel, start, stop)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, whole[start:stop], err_msg=f"{start}..{stop}")


@pytest.mark.parametrize("bdf", [False, True], ids=["edf", "bdf"])
def test_window_reads_only_the_records_it_spans(tmp_path: Path, bdf: bool,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / ("w.bdf" if bdf else "w.edf"), bdf=bdf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        channel = read_recording(path).channel("LAT")
    spans: list[tuple[int, int]] = []
    original = edf_module.BdfSignalReader.read_record_bytes

    def counting(self, first, stop):  # type: ignore[no-untyped-def]
        spans.append((first, stop))
        return original(self, first, stop)

    monkeypatch.setattr(edf_module.BdfSignalReader, "read_record_bytes", counting)
    # samples 300..700 of 128 per record lie in records 2 (256..383) to 5 (640..767)
    read_window(channel, 300, 700)
    assert spans == [(2, 6)]


def test_window_of_an_in_memory_channel_is_a_slice() -> None:
    x = np.arange(1000, dtype=np.float32)
    channel = Channel.from_array("LAT", x, fs_hz=100.0)
    np.testing.assert_array_equal(read_window(channel, 990, 1200), x[990:])
    assert read_window(channel, 50, 40).size == 0
