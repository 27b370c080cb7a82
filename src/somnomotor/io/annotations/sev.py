"""Stanford SEV / EDF-translator scoring files: ``.SCO`` events and ``.STA`` stages.

``.STA``
    One line per 30-s epoch: the epoch number (from 1) and a stage code, separated by a
    tab (further columns are ignored). Codes: 0 wake, 1-3 NREM 1-3, 4 R&K stage 4 (= N3),
    5 REM, 6 movement time, 7 unscored. Old Mac exports end lines with ``\\r`` alone.

``.SCO``
    One event per line, tab-separated: epoch (from 1), start sample, duration in samples
    (often empty for leg movements), event code, label (``LM``, ``LMA``, ``Hypopnea``,
    ``SaO2`` ...; trailing blanks), a number not read, the start clock time ``h:mm:ss``
    and a value (e.g. SpO2) not read. Samples count from the recording start at
    :data:`SCO_SAMPLE_RATE_HZ`, the SEV reader's default (``CLASS_codec.parseSCOfile``);
    every row's epoch is checked against its start sample to catch a file written at
    another rate. An empty duration is SEV's default of :data:`SCO_DEFAULT_DURATION_S`,
    reported in a warning. Lines end with ``\\r\\n`` or ``\\r``; blank or tab-only lines
    are skipped.

Both formats carry no date, and their onsets already count from the recording start.
"""

from __future__ import annotations

import re
from pathlib import Path

from somnomotor.io.annotations._common import RawAnnotations, parse_error
from somnomotor.io.annotations.labels import NUMERIC_STAGE_CODES

#: Samples per s of the SCO start and duration columns (SEV's default, 200 Hz).
SCO_SAMPLE_RATE_HZ = 200.0
#: Duration SEV gives an event whose duration column is empty (300 samples at 200 Hz).
SCO_DEFAULT_DURATION_S = 1.5
#: STA stage codes: the NSRR / R&K numbering with 7 for unscored.
STA_STAGE_CODES = {**NUMERIC_STAGE_CODES, "7": "UNS"}
_EPOCH_S = 30.0
_CLOCK = re.compile(r"^\d{1,2}:\d{2}:\d{2}$")
_STA_LINE = re.compile(r"^\s*(\d+)[\t ]+(\d+)\b")


def _content(lines: list[str]) -> list[tuple[int, str]]:
    return [(i + 1, line) for i, line in enumerate(lines) if line.strip(" \t")]


def looks_like_sco(lines: list[str]) -> bool:
    """True when the first content lines are SCO rows (epoch, sample, ..., h:mm:ss)."""
    rows = _content(lines)[:20]
    if not rows:
        return False
    for _, line in rows:
        cells = [c.strip() for c in line.split("\t")]
        if (len(cells) < 7 or not cells[0].isdigit() or not cells[1].lstrip("-").isdigit()
                or not _CLOCK.match(cells[6])):
            return False
    return True


def looks_like_sta(lines: list[str]) -> bool:
    """True when the first content lines are ``epoch<TAB>code`` with epochs 1, 2, 3 ..."""
    rows = _content(lines)[:50]
    if len(rows) < 2:
        return False
    matches = [_STA_LINE.match(line) for _, line in rows]
    if not all(matches):
        return False
    epochs = [int(m.group(1)) for m in matches if m]
    return all(b == a + 1 for a, b in zip(epochs, epochs[1:]))


def read_sta(path: Path, lines: list[str]) -> RawAnnotations:
    """Parse a ``.STA`` stage file into one 30-s epoch per line."""
    raw = RawAnnotations(epoch_s=_EPOCH_S)
    for line_no, line in _content(lines):
        match = _STA_LINE.match(line)
        stage = STA_STAGE_CODES.get(match.group(2)) if match else None
        if match is None or stage is None:
            raise parse_error(path, line_no, line,
                              f"an epoch number and a stage code ({sorted(STA_STAGE_CODES)}: "
                              f"0 wake, 1-4 NREM, 5 REM, 6 movement, 7 unscored)")
        raw.add((int(match.group(1)) - 1) * _EPOCH_S, _EPOCH_S, stage)
    return raw


def read_sco(path: Path, lines: list[str]) -> RawAnnotations:
    """Parse a ``.SCO`` event file (onsets in s from the recording start)."""
    raw = RawAnnotations()
    defaulted = 0
    for line_no, line in _content(lines):
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) < 7:
            raise parse_error(path, line_no, line, "at least 7 tab-separated columns "
                              "(epoch, start sample, duration samples, code, label, -, h:mm:ss)")
        try:
            epoch = int(cells[0])
            start = int(cells[1])
            duration = int(cells[2]) / SCO_SAMPLE_RATE_HZ if cells[2] else None
        except ValueError:
            raise parse_error(path, line_no, line, "epoch, start sample and duration (samples) "
                              "as whole numbers") from None
        onset = start / SCO_SAMPLE_RATE_HZ
        if abs(onset - (epoch - 1) * _EPOCH_S - _EPOCH_S / 2) > _EPOCH_S:
            raise parse_error(
                path, line_no, line,
                f"a start sample inside its epoch at {SCO_SAMPLE_RATE_HZ:g} Hz (epoch {epoch} "
                f"is {(epoch - 1) * _EPOCH_S:g}-{epoch * _EPOCH_S:g} s; sample {start} is "
                f"{onset:.1f} s): was the file written at another sample rate?")
        if duration is None or duration <= 0:
            duration = SCO_DEFAULT_DURATION_S
            defaulted += 1
        raw.add(onset, duration, cells[4] or "unlabelled")
    if defaulted:
        raw.warnings.append(
            f"{path.name}: {defaulted} event(s) have no duration; SEV's default of "
            f"{SCO_DEFAULT_DURATION_S:g} s is used for them"
        )
    return raw


__all__ = ["SCO_DEFAULT_DURATION_S", "SCO_SAMPLE_RATE_HZ", "STA_STAGE_CODES", "looks_like_sco",
           "looks_like_sta", "read_sco", "read_sta"]
