"""Time and memory of leg-movement detection on an 8-h, two-leg, 512-Hz night.

Run: ``python benchmarks/bench_leg_detection.py [--hours 8] [--fs 512]``. Builds the night
in memory (band-limited noise with bursts), warms up numba on a short stretch, then reports
the median wall time of 3 runs of :func:`detect_leg_movements` and the peak extra memory
(tracemalloc, numpy allocations included) of one run.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from somnomotor.detect.leg_movements import detect_leg_movements
from somnomotor.recording import Channel, Recording


def make_leg(rng: np.random.Generator, n: int, fs: float) -> np.ndarray:
    """Rest EMG of about 1.5 µV mean rectified with a 1-4-s burst every 10-40 s (float32)."""
    x = rng.standard_normal(n, dtype=np.float32)
    x *= np.float32(1.9)
    t = 5.0
    while t < n / fs - 10:
        d = rng.uniform(1.0, 4.0)
        a, b = int(t * fs), int((t + d) * fs)
        x[a:b] *= np.float32(rng.uniform(8, 30))
        t += d + rng.uniform(10, 40)
    return x


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--fs", type=float, default=512.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    fs = args.fs
    n = int(args.hours * 3600 * fs)
    rng = np.random.default_rng(0)
    left, right = make_leg(rng, n, fs), make_leg(rng, n, fs)
    rec = Recording(channels=(Channel.from_array("LAT", left, fs_hz=fs),
                              Channel.from_array("RAT", right, fs_hz=fs)),
                    roles={"leg_left": ("LAT",), "leg_right": ("RAT",)})
    warm = Recording(channels=(Channel.from_array("LAT", left[: int(600 * fs)], fs_hz=fs),
                               Channel.from_array("RAT", right[: int(600 * fs)], fs_hz=fs)),
                     roles={"leg_left": ("LAT",), "leg_right": ("RAT",)})
    detect_leg_movements(warm)
    times = []
    cpu = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        c0 = time.process_time()
        res = detect_leg_movements(rec)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    tracemalloc.start()
    detect_leg_movements(rec)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    legs_mb = (left.nbytes + right.nbytes) / 1e6
    print(f"night: {args.hours} h x 2 legs at {fs:g} Hz = {2 * n / 1e6:.1f} M samples "
          f"({legs_mb:.0f} MB as float32)")
    print(f"movements found: {len(res.events)}")
    print(f"detect_leg_movements wall time: median {np.median(times):.3f} s "
          f"(runs: {', '.join(f'{t:.3f}' for t in times)})")
    # CPU seconds (all threads) do not depend on how busy the shared machine is.
    print(f"CPU time: median {np.median(cpu):.3f} s (both threads together)")
    print(f"peak extra memory (tracemalloc): {peak / 1e6:.0f} MB "
          f"({peak / 1e6 / legs_mb:.2f} x the two leg channels)")


if __name__ == "__main__":
    main()
