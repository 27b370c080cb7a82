"""Time the other-motor-event detectors on a simulated 8-h night (reading excluded).

Usage: ``python benchmarks/bench_motor_events.py [--hours 8] [--fs 512] [--profile fm]``

Simulates one night (not timed), then loads every channel once (not timed: "reading"),
then times :func:`somnomotor.score.motor_events.detect_motor_events` (all five detectors
sharing one filtered envelope per channel). Prints wall and CPU time.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from somnomotor.recording import Channel, Recording
from somnomotor.score.motor_events import detect_motor_events
from somnomotor.simulate.night import simulate_night


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--fs", type=float, default=512.0)
    ap.add_argument("--profile", default="fm")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    night = simulate_night(args.profile, seed=1, duration_h=args.hours, leg_fs_hz=args.fs)
    rec = night.recording
    # "reading": materialise each channel once, so the timing covers the analysis only
    chans = tuple(Channel.from_array(c.label, np.asarray(c.data()), fs_hz=c.fs_hz, unit=c.unit)
                  for c in rec.channels)
    rec = Recording(channels=chans, roles=rec.roles, duration_s=rec.duration_s,
                    hypnogram=rec.hypnogram)
    emg = [lab for role in ("leg_left", "leg_right", "chin", "arm_left", "arm_right", "masseter")
           for lab in rec.roles.get(role, ())]
    detect_motor_events(rec)  # warm-up: numba kernels load from the on-disk cache
    for _ in range(args.repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        res = detect_motor_events(rec)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        counts = {k: len(v.events) for k, v in res.items()}
        print(f"{args.hours:g} h, {len(emg)} EMG channels at {args.fs:g} Hz: "
              f"wall {wall:.2f} s, cpu {cpu:.2f} s; events {counts}")


if __name__ == "__main__":
    main()
