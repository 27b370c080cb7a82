"""The layout of EDF/BDF data records, and reading one signal's samples from them in blocks.

Split from :mod:`somnomotor.io.edf` (which parses the header with edfio and builds the
:class:`~somnomotor.recording.Recording`): :func:`_read_layout` checks the raw header's
fields against the file size, :class:`BdfSignalReader` reads the data records in blocks of a
few MB and copies out one signal's columns (16-bit for EDF, 24-bit for BDF), and
:func:`read_window` reads only the records a window of samples spans. References are in
:mod:`somnomotor.io.edf`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from somnomotor._errors import InputFileError
from somnomotor.recording import Channel

_EDF_MAGIC = b"0       "
_BDF_MAGIC = b"\xffBIOSEMI"
_ANNOTATION_LABELS = ("EDF Annotations", "BDF Annotations")
#: The EDF spec allows only ASCII in the header, but many systems write "µV" as the Latin-1
#: byte 0xB5. Latin-1 decodes every byte, so such headers read as "µV" instead of failing;
#: a UTF-8 "µ" then reads as "Âµ", which the unit normaliser also accepts.
_HEADER_ENCODING = "latin-1"
#: Bytes of the fixed part of the header, and of one signal's header (EDF spec, 1992).
_FIXED_HEADER_BYTES = 256
_SIGNAL_HEADER_BYTES = 256


@dataclass(frozen=True)
class _Layout:
    """What the raw header says about where samples are in the file."""

    fmt: str  # "EDF" or "BDF"
    bytes_per_sample: int
    header_bytes: int
    n_records: int
    record_duration_s: float
    labels: tuple[str, ...]
    samples_per_record: tuple[int, ...]
    reserved: str
    legacy_startdate: str  # dd.mm.yy, the EDF (not EDF+) start date field
    legacy_starttime: str  # hh.mm.ss

    @property
    def record_samples(self) -> int:
        return sum(self.samples_per_record)

    def offset_of(self, index: int) -> tuple[int, int]:
        """First and one-past-last sample of signal ``index`` within a data record."""
        start = sum(self.samples_per_record[:index])
        return start, start + self.samples_per_record[index]


def _field(raw: bytes, start: int, length: int) -> str:
    return raw[start : start + length].decode("ascii", errors="replace").strip()


def _read_layout(path: Path) -> _Layout:
    """Parse the fields that decide the file layout and check them against the file size."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        fixed = handle.read(_FIXED_HEADER_BYTES)
        if fixed[:8] == _EDF_MAGIC:
            fmt, bytes_per_sample = "EDF", 2
        elif fixed[:8] == _BDF_MAGIC:
            fmt, bytes_per_sample = "BDF", 3
        else:
            raise InputFileError(
                f"{path}: not an EDF or BDF file (it starts with {fixed[:8]!r}; an EDF file "
                f"starts with {_EDF_MAGIC!r}, a BDF file with {_BDF_MAGIC!r})"
            )
        if len(fixed) < _FIXED_HEADER_BYTES:
            raise InputFileError(
                f"{path}: truncated {fmt} file: {size} bytes, less than the "
                f"{_FIXED_HEADER_BYTES}-byte fixed header"
            )
        try:
            header_bytes = int(_field(fixed, 184, 8))
            n_records = int(_field(fixed, 236, 8))
            record_duration_s = float(_field(fixed, 244, 8))
            n_signals = int(_field(fixed, 252, 4))
        except ValueError as exc:
            raise InputFileError(
                f"{path}: invalid {fmt} header, a number field cannot be read ({exc})"
            ) from None
        if n_signals < 1 or header_bytes != _FIXED_HEADER_BYTES * (n_signals + 1):
            raise InputFileError(
                f"{path}: invalid {fmt} header: {n_signals} signals need a header of "
                f"{_FIXED_HEADER_BYTES * (n_signals + 1)} bytes, the header says {header_bytes}"
            )
        signal_header = handle.read(header_bytes - _FIXED_HEADER_BYTES)
    if len(signal_header) < header_bytes - _FIXED_HEADER_BYTES:
        raise InputFileError(
            f"{path}: truncated {fmt} file: {size} bytes, less than its {header_bytes}-byte header"
        )
    labels = tuple(_field(signal_header, 16 * i, 16) for i in range(n_signals))
    spr_offset = n_signals * (16 + 80 + 8 * 5 + 80)
    try:
        samples_per_record = tuple(
            int(_field(signal_header, spr_offset + 8 * i, 8)) for i in range(n_signals)
        )
    except ValueError as exc:
        raise InputFileError(
            f"{path}: invalid {fmt} header, samples per data record cannot be read ({exc})"
        ) from None
    if min(samples_per_record) < 0 or sum(samples_per_record) == 0:
        raise InputFileError(
            f"{path}: invalid {fmt} header: samples per data record {list(samples_per_record)}"
        )
    record_bytes = sum(samples_per_record) * bytes_per_sample
    data_bytes = size - header_bytes
    if n_records == -1:
        # -1 is allowed while recording (EDF spec); accept only whole records.
        if data_bytes % record_bytes:
            raise InputFileError(
                f"{path}: {fmt} header gives -1 (unknown) data records and the {data_bytes} "
                f"data bytes are not a whole number of {record_bytes}-byte records"
            )
        n_records = data_bytes // record_bytes
    expected = n_records * record_bytes
    if data_bytes != expected:
        kind = "truncated" if data_bytes < expected else "inconsistent"
        raise InputFileError(
            f"{path}: {kind} {fmt} file: the header says {n_records} data records of "
            f"{record_bytes} bytes ({sum(samples_per_record)} samples per record), i.e. "
            f"{expected} bytes of data, but the file holds {data_bytes} bytes after the header"
        )
    if n_records < 1 or not record_duration_s > 0:
        raise InputFileError(
            f"{path}: {fmt} file without data: {n_records} data records of "
            f"{record_duration_s} s"
        )
    return _Layout(fmt=fmt, bytes_per_sample=bytes_per_sample, header_bytes=header_bytes,
                   n_records=n_records, record_duration_s=record_duration_s, labels=labels,
                   samples_per_record=samples_per_record, reserved=_field(fixed, 192, 44),
                   legacy_startdate=_field(fixed, 168, 8),
                   legacy_starttime=_field(fixed, 176, 8))


