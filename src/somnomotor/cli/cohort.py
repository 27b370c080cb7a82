"""``somnomotor cohort PATH... --out DIR``: score many nights alike and gather one table."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

HELP = "score many recordings (files or folders) the same way and write one table of indices"


def add_parser(sub: argparse._SubParsersAction) -> None:
    from somnomotor.cli._common import add_analysis_options

    p = sub.add_parser(
        "cohort",
        help=HELP,
        description=(
            "Score every recording given (EDF/BDF files, or folders searched recursively) with "
            "the same rules. Each night's events.tsv, summary.json and hypnogram.tsv go to "
            "DIR/<name>/; DIR/cohort.tsv and the Parquet dataset DIR/cohort.parquet/ (one file "
            "per night, written as it finishes) hold one row per night (status, reason, error, "
            "every index), DIR/cohort_qc.tsv the signal quality of each night. A night that "
            "fails becomes an error row "
            "and the run goes on. A night already in DIR is kept only when its recording and "
            "annotation files (SHA-256), the settings and the somnomotor version are the "
            "same; otherwise it is analysed again (the reason column says why). So an "
            "interrupted run (Ctrl-C stops it within seconds and writes the table so far) "
            "can be started again and continues. DIR is locked while a run writes there. "
            "With --scheduler the nights run on a dask.distributed cluster instead of local "
            "processes."
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
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="send each night as a task to the running dask.distributed cluster at "
                   "ADDRESS (e.g. tcp://10.0.0.5:8786) instead of local processes; its "
                   "workers must see the recordings and DIR at the same paths (needs "
                   "somnomotor[dask]; see docs/cohort.md)")
    p.add_argument("--retries", type=int, default=None, metavar="N",
                   help="with --scheduler: times a night's task that failed on the cluster is "
                   "run again (default 2); a night whose worker died is given to another "
                   "worker up to the scheduler's allowed-failures (3 by default), then it "
                   "is an error row")
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
    from somnomotor.cohort.progress import CohortProgress
    from somnomotor.io.atomic import check_output_path

    out = check_output_path(args.out)
    if args.jobs < 1:
        raise ParameterError(f"--jobs must be >= 1, received {args.jobs}")
    if args.retries is not None and args.retries < 0:
        raise ParameterError(f"--retries must be >= 0, received {args.retries}")
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
    tracker = CohortProgress(n_total)
    bar = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=n_total, desc="nights", unit="night", file=sys.stderr,
                   bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}")
        bar.set_postfix_str(tracker.text())
    # a cluster run goes on for hours, often into a batch job's log: a line a minute there
    log_every_s = 60.0 if args.scheduler and not args.quiet and bar is None else None
    last_line = [time.monotonic()]

    def on_row(row: Mapping[str, Any]) -> None:
        tracker.add(row)
        if bar is not None:
            bar.set_postfix_str(tracker.text(), refresh=False)
            bar.update(tracker.done - bar.n)
        elif log_every_s is not None and (time.monotonic() - last_line[0] >= log_every_s
                                          or tracker.done == tracker.total):
            last_line[0] = time.monotonic()
            print(f"somnomotor cohort: {tracker.text()}", file=sys.stderr, flush=True)

    def stop(signum: int, frame: object) -> None:
        # a scheduler's or `kill`'s SIGTERM stops the run like Ctrl-C: workers end, the
        # table of the finished nights is written
        raise KeyboardInterrupt

    in_main = threading.current_thread() is threading.main_thread()
    previous_term = signal.signal(signal.SIGTERM, stop) if in_main else None
    try:
        table = run_cohort(args.paths, out, settings, jobs=args.jobs, on_row=on_row,
                           scheduler=args.scheduler, retries=args.retries)
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous_term)
        if bar is not None:
            bar.close()
    counts = table["status"].value_counts().to_dict()
    lost = int(counts.get("interrupted", 0))
    print(f"{len(table)} nights: {counts.get('ok', 0)} analysed, {counts.get('kept', 0)} kept "
          f"from an earlier run, {counts.get('error', 0)} failed"
          + (f", {lost} not done (the cluster was lost; run again)" if lost else "")
          + f"; table: {out / TABLE_FILE}")
    failed = table[table["status"] == "error"]
    if len(failed):
        first = failed.iloc[0]
        print(f"somnomotor cohort: {len(failed)} of {len(table)} nights failed (first: "
              f"{first['recording']}: {first['error']}); see the error column of "
              f"{out / TABLE_FILE}", file=sys.stderr)
        return 1
    return 1 if lost else 0
