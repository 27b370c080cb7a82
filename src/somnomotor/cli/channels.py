"""``somnomotor channels FILE``: list the channels, their rates, units and roles.

It answers the first question about a new recording: which channel is which, and what
each analysis still lacks. Roles can be overridden with ``--channel ROLE=LABEL`` to check a
mapping before running ``analyze`` with the same options.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from somnomotor.cli._common import (
    add_channel_map_option,
    add_channel_option,
    parse_channel_overrides,
)
from somnomotor.io.edf import read_recording, unusable_channels
from somnomotor.io.roles import missing_for_analyses
from somnomotor.recording import Recording


def add_parser(subparsers: Any) -> None:
    """Register the ``channels`` subcommand."""
    parser = subparsers.add_parser(
        "channels",
        help="list channels with rate, unit and inferred role, and what each analysis lacks",
        description=(
            "List the channels of an EDF/BDF recording with their sampling rate (Hz), unit and "
            "the role inferred from the label, then what each analysis lacks. Nothing is "
            "analysed and no file is written."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="EDF, EDF+C, BDF or BDF+C recording")
    add_channel_option(parser)
    add_channel_map_option(parser)
    parser.set_defaults(run=run)


def _format_rate(fs_hz: float) -> str:
    return f"{fs_hz:g}"


def format_channels(recording: Recording, unusable: dict[str, str] | None = None) -> str:
    """The table of channels and the analyses' needs, as text.

    ``unusable`` maps the label of each channel the reader skipped to the reason; those
    channels are listed as ``UNUSABLE`` and count for no analysis.
    """
    unusable = unusable or {}
    role_of = {label: role for role, labels in recording.roles.items() for label in labels}
    name = recording.source.name if recording.source is not None else "recording"
    duration = dt.timedelta(seconds=round(recording.duration_s))
    start = recording.start.isoformat(sep=" ") if recording.start else "unknown"
    lines = [
        (f"{name}: {len(recording.channels)} channels, {recording.duration_s:g} s "
         f"({duration}), start {start}"),
        "",
    ]
    rows = [("channel", "rate (Hz)", "unit", "role")]
    rows += [(c.label, _format_rate(c.fs_hz), c.unit or "-", role_of.get(c.label, "-"))
             for c in recording.channels]
    rows += [(label, "-", "-", "UNUSABLE") for label in unusable]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    if unusable:
        lines += ["", "unusable channels (skipped by every analysis):"]
        lines += [f"  {label}: {reason}" for label, reason in unusable.items()]
    lines += ["", "analyses:"]
    missing = missing_for_analyses(recording.roles)
    width = max(len(a) for a in missing)
    from somnomotor.io.leg_sensors import classify_leg_sensor

    leg_sensor = classify_leg_sensor(recording)
    for analysis, lacking in missing.items():
        status = "ready" if not lacking else "missing " + "; ".join(lacking)
        if analysis == "leg_movements" and not lacking and not leg_sensor.scored:
            status = f"not scored: {leg_sensor.reason}"
        lines.append(f"  {analysis.ljust(width)}  {status}")
    if any(missing.values()):
        lines += ["", "Name a channel's role with --channel ROLE=LABEL (repeatable)."]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """List the channels of ``args.file``."""
    overrides = parse_channel_overrides(args.channel)
    recording = read_recording(args.file, roles=overrides)
    if getattr(args, "channel_map", None):
        from somnomotor.io.channel_maps import apply_channel_map

        recording = apply_channel_map(recording, args.channel_map, user_roles=overrides)
    print(format_channels(recording, unusable_channels(args.file)))
    return 0
