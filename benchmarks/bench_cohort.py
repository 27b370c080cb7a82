"""Cohort throughput: whole-night analyses per hour with ``somnomotor cohort``.

Usage: ``python benchmarks/bench_cohort.py [--nights 4] [--hours 8] [--profile rbd] [--jobs 1 2]``

Simulates ``--nights`` nights (not timed) and writes them as EDF+ with their scored
hypnograms embedded (so no automatic staging), then times
:func:`somnomotor.cohort.run_cohort` over the folder once per ``--jobs`` value, from a
fresh output folder each time: reading, every analysis the montage allows (leg movements and
PLM, RSWA, fragmentary myoclonus, sleep starts, rhythmic leg activity, large movements),
and writing each night's outputs and the cohort table. Prints seconds per night and nights
per hour, with the load average seen.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from somnomotor.cohort import CohortSettings, run_cohort
from somnomotor.simulate import simulate_night, write_simulated_night


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nights", type=int, default=4)
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--profile", default="rbd")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    load = os.getloadavg()
    print(f"# bench_cohort: {args.nights} x {args.hours:g}-h {args.profile} nights; load average "
          f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} on {os.cpu_count()} CPUs", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench_cohort_") as tmp:
        src = Path(tmp) / "edf"
        src.mkdir()
        for seed in range(args.nights):
            write_simulated_night(simulate_night(args.profile, seed=seed, duration_h=args.hours),
                                  src / f"night_{seed:03d}.edf")
        settings = CohortSettings(auto_stage=False)
        # warm-up: numba kernels load from their on-disk cache, imports happen once
        run_cohort([src / "night_000.edf"], Path(tmp) / "warm", settings)
        for jobs in args.jobs:
            t0 = time.perf_counter()
            table = run_cohort([src], Path(tmp) / f"out_{jobs}", settings, jobs=jobs)
            wall = time.perf_counter() - t0
            ok = int((table["status"] == "ok").sum())
            print(f"jobs {jobs}: {ok}/{len(table)} nights ok in {wall:.1f} s: "
                  f"{wall / len(table):.2f} s per night, {3600 * len(table) / wall:.0f} nights "
                  "per hour", flush=True)
    load = os.getloadavg()
    print(f"# end; load average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}")


if __name__ == "__main__":
    main()
