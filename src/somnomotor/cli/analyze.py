"""``somnomotor analyze FILE --out DIR``: score one night and write the output contract."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from somnomotor._errors import InputFileNotFoundError, OutputError
from somnomotor.cli._progress import progress_bar

HELP = ("score one recording (EDF/EDF+/BDF, or an ankle accelerometer .cwa/.bin/.gt3x/.csv) and "
        "write events.tsv and summary.json")


def add_parser(sub: argparse._SubParsersAction) -> None:
    from somnomotor.cli._common import add_analysis_options

    p = sub.add_parser(
        "analyze",
        help=HELP,
        description=(
            "Score the motor events of one night. Every analysis the montage allows is run "
            "(leg movements/PLM, RSWA, fragmentary myoclonus, sleep starts, ...); results go "
            "to DIR/events.tsv (one row per event, BIDS style), DIR/summary.json (every index "
            "with its denominator, the rules and parameters used) and DIR/hypnogram.tsv."
        ),
    )
    p.add_argument("recording", metavar="FILE",
                   help="EDF, EDF+ or BDF recording; or a raw ankle accelerometer recording "
                   "(.cwa, .bin, .gt3x, .csv), scored separately (accel_* indices)")
    p.add_argument("--out", "-o", metavar="DIR",
                   help="output folder, created with its parents if missing (default: FILE's "
                   "name + '.somnomotor' beside it); locked while the run writes there")
    p.add_argument("--annotations", "-a", metavar="FILE", action="append", default=[],
                   help="scored events/hypnogram file (EDF+, NSRR XML, SOMNOmedics, RemLogic, "
                   "CSV/TSV); repeat for several files")
    add_analysis_options(p)
    p.add_argument("--overwrite", action="store_true",
                   help="replace results already in DIR: every file somnomotor wrote there "
                   "before (report, exports, hypnogram) is replaced or removed; other files stay")
    p.add_argument("--report", action="store_true",
                   help="also write report.html and report.pdf")
    p.add_argument("--json", action="store_true", help="print summary.json instead of the text summary")
    # -- staging and exports (somnomotor.staging, somnomotor.io.export) --
    from somnomotor.io.export import EXPORT_FORMATS

    p.add_argument("--compare-staging", action="store_true",
                   help="also stage the night automatically (YASA) and report its agreement "
                   "with the scored hypnogram (accuracy, Cohen's kappa); the scored one is used")
    p.add_argument("--export", metavar="FORMAT", action="append", choices=list(EXPORT_FORMATS),
                   default=[], help="also export events and stages to DIR/export/ (repeatable): "
                   f"{', '.join(EXPORT_FORMATS)}")
    p.add_argument("--diary", metavar="FILE", type=Path,
                   help="accelerometer nights: sleep diary (see docs/diary.md) giving the time "
                   "in bed of this night; without it the recording's rest period is used")
    p.set_defaults(run=run)


def default_out_dir(recording: Path) -> Path:
    """Where results go when --out is not given."""
    return recording.with_name(recording.name + ".somnomotor")


def run(args: argparse.Namespace) -> int:
    from somnomotor.cli._common import parse_channel_overrides, parse_stage_map
    from somnomotor.io.atomic import check_output_path, output_folder
    from somnomotor.pipeline import analyze_recording, load_night, write_night_outputs
    from somnomotor.report.outputs import SUMMARY_FILE, BackgroundChecksums, remove_stale_outputs
    from somnomotor.report.text import format_summary

    path = Path(args.recording)
    if not path.exists():
        raise InputFileNotFoundError(f"recording {str(path)!r} does not exist")
    from somnomotor.io.accel import is_accelerometer_file

    if is_accelerometer_file(path):  # ankle accelerometer nights: somnomotor.accel_night
        from somnomotor.cli.accel import run_accelerometer

        return run_accelerometer(args, path, default_out_dir(path))
    if getattr(args, "diary", None) is not None:
        from somnomotor._errors import ParameterError

        raise ParameterError("--diary gives the time in bed of accelerometer nights (.cwa, .bin, "
                             f".gt3x, .csv); {path.name!r} is not one")
    for ann in args.annotations:
        if not Path(ann).exists():
            raise InputFileNotFoundError(f"annotation file {ann!r} does not exist")
    out_dir = check_output_path(args.out) if args.out is not None else default_out_dir(path)
    roles = parse_channel_overrides(args.channel)
    # The folder (and missing parents) is created and locked before hours of work; a failed
    # or interrupted run removes what it created and leaves earlier results as they were.
    with output_folder(out_dir, command="analyze") as folder:
        if (folder / SUMMARY_FILE).exists() and not args.overwrite:
            raise OutputError(
                f"{str(out_dir)!r} already holds results ({SUMMARY_FILE}); "
                "pass --overwrite to replace them or choose another --out"
            )
        # the inputs' checksums (summary.json) are computed while the night is analysed
        checksums = BackgroundChecksums([path, *args.annotations])
        with progress_bar(args, desc="analysing") as progress:
            progress("reading", 0.0)
            recording = load_night(path, annotation_files=args.annotations, roles=roles or None,
                                   stage_map=parse_stage_map(args.stage_map) or None,
                                   channel_map=getattr(args, "channel_map", None))
            analysis = analyze_recording(
                recording, rule_set=args.rules, analyses=args.only, progress=progress,
                auto_stage=not getattr(args, "no_auto_staging", False),
                compare_staging=getattr(args, "compare_staging", False))
        written = write_night_outputs(analysis, folder, input_checksums=checksums.result())
        # an earlier run's report, exports or hypnogram must not be read with these results
        remove_stale_outputs(folder, keep=list(written.values()))
        if getattr(args, "export", None):  # somnomotor.io.export
            from somnomotor.io.export import export_folder

            export_folder(folder, formats=args.export, overwrite=args.overwrite)
        summary = json.loads(written[SUMMARY_FILE].read_text(encoding="utf-8"))
        if args.report:
            from somnomotor.report.html import render_report

            render_report(folder, recording=recording)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(format_summary(summary))
        print(f"\nresults written to {out_dir}{'/' if not str(out_dir).endswith('/') else ''}")
    sys.stdout.flush()
    return 0
