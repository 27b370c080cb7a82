"""``somnomotor simulate``: write a simulated night (EDF+) and its ground truth (JSON)."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "simulate a night with known events: EDF+ plus a ground-truth sidecar"


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``simulate`` and its options."""
    from somnomotor.simulate.artefacts import CONDITIONS
    from somnomotor.simulate.profiles import PROFILES

    cond_help = "; ".join(f"{k}: {v}" for k, v in CONDITIONS.items())
    p = sub.add_parser(
        "simulate", help=HELP,
        description=(
            "Simulate one night of polysomnography (tibialis, chin and optional arm EMG, EEG, "
            "ECG; stages, respiratory events, arousals, lights off/on as EDF+ annotations) and "
            "write it as EDF+ with OUT's stem + '.truth.json' beside it, listing every event "
            "the simulator put into the signals."
        ),
    )
    p.add_argument("--out", "-o", metavar="FILE.edf", type=Path, required=True,
                   help="EDF+ file to write (its folder must exist)")
    p.add_argument("--profile", default="healthy", choices=sorted(PROFILES),
                   help="which events the night holds (default: healthy)")
    p.add_argument("--seed", type=int, default=0, help="random seed, >= 0 (default: 0)")
    p.add_argument("--duration-h", type=float, default=8.0,
                   help="recording length in hours, 0.0833-24 (default: 8)")
    p.add_argument("--leg-fs-hz", type=float, default=512.0,
                   help="EMG sampling rate in Hz (default: 512)")
    p.add_argument("--condition", action="append", default=[], metavar="C",
                   choices=sorted(CONDITIONS),
                   help=f"signal-quality condition, repeatable ({cond_help})")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Simulate, write, print where and a one-line summary of the truth."""
    from somnomotor.simulate import simulate_night, truth_path_for, write_simulated_night

    night = simulate_night(args.profile, seed=args.seed, duration_h=args.duration_h,
                           leg_fs_hz=args.leg_fs_hz, conditions=tuple(args.condition))
    path = write_simulated_night(night, args.out)
    print(f"wrote {path} and {truth_path_for(path)}")
    print(night.truth.summary_line())
    return 0
