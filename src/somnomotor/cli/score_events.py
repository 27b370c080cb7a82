"""``somnomotor score-events ANNOTATIONS... --out DIR``: PLM scoring of already scored events.

For a night whose leg movements were scored by a lab (RemLogic, NSRR XML, SOMNOmedics, EDF+
or a CSV/TSV table): the scored limb movements, stages, arousals and respiratory events are
read with :func:`somnomotor.io.annotations.read_annotations`, the PLM rules
(:func:`somnomotor.score.plm.score_plm`) are applied, and ``DIR/events.tsv`` and
``DIR/summary.json`` are written through :func:`somnomotor.report.outputs.write_outputs`.
No signal is read.
"""

from __future__ import annotations

import argparse
import sys
import warnings as warnings_module
from pathlib import Path

import numpy as np

from somnomotor._errors import (
    AnnotationError,
    InputFileNotFoundError,
    OutputError,
    SomnomotorWarning,
)

HELP = "apply the PLM rules to scored annotations (no signals) and write events.tsv and summary.json"


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``score-events`` and its options."""
    from somnomotor.io.annotations import FORMATS

    p = sub.add_parser(
        "score-events",
        help=HELP,
        description=(
            "Read scored limb movements, sleep stages, arousals and respiratory events from "
            "one or more annotation files of one night and score periodic limb movements "
            "(WASM 2016 by default, or AASM). Writes DIR/events.tsv (one row per leg "
            "movement with its series, stage and associations) and DIR/summary.json (every "
            "index with its denominator). Movements scored without a side are treated as one "
            "'unknown' leg and never combined into bilateral movements."
        ),
    )
    p.add_argument("annotations", metavar="ANNOTATIONS", nargs="+",
                   help="scored-events file(s) of one night (EDF+, NSRR XML, SOMNOmedics, "
                   "RemLogic, CSV/TSV); several files are merged")
    p.add_argument("--hypnogram", metavar="FILE",
                   help="take the sleep stages from this file instead of ANNOTATIONS")
    p.add_argument("--rules", choices=("wasm_2016", "aasm"), default="wasm_2016",
                   help="rule set (default: wasm_2016)")
    p.add_argument("--format", choices=FORMATS, default=None, metavar="F",
                   help=f"force the annotation format ({', '.join(FORMATS)}); "
                   "detected from the content by default")
    from somnomotor.cli._common import add_stage_map_option

    add_stage_map_option(p)
    p.add_argument("--out", "-o", metavar="DIR", type=Path, required=True,
                   help="output folder")
    p.add_argument("--overwrite", action="store_true", help="replace results already in DIR")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Read, score, write; returns the exit code."""
    from somnomotor.events import RESPIRATORY_TYPES, EventTable
    from somnomotor.io.annotations import read_annotations
    from somnomotor.recording import Recording
    from somnomotor.report.outputs import SUMMARY_FILE, InputFileInfo, write_outputs
    from somnomotor.score.plm import COMPONENT_TRIAL_TYPE, score_plm
    from somnomotor.score.plm_rules import PLMRules

    paths = [Path(p) for p in args.annotations]
    if args.hypnogram:
        paths_all = [*paths, Path(args.hypnogram)]
    else:
        paths_all = paths
    for path in paths_all:
        if not path.exists():
            raise InputFileNotFoundError(f"annotation file {str(path)!r} does not exist")
    out_dir: Path = args.out
    if (out_dir / SUMMARY_FILE).exists() and not args.overwrite:
        raise OutputError(
            f"{str(out_dir)!r} already holds results ({SUMMARY_FILE}); "
            "pass --overwrite to replace them or choose another --out"
        )
    from somnomotor.cli._common import parse_stage_map

    stage_map = parse_stage_map(args.stage_map) or None
    ann = read_annotations(paths if len(paths) > 1 else paths[0], format=args.format,
                           stage_map=stage_map)
    hypnogram = ann.hypnogram
    warnings = list(ann.warnings)
    if args.hypnogram:
        stages = read_annotations(args.hypnogram, recording_start=ann.start,
                                  stage_map=stage_map)
        if stages.hypnogram is None:
            raise AnnotationError(
                f"--hypnogram {args.hypnogram!r} holds no sleep stages; give a file with one "
                "stage per 30-s epoch (EDF+, NSRR XML, SOMNOmedics, RemLogic or stage text)"
            )
        hypnogram = stages.hypnogram
        warnings.extend(stages.warnings)

    events = ann.events
    movements = events.select("limb_movement")
    if "label" in movements.frame.columns and len(movements):
        # An events.tsv of ours read back: its per-leg component rows repeat the movements
        # of the combined leg_movement rows and must not be scored a second time.
        is_component = movements.frame["label"].astype(str).str.strip() == COMPONENT_TRIAL_TYPE
        if is_component.any():
            movements = EventTable(movements.frame[~is_component.to_numpy()]
                                   .reset_index(drop=True))
    if "side" not in movements.frame.columns:
        frame = movements.frame.copy()
        frame["side"] = "unknown"
        movements = EventTable(frame)
    if not len(movements):
        warnings.append(
            f"no limb movements found in {ann.source}; every leg-movement index is 0"
        )
    if hypnogram is None:
        warnings.append("no sleep stages: indices are per hour of recording, not of sleep")
    ends = [float(events.offset_s.max(initial=0.0))]
    if hypnogram is not None:
        ends.append(hypnogram.end_s)
    duration_s = max(ends)
    rules = PLMRules.from_name(args.rules)
    with warnings_module.catch_warnings(record=True):
        # score_plm logs each doubt and also raises it as a warning; the log line already
        # reaches stderr (and result.warnings the summary), so the warning is not shown again
        warnings_module.simplefilter("always", SomnomotorWarning)
        result = score_plm(
            movements,
            hypnogram=hypnogram,
            respiratory=events.select(RESPIRATORY_TYPES),
            arousals=events.select("arousal"),
            rules=rules,
            recording_duration_s=duration_s,
        )
    recording = Recording(channels=(), duration_s=duration_s, start=ann.start,
                          hypnogram=hypnogram, annotations=events)
    files = [InputFileInfo.of(p) for p in paths_all]
    write_outputs(
        out_dir,
        recording=recording,
        results=[result],
        rule_set=rules.name,
        annotation_files=[f for f in files if f is not None],
        warnings=warnings,
    )
    headline = "plms_index" if hypnogram is not None else "plm_index"
    ix = result.index(headline)
    value = "n/a" if ix.value is None or not np.isfinite(ix.value) else f"{ix.value:.1f}"
    n_plm = int(result.events.frame["in_series"].sum()) if len(result.events) else 0
    print(f"{len(result.events)} leg movements, {n_plm} in PLM series ({rules.name}); "
          f"{headline} {value}{ix.unit} per {ix.denominator}"
          + (f" -- {ix.flag}" if ix.flag else ""))
    print(f"results written to {out_dir}")
    sys.stdout.flush()
    return 0
