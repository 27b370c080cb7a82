"""``somnomotor questionnaire``: ask the RLS / sleep questionnaire, or check an answers file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HELP = "answer the questionnaire on restless legs, dream enactment and warning signs"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "questionnaire",
        help=HELP,
        description=(
            "Ask the questionnaire in the terminal (the five IRLSSG 2014 restless legs "
            "criteria, the IRLS severity scale, dream enactment, daytime sleepiness and the "
            "warning signs that call for a doctor), or read and check an answers file. Pass "
            "the saved answers to 'somnomotor report DIR --answers FILE'. This is not a "
            "diagnosis."
        ),
    )
    p.add_argument("--answers", metavar="FILE", type=Path,
                   help="read the answers from this .json/.yaml file instead of asking")
    p.add_argument("--out", "-o", metavar="FILE", type=Path,
                   help="save the answers here (.json, .yaml or .yml)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from somnomotor._errors import InputFileError
    from somnomotor.report.questionnaire import QuestionnaireAnswers, ask_questionnaire

    if args.answers is not None:
        answers = QuestionnaireAnswers.load(args.answers)
    else:
        try:
            answers = ask_questionnaire(ask=input, tell=lambda line: print(line, flush=True))
        except EOFError:
            print(flush=True)  # the prompt left the cursor mid-line
            raise InputFileError(
                "no answer could be read: standard input ended (nothing typed, or a file or "
                "pipe without answers); answer in a terminal, or pass --answers FILE"
            ) from None
    if args.out is not None:
        answers.save(args.out)
        print(f"answers saved to {args.out}")
    else:
        print(json.dumps(answers.to_dict(), indent=2))
    total = answers.irls_total
    print(f"IRLSSG 2014 criteria answered yes: {answers.rls_criteria_yes} of 5"
          + (f"; IRLS total {total} of 40 ({answers.irls_band})" if total is not None else ""),
          file=sys.stderr)
    if answers.warning_signs:
        print("Some answers are signs that call for a doctor (a sleep specialist or a "
              "neurologist); the report lists them first.", file=sys.stderr)
    return 0
