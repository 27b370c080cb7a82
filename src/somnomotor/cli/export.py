"""``somnomotor export DIR --format FORMAT``: hand the results of an analysis to other tools."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "export an analysis folder to EDF+ annotations, BIDS events, NSRR XML, CSV or Parquet"


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``export`` and its options."""
    from somnomotor.io.export import EXPORT_FORMATS

    p = sub.add_parser(
        "export",
        help=HELP,
        description=(
            "Export the events and sleep stages of an analysis folder (the --out folder of "
            "'somnomotor analyze': events.tsv, hypnogram.tsv, summary.json) for reviewers' "
            "tools: edf = EDF+ annotation-only file (open in EDFbrowser beside the recording), "
            "bids = BIDS *_events.tsv with its JSON sidecar, nsrr = NSRR XML, csv, parquet. "
            "EDF+ and NSRR XML leave out RSWA epochs without a finding unless --all-epochs."
        ),
    )
    p.add_argument("folder", metavar="DIR", type=Path, help="analysis output folder")
    p.add_argument("--format", "-f", metavar="FORMAT", action="append", required=True,
                   choices=list(EXPORT_FORMATS),
                   help=f"format to write (repeatable): {', '.join(EXPORT_FORMATS)}")
    p.add_argument("--out", "-o", metavar="OUTDIR",
                   help="where to write (default: DIR/export)")
    p.add_argument("--all-epochs", action="store_true",
                   help="EDF+/NSRR: also write RSWA epochs and mini-epochs without a finding")
    p.add_argument("--overwrite", action="store_true", help="replace files already there")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write the exports and list the files."""
    from somnomotor._errors import InputFileNotFoundError
    from somnomotor.io.atomic import OutputLock, check_output_path, output_folder
    from somnomotor.io.export import export_folder

    if not Path(args.folder).is_dir():
        raise InputFileNotFoundError(f"analysis folder {str(args.folder)!r} does not exist")
    # the folder written into is held for this run: by default the analysis folder itself
    # (not read while another run rewrites it); with --out, that folder (the analysis
    # folder may then be read-only)
    holder = (output_folder(check_output_path(args.out), command="export")
              if args.out is not None else OutputLock(args.folder, "export"))
    with holder:
        written = export_folder(args.folder, formats=args.format, out_dir=args.out,
                                findings_only=not args.all_epochs, overwrite=args.overwrite)
    for fmt, paths in written.items():
        for path in paths:
            print(f"{fmt}: {path}")
    return 0
