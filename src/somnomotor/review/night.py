"""One night under review: the results folder, its recording, the working copy of the events.

The scorer edits *monolateral* leg movements (the ``leg_movement_component`` rows of
events.tsv: one per leg and movement, the input of the PLM rules) and the other motor events.
After every change the leg movements are scored again by
:func:`somnomotor.score.plm.score_plm` with the rule set, hypnogram, unscorable stretches,
respiratory events and arousals of the original analysis, so the combined ``leg_movement``
rows, PLM series and every leg-movement index follow the same rules as ``score-events``.
"""

from __future__ import annotations

import concurrent.futures
import copy
import json
import logging
import math
import os
import warnings as warnings_module
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from somnomotor._errors import (
    InputFileError,
    InputFileNotFoundError,
    SomnomotorError,
    SomnomotorWarning,
)
from somnomotor.events import RESPIRATORY_TYPES, EventTable
from somnomotor.hypnogram import Hypnogram
from somnomotor.recording import Recording
from somnomotor.report.outputs import (
    EVENTS_FILE,
    HYPNOGRAM_FILE,
    SUMMARY_FILE,
    read_events_tsv,
    sha256_of,
)
from somnomotor.results import AnalysisResult
from somnomotor.score.plm import COMPONENT_TRIAL_TYPE, TRIAL_TYPE, score_plm
from somnomotor.score.plm_rules import PLMRules

logger = logging.getLogger(__name__)

#: Event kinds the scorer may add, move, delete or change into one another. Leg movements
#: are the monolateral ones; the combined rows are always derived by the PLM rules.
EDITABLE_KINDS: tuple[str, ...] = (
    TRIAL_TYPE, "fragmentary_myoclonus", "sleep_start", "hft", "alma", "large_movement",
    "bruxism_episode",
)
#: Leg-channel roles and the side a movement drawn on them gets.
LEG_ROLE_SIDE: Mapping[str, str] = {"leg_left": "left", "leg_right": "right", "leg": "bilateral"}
#: Shortest event the scorer can add (s): a drag below this is a click.
MIN_EVENT_S = 0.05


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def json_value(value: Any) -> Any:
    """A table cell as plain JSON (NaN -> None, numpy scalars -> Python)."""
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return None if not math.isfinite(v) else v
    if _is_missing(value):
        return None
    return value


@dataclass
class EditableEvent:
    """One event the scorer can change (times in s from the recording start)."""

    id: int
    onset_s: float
    duration_s: float
    trial_type: str
    channel: str
    side: str = "unknown"
    #: further columns of the automatic row (kept when the event is written back)
    fields: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "onset_s": self.onset_s, "duration_s": self.duration_s,
                "trial_type": self.trial_type, "channel": self.channel, "side": self.side,
                "fields": dict(self.fields)}


