"""``somnomotor simulate``: write a simulated night (EDF+) and its ground truth (JSON)."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "simulate a night with known events: EDF+ plus a ground-truth sidecar"


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``simulate`` and its options."""
    from somnomotor.simulate.artefacts import CONDITIONS
    from somnomotor.simulate.profiles import PROFILES

    # argparse expands "%" in help texts; the condition lines speak of percentages.
    cond_help = "; ".join(f"{k}: {v}" for k, v in CONDITIONS.items()).replace("%", "%%")
    p = sub.add_parser(
        "simulate", help=HELP,
        description=(
            "Simulate one night of polysomnography (tibialis, chin and optional arm EMG, EEG, "
            "ECG; stages, respiratory events, arousals, lights off/on as EDF+ annotations) and "
            "write it as EDF+ with OUT's stem + '.truth.json' beside it, listing every event "
            "the simulator put into the signals. With --randomize the seed also draws the "
            "profile, leg rate, physical/digital range, carrier, burst shapes, rest level and "
            "hard cases (the randomized corpus); with --corpus N, N such nights are written "
            "into the folder OUT as night_000.edf ... with their truths. This is simulated "
            "data, not real recordings."
        ),
    )
    p.add_argument("--out", "-o", metavar="FILE.edf|DIR", type=Path, required=True,
                   help="EDF+ file to write (its folder must exist); with --corpus, an "
                        "existing folder")
    p.add_argument("--profile", default=None, choices=sorted(PROFILES),
                   help="which events the night holds (default: healthy; drawn with "
                        "--randomize/--corpus)")
    p.add_argument("--seed", type=int, default=0, help="random seed, >= 0 (default: 0)")
    p.add_argument("--duration-h", type=float, default=8.0,
                   help="recording length in hours, 0.0833-24 (default: 8)")
    p.add_argument("--leg-fs-hz", type=float, default=None,
                   help="EMG sampling rate in Hz, 200-4096 (default: 512; drawn from "
                        "200/256/500/512 with --randomize/--corpus)")
    p.add_argument("--condition", action="append", default=[], metavar="C",
                   choices=sorted(CONDITIONS),
                   help=f"signal-quality condition, repeatable ({cond_help})")
    p.add_argument("--randomize", action="store_true",
                   help="draw one night of the randomized corpus from --seed")
    p.add_argument("--corpus", type=int, default=None, metavar="N",
                   help="write N nights of the randomized corpus of --seed into the folder "
                        "--out")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Simulate, write, print where and a one-line summary of the truth."""
    from somnomotor._errors import ParameterError
    from somnomotor.simulate import (
        simulate_corpus,
        simulate_night,
        simulate_random_night,
        truth_path_for,
        write_simulated_night,
    )

    drawn = args.randomize or args.corpus is not None
    if drawn and (args.profile is not None or args.leg_fs_hz is not None or args.condition):
        raise ParameterError(
            "--randomize and --corpus draw the profile, --leg-fs-hz and the conditions "
            "themselves; received also "
            + ", ".join(n for n, v in (("--profile", args.profile),
                                       ("--leg-fs-hz", args.leg_fs_hz),
                                       ("--condition", args.condition)) if v))
    if args.corpus is not None:
        if args.randomize:
            raise ParameterError("give either --randomize (one night) or --corpus N "
                                 "(N nights), not both")
        if args.corpus < 1:
            raise ParameterError(f"--corpus must be a number of nights >= 1, received "
                                 f"{args.corpus}")
        if not args.out.is_dir():
            raise ParameterError(f"with --corpus, --out must be an existing folder, "
                                 f"received {str(args.out)!r}")
        for night in simulate_corpus(args.seed, args.corpus, duration_h=args.duration_h):
            i = night.truth.parameters["corpus_index"]
            path = write_simulated_night(night, args.out / f"night_{i:03d}.edf")
            conds = ",".join(night.truth.conditions) or "none"
            print(f"wrote {path} (seed {night.truth.seed}, {night.truth.profile}, "
                  f"{night.truth.parameters['leg_fs_hz']:g} Hz, conditions {conds})")
        return 0
    if args.randomize:
        night = simulate_random_night(args.seed, duration_h=args.duration_h)
    else:
        night = simulate_night(args.profile or "healthy", seed=args.seed,
                               duration_h=args.duration_h,
                               leg_fs_hz=512.0 if args.leg_fs_hz is None else args.leg_fs_hz,
                               conditions=tuple(args.condition))
    path = write_simulated_night(night, args.out)
    print(f"wrote {path} and {truth_path_for(path)}")
    print(night.truth.summary_line())
    return 0
