"""Hand-made analysis output folders for the report tests (shared with tests/cli).

``make_night`` builds a short simulated night whose ground truth is known by construction:
a hypnogram, leg movements placed in periodic series (so the PLMS index follows from how many
were placed), RSWA flags per REM epoch, sleep starts, fragmentary myoclonus and unscorable
stretches. It writes them with the project's own output writer (events.tsv, hypnogram.tsv,
summary.json), so the report reads exactly what ``somnomotor analyze`` writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from somnomotor.events import EventTable
from somnomotor.hypnogram import Hypnogram
from somnomotor.recording import Channel, Recording
from somnomotor.report.outputs import write_outputs
from somnomotor.results import AnalysisResult, Index

FS_HZ = 100.0
EPOCH_S = 30.0


def _stages() -> list[str]:
    """3 h: 10 min wake, then two 80-min cycles, then 10 min wake (360 epochs)."""
    cycle = ["N1"] * 4 + ["N2"] * 60 + ["N3"] * 40 + ["N2"] * 32 + ["R"] * 24
    return ["W"] * 20 + cycle + cycle + ["W"] * 20


@dataclass(frozen=True)
class Night:
    """Truth of a made night."""

    out_dir: Path
    recording: Recording
    n_plms: int
    tst_h: float
    plms_index: float
    plms_by_hour: np.ndarray  # PLMS count in each clock hour
    sleep_s_by_hour: np.ndarray
    rswa_any_pct: float
    n_rem_epochs: int
    imis: np.ndarray  # IMI < 90 s between consecutive candidate LMs


def make_night(
    out_dir: Path,
    *,
    plms_per_h: float = 40.0,
    rswa_flagged: bool = False,
    n_sleep_starts: int = 3,
    seed: int = 1,
    start: str | None = "2026-01-01T22:30:00",
) -> Night:
    """Write an output folder whose PLMS index is close to ``plms_per_h`` (exactly known)."""
    rng = np.random.default_rng(seed)
    stages = _stages()
    hyp = Hypnogram(tuple(stages), epoch_s=EPOCH_S, source="scored: night.xml")
    duration_s = len(stages) * EPOCH_S
    st = np.array(stages)
    tst_h = float(np.isin(st, ["N1", "N2", "N3", "R"]).sum() * EPOCH_S / 3600.0)
    # PLM series of 8 movements at 25-s IMI inside N2 stretches: one series per 200 s of N2
    # until the target count is reached.
    target = int(round(plms_per_h * tst_h))
    n2_starts = np.flatnonzero(st == "N2") * EPOCH_S
    onsets: list[float] = []
    for t in n2_starts[::8]:
        if len(onsets) >= target:
            break
        if not np.all(st[int(t // EPOCH_S):int((t + 220) // EPOCH_S) + 1] == "N2"):
            continue
        n = min(8, target - len(onsets))
        if n < 4:  # a series needs 4 or more movements (WASM 2016)
            break
        onsets.extend(t + 5.0 + np.cumsum(np.r_[0.0, rng.uniform(16.0, 30.0, n - 1)]))
    plm_onsets = np.array(onsets, dtype=float)
    # isolated movements in wake, far from the series
    iso = np.array([120.0, 400.0, duration_s - 300.0])
    all_on = np.concatenate([plm_onsets, iso])
    in_series = np.concatenate([np.ones(plm_onsets.size, bool), np.zeros(iso.size, bool)])
    order = np.argsort(all_on)
    all_on, in_series = all_on[order], in_series[order]
    durs = rng.uniform(0.8, 3.0, all_on.size).round(2)
    legs = np.array(["left", "right", "bilateral"])[np.arange(all_on.size) % 3]
    imi = np.concatenate([[np.nan], np.diff(all_on)])
    series_id = np.where(in_series, np.cumsum(np.concatenate([[1], np.diff(all_on) > 90]))
                         .astype(float), np.nan)
    lm = EventTable.from_arrays(
        all_on, durs, "leg_movement",
        channel=np.where(legs == "left", "LAT", np.where(legs == "right", "RAT", "LAT+RAT")),
        leg=legs, candidate=np.ones(all_on.size, bool), in_series=in_series,
        series_id=series_id, respiratory_related=np.zeros(all_on.size, bool),
        stage=hyp.stage_at(all_on + durs / 2), imi_s=imi.round(3),
        n_components=np.where(legs == "bilateral", 2, 1),
    )
    n_plms = int(in_series.sum())
    by_hour = np.bincount((plm_onsets // 3600).astype(int), minlength=3)[:3]
    sleep_by_hour = np.array([np.isin(st[h * 120:(h + 1) * 120], ["N1", "N2", "N3", "R"]).sum()
                              * EPOCH_S for h in range(3)], dtype=float)
    lm_unscorable = EventTable.from_arrays([1500.0, 6000.0], [240.0, 120.0], "unscorable",
                                           channel=["LAT", "RAT"], reason=["noise", "saturation"])
    plm_index = n_plms / tst_h
    legs_res = AnalysisResult(
        family="leg_movements", events=lm, unscorable=lm_unscorable,
        params={"rules": "wasm_2016"},
        indices=(
            Index("plms_index", round(plm_index, 2), "/h", "hours of sleep (TST)", tst_h, "h",
                  "PLM in sleep per hour of sleep", "WASM 2016 (Ferri et al., Sleep Med 2016)",
                  "> 15/h abnormal in adults (ICSD-3)",
                  "above 15/h" if plm_index > 15 else ""),
            Index("plmw_index", 0.0, "/h", "hours of wake", 0.33, "h"),
            Index("periodicity_index", round(n_plms / all_on.size, 3), "ratio", "candidate LMs"),
        ),
    )
    # RSWA per REM epoch
    rem_idx = np.flatnonzero(st == "R")
    p_any = 0.45 if rswa_flagged else 0.05
    any_flag = rng.random(rem_idx.size) < p_any
    any_flag[0] = True  # at least one positive epoch to show as an example
    excluded = np.zeros(rem_idx.size, bool)
    excluded[3] = True
    any_flag[3] = False
    rswa_ev = EventTable.from_arrays(
        rem_idx * EPOCH_S, np.full(rem_idx.size, EPOCH_S), "rswa_epoch", channel="Chin",
        chin_tonic=any_flag & (rng.random(rem_idx.size) < 0.3), chin_phasic=any_flag,
        chin_any=any_flag, chin_any_pct=np.where(any_flag, 40.0, 0.0),
        rem_period=(rem_idx > 200).astype(int),  # two REM periods, numbered 0 and 1
        excluded=excluded, reason=np.where(excluded, "arousal", None),
    )
    rswa_pct = 100.0 * any_flag.sum() / (~excluded).sum()
    rswa_res = AnalysisResult(
        family="rswa", events=rswa_ev,
        unscorable=EventTable.from_arrays([9000.0], [60.0], "unscorable", channel="Chin",
                                          reason="flat"),
        indices=(Index("sinbar_chin_any_pct", round(float(rswa_pct), 1), "%",
                       "artefact-free REM mini-epochs", float((~excluded).sum() * 10),
                       "mini-epochs", "", "", "",
                       "above 18 %" if rswa_pct > 18 else ""),),
    )
    # sleep starts at the first W->N1 transitions, fragmentary myoclonus in N2
    ss_on = np.array([598.0, 590.0, 580.0][:n_sleep_starts])
    ss = EventTable.from_arrays(ss_on, np.full(ss_on.size, 0.3), "sleep_start", channel="LAT")
    fm_on = np.sort(rng.uniform(3000, 3600, 30))
    fm = EventTable.from_arrays(fm_on, np.full(fm_on.size, 0.1), "fragmentary_myoclonus",
                                channel="Chin",
                                stage=hyp.stage_at(fm_on))
    other = AnalysisResult(family="other_motor", events=EventTable.concat([ss, fm]),
                           indices=(Index("sleep_start_count", float(len(ss_on)), "count"),))
    recording = _recording(duration_s, lm, rswa_ev, any_flag, hyp, start)
    imis = imi[np.isfinite(imi) & (imi < 90)]
    write_outputs(out_dir, recording=recording, results=[legs_res, rswa_res, other],
                  rule_set="wasm_2016")
    return Night(out_dir=out_dir, recording=recording, n_plms=n_plms, tst_h=tst_h,
                 plms_index=round(plm_index, 2), plms_by_hour=by_hour,
                 sleep_s_by_hour=sleep_by_hour, rswa_any_pct=float(rswa_pct),
                 n_rem_epochs=int(rem_idx.size), imis=imis)


def _recording(duration_s: float, lm: EventTable, rswa: EventTable, any_flag: np.ndarray,
               hyp: Hypnogram, start: str | None) -> Recording:
    import datetime as dt

    n = int(duration_s * FS_HZ)

    def leg(label: str) -> Channel:
        def load() -> np.ndarray:
            rng = np.random.default_rng(1 if label == "LAT" else 2)
            x = rng.normal(0, 3.0, n).astype(np.float32)  # 3 µV resting EMG
            f = lm.frame
            for on, du, ch in zip(f["onset_s"], f["duration_s"], f["channel"], strict=True):
                if label in ch.split("+"):
                    a, b = int(on * FS_HZ), int((on + du) * FS_HZ)
                    x[a:b] += rng.normal(0, 40.0, b - a).astype(np.float32)  # 40 µV burst
            return x
        return Channel(label=label, fs_hz=FS_HZ, unit="uV", n_samples=n, loader=load)

    def chin() -> np.ndarray:
        rng = np.random.default_rng(7)
        x = rng.normal(0, 2.0, n).astype(np.float32)
        for on, pos in zip(rswa.onset_s, any_flag, strict=True):
            if pos:
                for k in range(4):
                    a = int((on + 3 + 7 * k) * FS_HZ)
                    x[a:a + 40] += rng.normal(0, 30.0, 40).astype(np.float32)
        return x

    channels = (leg("LAT"), leg("RAT"),
                Channel(label="Chin", fs_hz=FS_HZ, unit="uV", n_samples=n, loader=chin))
    return Recording(channels=channels,
                     roles={"leg_left": ("LAT",), "leg_right": ("RAT",), "chin": ("Chin",)},
                     duration_s=duration_s, hypnogram=hyp, source=Path("night.edf"),
                     start=dt.datetime.fromisoformat(start) if start else None)
