"""Time all issue-4 analyses together (RSWA + the five other motor-event families).

Usage: ``python benchmarks/bench_issue4.py [--hours 8] [--repeat 5] [--profiles rbd fm]``

For each simulated night (not timed) every channel is loaded once (not timed: "reading").
The headline ("together") is the one call the pipeline makes,
:func:`somnomotor.score.motor_events.analyze_rswa_and_motor_events`: every EMG channel
band-passed once, then RSWA (SINBAR, AASM, Montreal, atonia index) in its own thread
beside fragmentary myoclonus, sleep starts, rhythmic leg activity, bruxism and large
movements. For the breakdown the same work is also timed one call after the other
(``shared_envelopes`` counted with the motor events). Prints the median and minimum wall
time and the median CPU time (``time.process_time``, all threads) over ``--repeat`` runs
after one warm-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from somnomotor.recording import Channel, Recording
from somnomotor.score.motor_events import analyze_rswa_and_motor_events, detect_motor_events
from somnomotor.score.rswa import analyze_rswa
from somnomotor.simulate.night import simulate_night


def _loaded(profile: str, hours: float, fs: float) -> Recording:
    night = simulate_night(profile, seed=1, duration_h=hours, leg_fs_hz=fs)
    rec = night.recording
    chans = tuple(Channel.from_array(c.label, np.asarray(c.data()), fs_hz=c.fs_hz, unit=c.unit)
                  for c in rec.channels)
    return Recording(channels=chans, roles=rec.roles, duration_s=rec.duration_s,
                     hypnogram=rec.hypnogram, annotations=rec.annotations)


def _both(rec: Recording) -> tuple[float, float, float, float, dict[str, int]]:
    """(wall, cpu) of the RSWA call, then of the motor-event call, and event counts.

    As the pipeline does, every EMG channel is band-passed once (``shared_envelopes``,
    counted in the motor-event share) and both calls use it; before that function existed
    each call filtered on its own.
    """
    counts: dict[str, int] = {}
    try:
        from somnomotor.score.motor_events import shared_envelopes
    except ImportError:  # older versions: no shared filtering
        shared_envelopes = None
    has_rem = (rec.has_role("chin") and rec.hypnogram is not None
               and rec.hypnogram.duration_s("R") > 0)
    w0, c0 = time.perf_counter(), time.process_time()
    cache = shared_envelopes(rec) if shared_envelopes is not None else None
    kw = {} if cache is None else {"envelopes": cache}
    w1, c1 = time.perf_counter(), time.process_time()
    if has_rem:
        counts["rswa"] = len(analyze_rswa(rec, **kw).events)
    w2, c2 = time.perf_counter(), time.process_time()
    res = detect_motor_events(rec, **kw)
    if cache is not None:
        cache.clear()
    w3, c3 = time.perf_counter(), time.process_time()
    counts.update({k: len(v.events) for k, v in res.items()})
    return w2 - w1, c2 - c1, (w1 - w0) + (w3 - w2), (c1 - c0) + (c3 - c2), counts


def _together(rec: Recording) -> tuple[float, float]:
    """(wall, cpu) of the pipeline's single call for RSWA and every motor-event family."""
    w0, c0 = time.perf_counter(), time.process_time()
    analyze_rswa_and_motor_events(rec)
    return time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--fs", type=float, default=512.0)
    ap.add_argument("--profiles", nargs="+", default=["rbd", "fm"])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    load = os.getloadavg()
    print(f"# bench_issue4; load average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} on "
          f"{os.cpu_count()} CPUs", flush=True)
    for profile in args.profiles:
        rec = _loaded(profile, args.hours, args.fs)
        emg = [lab for role in ("leg_left", "leg_right", "chin", "arm_left", "arm_right",
                                "masseter", "axial", "leg") for lab in rec.roles.get(role, ())]
        _both(rec)  # warm-up: numba kernels load from the on-disk cache
        _together(rec)
        together = [_together(rec) for _ in range(args.repeat)]
        runs = [_both(rec) for _ in range(args.repeat)]
        tw = [t[0] for t in together]
        print(f"{profile}: together (as the pipeline runs them) wall median "
              f"{statistics.median(tw):.3f} s (min {min(tw):.3f} s, max {max(tw):.3f} s), "
              f"CPU median {statistics.median(t[1] for t in together):.3f} s")
        wall = [r[0] + r[2] for r in runs]
        cpu = [r[1] + r[3] for r in runs]
        print(f"{profile}: one after the other: {args.hours:g} h, {len(emg)} EMG channels at {args.fs:g} Hz, "
              f"{args.repeat} runs: wall median {statistics.median(wall):.3f} s "
              f"(min {min(wall):.3f} s), CPU median {statistics.median(cpu):.3f} s (min {min(cpu):.3f} s) | "
              f"rswa wall {statistics.median(r[0] for r in runs):.3f} s "
              f"cpu {statistics.median(r[1] for r in runs):.3f} s, "
              f"motor events wall {statistics.median(r[2] for r in runs):.3f} s "
              f"cpu {statistics.median(r[3] for r in runs):.3f} s")
        print(f"   events {runs[-1][4]}")


if __name__ == "__main__":
    main()
