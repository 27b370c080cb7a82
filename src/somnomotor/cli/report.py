"""``somnomotor report DIR``: write report.html (and report.pdf) from an analysis folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from somnomotor._errors import InputFileError, InputFileNotFoundError

HELP = "write the night report (report.html, report.pdf) from an analysis output folder"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help=HELP,
        description=(
            "Write DIR/report.html (one self-contained page that opens offline) and "
            "DIR/report.pdf (a two-page summary) from the folder written by "
            "'somnomotor analyze FILE --out DIR'. The report is not medical advice."
        ),
    )
    p.add_argument("out_dir", metavar="DIR", type=Path, help="analysis output folder")
    p.add_argument("--input", metavar="FILE", type=Path,
                   help="the recording the folder was made from (checked by its SHA-256 "
                   "against summary.json); adds example EMG traces")
    p.add_argument("--answers", metavar="FILE", type=Path,
                   help="questionnaire answers (.json/.yaml) from 'somnomotor questionnaire'")
    p.add_argument("--no-pdf", action="store_true", help="write only report.html")
    p.set_defaults(run=run)


def _roles_from_summary(out_dir: Path) -> dict[str, tuple[str, ...]]:
    try:
        doc = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    mapping = doc.get("channel_mapping") or {}
    return {str(k): tuple(str(x) for x in v) for k, v in mapping.items()}


def check_same_recording(out_dir: Path, recording: Path) -> None:
    """Refuse ``recording`` unless its SHA-256 is the one in ``out_dir``/summary.json.

    Traces drawn from another recording (or a corrected copy) would sit beside results that
    were not measured on them.

    Raises
    ------
    InputFileError
        The checksums differ.
    """
    from somnomotor.report.outputs import SUMMARY_FILE, sha256_of

    try:
        doc = json.loads((out_dir / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return  # render_report names what is wrong with the folder
    info = doc.get("input") if isinstance(doc, dict) else None
    expected = info.get("sha256") if isinstance(info, dict) else None
    if not expected:
        return  # results made from signals in memory: nothing to compare with
    actual = sha256_of(recording)
    if actual != expected:
        raise InputFileError(
            f"{str(recording)!r} is not the recording {str(out_dir)!r} was made from: its "
            f"SHA-256 is {actual[:12]}..., {SUMMARY_FILE} names {info.get('file')!r} with "
            f"{str(expected)[:12]}...; give that recording, or analyse this one again")


def run(args: argparse.Namespace) -> int:
    from somnomotor.io.atomic import OutputLock

    if not Path(args.out_dir).is_dir():
        raise InputFileNotFoundError(f"analysis folder {str(args.out_dir)!r} does not exist")
    with OutputLock(args.out_dir, "report"):
        files = _render(args)
    print(files.html)
    if files.pdf is not None:
        print(files.pdf)
    sys.stdout.flush()
    return 0


def _render(args: argparse.Namespace) -> Any:
    from somnomotor.report.html import render_report
    from somnomotor.report.questionnaire import QuestionnaireAnswers

    from somnomotor.report.nights import refuse_accelerometer_folder

    refuse_accelerometer_folder(args.out_dir)  # the night report is for PSG nights
    answers = QuestionnaireAnswers.load(args.answers) if args.answers else None
    recording = None
    if args.input is not None:
        if not Path(args.input).is_file():
            raise InputFileNotFoundError(f"recording {str(args.input)!r} does not exist")
        check_same_recording(args.out_dir, Path(args.input))
        try:
            from somnomotor.io import read_recording  # type: ignore[attr-defined]
        except ImportError as exc:
            raise InputFileError(
                f"cannot read {str(args.input)!r}: this installation has no recording reader "
                f"({exc})"
            ) from exc
        recording = read_recording(args.input)
        roles = {r: labels for r, labels in _roles_from_summary(args.out_dir).items()
                 if all(lab in recording.labels for lab in labels)}
        if roles:
            recording = recording.with_roles(roles)
    return render_report(args.out_dir, recording=recording, answers=answers,
                         pdf=not args.no_pdf)
