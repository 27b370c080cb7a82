"""Shared pieces of the annotation readers: the parsed-file record and text decoding."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from somnomotor._errors import AnnotationError, InputFileNotFoundError

#: Encodings tried in order; vendor exports from German-language systems are often cp1252.
TEXT_ENCODINGS: tuple[str, ...] = ("utf-8-sig", "cp1252", "latin-1")
#: Largest onset or duration accepted, in s (one week). No sleep recording is longer; a
#: value such as 1e308 would overflow the epoch arithmetic further on.
MAX_TIME_S = 7 * 24 * 3600.0
#: Byte-order marks of UTF-16 little- and big-endian text.
UTF16_BOMS: tuple[bytes, ...] = (b"\xff\xfe", b"\xfe\xff")


@dataclass
class RawAnnotations:
    """One file's annotations before normalisation.

    Parameters
    ----------
    onset_s : list of float
        Onsets in s from :attr:`start` (or from the recording start when ``start`` is None).
    duration_s : list of float
        Durations in s (NaN or 0 when the file gives none).
    labels, channels : list of str
        Text and channel (``"n/a"`` when none) per row.
    start : datetime or None
        Wall-clock time that ``onset_s`` counts from, when the file gives clock times.
    date_known : bool
        False when the file's date is anonymised, so only its time of day can be aligned.
    warnings : list of str
        Doubts raised while parsing.
    epoch_s : float
        Epoch length in s of the stages (30 unless the file says otherwise).
    """

    onset_s: list[float] = field(default_factory=list)
    duration_s: list[float] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    start: dt.datetime | None = None
    date_known: bool = True
    warnings: list[str] = field(default_factory=list)
    epoch_s: float = 30.0

    def add(self, onset_s: float, duration_s: float, label: str, channel: str = "n/a") -> None:
        """Append one row."""
        self.onset_s.append(float(onset_s))
        self.duration_s.append(float(duration_s))
        self.labels.append(str(label))
        self.channels.append(str(channel) if channel else "n/a")


def check_exists(path: str | os.PathLike[str]) -> Path:
    """The path as a :class:`~pathlib.Path`; raises if it is not an existing file."""
    file = Path(path)
    if not file.is_file():
        raise InputFileNotFoundError(
            f"annotation file {str(file)!r} does not exist or is not a file"
        )
    return file


def read_text_lines(path: Path) -> list[str]:
    """The lines of a text file without line endings (CRLF, LF or CR), decoded leniently."""
    raw = path.read_bytes()
    if raw[:2] in UTF16_BOMS:
        # Windows tools ("Unicode text" exports) write UTF-16 with a byte-order mark.
        try:
            return raw.decode("utf-16").splitlines()
        except UnicodeDecodeError as exc:
            raise AnnotationError(f"annotation file {str(path)!r} starts with a UTF-16 "
                                  f"byte-order mark but is not valid UTF-16: {exc}") from exc
    for encoding in TEXT_ENCODINGS:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - latin-1 decodes every byte
        raise AnnotationError(f"annotation file {str(path)!r} is not a text file")
    return text.splitlines()


def parse_error(path: Path, line_no: int, line: str, expected: str) -> AnnotationError:
    """An :class:`AnnotationError` naming the file, the line and what was expected there."""
    shown = line if len(line) <= 120 else line[:117] + "..."
    return AnnotationError(
        f"cannot parse annotation file {str(path)!r}, line {line_no}: received {shown!r}; "
        f"expected {expected}"
    )


__all__ = ["MAX_TIME_S", "TEXT_ENCODINGS", "UTF16_BOMS", "RawAnnotations", "check_exists", "parse_error",
           "read_text_lines"]
