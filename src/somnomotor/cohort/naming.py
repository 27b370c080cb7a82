"""Which recordings a cohort run scores, and the output folder of each.

A night's folder is named after its recording (``night``; ``site_a__night`` when another
recording of the run has the same name). A folder already written for a recording - its
``cohort-night.json`` names that recording's path - stays that recording's folder in every
later run, and a folder that holds results of another recording is never given to this one:
``cohort b1/ --out o`` then ``cohort b2/ --out o`` with a ``night.edf`` in each gives
``o/night`` (b1) and ``o/b2__night`` (b2), and nothing of b1 is overwritten.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from somnomotor._errors import InputFileNotFoundError, ParameterError
from somnomotor.cohort.identity import read_manifest

#: File name endings taken as recordings when a folder is searched (case-insensitive).
RECORDING_SUFFIXES: tuple[str, ...] = (".edf", ".bdf")


def find_recordings(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """The recordings named by ``paths``: files as given, folders searched recursively.

    Raises
    ------
    InputFileNotFoundError
        A path does not exist, or no recording was found at all.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and p.suffix.lower() in RECORDING_SUFFIXES))
        elif path.is_file():
            found.append(path)
        else:
            raise InputFileNotFoundError(f"{str(path)!r} does not exist")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        raise InputFileNotFoundError(
            f"no recording found in {[str(p) for p in paths]}; folders are searched for "
            f"files ending in {', '.join(RECORDING_SUFFIXES)} (any case)")
    return unique


def output_names(recordings: Sequence[Path]) -> list[str]:
    """A folder name per recording: its stem, with parent folders added where stems repeat."""
    names = [p.stem for p in recordings]
    depth = 1
    while len(set(names)) < len(names) and depth < 32:
        counts = pd.Series(names).value_counts()
        names = [
            "__".join([*p.parent.parts[-depth:], p.stem]) if counts[n] > 1 else n
            for p, n in zip(recordings, names, strict=True)
        ]
        depth += 1
    if len(set(names)) < len(names):  # same path twice cannot happen (resolved, unique)
        names = [f"{n}__{i}" for i, n in enumerate(names)]
    return names


def _longer_names(recording: Path, preferred: str) -> list[str]:
    """Names to try after ``preferred``: more parent folders, then numbered."""
    parents = [p for p in recording.parent.parts if p not in ("/", "\\")]
    names = ["__".join([*parents[-depth:], recording.stem]) for depth in range(1, len(parents) + 1)]
    names = [n for n in names if n != preferred]
    names += [f"{names[-1] if names else preferred}__{i}" for i in range(2, 1000)]
    return names


def _is_free(folder: Path) -> bool:
    """A folder no somnomotor run has written results into (missing, or no results)."""
    from somnomotor.report.outputs import SUMMARY_FILE

    return not folder.exists() or (folder.is_dir() and read_manifest(folder) is None
                                   and not (folder / SUMMARY_FILE).exists())


def assign_output_folders(recordings: Sequence[Path], root: Path) -> list[Path]:
    """The output folder of each recording under ``root`` (see the module docstring).

    Folders whose manifest names one of ``recordings`` go back to it; every other recording
    gets its :func:`output_names` name unless that folder holds another recording's results
    (or results of unknown origin), then the first free longer name.
    """
    wanted = {str(r): i for i, r in enumerate(recordings)}
    assigned: dict[int, str] = {}
    taken: set[str] = set()
    if root.is_dir():
        for entry in sorted(root.iterdir()):
            manifest = read_manifest(entry) if entry.is_dir() else None
            i = wanted.get(str(manifest.get("recording"))) if manifest else None
            if i is not None and i not in assigned:
                assigned[i] = entry.name
            if entry.is_dir() and not _is_free(entry):
                taken.add(entry.name)
    taken |= set(assigned.values())
    preferred = output_names(recordings)
    for i, rec in enumerate(recordings):
        if i in assigned:
            continue
        for name in [preferred[i], *_longer_names(rec, preferred[i])]:
            if name not in taken:
                break
        else:  # pragma: no cover - a thousand folders of the same name
            raise ParameterError(f"no free output folder name for {str(rec)!r} in {str(root)!r}")
        assigned[i] = name
        taken.add(name)
    return [root / assigned[i] for i in range(len(recordings))]


def annotation_file(recording: Path, pattern: str | None) -> list[Path]:
    """The scored-events file of ``recording`` by ``pattern`` (empty list without one)."""
    if not pattern:
        return []
    try:
        name = pattern.format(stem=recording.stem, name=recording.name)
    except (KeyError, IndexError, ValueError) as exc:
        raise ParameterError(
            f"annotations pattern {pattern!r} is not valid ({exc}); use {{stem}} for the "
            "recording's name without suffix, e.g. '{stem}-nsrr.xml'") from None
    path = recording.parent / name
    if not path.exists():
        raise InputFileNotFoundError(f"annotation file {str(path)!r} does not exist")
    return [path]


__all__ = ["RECORDING_SUFFIXES", "annotation_file", "assign_output_folders", "find_recordings",
           "output_names"]
