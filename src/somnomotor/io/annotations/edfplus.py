"""EDF+ annotations (annotation-only hypnogram files such as Sleep-EDF ``*-Hypnogram.edf``).

Onsets in an EDF+ file count from its own start (header start date and time, EDF+
specification, Kemp & Olivan 2003, doi:10.1016/S1388-2457(03)00123-8). When the recording
start is given, the reader shifts them by (file start - recording start). Anonymised EDF+
files write ``Startdate X``; their header date field is then a placeholder, so only the time
of day is used for alignment (``RawAnnotations.date_known = False``).

Labels written by MNE carry the channel after ``@@`` (``"Lights off@@EEG F4-A1"``); that
part becomes the channel.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from somnomotor._errors import AnnotationError
from somnomotor.io.annotations._common import RawAnnotations

logger = logging.getLogger(__name__)


def looks_like_edf(head: bytes) -> bool:
    """True when the first bytes are an EDF/EDF+ (``"0       "``) or BDF header."""
    return head[:8] == b"0       " or head[:8] == b"\xffBIOSEMI"


def _start_of(edf: Any, path: Path) -> tuple[dt.datetime | None, bool]:
    """Header start of an edfio ``Edf`` and whether its date is real (not anonymised)."""
    import edfio

    time_of_day: dt.time = edf.starttime
    try:
        date: dt.date = edf.startdate
        return dt.datetime.combine(date, time_of_day), True
    except edfio.AnonymizedDateError:  # 'Startdate X': fall back to the header date field
        raw = bytes(getattr(edf, "_startdate", b"")).decode("ascii", "replace").strip()
        try:
            day, month, year = (int(x) for x in raw.split("."))
            # EDF clipping date: years 85-99 are 1985-1999, 00-84 are 2000-2084.
            year += 1900 if year >= 85 else 2000
            date = dt.date(year, month, day)
        except ValueError:
            logger.debug("%s: no usable start date in the header (%r)", path, raw)
            date = dt.date(1985, 1, 1)
        return dt.datetime.combine(date, time_of_day), False


def read_edfplus(path: Path) -> RawAnnotations:
    """Parse the annotations of an EDF+/BDF+ file.

    Parameters
    ----------
    path : Path
        The file; signals in it are not read.

    Returns
    -------
    RawAnnotations
        Onsets in s from the file's header start.
    """
    import edfio  # imported here: reading annotations should not cost the import elsewhere

    try:
        edf = edfio.read_edf(path, lazy_load_data=True)
        annotations = list(edf.annotations)
    except Exception as exc:  # edfio raises plain ValueError/KeyError on corrupt headers
        raise AnnotationError(
            f"cannot read EDF+ annotations from {str(path)!r}: {exc}; expected an EDF+ file "
            f"with an 'EDF Annotations' signal"
        ) from exc
    start, date_known = _start_of(edf, path)
    raw = RawAnnotations(start=start, date_known=date_known)
    for annotation in annotations:
        text = annotation.text
        label, _, channel = text.partition("@@")
        duration = annotation.duration if annotation.duration is not None else 0.0
        raw.add(annotation.onset, duration, label.strip(), channel.strip() or "n/a")
    return raw


__all__ = ["looks_like_edf", "read_edfplus"]
