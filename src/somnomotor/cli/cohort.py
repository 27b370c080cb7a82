"""``somnomotor cohort PATH... --out DIR``: score many nights alike and gather one table."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

HELP = "score many recordings (files or folders) the same way and write one table of indices"


def add_parser(sub: argparse._SubParsersAction) -> None:
    from somnomotor.cli._common import add_analysis_options

    p = sub.add_parser(
        "cohort",
        help=HELP,
        description=(
            "Score every recording given (EDF/BDF files, or folders searched recursively) with "
            "the same rules. Each night's events.tsv, summary.json and hypnogram.tsv go to "
            "DIR/<name>/; DIR/cohort.tsv and DIR/cohort.parquet hold one row per night "
            "(status, reason, error, every index). A night that fails becomes an error row "
            "and the run goes on. A night already in DIR is kept only when its recording and "
            "annotation files (SHA-256), the settings and the somnomotor version are the "
            "same; otherwise it is analysed again (the reason column says why). So an "
            "interrupted run (Ctrl-C stops it within seconds and writes the table so far) "
            "can be started again and continues. DIR is locked while a run writes there."
        ),
        epilog="Example (NSRR layout): somnomotor cohort edfs/ --out results/ "
        "--annotations-pattern '{stem}-nsrr.xml' --jobs 4",
    )
    p.add_argument("paths", metavar="PATH", nargs="+",
                   help="recording file, or folder searched for *.edf and *.bdf")
    p.add_argument("--out", "-o", metavar="DIR", required=True,
                   help="output folder (one sub-folder per night, and the cohort table)")
    p.add_argument("--jobs", "-j", type=int, default=max(1, (os.cpu_count() or 2) // 2),
                   help="nights analysed at the same time, in separate processes "
                   "(default: half the CPUs, as each night also uses two threads)")
    p.add_argument("--annotations-pattern", metavar="PATTERN",
                   help="each night's scored-events file beside its recording, with {stem} for "
                   "the recording's name without suffix, e.g. '{stem}-nsrr.xml'")
    add_analysis_options(p)
    p.add_argument("--overwrite", action="store_true",
                   help="analyse every night again, even those whose results match their "
                   "inputs, settings and version")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from somnomotor._errors import ParameterError
    from somnomotor.cli._common import parse_channel_overrides, parse_stage_map
    from somnomotor.cohort import TABLE_FILE, CohortSettings, find_recordings, run_cohort
    from somnomotor.io.atomic import check_output_path

    out = check_output_path(args.out)
    if args.jobs < 1:
        raise ParameterError(f"--jobs must be >= 1, received {args.jobs}")
    if getattr(args, "channel_map", None):
        from somnomotor.io.channel_maps import load_channel_map

        load_channel_map(args.channel_map)  # a wrong name fails once, not on every night
    settings = CohortSettings(
        rule_set=args.rules, analyses=tuple(args.only) if args.only else None,
        annotations_pattern=args.annotations_pattern,
        roles=parse_channel_overrides(args.channel), auto_stage=not args.no_auto_staging,
        overwrite=args.overwrite, stage_map=parse_stage_map(args.stage_map),
        channel_map=getattr(args, "channel_map", None))
    n_total = len(find_recordings(args.paths))  # fails early on a missing path
    bar = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=n_total, desc="nights", unit="night", file=sys.stderr)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.update(done - bar.n)

    def stop(signum: int, frame: object) -> None:
        # a scheduler's or `kill`'s SIGTERM stops the run like Ctrl-C: workers end, the
        # table of the finished nights is written
        raise KeyboardInterrupt

    in_main = threading.current_thread() is threading.main_thread()
    previous_term = signal.signal(signal.SIGTERM, stop) if in_main else None
    try:
        table = run_cohort(args.paths, out, settings, jobs=args.jobs, progress=progress)
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous_term)
        if bar is not None:
            bar.close()
    counts = table["status"].value_counts().to_dict()
    print(f"{len(table)} nights: {counts.get('ok', 0)} analysed, {counts.get('kept', 0)} kept "
          f"from an earlier run, {counts.get('error', 0)} failed; table: "
          f"{out / TABLE_FILE}")
    failed = table[table["status"] == "error"]
    if len(failed):
        first = failed.iloc[0]
        print(f"somnomotor cohort: {len(failed)} of {len(table)} nights failed (first: "
              f"{first['recording']}: {first['error']}); see the error column of "
              f"{out / TABLE_FILE}", file=sys.stderr)
        return 1
    return 0
