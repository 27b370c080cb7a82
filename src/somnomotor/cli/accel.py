"""``somnomotor analyze FILE`` when FILE is a raw ankle accelerometer recording."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
from pathlib import Path

from somnomotor._errors import InputFileNotFoundError, OutputError


def run_accelerometer(args: argparse.Namespace, path: Path, default_out: Path) -> int:
    """Analyse an accelerometer night and write events.tsv and summary.json."""
    from somnomotor.accel_night import analyze_accelerometer, format_accel_summary, write_accel_outputs
    from somnomotor.io.accel import read_accelerometer
    from somnomotor.io.atomic import check_output_path, ensure_writable_dir
    from somnomotor.report.outputs import SUMMARY_FILE

    out_dir = check_output_path(args.out) if args.out is not None else default_out
    if (out_dir / SUMMARY_FILE).exists() and not args.overwrite:
        raise OutputError(f"{str(out_dir)!r} already holds results ({SUMMARY_FILE}); "
                          "pass --overwrite to replace them or choose another --out")
    rec = read_accelerometer(path)
    bed = None
    entries = []
    diary = getattr(args, "diary", None)
    if diary is not None:
        if not Path(diary).exists():
            raise InputFileNotFoundError(f"diary {str(diary)!r} does not exist")
        from somnomotor.io.diary import read_diary, time_in_bed_for

        entries = read_diary(diary)
        bed = time_in_bed_for(entries, rec.start)
        if bed is None:
            print(f"warning: the diary has no entry for the night of {rec.start}; the "
                  "recording's rest period is used", file=sys.stderr)
    from somnomotor.accel_night import MULTI_NIGHT_MIN_S

    if rec.duration_s > MULTI_NIGHT_MIN_S:
        return _run_many_nights(args, rec, path, out_dir, entries)
    created = not out_dir.exists()
    ensure_writable_dir(out_dir)
    try:
        analysis = analyze_accelerometer(rec, time_in_bed=bed)
        written = write_accel_outputs(analysis, out_dir, input_path=path)
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                out_dir.rmdir()
        raise
    summary = json.loads(written[SUMMARY_FILE].read_text(encoding="utf-8"))
    if getattr(args, "report", False):  # the one-night page of 'somnomotor nights'
        from somnomotor.report.nights import collect_nights
        from somnomotor.report.nights_page import render_nights_page

        render_nights_page(collect_nights([out_dir]), entries, out_dir)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(format_accel_summary(summary))
        print(f"\nresults written to {out_dir}")
    return 0


def _run_many_nights(args: argparse.Namespace, rec, path: Path, out_dir: Path,  # type: ignore[no-untyped-def]
                     entries: list) -> int:
    """A recording of several days: one result folder per night, DIR/YYYY-MM-DD/."""
    from somnomotor.accel_night import analyze_accelerometer, split_nights, write_accel_outputs
    from somnomotor.io.diary import time_in_bed_for

    nights = split_nights(rec)
    print(f"{path.name}: {rec.duration_s / 86400:.1f} days; analysing {len(nights)} night(s) "
          "(noon to noon), one folder each")
    done = []
    for day, piece in nights:
        bed = None
        if entries:
            bed = time_in_bed_for(entries, dt.datetime.combine(day, dt.time(22)))
        night_dir = out_dir / day.isoformat()
        analysis = analyze_accelerometer(piece, time_in_bed=bed)
        write_accel_outputs(analysis, night_dir, input_path=path)
        ix = analysis.result.index_values()
        value = ix["accel_plm_index"]
        print(f"  {day}: accel_plm_index {'n/a' if value is None else f'{value:.1f}'} /h in bed "
              f"({analysis.time_in_bed_source}) -> {night_dir}")
        done.append(night_dir)
    if getattr(args, "report", False) and done:
        from somnomotor.report.nights import collect_nights
        from somnomotor.report.nights_page import render_nights_page

        render_nights_page(collect_nights(done), entries, out_dir)
        print(f"  page: {out_dir / 'nights.html'}")
    print("  Per hour in bed from ankle acceleration: not the PSG plms_index. Not a diagnosis.")
    return 0
