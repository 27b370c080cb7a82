"""Whole-process time and peak memory of ``somnomotor`` commands, beside psgscoring's ``analyze_plm``.

Run::

    python benchmarks/bench_process.py --edf8 /tmp/perf/n8.edf [--edf24 /tmp/perf/n24.edf]
        [--runs 5] [--src src]

Make the nights first with ``somnomotor simulate --profile rbd --duration-h 8 --out
/tmp/perf/n8.edf`` (and ``--duration-h 24``). Every case is a fresh process measured by
``/usr/bin/time -v`` (wall time, peak resident set size); the cases are run in turn, round
after round, so that the load of a shared machine falls on all of them alike, and the
medians over the rounds are printed with the ratio to psgscoring measured in the same run.

Cases:

* ``somnomotor --version`` (``python -m somnomotor``, so no launcher script is timed);
* ``somnomotor analyze --only leg_movements`` on the 8-h night (reading, leg movements and
  PLM, outputs written);
* ``somnomotor analyze`` (every analysis the montage allows) on the 8-h and the 24-h night;
* psgscoring: a process that reads the same EDF's two leg channels with edfio (float64 µV),
  the hypnogram from the EDF+ stage annotations, and runs ``analyze_plm`` on them. Its time
  includes its imports and the reading, like somnomotor's.

``--src`` puts a source tree on ``PYTHONPATH`` for the somnomotor cases; with several,
each is measured in the same rounds (before and after a change). The machine load (1-min load average) is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PSG_SCRIPT = r"""
import sys
import numpy as np
import edfio
from psgscoring import plm
edf = edfio.read_edf(sys.argv[1], lazy_load_data=True)
by_label = {s.label: s for s in edf.signals}
left, right = by_label[sys.argv[2]], by_label[sys.argv[3]]
n_epochs = int(edf.duration // 30)
hypno = ["W"] * n_epochs
resp = []
for a in edf.annotations:
    if a.text.startswith("Sleep stage "):
        stage = a.text[len("Sleep stage "):]
        for k in range(int(round(a.onset / 30)), int(round((a.onset + (a.duration or 30)) / 30))):
            if 0 <= k < n_epochs:
                hypno[k] = stage if stage in ("N1", "N2", "N3", "R") else "W"
    elif "apnea" in a.text.lower() or "hypopnea" in a.text.lower():
        resp.append({"onset_s": a.onset, "duration_s": a.duration or 0.0})
res = plm.analyze_plm(np.asarray(left.data, float), np.asarray(right.data, float),
                      float(left.sampling_frequency), hypno, resp_events=resp, leg_unit="uV",
                      event_list_cap=None)
print("psgscoring PLM index", res["summary"].get("plm_index"))
"""


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f}/{five:.1f}/{fifteen:.1f} on {os.cpu_count()} CPUs"


def _measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of one process, from
    /usr/bin/time -v."""
    out = subprocess.run(["/usr/bin/time", "-v", *cmd], env=env, capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)", out.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr)
    user = re.search(r"User time \(seconds\): ([\d.]+)", out.stderr)
    system = re.search(r"System time \(seconds\): ([\d.]+)", out.stderr)
    if wall is None or rss is None or user is None or system is None:
        raise RuntimeError(f"no /usr/bin/time -v output for {cmd}")
    hours, minutes, seconds = wall.groups()
    total = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    return total, float(user.group(1)) + float(system.group(1)), int(rss.group(1)) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edf8", type=Path, required=True)
    parser.add_argument("--edf24", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--src", type=Path, nargs="+",
                        default=[Path(__file__).resolve().parents[1] / "src"],
                        help="source tree(s) of somnomotor; several are measured in the same "
                        "rounds (e.g. before and after a change)")
    parser.add_argument("--legs", nargs=2, default=["LAT", "RAT"], metavar=("LEFT", "RIGHT"))
    parser.add_argument("--no-psgscoring", action="store_true")
    args = parser.parse_args()

    out = Path(tempfile.mkdtemp(prefix="bench_process_"))
    cases: dict[str, tuple[list[str], dict[str, str]]] = {}
    for k, src in enumerate(args.src):
        env = {**os.environ, "PYTHONPATH": str(src.resolve())}
        tag = f" [{src}]" if len(args.src) > 1 else ""
        som = [sys.executable, "-m", "somnomotor", "-q"]
        cases[f"somnomotor --version{tag}"] = (
            [sys.executable, "-m", "somnomotor", "--version"], env)
        cases[f"analyze --only leg_movements (8 h){tag}"] = (
            [*som, "analyze", str(args.edf8), "--only", "leg_movements", "--out",
             str(out / f"leg{k}"), "--overwrite"], env)
        cases[f"analyze, every analysis (8 h){tag}"] = (
            [*som, "analyze", str(args.edf8), "--out", str(out / f"all{k}"), "--overwrite"], env)
        if args.edf24 is not None:
            cases[f"analyze, every analysis (24 h){tag}"] = (
                [*som, "analyze", str(args.edf24), "--out", str(out / f"all24_{k}"),
                 "--overwrite"], env)
    if not args.no_psgscoring:
        cases["psgscoring analyze_plm (8 h, two legs)"] = (
            [sys.executable, "-c", PSG_SCRIPT, str(args.edf8), *args.legs], dict(os.environ))

    print(f"# bench_process; somnomotor from {[str(p) for p in args.src]}; {args.runs} rounds; "
          f"{_load()}")
    for name, (cmd, case_env) in cases.items():  # warm-up: page cache, numba cache
        _measure(cmd, case_env)
    times: dict[str, list[float]] = {n: [] for n in cases}
    cpus: dict[str, list[float]] = {n: [] for n in cases}
    peaks: dict[str, list[float]] = {n: [] for n in cases}
    for _ in range(args.runs):
        for name, (cmd, case_env) in cases.items():
            wall, cpu, peak = _measure(cmd, case_env)
            times[name].append(wall)
            cpus[name].append(cpu)
            peaks[name].append(peak)
    psg = "psgscoring analyze_plm (8 h, two legs)"
    psg_t = statistics.median(times[psg]) if psg in times else None
    psg_c = statistics.median(cpus[psg]) if psg in cpus else None
    psg_m = statistics.median(peaks[psg]) if psg in peaks else None
    print("| case | wall s median (min-max) | CPU s median | peak RSS MB median (min-max) "
          "| wall / psgscoring | CPU / psgscoring | memory / psgscoring |")
    print("|---|---|---|---|---|---|---|")
    for name in cases:
        t, c, m = (statistics.median(times[name]), statistics.median(cpus[name]),
                   statistics.median(peaks[name]))
        rt = f"{t / psg_t:.2f}" if psg_t else "-"
        rc = f"{c / psg_c:.2f}" if psg_c else "-"
        rm = f"{m / psg_m:.2f}" if psg_m else "-"
        print(f"| {name} | {t:.2f} ({min(times[name]):.2f}-{max(times[name]):.2f}) | {c:.2f} "
              f"| {m:.0f} ({min(peaks[name]):.0f}-{max(peaks[name]):.0f}) | {rt} | {rc} | {rm} |")
    print(f"# end; {_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
