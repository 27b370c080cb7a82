"""``somnomotor review RESULTS_DIR [--input RECORDING]``: review and correct a night in the browser."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "review and correct the scored events of a night in the browser (local web app)"


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``review`` and its options."""
    p = sub.add_parser(
        "review",
        help=HELP,
        description=(
            "Start a local web app to page through the night (hypnogram, signals, scored "
            "events), delete, add, move and re-classify leg movements and other motor "
            "events, and see the PLM indices recomputed by the same rules as score-events. "
            "Saving writes a new version to RESULTS_DIR/reviewed/vNNN (the automatic "
            "scoring is never overwritten) with its edit log; 'score-events' and 'export' "
            "accept that folder. Press '?' in the page for the keys."
        ),
    )
    p.add_argument("results", metavar="RESULTS_DIR", type=Path,
                   help="folder written by 'somnomotor analyze' or 'score-events'")
    p.add_argument("--input", metavar="RECORDING", type=Path,
                   help="the recording the results were made from (checked by SHA-256); "
                        "found beside RESULTS_DIR when left out")
    p.add_argument("--annotations", metavar="FILE", type=Path, action="append", default=[],
                   help="annotation file(s) with the respiratory events and arousals used "
                        "by the analysis (repeatable)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=0,
                   help="port (default: a random free port)")
    p.add_argument("--scorer", default="", help="your name, written to the edit log")
    p.add_argument("--no-browser", action="store_true", help="do not open the browser")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Load the night, start the server, print its address, serve until interrupted."""
    from somnomotor._errors import ParameterError
    from somnomotor.review.night import load_review_night
    from somnomotor.review.server import ReviewServer

    if not 0 <= args.port <= 65535:
        raise ParameterError(f"--port must be 0..65535, received {args.port}")
    night = load_review_night(args.results, recording_path=args.input,
                              annotation_files=args.annotations)
    server = ReviewServer(night, host=args.host, port=args.port)
    server.app.default_scorer = args.scorer
    for warning in night.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    shown = "automatic scoring" if night.version == 0 else f"reviewed version {night.version}"
    print(f"reviewing {night.folder} ({shown}); open {server.url}  (Ctrl+C to stop)")
    sys.stdout.flush()
    if not args.no_browser:
        import webbrowser

        webbrowser.open(server.url)
    try:
        server.serve_forever()
    finally:
        server.httpd.server_close()
    return 0
