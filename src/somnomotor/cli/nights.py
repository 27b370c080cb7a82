"""``somnomotor nights DIR... --out DIR``: several analysed nights side by side."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "several analysed nights of one person side by side (table, page, diary comparisons)"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "nights", help=HELP,
        description=("Gather the results of many nights of one person (folders written by "
                     "'somnomotor analyze', PSG or ankle accelerometer, kept apart) into "
                     "nights_psg.tsv / nights_accelerometer.tsv and a self-contained page nights.html: the index per night, "
                     "median and spread, a trend, and with --diary the nights with and without "
                     "each possible trigger side by side (never as a cause)."))
    p.add_argument("folders", metavar="DIR", nargs="+",
                   help="result folders (or folders holding them)")
    p.add_argument("--diary", metavar="FILE", type=Path, help="sleep diary CSV (docs/diary.md)")
    p.add_argument("--out", "-o", metavar="DIR", type=Path, default=Path("nights"),
                   help="output folder (default: ./nights)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from somnomotor._errors import InputFileNotFoundError
    from somnomotor.io.diary import read_diary
    from somnomotor.report.nights import KINDS, collect_nights, summarise
    from somnomotor.report.nights_page import render_nights_page

    nights = collect_nights(args.folders)
    diary = []
    if args.diary is not None:
        if not args.diary.exists():
            raise InputFileNotFoundError(f"diary {str(args.diary)!r} does not exist")
        diary = read_diary(args.diary)
    written = render_nights_page(nights, diary, args.out)
    for kind in KINDS:
        if any(n.kind == kind for n in nights):
            s = summarise(nights, kind)
            print(f"{kind} ({s.index}): {s.statement}")
    print("Not a diagnosis. " + ", ".join(str(p) for p in written.values()))
    return 0
