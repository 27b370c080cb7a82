"""Time and memory of leg-movement detection on an 8-h, two-leg, 512-Hz night.

Run: ``python benchmarks/bench_leg_detection.py [--hours 8] [--fs 512] [--runs 3]``. Builds
the night in memory (band-limited noise with bursts, a regular hypnogram), warms up numba on
a short stretch, then reports wall and CPU time (median and best of ``--runs``) of
:func:`detect_leg_movements` alone and of the whole leg analysis (detection + ``score_plm``
under WASM 2016), and the peak extra memory (tracemalloc, numpy allocations included) of
one detection. The machine is shared: the best run is the figure for an idle machine, the
median shows the load.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from somnomotor.detect.leg_movements import detect_leg_movements
from somnomotor.hypnogram import Hypnogram
from somnomotor.recording import Channel, Recording
from somnomotor.score.plm import score_plm


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
    ap.add_argument("--ecg", action="store_true",
                    help="add a 256-Hz ECG channel (R peaks are then taken from it)")
    args = ap.parse_args()
    fs = args.fs
    n = int(args.hours * 3600 * fs)
    rng = np.random.default_rng(0)
    left, right = make_leg(rng, n, fs), make_leg(rng, n, fs)
    chans = [Channel.from_array("LAT", left, fs_hz=fs), Channel.from_array("RAT", right, fs_hz=fs)]
    roles: dict[str, tuple[str, ...]] = {"leg_left": ("LAT",), "leg_right": ("RAT",)}
    if args.ecg:
        fs_ecg = 256.0
        t = np.arange(int(args.hours * 3600 * fs_ecg), dtype=np.float32) / np.float32(fs_ecg)
        # 66 beats/min: a 1-mV, 20-ms QRS-like spike per beat on 20 µV of noise
        phase = (t % np.float32(0.9)) - np.float32(0.45)
        ecg = (1000 * np.exp(-(phase / np.float32(0.01)) ** 2)).astype(np.float32)
        ecg += rng.standard_normal(t.size, dtype=np.float32) * np.float32(20)
        del t, phase
        chans.append(Channel.from_array("ECG", ecg, fs_hz=fs_ecg))
        roles["ecg"] = ("ECG",)
    rec = Recording(channels=tuple(chans), roles=roles)
    warm = Recording(channels=tuple(Channel.from_array(c.label, c.data()[: int(600 * c.fs_hz)],
                                                       fs_hz=c.fs_hz) for c in chans),
                     roles=roles)
    # wake, then NREM/REM cycles of 90 min, 30-s epochs
    cycle = ["N1"] * 10 + ["N2"] * 80 + ["N3"] * 40 + ["N2"] * 30 + ["R"] * 20
    n_ep = int(args.hours * 120)
    hyp = Hypnogram(tuple((["W"] * 20 + cycle * (n_ep // len(cycle) + 1))[:n_ep]),
                    source="benchmark")

    def analysis(r: Recording) -> tuple[object, object]:
        det = detect_leg_movements(r)
        return det, score_plm(det.events, hypnogram=hyp, unscorable=det.unscorable,
                              recording_duration_s=r.duration_s)

    analysis(warm)
    times: list[float] = []
    cpu: list[float] = []
    full_times: list[float] = []
    full_cpu: list[float] = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        c0 = time.process_time()
        res = detect_leg_movements(rec)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        t0 = time.perf_counter()
        c0 = time.process_time()
        analysis(rec)
        full_times.append(time.perf_counter() - t0)
        full_cpu.append(time.process_time() - c0)
    tracemalloc.start()
    detect_leg_movements(rec)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    legs_mb = (left.nbytes + right.nbytes) / 1e6
    print(f"night: {args.hours} h x 2 legs at {fs:g} Hz = {2 * n / 1e6:.1f} M samples "
          f"({legs_mb:.0f} MB as float32){', with a 256-Hz ECG channel' if args.ecg else ''}")
    print(f"movements found: {len(res.events)}")
    # CPU seconds (all threads) depend less on how busy the shared machine is than wall time.
    for name, wall, proc in (("detect_leg_movements", times, cpu),
                             ("detect_leg_movements + score_plm", full_times, full_cpu)):
        print(f"{name}: wall median {np.median(wall):.3f} s, best {min(wall):.3f} s "
              f"(runs: {', '.join(f'{t:.3f}' for t in wall)}); CPU (both threads) median "
              f"{np.median(proc):.3f} s, best {min(proc):.3f} s")
    print(f"peak extra memory (tracemalloc): {peak / 1e6:.0f} MB "
          f"({peak / 1e6 / legs_mb:.2f} x the two leg channels)")


if __name__ == "__main__":
    main()
