"""``somnomotor demo``: simulate an example night, analyse it, print the summary.

The built-in example night comes from the simulator, so the demo also shows the truth the
simulator put into the signals next to what was measured.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from somnomotor.cli._progress import progress_bar

HELP = "simulate an example night, analyse it and print the summary (start here)"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help=HELP,
        description=(
            "Simulate an 8-hour example night (EDF+ with a ground-truth sidecar), analyse it as "
            "'somnomotor analyze' would, and print the summary next to the simulator's truth. "
            "Files go to DIR (default ./somnomotor-demo), which the demo overwrites."
        ),
    )
    p.add_argument("--out", "-o", metavar="DIR", type=Path, default=Path("somnomotor-demo"),
                   help="folder for the example night and its results (default: ./somnomotor-demo)")
    p.add_argument("--profile", default="plmd",
                   help="simulator profile: healthy, plmd, rbd, noisy ... (default: plmd)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    p.add_argument("--duration-h", type=float, default=8.0, help="night length in h (default: 8)")
    p.add_argument("--report", action="store_true", help="also write report.html and report.pdf")
    p.set_defaults(run=run)


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
    from somnomotor.io.atomic import ensure_writable_dir
    from somnomotor.pipeline import analyze_recording, load_night, write_night_outputs
    from somnomotor.report.outputs import SUMMARY_FILE
    from somnomotor.report.text import format_summary
    from somnomotor.simulate import simulate_night, write_simulated_night

    folder = ensure_writable_dir(args.out)
    edf_path = folder / "example_night.edf"
    with progress_bar(args, desc="demo") as progress:
        progress("simulating", 0.0)
        night = simulate_night(args.profile, seed=args.seed, duration_h=args.duration_h)
        progress("writing EDF", 0.2)
        write_simulated_night(night, edf_path)
        progress("reading", 0.4)
        recording = load_night(edf_path)
        analysis = analyze_recording(recording, progress=lambda s, f: progress(s, 0.5 + f / 2))
    written = write_night_outputs(analysis, folder / "results", input_path=edf_path)
    summary = json.loads(written[SUMMARY_FILE].read_text(encoding="utf-8"))
    if args.report:
        from somnomotor.report.html import render_report

        render_report(folder / "results", recording=recording)
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
