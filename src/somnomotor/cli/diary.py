"""``somnomotor diary check FILE`` / ``somnomotor diary add FILE``: the sleep diary."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "check a sleep diary file, or add a night to it interactively"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "diary", help=HELP,
        description=("The diary of possible triggers, one CSV row per night (docs/diary.md): "
                     "bedtime and rise time, caffeine, alcohol, exercise, stress, sleep the "
                     "night before, leg discomfort, cramps, medicines by name only."))
    p.add_argument("action", choices=("check", "add"), help="check FILE, or add a night to it")
    p.add_argument("file", metavar="FILE", type=Path, help="diary CSV file")
    p.set_defaults(run=run)


def _ask(name: str) -> object:
    from somnomotor.io.diary import DESCRIPTIONS, REQUIRED, parse_field

    while True:
        text = input(f"{name} ({DESCRIPTIONS[name]}){'' if name in REQUIRED else ', empty to skip'}: ")
        try:
            return parse_field(name, text)
        except ValueError as exc:
            print(f"  {exc}; please try again")


def run(args: argparse.Namespace) -> int:
    from somnomotor._errors import InputFileNotFoundError
    from somnomotor.io.atomic import atomic_write_text
    from somnomotor.io.diary import COLUMNS, DiaryError, diary_to_csv, entry_from_row, read_diary

    path: Path = args.file
    if args.action == "check":
        if not path.exists():
            raise InputFileNotFoundError(f"diary {str(path)!r} does not exist")
        entries = read_diary(path)
        first = entries[0].date if entries else None
        last = entries[-1].date if entries else None
        print(f"{path.name}: {len(entries)} night(s) OK" + (f", {first} to {last}" if entries else ""))
        return 0
    entries = read_diary(path) if path.exists() else []
    while True:
        values = {name: _ask(name) for name in COLUMNS}
        row = {k: ("" if v is None else v.strftime("%H:%M") if hasattr(v, "strftime") and k != "date"
                   else "; ".join(v) if isinstance(v, tuple) else
                   ("yes" if v else "no") if isinstance(v, bool) else str(v))
               for k, v in values.items()}
        try:
            entry = entry_from_row(row)
        except ValueError as exc:
            print(f"  {exc}; please enter the night again")
            continue
        break
    if any(e.date == entry.date for e in entries):
        raise DiaryError(f"{path.name} already has an entry for {entry.date} (one per night)")
    atomic_write_text(path, diary_to_csv(entries + [entry]))
    print(f"added the night of {entry.date} to {path}")
    return 0