#: Bytes of data records read per system call when decoding one signal.
_READ_BLOCK_BYTES = 1024 * 1024


def _read_exactly(handle: Any, block: np.ndarray, path: Path) -> None:
    """Fill ``block`` from ``handle`` (raw reads may return fewer bytes than asked)."""
    view = memoryview(block).cast("B")
    got = 0
    while got < view.nbytes:
        n = handle.readinto(view[got:])
        if not n:
            raise InputFileError(f"{path}: the file ended inside its data records "
                                 f"(truncated while it was being read?)")
        got += n


class BdfSignalReader:
    """Reads one signal of a BDF (24-bit) or EDF (16-bit) file from disk on each call.

    Parameters
    ----------
    path : Path
    layout : _Layout
        The file's layout (header size, samples per record).
    index : int
        Position of the signal in the header.
    """

    def __init__(self, path: Path, layout: _Layout, index: int, *, bytes_per_sample: int = 3
                 ) -> None:
        self.path = path
        self.header_bytes = layout.header_bytes
        self.n_records = layout.n_records
        self.bytes_per_sample = bytes_per_sample
        self.record_bytes = layout.record_samples * bytes_per_sample
        start, end = layout.offset_of(index)
        self.start_byte, self.end_byte = bytes_per_sample * start, bytes_per_sample * end

    def read_bytes(self) -> np.ndarray:
        """The signal's raw bytes, record after record (uint8).

        The data records are read in blocks of ~4 MB into one reused buffer and the
        signal's columns copied out. Memory-mapping the file instead would count every
        page of the night touched (all channels share each record) in the process's
        resident memory, which then grows with the night's length, not with the channels
        read.
        """
        return self.read_record_bytes(0, self.n_records)

    def read_record_bytes(self, first_record: int, stop_record: int) -> np.ndarray:
        """The signal's raw bytes in data records ``[first_record, stop_record)`` (uint8)."""
        first_record = max(0, min(first_record, self.n_records))
        count_all = max(0, min(stop_record, self.n_records) - first_record)
        width = self.end_byte - self.start_byte
        out = np.empty((count_all, width), dtype=np.uint8)
        per_block = max(1, _READ_BLOCK_BYTES // max(self.record_bytes, 1))
        buffer = np.empty(min(per_block, max(count_all, 1)) * self.record_bytes, dtype=np.uint8)
        with open(self.path, "rb", buffering=0) as handle:
            handle.seek(self.header_bytes + first_record * self.record_bytes)
            done = 0
            while done < count_all:
                count = min(per_block, count_all - done)
                block = buffer[: count * self.record_bytes]
                _read_exactly(handle, block, self.path)
                out[done : done + count] = block.reshape(count, self.record_bytes)[
                    :, self.start_byte : self.end_byte]
                done += count
        return out.ravel()

    def _digital(self, raw: np.ndarray) -> np.ndarray:
        if self.bytes_per_sample == 2:
            return raw.view("<i2")
        raw = raw.reshape(-1, 3)
        # Place the 3 little-endian bytes in the top of a 4-byte int; the arithmetic shift
        # then sign-extends the 24-bit two's complement value.
        wide = np.zeros((raw.shape[0], 4), dtype=np.uint8)
        wide[:, 1:] = raw
        return wide.view("<i4").ravel() >> 8

    def read_digital(self) -> np.ndarray:
        """The signal's digital values: int16 for EDF, int32 for BDF (24-bit)."""
        return self._digital(self.read_bytes())

    def read_digital_window(self, start: int, stop: int) -> np.ndarray:
        """Digital values of samples ``[start, stop)``, reading only the records holding them.

        A screen showing 30 s of an 8-h night needs a few records, not the whole night.
        """
        per_record = (self.end_byte - self.start_byte) // self.bytes_per_sample
        start = max(0, start)
        stop = min(stop, per_record * self.n_records)
        if stop <= start or per_record == 0:
            return self._digital(np.zeros(0, dtype=np.uint8))
        first = start // per_record
        last = -(-stop // per_record)
        values = self._digital(self.read_record_bytes(first, last))
        return values[start - first * per_record : stop - first * per_record]


class _WindowedLoader:
    """A channel loader (called: the whole channel) that can also read a window of samples.

    ``read(start, stop)`` returns samples ``[start, stop)`` (``stop`` None: to the end) as
    float32 in the channel's unit; :func:`read_window` uses it so that a window costs the
    data records it spans, with exactly the calibration of the whole-channel read.
    """

    def __init__(self, read: Callable[[int, int | None], np.ndarray]) -> None:
        self.read = read

    def __call__(self) -> np.ndarray:
        return self.read(0, None)


def _calibrated_loader(
    read_digital: Callable[[], np.ndarray],
    *,
    digital_min: int,
    digital_max: int,
    physical_min: float,
    physical_max: float,
    to_unit: float,
    read_digital_window: Callable[[int, int], np.ndarray] | None = None,
) -> Callable[[], np.ndarray]:
    """A loader returning float32 physical values times ``to_unit`` (e.g. to µV)."""
    gain = (physical_max - physical_min) / (digital_max - digital_min)
    # physical = (digital - dmin) * gain + pmin = digital * scale + offset: two passes over
    # the samples instead of four (this is most of the time of reading an 8-h channel).
    scale = np.float32(gain * to_unit)
    offset = np.float32((physical_min - digital_min * gain) * to_unit)

    def calibrate(digital: np.ndarray) -> np.ndarray:
        physical = np.multiply(digital, scale, dtype=np.float32)
        physical += offset
        return physical

    def load() -> np.ndarray:
        return calibrate(read_digital())

    if read_digital_window is None:
        return load
    window = read_digital_window

    def read(start: int, stop: int | None) -> np.ndarray:
        if start <= 0 and stop is None:
            return load()
        return calibrate(window(start, stop if stop is not None else 2**62))

    return _WindowedLoader(read)


def read_window(channel: Channel, start: int, stop: int) -> np.ndarray:
    """Samples ``[start, stop)`` of a channel (float32 in its unit, as :meth:`Channel.data`).

    A channel of :func:`read_recording` reads only the data records that hold the window;
    any other channel is read whole and sliced.
    """
    loader = channel.loader
    if isinstance(loader, _WindowedLoader):
        return loader.read(max(0, int(start)), max(0, int(stop)))
    return np.asarray(channel.data())[max(0, int(start)):max(0, int(stop))]


def window_reader(channel: Channel) -> Callable[[int, int], np.ndarray]:
    """A function ``read(start, stop)`` returning samples ``[start, stop)`` of the channel.

    For a channel of :func:`read_recording` (and one whose loader reads windows) each call
    reads only the data records the window spans, so a detector that reads a channel a
    part at a time never holds it whole. Any other channel (an array, an MNE object) is
    read whole once, on the first call, and sliced: its loader may copy the whole channel
    on every call.
    """
    if isinstance(channel.loader, _WindowedLoader):
        return lambda start, stop: read_window(channel, start, stop)
    whole: list[np.ndarray] = []

    def read(start: int, stop: int) -> np.ndarray:
        if not whole:
            whole.append(np.asarray(channel.data()))
        return whole[0][max(0, int(start)):max(0, int(stop))]

    return read
