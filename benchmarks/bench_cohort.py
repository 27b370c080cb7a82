"""Cohort throughput: whole-night analyses per hour with ``somnomotor cohort``, local and Dask.

Usage: ``python benchmarks/bench_cohort.py [--nights 4] [--hours 8] [--profile rbd]
[--jobs 1 2] [--dask-workers 1 2]``

Simulates ``--nights`` nights (not timed) and writes them as EDF+ with their scored
hypnograms embedded (so no automatic staging), then times
:func:`somnomotor.cohort.run_cohort` over the folder once per ``--jobs`` value (local worker
processes), from a fresh output folder each time: reading, every analysis the montage
allows (leg movements and PLM, RSWA, fragmentary myoclonus, sleep starts, rhythmic leg
activity, large movements), and writing each night's outputs and the cohort table.

With ``--dask-workers``, for each value N it starts a ``dask scheduler`` and N ``dask
worker --nworkers 1 --nthreads 1`` processes on 127.0.0.1, warms every worker up (imports,
numba's cache) on a throw-away run, and times the same cohort sent with
``scheduler=``. The overhead per night of the distributed path is (Dask with 1 worker -
local with 1 job) / nights. Prints seconds per night and nights per hour, with the load
average seen before and after (the machine may be shared: compare within one run).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from somnomotor.cohort import CohortSettings, run_cohort
from somnomotor.simulate import simulate_night, write_simulated_night

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f}/{five:.1f}/{fifteen:.1f}"


@contextlib.contextmanager
def dask_cluster(n_workers: int) -> Iterator[str]:
    """A scheduler and ``n_workers`` single-threaded workers on 127.0.0.1."""
    import distributed

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    procs = [subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)]
    try:
        for _ in range(n_workers):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "dask", "worker", address, "--nworkers", "1",
                 "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"], env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        with distributed.Client(address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(n_workers, timeout=120)
        yield address
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        for proc in procs:
            proc.wait(timeout=30)


def _timed(label: str, paths: list[Path], out: Path, settings: CohortSettings,
           **kwargs: object) -> float:
    t0 = time.perf_counter()
    table = run_cohort(paths, out, settings, **kwargs)  # type: ignore[arg-type]
    wall = time.perf_counter() - t0
    ok = int((table["status"] == "ok").sum())
    n = len(table)
    print(f"{label}: {ok}/{n} nights ok in {wall:.1f} s: {wall / n:.2f} s per night, "
          f"{3600 * n / wall:.0f} nights per hour (load {_load()})", flush=True)
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nights", type=int, default=4)
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--profile", default="rbd")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--dask-workers", type=int, nargs="*", default=[],
                    help="also time the cohort on a local Dask cluster of N workers")
    args = ap.parse_args()
    print(f"# bench_cohort: {args.nights} x {args.hours:g}-h {args.profile} nights; load average "
          f"{_load()} on {os.cpu_count()} CPUs", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench_cohort_") as tmp:
        src = Path(tmp) / "edf"
        src.mkdir()
        for seed in range(args.nights):
            write_simulated_night(simulate_night(args.profile, seed=seed, duration_h=args.hours),
                                  src / f"night_{seed:03d}.edf")
        settings = CohortSettings(auto_stage=False)
        # warm-up: numba kernels load from their on-disk cache, imports happen once
        run_cohort([src / "night_000.edf"], Path(tmp) / "warm", settings)
        walls: dict[str, float] = {}
        for jobs in args.jobs:
            walls[f"local{jobs}"] = _timed(f"local, jobs {jobs}", [src], Path(tmp) / f"out_{jobs}",
                                           settings, jobs=jobs)
        for n_workers in args.dask_workers:
            with dask_cluster(n_workers) as address:
                # every worker imports somnomotor and loads numba's cache once
                warm = [src / f"night_{i:03d}.edf" for i in range(min(args.nights, n_workers))]
                run_cohort(warm, Path(tmp) / f"warm_dask_{n_workers}", settings,
                           scheduler=address)
                walls[f"dask{n_workers}"] = _timed(
                    f"dask, {n_workers} worker(s)", [src], Path(tmp) / f"dask_{n_workers}",
                    settings, scheduler=address)
        if "local1" in walls and "dask1" in walls:
            over = (walls["dask1"] - walls["local1"]) / args.nights
            print(f"overhead of the distributed path per night (dask 1 worker - local jobs 1): "
                  f"{over:+.2f} s", flush=True)
    print(f"# end; load average {_load()}")


if __name__ == "__main__":
    main()
