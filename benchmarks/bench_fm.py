"""Accuracy of fragmentary myoclonus, sleep starts and bruxism on our simulator, per condition.

Usage: ``python benchmarks/bench_fm.py [--seeds 1 2 3] [--hours 3]
[--profiles fm efm sleep_starts bruxism]``

For each profile and seed one night is simulated (``somnomotor.simulate``: our simulator,
not real data). FM potentials lie alone, beside and inside leg, arm and chin movements and
sleep starts; the truth says which count (``fragmentary_myoclonus``) and which do not
(``fm_like_potential``: inside or within 0.5 s of longer activity). Printed per night:

* FM precision / recall / F1: detections matched one-to-one per channel to the counted
  potentials (IoU >= 0.3, :func:`somnomotor.detect.matching.match_events`);
* FM index per hour of sleep, found and true, and its relative error;
* EFM minutes found and true: the true value is computed here, independently of the
  detector's code, from the true potentials (60-s bins from the hypnogram start, all epochs
  of the bin N1-N3, >= 5 potentials);
* sleep-start F1 (a detected jerk matches a true one when their spans overlap, one-to-one)
  and bruxism F1 on episodes in sleep (IoU >= 0.3; detected episodes marked ``in_wake``
  are left out, as in the index); and how many stretches of masseter activity in brief
  awakenings were reported as episodes marked ``in_wake``.
"""

from __future__ import annotations

import argparse

import numpy as np

from somnomotor.detect.matching import match_events
from somnomotor.score.motor_events import detect_motor_events
from somnomotor.simulate.night import simulate_night

NREM = ("N1", "N2", "N3")
SLEEP = ("N1", "N2", "N3", "R")


def _true_efm_minutes(onsets: np.ndarray, hyp) -> int:
    stages = list(hyp.effective_stages)
    per_bin = int(round(60.0 / hyp.epoch_s))
    n_bins = len(stages) // per_bin
    count = 0
    for k in range(n_bins):
        if all(s in NREM for s in stages[k * per_bin:(k + 1) * per_bin]):
            a = hyp.onset_s + 60.0 * k
            count += int(((onsets >= a) & (onsets < a + 60.0)).sum() >= 5)
    return count


def _fm_scores(night, res) -> dict[str, float]:
    truth = night.truth.events_of("fragmentary_myoclonus")
    f = res.events.frame
    tp = fp = fn = 0
    for label in {e.channel for e in truth} | set(f["channel"]):
        det = f[f["channel"] == label]
        tr = [e for e in truth if e.channel == label]
        m = match_events(det["onset_s"].to_numpy(),
                         (det["onset_s"] + det["duration_s"]).to_numpy(),
                         np.array([e.onset_s for e in tr]), np.array([e.offset_s for e in tr]),
                         min_iou=0.3)
        tp, fp, fn = tp + m.tp, fp + m.fp, fn + m.fn
    hyp = night.recording.hypnogram
    tst_h = hyp.total_sleep_time_s / 3600.0
    stage_true = hyp.stage_at(np.array([e.onset_s for e in truth])) if truth else np.array([])
    true_index = float(np.isin(stage_true, SLEEP).sum()) / tst_h
    found = res.index("fm_index_sleep").value
    return {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0,
        "index_found": found, "index_true": true_index,
        "index_err": (found - true_index) / true_index if true_index else float("nan"),
        "efm_found": res.index("efm_minutes").value,
        "efm_true": _true_efm_minutes(np.array([e.onset_s for e in truth]), hyp),
        "n_true": len(truth), "n_like": len(night.truth.events_of("fm_like_potential")),
        "fp": fp, "fn": fn,
    }


def _span_f1(det: list[tuple[float, float]], true: list[tuple[float, float]]) -> float:
    used: set[int] = set()
    tp = 0
    for a, b in det:
        for k, (c, d) in enumerate(true):
            if k not in used and a < d and c < b:
                used.add(k)
                tp += 1
                break
    fp, fn = len(det) - tp, len(true) - tp
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--hours", type=float, default=3.0)
    ap.add_argument("--profiles", nargs="+", default=["fm", "efm", "sleep_starts", "bruxism"])
    args = ap.parse_args()
    print("| condition | seed | FM P / R / F1 | FM index found / true (/h), error "
          "| EFM min found / true | sleep-start F1 | bruxism F1 (sleep) "
          "| bruxism in wake: labelled / true | counted / not-counted potentials in truth |")
    print("|---|---|---|---|---|---|---|---|---|")
    for prof in args.profiles:
        for seed in args.seeds:
            night = simulate_night(prof, seed=seed, duration_h=args.hours, leg_fs_hz=256.0)
            res = detect_motor_events(night.recording, skip=("rhythmic_leg_activity",
                                                             "large_movements"))
            fm = _fm_scores(night, res["fragmentary_myoclonus"])
            ss_f = res["sleep_starts"].events.frame
            ss_true = [(e.onset_s, e.offset_s) for e in night.truth.events_of("sleep_start")]
            ss = _span_f1(list(zip(ss_f["onset_s"], ss_f["onset_s"] + ss_f["duration_s"],
                                   strict=True)), ss_true)
            br_text = wake_text = "n/a"
            if prof == "bruxism":
                bf = res["bruxism"].events.frame
                wake_true = night.truth.events_of("wake_masseter_activity")
                if len(bf) and "in_wake" in bf.columns:
                    bw = bf[bf["in_wake"].astype(bool)]
                    hit = sum(any(a < e.offset_s and a + d > e.onset_s for e in wake_true)
                              for a, d in zip(bw["onset_s"], bw["duration_s"], strict=True))
                    wake_text = f"{hit} / {len(wake_true)}"
                    bf = bf[~bf["in_wake"].astype(bool)]
                bt = night.truth.events_of("bruxism_episode")
                m = match_events(bf["onset_s"].to_numpy(),
                                 (bf["onset_s"] + bf["duration_s"]).to_numpy(),
                                 np.array([e.onset_s for e in bt]),
                                 np.array([e.offset_s for e in bt]), min_iou=0.3)
                br_text = f"{m.f1:.3f}"
            ss_text = f"{ss:.3f}" if ss_true else "n/a"
            print(f"| {prof} | {seed} | {fm['precision']:.3f} / {fm['recall']:.3f} / "
                  f"{fm['f1']:.3f} | {fm['index_found']:.1f} / {fm['index_true']:.1f}, "
                  f"{100 * fm['index_err']:+.1f} % | {fm['efm_found']:.0f} / {fm['efm_true']} | "
                  f"{ss_text} | {br_text} | {wake_text} | {fm['n_true']} / {fm['n_like']} |",
                  flush=True)


if __name__ == "__main__":
    main()
