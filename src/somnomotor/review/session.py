"""One scorer's editing session: the working copy, undo/redo, the append-only edit log, save.

Every browser tab opens its own session on the version it loaded. Changes are logged as they
happen (one JSON line per change, flushed) to ``reviewed/sessions/<start>-<id>.jsonl``; a save
writes a new version folder ``reviewed/vNNN`` (events.tsv, summary.json, hypnogram.tsv and
the session's edits as ``edits.jsonl``), built in a temporary folder and renamed into place
in one step. The automatic scoring is never overwritten. A save whose base version is no
longer the latest (another tab or scorer saved in between) is refused as a conflict, so no
edit is silently lost.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import tempfile
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from somnomotor._errors import OutputError, ParameterError
from somnomotor.report.outputs import (
    EVENTS_FILE,
    HYPNOGRAM_FILE,
    SUMMARY_FILE,
    events_to_tsv,
)
from somnomotor.results import AnalysisResult, merge_indices
from somnomotor.review.night import (
    EDITABLE_KINDS,
    MIN_EVENT_S,
    EditableEvent,
    ReviewNight,
    latest_version,
    version_path,
    versions_dir,
)
from somnomotor.score.plm import COMPONENTS_KEY, FAMILY, TRIAL_TYPE

EDITS_FILE = "edits.jsonl"


class ConflictError(OutputError):
    """The session's base version is no longer the latest, or its revision is stale."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ReviewSession:
    """Working copy of one night for one tab (thread-safe)."""

    def __init__(self, night: ReviewNight, *, scorer: str = "") -> None:
        self.night = night
        self.id = secrets.token_hex(6)
        self.scorer = scorer
        self.base_version = night.version
        self.events: dict[int, EditableEvent] = {e.id: e for e in night.editable_events()}
        self.next_id = max(self.events, default=-1) + 1
        self.revision = 0
        self.undo_stack: list[dict[str, Any]] = []
        self.redo_stack: list[dict[str, Any]] = []
        self.pending_log: list[dict[str, Any]] = []
        self.lock = threading.RLock()
        started = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        self.log_path = versions_dir(night.folder) / "sessions" / f"{started}-{self.id}.jsonl"
        self.result: AnalysisResult = night.score(self.ordered())

    # -- state --------------------------------------------------------------------------
    def ordered(self) -> list[EditableEvent]:
        return sorted(self.events.values(), key=lambda e: (e.onset_s, e.id))

    def _log(self, entry: dict[str, Any]) -> None:
        entry = {"time_utc": _now(), "scorer": self.scorer or None, "session": self.id,
                 "base_version": self.base_version, **entry}
        self.pending_log.append(entry)
        try:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log_path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
                handle.flush()
        except OSError as exc:
            raise OutputError(f"cannot append to the edit log {str(self.log_path)!r}: "
                              f"{exc.strerror}") from exc

    def _check_revision(self, revision: int | None) -> None:
        if revision is not None and int(revision) != self.revision:
            raise ConflictError(
                f"this page shows revision {revision} but the session is at {self.revision}; "
                "reload the page"
            )

    # -- edits --------------------------------------------------------------------------
    def _validated(self, base: EditableEvent | None, change: dict[str, Any]) -> EditableEvent:
        onset = float(change.get("onset_s", base.onset_s if base else float("nan")))
        duration = float(change.get("duration_s", base.duration_s if base else float("nan")))
        kind = str(change.get("trial_type", base.trial_type if base else TRIAL_TYPE))
        channel = str(change.get("channel", base.channel if base else ""))
        if not (onset == onset and duration == duration) or onset < 0 \
                or onset + duration > self.night.duration_s + 1e-6:
            raise ParameterError(
                f"event must lie inside the recording (0..{self.night.duration_s:g} s); "
                f"received onset {onset!r} s, duration {duration!r} s")
        if duration < MIN_EVENT_S:
            raise ParameterError(f"event duration must be >= {MIN_EVENT_S} s, received "
                                 f"{duration!r} s")
        if kind not in EDITABLE_KINDS:
            raise ParameterError(f"unknown event kind {kind!r}; allowed are "
                                 f"{list(EDITABLE_KINDS)}")
        if kind == TRIAL_TYPE and channel not in self.night.leg_sides:
            raise ParameterError(f"a leg movement must be on a leg channel "
                                 f"{sorted(self.night.leg_sides)}, received {channel!r}")
        side = self.night.side_of(channel) if kind == TRIAL_TYPE else "unknown"
        fields = dict(base.fields) if base is not None and base.trial_type == kind else {}
        return EditableEvent(base.id if base else self.next_id, round(onset, 3),
                             round(duration, 3), kind, channel, side, fields)

    def _apply(self, op: dict[str, Any], *, reverse: bool) -> None:
        """Put the event of ``op`` into its after state (its before state when undoing)."""
        target = op["before"] if reverse else op["after"]
        if target is None:
            self.events.pop(op["id"], None)
        else:
            self.events[op["id"]] = EditableEvent(**target)

    def _rescore(self) -> None:
        self.result = self.night.score(self.ordered())
        self.revision += 1

    def edit(self, request: dict[str, Any], *, revision: int | None = None) -> dict[str, Any]:
        """Apply one change: ``{"op": "add"|"delete"|"modify", "id": .., fields...}``."""
        with self.lock:
            self._check_revision(revision)
            kind = request.get("op")
            if kind == "add":
                new = self._validated(None, request)
                self.next_id += 1
                op = {"op": "add", "id": new.id, "before": None, "after": new.to_dict()}
            elif kind in ("delete", "modify"):
                try:
                    ident = int(request["id"])
                    current = self.events[ident]
                except (KeyError, TypeError, ValueError):
                    raise ParameterError(f"no event with id {request.get('id')!r}") from None
                if kind == "delete":
                    op = {"op": "delete", "id": ident, "before": current.to_dict(), "after": None}
                else:
                    changed = self._validated(current, request)
                    op = {"op": "modify", "id": ident, "before": current.to_dict(),
                          "after": changed.to_dict()}
            else:
                raise ParameterError(f"unknown edit {kind!r}; allowed are add, delete, modify")
            # logged first: a change the log cannot record is not made
            self._log({"action": op["op"], "event_id": op["id"], "before": op["before"],
                       "after": op["after"]})
            self._apply(op, reverse=False)
            self.undo_stack.append(op)
            self.redo_stack.clear()
            self._rescore()
            return op

    def undo(self, *, revision: int | None = None) -> dict[str, Any] | None:
        with self.lock:
            self._check_revision(revision)
            if not self.undo_stack:
                return None
            op = self.undo_stack[-1]
            self._log({"action": f"undo {op['op']}", "event_id": op["id"],
                       "before": op["after"], "after": op["before"]})
            self.undo_stack.pop()
            self._apply(op, reverse=True)
            self.redo_stack.append(op)
            self._rescore()
            return op

    def redo(self, *, revision: int | None = None) -> dict[str, Any] | None:
        with self.lock:
            self._check_revision(revision)
            if not self.redo_stack:
                return None
            op = self.redo_stack[-1]
            self._log({"action": f"redo {op['op']}", "event_id": op["id"],
                       "before": op["before"], "after": op["after"]})
            self.redo_stack.pop()
            self._apply(op, reverse=False)
            self.undo_stack.append(op)
            self._rescore()
            return op

    # -- saving -------------------------------------------------------------------------
    def summary_document(self, version: int) -> dict[str, Any]:
        """summary.json of the edited night: leg-movement indices recomputed, rest kept."""
        night = self.night
        doc = json.loads(json.dumps(night.summary))
        kept = [ix for ix in doc.get("indices", []) if ix.get("family") != FAMILY]
        doc["indices"] = merge_indices([self.result]) + kept
        doc["indices"] = json.loads(json.dumps(doc["indices"], default=_json_safe))
        analyses = doc.setdefault("analyses", {})
        leg = analyses.setdefault(FAMILY, {})
        leg["n_events"] = len(self.result.events)
        leg["warnings"] = list(self.result.warnings)
        for key, value in self.result.extra.items():
            if key != COMPONENTS_KEY:
                leg[key] = json.loads(json.dumps(value, default=_json_safe))
        doc["created_utc"] = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        doc["review"] = {
            "version": version,
            "based_on_version": self.base_version,
            "scorer": self.scorer or None,
            "saved_utc": _now(),
            "n_edits": len(self.pending_log),
            "edit_log": EDITS_FILE,
            "recomputed_families": [FAMILY],
            "not_recomputed": "indices of the other families are those of the automatic "
                              "scoring (montreal_rem_lm_per_h and RSWA use the signals)",
        }
        return _clean(doc)

    def save(self, *, scorer: str | None = None) -> dict[str, Any]:
        """Write a new version; refuses (ConflictError) when another save came first."""
        with self.lock:
            if scorer:
                self.scorer = scorer
            folder = self.night.folder
            latest = latest_version(folder)
            if latest != self.base_version:
                raise ConflictError(
                    f"version {latest} was saved after this page loaded version "
                    f"{self.base_version} (another tab or scorer); your {len(self.pending_log)} "
                    "change(s) are in the session edit log "
                    f"{self.log_path.name}: reload to see version {latest}, then redo them"
                )
            version = latest + 1
            root = versions_dir(folder)
            root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".saving-", dir=root))
            try:
                events = self.night.output_events(self.ordered(), self.result)
                (tmp / EVENTS_FILE).write_text(events_to_tsv(events), encoding="utf-8")
                (tmp / SUMMARY_FILE).write_text(
                    json.dumps(self.summary_document(version), indent=2, ensure_ascii=False)
                    + "\n", encoding="utf-8")
                if self.night.hypnogram_text is not None:
                    (tmp / HYPNOGRAM_FILE).write_text(self.night.hypnogram_text,
                                                      encoding="utf-8")
                previous = version_path(folder, self.base_version) / EDITS_FILE
                lines = previous.read_text(encoding="utf-8") if previous.is_file() else ""
                lines += "".join(json.dumps(e, ensure_ascii=False) + "\n"
                                 for e in self.pending_log)
                (tmp / EDITS_FILE).write_text(lines, encoding="utf-8")
                for p in tmp.iterdir():
                    os.chmod(p, 0o644)
                os.chmod(tmp, 0o755)
                target = version_path(folder, version)
                try:
                    # rename onto an existing (non-empty) folder fails: two savers cannot
                    # both publish the same version number
                    os.rename(tmp, target)
                except OSError as exc:
                    raise ConflictError(
                        f"version {version} was saved by someone else at the same moment; "
                        "reload") from exc
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
            self._log({"action": "save", "version": version, "before": None, "after": None})
            self.base_version = version
            self.pending_log = []
            self.night = replace(self.night, version=version, version_dir=target)
            return {"version": version, "path": str(target)}


def _json_safe(value: Any) -> Any:
    from somnomotor.review.night import json_value

    try:
        import numpy as np

        if isinstance(value, np.ndarray):
            return [json_value(v) for v in value.tolist()]
    except ImportError:  # pragma: no cover
        pass
    return json_value(value) if not isinstance(value, (dict, list)) else value


def _clean(value: Any) -> Any:
    import math

    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


__all__ = ["EDITS_FILE", "ConflictError", "ReviewSession"]
