"""Accelerometer leg movements against the truth of our own simulator (not real data).

Per condition and seed: a simulated ankle night (``somnomotor.simulate.accel``), analysed by
``somnomotor.accel_night.analyze_accelerometer`` with the true time in bed (as a diary would
give it) or, in the ``rest_period`` condition, without it. Reported:

* event recall/precision/F1 against the *visible* truth movements (one-to-one, any overlap);
* recall against *all* EMG truth movements (the invisible share included: what a PSG would
  score and an ankle accelerometer cannot see);
* accel_plm_index against a reference computed here from the visible truth movements
  (consecutive onsets 10-90 s apart, runs of >= 4; written independently of score_plm) and
  against the same reference on all EMG truth movements;
* time-in-bed errors of the rest-period estimate.

Run: ``PYTHONPATH=src python benchmarks/bench_accel.py [--hours 8] [--seeds 0 1 2]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

import numpy as np

from somnomotor.accel_night import analyze_accelerometer
from somnomotor.simulate.accel import simulate_accel_night

CONDITIONS: dict[str, dict] = {
    "clean_50hz": {},
    "25hz": {"fs_hz": 25.0},
    "100hz": {"fs_hz": 100.0},
    "noisy_12mg": {"noise_mg": 12.0},
    "small_movements_2deg": {"angle_median_deg": 2.0},
    "no_invisible_share": {"invisible_fraction": 0.0},
    "nonwear_70min": {"nonwear_min": 70.0, "pre_bed_min": 30.0},
    "rest_period": {"pre_bed_min": 60.0, "post_bed_min": 30.0},
    # faint movements near any threshold: tilts from 0.6 deg, median 1.5 deg, kicks <= 10 mg
    "near_threshold": {"fs_hz": 25.0, "noise_mg": 8.0, "angle_median_deg": 1.5,
                       "min_visible_angle_deg": 0.6, "kick_max_g": 0.01},
}


def match(t_on, t_off, d_on, d_off) -> int:
    """One-to-one matches by overlap, greedy in onset order."""
    used = np.zeros(len(d_on), dtype=bool)
    hits = 0
    for a, b in zip(t_on, t_off):
        cand = np.flatnonzero((d_on < b) & (d_off > a) & ~used)
        if cand.size:
            used[cand[0]] = True
            hits += 1
    return hits


def reference_plm(onsets: np.ndarray) -> int:
    """Movements in runs of >= 4 with consecutive onsets 10-90 s apart (WASM 2016 IMI)."""
    onsets = np.sort(onsets)
    count, run = 0, 1
    for i in range(1, onsets.size + 1):
        if i < onsets.size and 10.0 <= onsets[i] - onsets[i - 1] <= 90.0:
            run += 1
            continue
        if run >= 4:
            count += run
        run = 1
    return count if onsets.size else 0


def run_one(name: str, seed: int, hours: float) -> dict:
    settings = {"duration_h": hours, "seed": seed, **CONDITIONS[name]}
    night = simulate_accel_night(**settings)
    tr = night.truth
    start = night.recording.start
    bed = None
    if name != "rest_period":
        bed = (start + dt.timedelta(seconds=tr.in_bed_s), start + dt.timedelta(seconds=tr.out_of_bed_s))
    t0 = time.perf_counter()
    res = analyze_accelerometer(night.recording, time_in_bed=bed)
    secs = time.perf_counter() - t0
    ev = res.result.events
    d_on, d_off = ev.onset_s, ev.offset_s
    vis = [m for m in tr.movements if m.visible]
    v_on = np.array([m.onset_s for m in vis])
    v_off = v_on + np.array([m.duration_s for m in vis])
    a_on = np.array([m.onset_s for m in tr.movements])
    a_off = a_on + np.array([m.duration_s for m in tr.movements])
    tp = match(v_on, v_off, d_on, d_off)
    turns = np.array([(a, a + d) for a, d in tr.posture_changes]).reshape(-1, 2)
    on_turn = np.array([bool(np.any((turns[:, 0] < b + 1.0) & (turns[:, 1] > a - 1.0)))
                        for a, b in zip(d_on, d_off)], dtype=bool)
    tp_all = match(a_on, a_off, d_on, d_off)
    hours_in_bed = (tr.out_of_bed_s - tr.in_bed_s) / 3600.0
    ix = res.result.index_values()
    return {
        "condition": name, "seed": seed, "visible": len(vis), "emg_truth": len(tr.movements),
        "detected": len(ev), "recall_visible": tp / max(1, len(vis)),
        "precision": tp / max(1, len(ev)), "on_turns": int(on_turn.sum()),
        "precision_no_turns": tp / max(1, len(ev) - int(on_turn.sum())),
        "f1": 2 * tp / max(1, len(vis) + len(ev)), "recall_emg": tp_all / max(1, len(a_on)),
        "accel_plm_index": ix["accel_plm_index"],
        "ref_plm_index_visible": reference_plm(v_on) / hours_in_bed,
        "ref_plm_index_emg": reference_plm(a_on) / hours_in_bed,
        "bed_start_err_min": (res.in_bed[0] - tr.in_bed_s) / 60.0 if res.in_bed else None,
        "bed_end_err_min": (res.in_bed[1] - tr.out_of_bed_s) / 60.0 if res.in_bed else None,
        "nonwear_in_bed_min": sum(max(0.0, min(b, tr.out_of_bed_s) - max(a, tr.in_bed_s))
                                  for a, b in res.nonwear) / 60.0,
        "nonwear_found_min": sum(b - a for a, b in res.nonwear) / 60.0,
        "calibrated": res.calibration.applied, "seconds": secs,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--conditions", nargs="+", default=list(CONDITIONS))
    args = ap.parse_args()
    print(f"load {os.getloadavg()[0]:.2f}; simulated nights of {args.hours} h in bed "
          "(our simulator, not real data)")
    head = ("condition", "seed", "visible", "emg_truth", "detected", "recall_visible",
            "precision", "on_turns", "precision_no_turns", "f1", "recall_emg", "accel_plm_index", "ref_plm_index_visible",
            "ref_plm_index_emg", "bed_start_err_min", "bed_end_err_min", "nonwear_found_min", "nonwear_in_bed_min", "calibrated")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for name in args.conditions:
        for seed in args.seeds:
            r = run_one(name, seed, args.hours)
            cells = [f"{r[h]:.3f}" if isinstance(r[h], float) else str(r[h]) for h in head]
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