@dataclass
class ReviewNight:
    """Everything read once when the review starts (nothing here changes while editing).

    Attributes
    ----------
    folder : Path
        The results folder given on the command line (the automatic scoring).
    version : int
        Version shown: 0 is the automatic scoring, 1, 2 ... reviewed versions.
    summary : dict
        summary.json of that version.
    events : EventTable
        Every row of that version's events.tsv.
    hypnogram : Hypnogram or None
    rules : PLMRules
    respiratory, arousals : EventTable or None
        From the recording's own annotations and the annotation files; ``None`` when
        neither was available (the respiratory and arousal flags cannot be recomputed).
    leg_unscorable : EventTable
        Unscorable stretches on the leg channels (removed from the PLM denominators).
    recording : Recording or None
        The signals, when ``--input`` was given (or found beside the results).
    """

    folder: Path
    version: int
    version_dir: Path
    summary: dict[str, Any]
    events: EventTable
    hypnogram: Hypnogram | None
    hypnogram_text: str | None
    rules: PLMRules
    duration_s: float
    leg_sides: dict[str, str]
    respiratory: EventTable | None
    arousals: EventTable | None
    leg_unscorable: EventTable
    recording: Recording | None = None
    recording_path: Path | None = None
    warnings: list[str] = field(default_factory=list)

    # -- the editable events ------------------------------------------------------------
    def editable_events(self) -> list[EditableEvent]:
        """Monolateral leg movements and other motor events of this version, ids 0, 1 ..."""
        frame = self.events.frame
        out: list[EditableEvent] = []
        kinds = frame["trial_type"].astype(str)
        keep = kinds.isin([COMPONENT_TRIAL_TYPE, *EDITABLE_KINDS[1:]]).to_numpy()
        sub = frame[keep]
        skip = {"onset_s", "duration_s", "trial_type", "channel"}
        for row in sub.to_dict("records"):
            kind = str(row["trial_type"])
            channel = str(row["channel"])
            if kind == COMPONENT_TRIAL_TYPE:
                side = str(row.get("leg") or "unknown")
                if side not in ("left", "right"):
                    side = self.leg_sides.get(channel, "unknown")
                out.append(EditableEvent(len(out), float(row["onset_s"]),
                                         float(row["duration_s"]), TRIAL_TYPE, channel, side))
            else:
                extra = {k: json_value(v) for k, v in row.items()
                         if k not in skip and not _is_missing(v)}
                out.append(EditableEvent(len(out), float(row["onset_s"]),
                                         float(row["duration_s"]), kind, channel,
                                         fields=extra))
        return out

    def side_of(self, channel: str) -> str:
        return self.leg_sides.get(channel, "unknown")

    # -- scoring ------------------------------------------------------------------------
    def score(self, events: Sequence[EditableEvent]) -> AnalysisResult:
        """Score the leg movements among ``events`` with the night's PLM rules."""
        legs = [e for e in events if e.trial_type == TRIAL_TYPE]
        movements = EventTable.from_arrays(
            np.array([e.onset_s for e in legs], dtype=float),
            np.array([e.duration_s for e in legs], dtype=float),
            "limb_movement",
            [e.channel for e in legs],
            side=[("unknown" if e.side == "bilateral" else e.side) for e in legs],
        ) if legs else EventTable.empty(["side"])
        with warnings_module.catch_warnings():
            # the doubts score_plm raises are kept in result.warnings and shown on screen
            warnings_module.simplefilter("ignore", SomnomotorWarning)
            return score_plm(
                movements,
                hypnogram=self.hypnogram,
                respiratory=self.respiratory,
                arousals=self.arousals,
                unscorable=self.leg_unscorable if len(self.leg_unscorable) else None,
                rules=self.rules,
                recording_duration_s=self.duration_s,
            )

    def fixed_rows(self) -> EventTable:
        """Rows no edit changes: everything except leg movements and the editable kinds."""
        frame = self.events.frame
        kinds = frame["trial_type"].astype(str)
        drop = kinds.isin([TRIAL_TYPE, COMPONENT_TRIAL_TYPE, *EDITABLE_KINDS]).to_numpy()
        return EventTable(frame[~drop].reset_index(drop=True))

    def output_events(self, events: Sequence[EditableEvent], result: AnalysisResult) -> EventTable:
        """The events.tsv rows of an edited night, in onset order (stable)."""
        from somnomotor.report.outputs import result_rows

        tables = [self.fixed_rows(), result_rows(result)]
        for e in events:
            if e.trial_type == TRIAL_TYPE:
                continue
            tables.append(EventTable(pd.DataFrame([{
                "onset_s": e.onset_s, "duration_s": e.duration_s, "trial_type": e.trial_type,
                "channel": e.channel, **e.fields}])))
        merged = EventTable.concat(tables)
        order = np.argsort(merged.onset_s, kind="stable")
        return EventTable(merged.frame.iloc[order].reset_index(drop=True))


# -- reading ----------------------------------------------------------------------------
def versions_dir(folder: Path) -> Path:
    """Where reviewed versions live: ``RESULTS_DIR/reviewed``."""
    return Path(folder) / "reviewed"


def list_versions(folder: Path) -> list[int]:
    """Numbers of the complete reviewed versions (``reviewed/v001`` ...), ascending."""
    root = versions_dir(folder)
    found: list[int] = []
    if root.is_dir():
        for p in root.iterdir():
            if p.is_dir() and p.name.startswith("v") and p.name[1:].isdigit() \
                    and (p / SUMMARY_FILE).is_file() and (p / EVENTS_FILE).is_file():
                found.append(int(p.name[1:]))
    return sorted(found)


