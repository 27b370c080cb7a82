"""Entry point of the ``somnomotor`` command.

Each subcommand lives in its own module of this package with two functions:
``add_parser(subparsers)`` registers its arguments, and ``run(args) -> int`` calls the
library. This module only dispatches and turns errors into one line on stderr: bad input
never shows a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import argparse
import importlib
import logging
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
    "nights",
    "diary",
)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

logger = logging.getLogger("somnomotor")


def _load_subcommands() -> list[ModuleType]:
    modules = []
    for name in SUBCOMMAND_MODULES:
        try:
            modules.append(importlib.import_module(f"somnomotor.cli.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"somnomotor.cli.{name}":
                raise
    return modules


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (used by ``main`` and by the docs)."""
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
    parser.add_argument("--debug", action="store_true",
                        help="show full tracebacks and debug logging")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (repeatable)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="only errors on stderr; no progress bars")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _load_subcommands():
        module.add_parser(sub)
    return parser


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
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    _configure_logging(args)
    try:
        return int(args.run(args) or EXIT_OK)
    except KeyboardInterrupt:
        print("somnomotor: interrupted", file=sys.stderr)
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
