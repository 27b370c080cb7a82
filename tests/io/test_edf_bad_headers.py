"""EDF headers that are well-formed but impossible: a digital range outside the 16-bit
(EDF) or 24-bit (BDF) integers, and a signal with 0 samples per data record.

The files are written byte by byte here (edfio refuses to write such headers), following
the EDF layout of Kemp et al. 1992: a 256-byte fixed header, then per signal label (16),
transducer (80), physical dimension (8), physical min/max (8 each), digital min/max
(8 each), prefiltering (80), samples per record (8), reserved (32).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from somnomotor._errors import SomnomotorWarning
from somnomotor.io.edf import read_recording, unusable_channels


def write_raw_edf(path: Path, signals: list[dict], *, n_records: int = 4,
                  record_s: float = 1.0, seed: int = 3) -> Path:
    """An EDF written by hand; each signal dict has label, spr, dmin, dmax, pmin, pmax."""
    n = len(signals)

    def field(value: object, width: int) -> bytes:
        return str(value).ljust(width)[:width].encode("ascii")

    fixed = (field("0", 8) + field("X X X X", 80) + field("Startdate X X X X", 80)
             + field("01.01.26", 8) + field("22.00.00", 8) + field(256 * (n + 1), 8)
             + field("", 44) + field(n_records, 8) + field(f"{record_s:g}", 8)
             + field(n, 4))
    columns = [
        [field(s["label"], 16) for s in signals],
        [field("", 80) for _ in signals],
        [field("uV", 8) for _ in signals],
        [field(s["pmin"], 8) for s in signals],
        [field(s["pmax"], 8) for s in signals],
        [field(s["dmin"], 8) for s in signals],
        [field(s["dmax"], 8) for s in signals],
        [field("", 80) for _ in signals],
        [field(s["spr"], 8) for s in signals],
        [field("", 32) for _ in signals],
    ]
    header = fixed + b"".join(b"".join(col) for col in columns)
    assert len(header) == 256 * (n + 1)
    rng = np.random.default_rng(seed)
    records = b""
    for _ in range(n_records):
        for s in signals:
            records += rng.integers(-2000, 2000, s["spr"]).astype("<i2").tobytes()
    path.write_bytes(header + records)
    return path


def _signal(label: str, *, spr: int = 100, dmin: int = -32768, dmax: int = 32767,
            pmin: float = -500.0, pmax: float = 500.0) -> dict:
    return {"label": label, "spr": spr, "dmin": dmin, "dmax": dmax, "pmin": pmin,
            "pmax": pmax}


def _read(path: Path):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rec = read_recording(path)
    return rec, [str(w.message) for w in caught if issubclass(w.category, SomnomotorWarning)]


def test_well_formed_hand_written_edf_reads_as_written(tmp_path: Path) -> None:
    # guards the writer above: a valid file gives both channels at 100 Hz
    path = write_raw_edf(tmp_path / "ok.edf", [_signal("LAT"), _signal("RAT")])
    rec, _ = _read(path)
    assert rec.labels == ["LAT", "RAT"]
    assert [c.fs_hz for c in rec.channels] == [100.0, 100.0]
    assert unusable_channels(path) == {}


@pytest.mark.parametrize(("dmin", "dmax"), [(40000, 50000), (-40000, 100), (0, 32768)])
def test_digital_range_outside_16_bit_refuses_that_channel(tmp_path: Path, dmin: int,
                                                            dmax: int) -> None:
    path = write_raw_edf(tmp_path / "range.edf",
                         [_signal("LAT", dmin=dmin, dmax=dmax), _signal("RAT")])
    rec, messages = _read(path)
    assert rec.labels == ["RAT"]
    text = " ".join(messages)
    assert "'LAT'" in text and f"[{dmin}, {dmax}]" in text and "-32768" in text
    assert "LAT" in unusable_channels(path)


def test_digital_range_at_the_16_bit_limits_is_accepted(tmp_path: Path) -> None:
    path = write_raw_edf(tmp_path / "limits.edf", [_signal("LAT", dmin=-32768, dmax=32767)])
    rec, messages = _read(path)
    assert rec.labels == ["LAT"]
    assert not any("LAT" in m for m in messages)


def test_zero_samples_per_record_refuses_that_channel_by_name(tmp_path: Path) -> None:
    path = write_raw_edf(tmp_path / "zero.edf",
                         [_signal("LAT"), _signal("RAT", spr=0), _signal("C4-M1", spr=50)])
    rec, messages = _read(path)
    assert rec.labels == ["LAT", "C4-M1"]
    assert any("'RAT'" in m and "0 samples per data record" in m for m in messages)
    assert "0 samples per data record" in unusable_channels(path)["RAT"]


def _patch_digital_max(source: Path, target: Path, index: int, value: int) -> Path:
    raw = bytearray(source.read_bytes())
    n = int(raw[252:256].decode().strip())
    offset = 256 + n * 128 + 8 * index  # the digital-maximum field of signal ``index``
    raw[offset:offset + 8] = str(value).ljust(8).encode("ascii")
    target.write_bytes(bytes(raw))
    return target


def test_bdf_allows_24_bit_but_not_beyond(tmp_path: Path) -> None:
    bdf = Path(__file__).resolve().parents[1] / "data" / "short_psg.bdf"
    # 2**23 - 1 is the largest 24-bit value; one more is refused
    ok, _ = _read(_patch_digital_max(bdf, tmp_path / "ok.bdf", 0, 2**23 - 1))
    assert "EEG Fpz-Cz" in ok.labels
    path = _patch_digital_max(bdf, tmp_path / "beyond.bdf", 0, 2**23)
    rec, messages = _read(path)
    assert "EEG Fpz-Cz" not in rec.labels
    assert any("'EEG Fpz-Cz'" in m and "24-bit BDF" in m and "8388607" in m for m in messages)