def version_path(folder: Path, version: int) -> Path:
    return Path(folder) if version == 0 else versions_dir(folder) / f"v{version:03d}"


def latest_version(folder: Path) -> int:
    found = list_versions(folder)
    return found[-1] if found else 0


def _read_hypnogram(path: Path, summary: Mapping[str, Any]) -> tuple[Hypnogram | None, str | None]:
    info = summary.get("hypnogram")
    if not info or not path.is_file():
        return None, None
    text = path.read_text(encoding="utf-8")
    frame = pd.read_csv(path, sep="\t", keep_default_na=False)
    column = "scored_stage" if "scored_stage" in frame.columns else "stage"
    stages = tuple(str(s) for s in frame[column])
    onset = float(frame["onset"].iloc[0]) if len(frame) else float(info.get("onset_s") or 0.0)
    hyp = Hypnogram(stages, epoch_s=float(info.get("epoch_s") or 30.0), onset_s=onset,
                    analysis_start_s=info.get("analysis_start_s"),
                    analysis_end_s=info.get("analysis_end_s"),
                    source=str(info.get("source") or "hypnogram.tsv"))
    return hyp, text


def _recording_candidates(folder: Path, name: str | None) -> list[Path]:
    if not name:
        return []
    return [p for p in (folder.parent / name, folder / name, Path.cwd() / name) if p.is_file()]


