"""Entry point of the ``somnomotor`` command.

Each subcommand lives in its own module of this package with two functions:
``add_parser(subparsers)`` registers its arguments, and ``run(args) -> int`` calls the
library. This module only dispatches and turns errors into one line on stderr: bad input
never shows a traceback unless ``--debug`` is given.

Only the module of the subcommand that runs is imported (the others would pull in the
simulator, scipy and pandas before anything happens); ``--help`` lists every subcommand
from :data:`SUBCOMMAND_HELP`, which a test keeps equal to each module's ``HELP``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import signal
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType

from somnomotor._errors import SomnomotorError, SomnomotorWarning
from somnomotor._version import __version__

#: Subcommand modules, in the order ``--help`` lists them.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "demo",
    "analyze",
    "cohort",
    "channels",
    "simulate",
    "score_events",
    "report",
    "questionnaire",
    "export",
    "review",
    "nights",
    "diary",
)

#: One-line help of each subcommand, by command name (its module's name with "_" for "-"),
#: as ``--help`` lists it without importing the module (tests/cli check that each equals
#: what the module registers).
SUBCOMMAND_HELP: dict[str, str] = {
    "demo": "simulate an example night, analyse it and print the summary (start here)",
    "analyze": "score one recording (EDF/EDF+/BDF, or an ankle accelerometer "
               ".cwa/.bin/.gt3x/.csv) and write events.tsv and summary.json",
    "cohort": "score many recordings (files or folders) the same way and write one table of "
              "indices",
    "channels": "list channels with rate, unit and inferred role, and what each analysis lacks",
    "simulate": "simulate a night with known events: EDF+ plus a ground-truth sidecar",
    "score-events": "apply the PLM rules to scored annotations (no signals) and write "
                    "events.tsv and summary.json",
    "report": "write the night report (report.html, report.pdf) from an analysis output folder",
    "questionnaire": "answer the questionnaire on restless legs, dream enactment and warning "
                     "signs",
    "export": "export an analysis folder to EDF+ annotations, BIDS events, NSRR XML, CSV or "
              "Parquet",
    "review": "review and correct the scored events of a night in the browser (local web app)",
    "nights": "several analysed nights of one person side by side (table, page, diary comparisons)",
    "diary": "check a sleep diary file, or add a night to it interactively",
}

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

logger = logging.getLogger("somnomotor")


def _load_subcommands(only: str | None = None) -> list[ModuleType]:
    modules = []
    for name in SUBCOMMAND_MODULES:
        if only is not None and name != only:
            continue
        try:
            modules.append(importlib.import_module(f"somnomotor.cli.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"somnomotor.cli.{name}":
                raise
    return modules


def _command_in(argv: Sequence[str] | None) -> str:
    """The subcommand named on the command line, or "" when none is (``--help``, ``--version``).

    The global options take no value, so the first word not starting with "-" is the
    subcommand; an unknown word is left for argparse to reject.
    """
    words = sys.argv[1:] if argv is None else list(argv)
    for word in words:
        if word == "--":
            break
        if not word.startswith("-"):
            return word
    return ""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser (used by ``main`` and by the docs).

    ``command=None`` registers every subcommand in full. A subcommand name registers that
    one in full and the others by name and help only (what ``--help`` lists); ``""`` the
    same for all, without importing any subcommand module.
    """
    parser = argparse.ArgumentParser(
        prog="somnomotor",
        description=(
            "Score the body's movements in sleep from an overnight recording: leg movements and "
            "periodic limb movements (WASM 2016 / AASM), REM sleep without atonia, fragmentary "
            "myoclonus, sleep starts. Results are findings, never a diagnosis."
        ),
        epilog="Run 'somnomotor demo' to simulate a night and analyse it. "
        "'somnomotor COMMAND --help' explains each command.",
    )
    parser.add_argument("--version", action="version", version=f"somnomotor {__version__}")
    _add_output_options(parser, default_from_here=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    if command is None:
        for module in _load_subcommands():
            module.add_parser(sub)
        _output_options_after_command(sub)
        return parser
    module_name = command.replace("-", "_")
    loaded = _load_subcommands(module_name) if command in SUBCOMMAND_HELP else []
    for name in SUBCOMMAND_MODULES:
        if name == module_name and loaded:
            loaded[0].add_parser(sub)
        elif importlib.util.find_spec(f"somnomotor.cli.{name}") is not None:
            sub.add_parser(name.replace("_", "-"), help=SUBCOMMAND_HELP[name.replace("_", "-")])
    _output_options_after_command(sub)
    return parser


def _add_output_options(parser: argparse.ArgumentParser, *, default_from_here: bool) -> None:
    """--debug, -v and -q. The main parser sets their defaults; a subcommand's parser
    accepts them too ("somnomotor analyze night.edf --debug") without resetting what was
    given before the command."""
    default: dict[str, object] = ({} if default_from_here
                                  else {"default": argparse.SUPPRESS})
    parser.add_argument("--debug", action="store_true",
                        help="show full tracebacks and debug logging",
                        **({"default": False} | default))
    parser.add_argument("-v", "--verbose", action="count",
                        help="more log output (repeatable)", **({"default": 0} | default))
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="only errors on stderr; no progress bars",
                        **({"default": False} | default))


def _output_options_after_command(sub: argparse._SubParsersAction) -> None:
    for command_parser in sub.choices.values():
        _add_output_options(command_parser, default_from_here=False)


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.WARNING
    if args.quiet:
        level = logging.ERROR
    elif args.debug or args.verbose >= 2:
        level = logging.DEBUG
    elif args.verbose == 1:
        level = logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root = logging.getLogger("somnomotor")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False

    def _show(message, category, filename, lineno, file=None, line=None):  # type: ignore[no-untyped-def]
        if not args.quiet:
            print(f"warning: {message}", file=sys.stderr)

    warnings.showwarning = _show
    warnings.simplefilter("default", SomnomotorWarning)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser(_command_in(argv))
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    _configure_logging(args)
    try:
        return int(args.run(args) or EXIT_OK)
    except KeyboardInterrupt as exc:
        # the command has stopped; one more Ctrl-C while Python shuts down must not print a
        # traceback or change the exit code
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # a command that stopped cleanly says what it kept (e.g. the cohort table so far)
        print(f"somnomotor {args.command}: {str(exc) or 'interrupted'}", file=sys.stderr)
        return 130
    except SomnomotorError as exc:
        if args.debug:
            raise
        print(f"somnomotor {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except (OSError, MemoryError) as exc:
        if args.debug:
            raise
        print(f"somnomotor {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:  # noqa: BLE001 - the CLI promises no traceback without --debug
        if args.debug:
            raise
        print(
            f"somnomotor {args.command}: internal error ({type(exc).__name__}: {exc}); "
            "run again with --debug for details",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
