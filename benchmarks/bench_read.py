"""Benchmark: read the EMG channels of an 8 h simulated night; time and peak memory.

Usage::

    python benchmarks/bench_read.py [--duration-h 8] [--repeats 3]

Writes a simulated night (two legs + chin at 512 Hz, EEG and ECG at 256 Hz) to a temporary
folder once, then in fresh subprocesses (so each measures its own peak memory) opens it
with :func:`somnomotor.io.read_recording` and loads (a) the two leg channels, (b) all three
EMG channels. Peak memory is the largest amount allocated while reading (tracemalloc, which numpy
reports to) next to the size of the loaded data as float32, plus the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time, tracemalloc
import numpy as np
import somnomotor  # imports numpy/pandas before the clock starts
from somnomotor.io.edf import read_recording
import somnomotor.io.annotations  # imported on first use; not part of opening a file
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
rec = read_recording(sys.argv[1])
t_open = time.perf_counter() - t0
roles = sys.argv[2].split(",")
tracemalloc.start()  # only around loading: it slows the Python-heavy header parsing
t1 = time.perf_counter()
total = 0
for role in roles:
    data = rec.channel_for(role).data()
    total += data.size * 4
    del data
t_load = time.perf_counter() - t1
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
traced_peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"open_s": t_open, "load_s": t_load, "peak_extra_mb": (peak - base) / 1024,
                  "traced_peak_mb": traced_peak / 2**20, "rss_mb": peak / 1024,
                  "data_mb": total / 2**20, "n_channels": len(rec.channels)}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--duration-h", type=float, default=8.0)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "night.edf"
        # Simulate in a child process too: on Linux a child inherits its parent's peak RSS
        # (ru_maxrss survives fork+exec), which would hide the reader's own peak.
        make = ("import sys, time; from somnomotor.simulate import simulate_night, "
                "write_simulated_night; t=time.perf_counter(); "
                "n=simulate_night('plmd', seed=1, duration_h=float(sys.argv[2])); "
                "t1=time.perf_counter(); write_simulated_night(n, sys.argv[1]); "
                "print(t1-t, time.perf_counter()-t1)")
        out = subprocess.run([sys.executable, "-c", make, str(path), str(args.duration_h)],
                             capture_output=True, text=True, check=True)
        t_sim, t_write = (float(x) for x in out.stdout.split()[-2:])
        size_mb = path.stat().st_size / 2**20
        print(f"simulated {args.duration_h:g} h night in {t_sim:.2f} s, wrote EDF "
              f"({size_mb:.0f} MiB) in {t_write:.2f} s")
        for roles in ("leg_left,leg_right", "leg_left,leg_right,chin"):
            runs = []
            for _ in range(args.repeats):
                out = subprocess.run([sys.executable, "-c", CHILD, str(path), roles],
                                     capture_output=True, text=True, check=True)
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            runs.sort(key=lambda r: r["open_s"] + r["load_s"])
            med = runs[len(runs) // 2]
            print(f"{roles:<28} open {med['open_s']*1000:7.1f} ms  load {med['load_s']*1000:7.1f} ms  "
                  f"data {med['data_mb']:6.1f} MiB  peak allocated {med['traced_peak_mb']:6.1f} MiB  "
                  f"peak RSS {med['rss_mb']:6.0f} MiB  "
                  f"({med['n_channels']} channels in file)")


if __name__ == "__main__":
    main()
