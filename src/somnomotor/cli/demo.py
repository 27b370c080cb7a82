"""``somnomotor demo``: simulate an example night, analyse it, print the summary.

The built-in example night comes from the simulator, so the demo also shows the truth the
simulator put into the signals next to what was measured.
"""

from __future__ import annotations

import argparse
import json
import sys

from somnomotor.cli._progress import progress_bar

HELP = "simulate an example night, analyse it and print the summary (start here)"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help=HELP,
        description=(
            "Simulate an 8-hour example night (EDF+ with a ground-truth sidecar), analyse it as "
            "'somnomotor analyze' would, and print the summary next to the simulator's truth. "
            "Files go to DIR (default ./somnomotor-demo; about 15 MB per hour of night, "
            "120 MB for the default 8 h), which the demo overwrites; the folder is named on "
            "stderr before anything is written."
        ),
    )
    p.add_argument("--out", "-o", metavar="DIR", default="somnomotor-demo",
                   help="folder for the example night and its results "
                   "(default: ./somnomotor-demo in the current folder)")
    p.add_argument("--profile", default="plmd",
                   help="simulator profile: healthy, plmd, rbd, noisy ... (default: plmd)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    p.add_argument("--duration-h", type=float, default=8.0, help="night length in h (default: 8)")
    p.add_argument("--report", action="store_true", help="also write report.html and report.pdf")
    p.set_defaults(run=run)


#: Size of the simulated example night (EDF + truth + results) per hour of night, measured
#: with ``somnomotor demo --duration-h 1`` (15.3 MB).
DEMO_MB_PER_HOUR = 15.3


def _true_plms_index(night: object) -> float | None:
    """PLMS index of the simulator's true movements under WASM 2016 (for comparison)."""
    from somnomotor.events import RESPIRATORY_TYPES
    from somnomotor.score.plm import score_plm

    rec = night.recording  # type: ignore[attr-defined]
    truth = night.truth  # type: ignore[attr-defined]
    res = score_plm(
        truth.leg_movements_table(),
        hypnogram=rec.hypnogram,
        respiratory=rec.annotations.select(RESPIRATORY_TYPES),
        arousals=rec.annotations.select("arousal"),
    )
    return res.index("plms_index").value


def run(args: argparse.Namespace) -> int:
    from somnomotor.io.atomic import check_output_path, output_folder
    from somnomotor.pipeline import analyze_recording, load_night, write_night_outputs
    from somnomotor.report.outputs import SUMMARY_FILE, remove_stale_outputs
    from somnomotor.report.text import format_summary
    from somnomotor.simulate import simulate_night, write_simulated_night

    target = check_output_path(args.out)
    # the demo writes a large file into the current folder by default: say so first
    print(f"somnomotor demo: writing the example night and its results to "
          f"{target.absolute()} (about {DEMO_MB_PER_HOUR * args.duration_h:.0f} MB; "
          "choose another folder with --out)", file=sys.stderr, flush=True)
    with output_folder(target, command="demo") as folder:
        edf_path = folder / "example_night.edf"
        with progress_bar(args, desc="demo") as progress:
            progress("simulating", 0.0)
            night = simulate_night(args.profile, seed=args.seed, duration_h=args.duration_h)
            progress("writing EDF", 0.2)
            write_simulated_night(night, edf_path)
            progress("reading", 0.4)
            recording = load_night(edf_path)
            analysis = analyze_recording(recording,
                                         progress=lambda s, f: progress(s, 0.5 + f / 2))
        results = folder / "results"
        written = write_night_outputs(analysis, results, input_path=edf_path)
        remove_stale_outputs(results, keep=list(written.values()))
        summary = json.loads(written[SUMMARY_FILE].read_text(encoding="utf-8"))
        if args.report:
            from somnomotor.report.html import render_report

            render_report(results, recording=recording)
    print(format_summary(summary))
    try:
        truth_plms = _true_plms_index(night)
        measured = next((ix["value"] for ix in summary["indices"] if ix["name"] == "plms_index"), None)
        if truth_plms is not None and measured is not None:
            print(f"\nsimulator truth: PLMS index {truth_plms:.1f}/h; measured {measured:.1f}/h")
    except (ImportError, KeyError, AttributeError):
        pass
    print(f"\nexample night: {edf_path}\nresults:       {folder / 'results'}")
    return 0
