"""Which inputs and settings made a night's results: the night key and its manifest.

A cohort night is *done* only when the content of its inputs (SHA-256 of the recording and
of its annotation files), the analysis settings and the software version are those that made
the results in its folder. :func:`night_key` turns these three into one key; each night's
folder keeps them in ``cohort-night.json`` (:data:`MANIFEST_FILE`), written last, after the
results, so a folder without a matching manifest is never taken for a finished night.

The key depends on nothing but its arguments (no paths, no clock, no host), so any executor
(the local process pool here, a distributed one later) can compute and compare it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from somnomotor._version import __version__
from somnomotor.io.atomic import atomic_write_text
from somnomotor.report.outputs import COHORT_MANIFEST_FILE

#: Each night's record of what made its results (inside the night's output folder).
MANIFEST_FILE = COHORT_MANIFEST_FILE
#: Layout version of the manifest (a manifest of another layout is never trusted).
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class InputDigest:
    """One input file of a night: its role, name and the SHA-256 of its content."""

    role: str  # "recording" or "annotations"
    file: str
    sha256: str

    @classmethod
    def of(cls, role: str, path: str | os.PathLike[str]) -> InputDigest:
        """Hash a file on disk."""
        from somnomotor.report.outputs import sha256_of

        return cls(role=role, file=Path(path).name, sha256=sha256_of(path))


def canonical_settings(*, rule_set: str, analyses: Sequence[str] | None,
                       roles: Mapping[str, str | Sequence[str]], auto_stage: bool,
                       stage_map: Mapping[str, str] | None = None,
                       channel_map: str | None = None) -> dict[str, Any]:
    """The analysis settings as a plain, ordered document (equal settings, equal document).

    Only what changes the results enters: the order of ``--only`` and of ``--channel``
    options for different roles does not; the annotations pattern does not either (the
    annotation files it finds enter the key by their content). A stage map and a cohort
    channel map change the results, so they enter; a channel map given as a file enters by
    its path (edit the file under a new name to have the nights recomputed).
    """
    return {
        "rule_set": str(rule_set),
        "analyses": None if analyses is None else sorted({str(a) for a in analyses}),
        "roles": {str(role): [labels] if isinstance(labels, str) else [str(x) for x in labels]
                  for role, labels in sorted(roles.items())},
        "auto_stage": bool(auto_stage),
        "stage_map": {str(k): str(v) for k, v in sorted((stage_map or {}).items())},
        "channel_map": None if channel_map is None else str(channel_map),
    }


def night_key(inputs: Sequence[InputDigest], settings: Mapping[str, Any],
              version: str = __version__) -> str:
    """SHA-256 (hex) naming one night's results: input contents + settings + version.

    Parameters
    ----------
    inputs : sequence of InputDigest
        The recording first, then its annotation files in the order they are read.
    settings : mapping
        From :func:`canonical_settings`.
    version : str
        somnomotor version that computes the results.
    """
    payload = {
        "inputs": [{"role": i.role, "sha256": i.sha256} for i in inputs],
        "settings": settings,
        "somnomotor_version": version,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The manifest of a night folder, or None when missing, unreadable or of another layout."""
    try:
        doc = json.loads((Path(folder) / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("manifest_version") != MANIFEST_VERSION:
        return None
    return doc


def write_manifest(folder: str | os.PathLike[str], *, recording: Path,
                   inputs: Sequence[InputDigest], settings: Mapping[str, Any], key: str,
                   reason: str, version: str = __version__, run_id: str = "") -> Path:
    """Write ``cohort-night.json`` (atomically) once the night's results are in place."""
    doc = {
        "manifest_version": MANIFEST_VERSION,
        "night_key": key,
        "recording": str(recording),
        "inputs": [{"role": i.role, "file": i.file, "sha256": i.sha256} for i in inputs],
        "settings": dict(settings),
        "somnomotor_version": version,
        "reason": reason,
        "run_id": run_id,
        "finished_utc": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }
    path = Path(folder) / MANIFEST_FILE
    atomic_write_text(path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return path


def mark_kept(folder: str | os.PathLike[str], manifest: Mapping[str, Any], *, reason: str,
              run_id: str = "") -> None:
    """Record in a kept night's manifest that a later run kept it, and why (``kept_by``).

    The rest of the manifest (the key, and ``reason``: why the results were computed) is
    left as it was; only ``kept_by`` (run, reason, time) is replaced, atomically.
    """
    doc = dict(manifest)
    doc["kept_by"] = {"run_id": run_id, "reason": reason,
                      "checked_utc": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()}
    atomic_write_text(Path(folder) / MANIFEST_FILE,
                      json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


#: Reasons a night is kept or analysed (the cohort table's ``reason`` column starts so).
REASON_KEPT = "kept: same recording, annotation files, settings and version"
REASON_NEW = "new: no earlier results in its folder"
REASON_OVERWRITE = "recomputed: --overwrite"


def keep_or_recompute(manifest: Mapping[str, Any] | None, *, results_present: bool,
                      inputs: Sequence[InputDigest], settings: Mapping[str, Any], key: str,
                      version: str = __version__, overwrite: bool = False) -> tuple[bool, str]:
    """Whether a night's earlier results can be kept, and why (one line).

    Kept only when the folder holds results and a manifest whose key is ``key``; otherwise
    the reason names what differs (recording, annotation files, settings, version).
    """
    if overwrite:
        return False, REASON_OVERWRITE
    if manifest is None:
        if not results_present:
            return False, REASON_NEW
        return False, ("recomputed: results without a manifest of their inputs and settings "
                       "(an older somnomotor or an interrupted run)")
    if not results_present:
        return False, "recomputed: the manifest is there but summary.json is missing"
    if manifest.get("night_key") == key:
        return True, REASON_KEPT
    if not manifest.get("night_key"):
        return False, "recomputed: an earlier run stopped while writing this night"
    old_inputs = manifest.get("inputs") or []
    changed: list[str] = []

    def digests(role: str, entries: Sequence[Any]) -> list[Any]:
        return [e.get("sha256") if isinstance(e, Mapping) else getattr(e, "sha256", None)
                for e in entries
                if (e.get("role") if isinstance(e, Mapping) else getattr(e, "role", None)) == role]

    if digests("recording", old_inputs) != digests("recording", inputs):
        changed.append("the recording's content changed")
    if digests("annotations", old_inputs) != digests("annotations", inputs):
        changed.append("the annotation files changed")
    old_settings = manifest.get("settings") or {}
    differing = sorted(k for k in set(old_settings) | set(settings)
                       if old_settings.get(k) != settings.get(k))
    if differing:
        changed.append(f"settings changed ({', '.join(differing)})")
    if manifest.get("somnomotor_version") != version:
        changed.append(f"somnomotor version changed ({manifest.get('somnomotor_version')} -> "
                       f"{version})")
    return False, "recomputed: " + ("; ".join(changed) or "the night key differs")


__all__ = ["MANIFEST_FILE", "REASON_KEPT", "REASON_NEW", "REASON_OVERWRITE", "InputDigest",
           "canonical_settings", "keep_or_recompute", "mark_kept", "night_key", "read_manifest",
           "write_manifest"]