def load_review_night(
    folder: str | os.PathLike[str],
    *,
    recording_path: str | os.PathLike[str] | None = None,
    annotation_files: Sequence[str | os.PathLike[str]] = (),
) -> ReviewNight:
    """Read a results folder (latest reviewed version, else the automatic scoring).

    Raises
    ------
    InputFileNotFoundError
        The folder or the recording does not exist.
    InputFileError
        The folder holds no results, or the recording's SHA-256 differs from the one in
        summary.json (results of another recording).
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputFileNotFoundError(f"results folder {str(root)!r} does not exist")
    if not (root / SUMMARY_FILE).is_file() or not (root / EVENTS_FILE).is_file():
        raise InputFileError(
            f"{str(root)!r} holds no results ({SUMMARY_FILE} and {EVENTS_FILE} missing); give "
            "the --out folder of 'somnomotor analyze' or 'somnomotor score-events'"
        )
    version = latest_version(root)
    vdir = version_path(root, version)
    try:
        summary = json.loads((vdir / SUMMARY_FILE).read_text(encoding="utf-8"))
        events = read_events_tsv(vdir / EVENTS_FILE)
    except (OSError, ValueError, KeyError) as exc:
        raise InputFileError(f"cannot read the results in {str(vdir)!r}: {exc}") from exc
    hypnogram, hyp_text = _read_hypnogram(vdir / HYPNOGRAM_FILE, summary)
    warnings: list[str] = []
    input_info = summary.get("input") or {}
    expected_sha = input_info.get("sha256")

    recording: Recording | None = None
    rec_path: Path | None = None
    checksum: concurrent.futures.Future[str] | None = None
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    if recording_path is not None:
        rec_path = Path(recording_path)
        if not rec_path.is_file():
            raise InputFileNotFoundError(f"recording {str(rec_path)!r} does not exist")
        # the display filters' imports (numba) run beside hashing and reading the
        # recording rather than on the first screen's path
        from somnomotor.review.signals import prepare_filters

        prepare_filters()
        # hashing (~0.6 s for 240 MB) runs beside reading the header; hashlib frees the GIL
        checksum = pool.submit(sha256_of, rec_path)
    elif expected_sha:
        for cand in _recording_candidates(root, input_info.get("file")):
            if sha256_of(cand) == expected_sha:
                rec_path = cand
                break
    if rec_path is not None:
        from somnomotor.io import read_recording  # type: ignore[attr-defined]

        read_error: Exception | None = None
        try:
            recording = read_recording(rec_path)
        except (SomnomotorError, OSError) as exc:
            read_error = exc
        actual = checksum.result() if checksum is not None else expected_sha
        pool.shutdown()
        if expected_sha and actual != expected_sha:
            raise InputFileError(
                f"recording {str(rec_path)!r} is not the one these results were made from: its "
                f"SHA-256 is {str(actual)[:12]}..., summary.json names "
                f"{input_info.get('file')!r} with {str(expected_sha)[:12]}..."
            )
        if read_error is not None or recording is None:
            raise read_error or InputFileError(f"cannot read {str(rec_path)!r}")
        mapping = {str(k): tuple(str(x) for x in v)
                   for k, v in (summary.get("channel_mapping") or {}).items()}
        mapping = {r: labs for r, labs in mapping.items()
                   if all(lab in recording.labels for lab in labs)}
        if mapping:
            recording = recording.with_roles(mapping)
    else:
        warnings.append("no recording: events are shown without signals (give --input FILE)")

    # Respiratory events and arousals: the recording's own annotations and annotation files.
    tables: list[EventTable] = []
    if recording is not None:
        tables.append(recording.annotations)
    files = [Path(f) for f in annotation_files]
    if not files and rec_path is not None:
        for info in input_info.get("annotation_files") or []:
            cand = rec_path.parent / str(info.get("file"))
            if cand.is_file() and (not info.get("sha256") or sha256_of(cand) == info["sha256"]):
                files.append(cand)
    for f in files:
        if not f.is_file():
            raise InputFileNotFoundError(f"annotation file {str(f)!r} does not exist")
    if files:
        from somnomotor.io.annotations import read_annotations

        start = recording.start if recording is not None else None
        ann = read_annotations([str(f) for f in files] if len(files) > 1 else str(files[0]),
                               recording_start=start)
        tables.append(ann.events)
    respiratory: EventTable | None = None
    arousals: EventTable | None = None
    if tables:
        every = EventTable.concat(tables)
        respiratory = every.select(RESPIRATORY_TYPES)
        arousals = every.select("arousal")
    else:
        legs = events.select(TRIAL_TYPE).frame
        flagged = any(
            col in legs.columns and legs[col].fillna(0).astype(float).sum() > 0
            for col in ("respiratory_related", "arousal_associated"))
        if flagged:
            warnings.append(
                "respiratory events and arousals not loaded (no recording or annotation "
                "file): respiratory-related and arousal-associated flags are lost on rescoring"
            )

    mapping = summary.get("channel_mapping") or {}
    leg_sides = {str(label): side for role, side in LEG_ROLE_SIDE.items()
                 for label in mapping.get(role, [])}
    for row in events.select(COMPONENT_TRIAL_TYPE).frame.to_dict("records"):
        # results of score-events have no channel mapping: the movements' own channels
        # (with their side, or none) are the leg rows
        leg = str(row.get("leg"))
        leg_sides.setdefault(str(row["channel"]), leg if leg in ("left", "right") else "unknown")
    unscorable = events.select("unscorable")
    if len(unscorable):
        on_leg = unscorable.frame["channel"].astype(str).isin(list(leg_sides)).to_numpy()
        unscorable = EventTable(unscorable.frame[on_leg].reset_index(drop=True))
    duration = input_info.get("duration_s")
    if duration is None:
        duration = float(events.offset_s.max(initial=0.0))
        if hypnogram is not None:
            duration = max(duration, hypnogram.end_s)
    rule_name = str(summary.get("rule_set") or "wasm_2016")
    return ReviewNight(
        folder=root, version=version, version_dir=vdir, summary=copy.deepcopy(summary),
        events=events, hypnogram=hypnogram, hypnogram_text=hyp_text,
        rules=PLMRules.from_name(rule_name), duration_s=float(duration), leg_sides=leg_sides,
        respiratory=respiratory, arousals=arousals, leg_unscorable=unscorable,
        recording=recording, recording_path=rec_path, warnings=warnings,
    )


__all__ = ["EDITABLE_KINDS", "EditableEvent", "ReviewNight", "latest_version", "list_versions",
           "load_review_night", "version_path", "versions_dir"]
