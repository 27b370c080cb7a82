"""Helpers shared by the subcommands (argument parsing that several commands reuse)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from somnomotor._errors import ParameterError
from somnomotor.io.roles import check_role_name


def parse_channel_overrides(items: Sequence[str] | None) -> dict[str, tuple[str, ...]]:
    """Turn repeated ``--channel ROLE=LABEL`` options into a role mapping.

    Parameters
    ----------
    items : sequence of str or None
        Each ``"role=label"``; a role given several times collects its labels in order
        (``eeg=C3-M2`` and ``eeg=C4-M1`` give ``{"eeg": ("C3-M2", "C4-M1")}``). Labels may
        contain ``=`` and spaces; only the first ``=`` separates.

    Returns
    -------
    dict of str to tuple of str

    Raises
    ------
    ParameterError
        An item without ``=``, with an empty role or label, or with an unknown role
        (the message suggests the closest role).
    """
    overrides: dict[str, list[str]] = {}
    for item in items or ():
        role, sep, label = item.partition("=")
        role, label = role.strip(), label.strip()
        if not sep or not role or not label:
            raise ParameterError(
                f"--channel expects ROLE=LABEL (e.g. --channel leg_left=LAT), received {item!r}"
            )
        check_role_name(role)
        overrides.setdefault(role, []).append(label)
    return {role: tuple(labels) for role, labels in overrides.items()}


def add_channel_option(parser: argparse.ArgumentParser) -> None:
    """Add the repeatable ``--channel ROLE=LABEL`` option to a subcommand parser."""
    parser.add_argument(
        "--channel", "-c", action="append", default=[], metavar="ROLE=LABEL",
        help="assign a channel to a role, overriding the inferred roles (repeatable), "
             "e.g. --channel leg_left='EMG5' --channel leg_right='EMG6'",
    )


def add_stage_map_option(parser: argparse.ArgumentParser) -> None:
    """Add the repeatable ``--stage-map "LABEL=STAGE"`` option."""
    parser.add_argument(
        "--stage-map", action="append", default=[], metavar="LABEL=STAGE",
        help="read a stage label the file uses but somnomotor does not know as this stage "
             "(W, N1, N2, N3, R, MT, UNS; repeatable), e.g. --stage-map 'Stage Q=N2'",
    )


def parse_stage_map(items: Sequence[str] | None) -> dict[str, str]:
    """Turn repeated ``--stage-map LABEL=STAGE`` options into a mapping (last ``=`` splits).

    Raises
    ------
    ParameterError
        An item without ``=`` or with an empty label or stage.
    """
    mapping: dict[str, str] = {}
    for item in items or ():
        label, sep, stage = item.rpartition("=")
        if not sep or not label.strip() or not stage.strip():
            raise ParameterError(
                f"--stage-map expects LABEL=STAGE (e.g. --stage-map 'Stage Q=N2'), "
                f"received {item!r}"
            )
        mapping[label.strip()] = stage.strip()
    return mapping


def add_analysis_options(parser: argparse.ArgumentParser) -> None:
    """The options that say how a night is analysed (``analyze`` and ``cohort``):
    ``--channel``, ``--rules``, ``--only``, ``--no-auto-staging`` and ``--channel-map``."""
    from somnomotor.pipeline import ANALYSES, RULE_SETS

    add_channel_option(parser)
    add_stage_map_option(parser)
    parser.add_argument("--rules", choices=RULE_SETS, default="wasm_2016",
                        help="leg-movement rule set (default: wasm_2016)")
    parser.add_argument("--only", metavar="ANALYSIS", action="append", choices=list(ANALYSES),
                        help=f"run only this analysis (repeatable): {', '.join(ANALYSES)}")
    parser.add_argument("--no-auto-staging", action="store_true",
                        help="without a scored hypnogram, do not stage automatically with YASA")
    add_channel_map_option(parser)


def add_channel_map_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--channel-map COHORT|FILE`` (somnomotor.io.channel_maps)."""
    from somnomotor.io.channel_maps import available_channel_maps

    parser.add_argument(
        "--channel-map", metavar="COHORT|FILE", default=None,
        help="apply a cohort's channel map: the roles of its labels and which leg channels "
             "are movement sensors, not EMG (shipped: "
             f"{', '.join(available_channel_maps())}; or a YAML file in the same layout, "
             "see docs/channel-roles.md); --channel wins over it")


__all__ = ["add_analysis_options", "add_channel_map_option", "add_channel_option",
           "add_stage_map_option", "parse_channel_overrides", "parse_stage_map"]
