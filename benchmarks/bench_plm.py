"""Side-by-side leg-movement / PLM benchmark: somnomotor vs psgscoring vs Luna (LM).

Run::

    python benchmarks/bench_plm.py [--duration-h 8] [--seeds 1 2] [--conditions clean_plmd drift]

For every seed and condition the script simulates ONE night (``somnomotor.simulate``),
writes it once as EDF+ (in a temporary folder unless ``--keep DIR``), and runs in this one
process:

1. somnomotor: read the two leg channels from the EDF+ (read time), then
   ``detect_leg_movements`` + ``score_plm`` under WASM 2016 (analysis time); then, in a
   separate pass, the tracemalloc peak of detect + score compared to the two leg channels
   as float32;
2. psgscoring ``analyze_plm`` on the same arrays (µV), hypnogram and apnoeas/hypopnoeas;
3. Luna ``LM`` through lunapi on the EDF+ (see ``benchmarks/_peers.py``).

Run only some tools with ``--tools somnomotor`` (default: all three; Luna takes minutes
per 8-h night).

Accuracy: per-leg event F1 (one-to-one greedy matching, IoU >= 0.2,
``somnomotor.detect.matching.match_events``) against the simulator's true monolateral
leg movements of >= 0.5 s that do not overlap an artefact on their channel; PLMS index
against the true PLMS index, i.e. the true movements scored by ``score_plm`` with
``PLMRules.wasm_2016()`` and ``PLMRules.aasm()``; timing of the matched events: detected
minus true onset and offset in ms (median and 95th percentile of the absolute errors, per
leg). The true onset is where the simulated burst envelope starts to rise and the true
offset where it is back at rest (``somnomotor.simulate.truth``), so even a perfect
rule-following detector is some tens of ms late at the onset (the 8-µV crossing comes
during the rise) and early at the offset (the 2-µV crossing comes during the decay).
For information only (not used in the ordering) the tables also give the timing against
the rule's crossings on the truth's noise-free envelope (``rule_onset_s``/``rule_offset_s``
of the truth, computed with the rectified-mean gain of a zero-phase 2nd-order Butterworth
10-100 Hz, i.e. somnomotor's filter - so that reference is not neutral between tools).

Which tool is more accurate on a night is decided the same way for every tool, in this
order, each step only breaking ties of the one before:

1. mean of the two legs' F1 - higher is better (tie: equal to 3 decimals, as printed);
2. PLMS index error in /h - lower is better; every tool's index is compared with the
   WASM 2016 and the AASM true index and credited with the smaller error (tie: equal to
   2 decimals, as printed);
3. timing error - the median over the matched events of both legs of
   ``|onset error| + |offset error|`` in ms, lower is better (tie: equal to the ms).

Tools still tied after step 3 are reported as tied. "somnomotor more accurate than both
peers" means somnomotor comes first by this ordering and is tied with neither peer.

Peers run at their own defaults: psgscoring ``analyze_plm`` with its default end rule
(``--psg-offset-aasm`` asks for its AASM two-threshold rule), Luna ``LM`` at its default
thresholds (see ``_peers.py`` for the two Luna runs, ``luna`` and ``luna-raw``).

Targets (reported, never tuned here): per-leg F1 >= 0.95 on every condition and no lower
than either peer; PLMS index within 1/h of the WASM truth; somnomotor more accurate than
both peers; >= 5x faster than the faster peer; leg analysis < 1 s per 8-h two-leg 512-Hz
night beyond reading; peak memory < 3x the two leg channels as float32.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _peers import psg_hypnogram, run_luna, run_psgscoring

from somnomotor.detect.leg_movements import detect_leg_movements
from somnomotor.detect.matching import match_events
from somnomotor.events import EventTable, RESPIRATORY_TYPES
from somnomotor.io import read_recording
from somnomotor.recording import Channel, Recording
from somnomotor.score.plm import score_plm
from somnomotor.score.plm_rules import PLMRules
from somnomotor.simulate import simulate_night, simulate_random_night, write_simulated_night

#: condition name -> (profile, simulator conditions[, leg sampling rate in Hz]); a
#: ``corpus`` night (``--corpus N``) is drawn by ``simulate_random_night`` instead.
CONDITIONS: dict[str, tuple] = {
    "clean_plmd": ("plmd", ("clean",)),
    "clean_healthy": ("healthy", ("clean",)),
    "drift": ("plmd", ("drift",)),
    "high_rest": ("plmd", ("high_rest",)),
    "ecg_bleed": ("plmd", ("ecg_bleed",)),
    "mains": ("plmd", ("mains",)),
    "pops": ("plmd", ("pops",)),
    "near_threshold": ("plmd", ("near_threshold",)),
    "disconnected": ("plmd", ("disconnected",)),
    # the leg hard cases of the widened simulator (docs/simulator.md), one at a time
    "clipping": ("plmd", ("clipping",)),
    "subthreshold": ("plmd", ("subthreshold",)),
    "subthreshold_healthy": ("healthy", ("subthreshold",)),
    "spiky": ("plmd", ("spiky",)),
    "burst_shapes": ("plmd", ("burst_shapes",)),
    "long_movements": ("plmd", ("long_movements",)),
    "twitches": ("plmd", ("twitches",)),
    "bilateral_lags": ("plmd", ("bilateral_lags",)),
    "far_pairs": ("plmd", ("far_pairs",)),
    "fs200": ("plmd", ("clean",), 200.0),
    "fs256": ("plmd", ("clean",), 256.0),
    "fs500": ("plmd", ("clean",), 500.0),
}
TOOLS = ("somnomotor", "psgscoring", "luna", "luna-raw")
#: tools run unless --tools says otherwise (luna-raw: Luna at its defaults on the raw EMG)
DEFAULT_TOOLS = ("somnomotor", "psgscoring", "luna")


@dataclass
class LegTiming:
    """Timing of one tool's matched events on one leg against the truth (ms)."""

    onset_ms: np.ndarray  # detected minus true onset of each matched event, ms
    offset_ms: np.ndarray  # detected minus true offset of each matched event, ms
    # the same against the rule's crossings on the truth's noise-free envelope (NaN where
    # the truth has none)
    rule_onset_ms: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rule_offset_ms: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def stat(self, which: str, q: float) -> float:
        """Percentile ``q`` (50: median) of the absolute ``onset``/``offset`` errors, ms."""
        err = self.onset_ms if which == "onset" else self.offset_ms
        return float(np.percentile(np.abs(err), q)) if err.size else float("nan")


@dataclass
class ToolRow:
    """One tool on one night."""

    tool: str
    ok: bool
    f1_left: float = float("nan")
    f1_right: float = float("nan")
    detail: str = ""
    plmsi: float = float("nan")
    seconds: float = float("nan")
    error: str = ""
    extra: dict[str, float] = field(default_factory=dict)
    notes: str = ""
    timing: dict[str, LegTiming] = field(default_factory=dict)

    def mean_f1(self) -> float:
        """Mean of the two legs' F1 (dimensionless)."""
        return float(np.nanmean([self.f1_left, self.f1_right]))

    def timing_ms(self, *, rule: bool = False) -> float:
        """Median over the matched events of both legs of |onset error| + |offset error|, ms,
        against the truth's envelope edges (or, ``rule=True``, its rule crossings)."""
        if rule:
            parts = [np.abs(t.rule_onset_ms) + np.abs(t.rule_offset_ms)
                     for t in self.timing.values()]
        else:
            parts = [np.abs(t.onset_ms) + np.abs(t.offset_ms) for t in self.timing.values()]
        both = np.concatenate(parts) if parts else np.zeros(0)
        both = both[np.isfinite(both)]
        return float(np.median(both)) if both.size else float("nan")


def _score_leg(row: ToolRow, side: str, det: tuple[np.ndarray, np.ndarray],
               true: tuple[np.ndarray, ...]) -> str:
    """F1 and timing of one leg into ``row``; returns the tp/fp/fn text. ``true`` holds the
    envelope onsets and offsets (matched against) and the rule onsets and offsets, s."""
    m = match_events(det[0], det[1], true[0], true[1], min_iou=0.2)
    setattr(row, f"f1_{side}", m.f1)
    d = np.array([i for i, _ in m.pairs], dtype=np.int64)
    t = np.array([k for _, k in m.pairs], dtype=np.int64)
    d_on, d_off = np.asarray(det[0], float), np.asarray(det[1], float)
    if not d.size:
        row.timing[side] = LegTiming(np.zeros(0), np.zeros(0))
    else:
        row.timing[side] = LegTiming(1e3 * (d_on[d] - true[0][t]), 1e3 * (d_off[d] - true[1][t]),
                                     1e3 * (d_on[d] - true[2][t]), 1e3 * (d_off[d] - true[3][t]))
    return f"tp{m.tp}/fp{m.fp}/fn{m.fn}"


def _true_legs(truth_table: object) -> dict[str, tuple[np.ndarray, ...]]:
    """Per leg: envelope onsets, envelope offsets, rule onsets, rule offsets (s; NaN where
    the truth has no rule crossing)."""
    f = truth_table.frame  # type: ignore[attr-defined]
    keep = ~f["too_short"].astype(bool) & ~f["obscured"].astype(bool)
    out: dict[str, tuple[np.ndarray, ...]] = {}
    for side in ("left", "right"):
        g = f[keep & (f["side"] == side)]
        on = g["onset_s"].to_numpy(float)
        rule = [pd.to_numeric(g.get(c, pd.Series(np.nan, index=g.index)), errors="coerce")
                .to_numpy(float) for c in ("rule_onset_s", "rule_offset_s")]
        out[side] = (on, on + g["duration_s"].to_numpy(float), rule[0], rule[1])
    return out


def _plmsi(result: object) -> float:
    for idx in result.indices:  # type: ignore[attr-defined]
        if idx.name == "plms_index":
            return float("nan") if idx.value is None else float(idx.value)
    return float("nan")


def _warm_up() -> None:
    """Compile/load numba kernels on a short night so the timed run measures the work."""
    night = simulate_night("plmd", seed=99, duration_h=0.25, conditions=("clean",))
    det = detect_leg_movements(night.recording)
    score_plm(det.events, hypnogram=night.recording.hypnogram, unscorable=det.unscorable,
              rules=PLMRules.wasm_2016())


def run_night(name: str, seed: int, hours: float, workdir: Path,
              tools: tuple[str, ...] = DEFAULT_TOOLS, *,
              psg_offset_aasm: bool | None = None) -> dict[str, object]:
    t0 = time.perf_counter()
    stem = f"{name}_s{seed}"
    if name == "corpus":
        night = simulate_random_night(seed, duration_h=hours)
        drawn = night.truth.parameters.get("randomized", {})
        rail = drawn.get("settings", {}).get("physical_range_uV", float("nan"))
        name = (f"corpus[{drawn.get('profile')}, {drawn.get('leg_fs_hz', 0):g} Hz, "
                f"±{rail:g} µV: {'+'.join(drawn.get('conditions', [])) or 'none'}]")
    else:
        profile, conds, *rate = CONDITIONS[name]
        night = simulate_night(profile, seed=seed, duration_h=hours, conditions=conds,
                               leg_fs_hz=rate[0] if rate else 512.0)
    edf = workdir / f"{stem}.edf"
    write_simulated_night(night, edf)
    sim_s = time.perf_counter() - t0
    truth = night.truth.leg_movements_table()
    hyp = night.recording.hypnogram
    resp_tab = night.recording.annotations.select(RESPIRATORY_TYPES)
    arous_tab = night.recording.annotations.select("arousal")
    # The true index is scored the way the accuracy tests score it: movements hidden by an
    # artefact (``obscured``) are not in the truth, and the truth's own artefact stretches
    # (a disconnected lead, pops) are unscorable time, out of the denominators.
    frame = truth.frame
    visible = EventTable(frame[~frame["obscured"].astype(bool)].reset_index(drop=True))
    artefacts = night.truth.artefacts_table()
    true_w = _plmsi(score_plm(visible, hypnogram=hyp, respiratory=resp_tab, arousals=arous_tab,
                              unscorable=artefacts, rules=PLMRules.wasm_2016()))
    true_a = _plmsi(score_plm(visible, hypnogram=hyp, respiratory=resp_tab, arousals=arous_tab,
                              unscorable=artefacts, rules=PLMRules.aasm()))
    true_legs = _true_legs(truth)
    del night

    # Read once: somnomotor's read time, and the same float32 arrays for psgscoring.
    t0 = time.perf_counter()
    # somnomotor uses the ECG channel a recording has to suppress cardiac artefact in the
    # legs (the peers take only the leg channels: neither uses an ECG).
    rec_file = read_recording(edf, channels=["LAT", "RAT", "ECG"])
    left = rec_file.channel("LAT").data()
    right = rec_file.channel("RAT").data()
    ecg = rec_file.channel("ECG")
    fs = rec_file.channel("LAT").fs_hz
    read_s = time.perf_counter() - t0
    rec = Recording(
        channels=(Channel.from_array("LAT", left, fs_hz=fs), Channel.from_array("RAT", right, fs_hz=fs),
                  Channel.from_array("ECG", ecg.data(), fs_hz=ecg.fs_hz)),
        roles={"leg_left": ("LAT",), "leg_right": ("RAT",), "ecg": ("ECG",)},
        duration_s=rec_file.duration_s,
        start=rec_file.start, hypnogram=rec_file.hypnogram, annotations=rec_file.annotations,
    )
    resp = rec.annotations.select(RESPIRATORY_TYPES)
    arous = rec.annotations.select("arousal")
    rows: list[ToolRow] = []

    # -- somnomotor ------------------------------------------------------------------
    if "somnomotor" in tools:
        def analyse() -> tuple[object, object]:
            det = detect_leg_movements(rec)
            res = score_plm(det.events, hypnogram=rec.hypnogram, respiratory=resp,
                            arousals=arous, unscorable=det.unscorable,
                            rules=PLMRules.wasm_2016())
            return det, res

        t0 = time.perf_counter()
        c0 = time.process_time()
        det, res = analyse()
        ana_s = time.perf_counter() - t0
        ana_cpu = time.process_time() - c0
        del det, res
        tracemalloc.start()
        det, res = analyse()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        legs_bytes = 2 * left.size * 4  # two leg channels as float32
        ev = det.events.frame  # type: ignore[attr-defined]
        som = ToolRow("somnomotor", True, plmsi=_plmsi(res), seconds=ana_s)
        details = []
        for side in ("left", "right"):
            g = ev[ev["side"] == side]
            on = g["onset_s"].to_numpy(float)
            details.append(_score_leg(som, side, (on, on + g["duration_s"].to_numpy(float)),
                                      true_legs[side]))
        som.detail = " ".join(details)
        som.extra = {"read_s": read_s, "cpu_s": ana_cpu, "peak_ratio": peak / legs_bytes,
                     "peak_mb": peak / 1e6, "legs_mb": legs_bytes / 1e6}
        rows.append(som)

    # -- peers -------------------------------------------------------------------------
    peers = []
    if "psgscoring" in tools:
        n_ep = int(np.ceil(rec.duration_s / 30.0))
        mids = np.arange(n_ep) * 30.0 + 15.0
        hyp_rec = rec.hypnogram
        stage_mid = hyp_rec.stage_at(mids) if hyp_rec is not None else np.array(["N2"] * n_ep)
        resp_list = [{"onset_s": float(o), "duration_s": float(d)}
                     for o, d in zip(resp.onset_s, resp.duration_s, strict=True)]
        peers.append(run_psgscoring(left, right, fs, psg_hypnogram(stage_mid), resp_list,
                                    offset_aasm=psg_offset_aasm))
    if "luna" in tools:
        peers.append(run_luna(edf, fs_hz=fs))
    if "luna-raw" in tools:
        peers.append(run_luna(edf, fs_hz=fs, raw=True))
    for peer in peers:
        row = ToolRow(peer.name, peer.ok, plmsi=peer.plms_index, seconds=peer.seconds,
                      error=peer.error)
        row.notes = "; ".join(peer.notes)
        if peer.ok:
            details = []
            for side in ("left", "right"):
                if side in peer.legs:
                    details.append(_score_leg(row, side, peer.legs[side], true_legs[side]))
            row.detail = " ".join(details)
        rows.append(row)
    return {"name": name, "seed": seed, "sim_s": sim_s, "true_w": true_w, "true_a": true_a,
            "rows": rows, "n_true": {s: len(v[0]) for s, v in true_legs.items()}}


def _fmt(x: float, nd: int = 2) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.{nd}f}"


def _timing_text(r: ToolRow, which: str) -> str:
    """``median/p95`` of the absolute ``which`` errors, left then right leg, ms."""
    parts = []
    for side in ("left", "right"):
        t = r.timing.get(side)
        parts.append("n/a" if t is None else f"{_fmt(t.stat(which, 50), 0)}/{_fmt(t.stat(which, 95), 0)}")
    return " · ".join(parts)


def index_error(row: ToolRow, true_w: float, true_a: float) -> float:
    """PLMS index error in /h used to rank tools: the smaller of the errors against the
    WASM 2016 and the AASM true index (the same for every tool)."""
    return float(min(abs(row.plmsi - true_w), abs(row.plmsi - true_a)))


def rank_key(row: ToolRow, true_w: float, true_a: float) -> tuple[float, float, float]:
    """Sort key of the accuracy ordering (smaller is more accurate), rounded as printed:
    mean per-leg F1 to 3 decimals (negated), PLMS index error to 0.01/h, timing to 1 ms.
    A missing value sorts last."""
    def finite(x: float) -> float:
        return x if np.isfinite(x) else np.inf
    return (finite(-round(row.mean_f1(), 3)), finite(round(index_error(row, true_w, true_a), 2)),
            finite(round(row.timing_ms(), 0)))


def ranking(out: dict[str, object]) -> tuple[list[list[ToolRow]], str]:
    """Tools of one night grouped by the accuracy ordering (best group first; tools in one
    group are tied on all three steps) and the step that separates the first two groups."""
    rows = [r for r in out["rows"] if r.ok]  # type: ignore[attr-defined]
    keys = {r.tool: rank_key(r, out["true_w"], out["true_a"]) for r in rows}  # type: ignore[arg-type]
    groups: list[list[ToolRow]] = []
    for r in sorted(rows, key=lambda r: keys[r.tool]):
        if groups and keys[groups[-1][0].tool] == keys[r.tool]:
            groups[-1].append(r)
        else:
            groups.append([r])
    decided = ""
    if len(groups) > 1:
        a, b = keys[groups[0][0].tool], keys[groups[1][0].tool]
        step = next(i for i in range(3) if a[i] != b[i])
        decided = ("mean per-leg F1", "PLMS index error", "timing error")[step]
    return groups, decided


def print_night(out: dict[str, object]) -> list[str]:
    rows: list[ToolRow] = out["rows"]  # type: ignore[assignment]
    tw, ta = float(out["true_w"]), float(out["true_a"])  # type: ignore[arg-type]
    som = next((r for r in rows if r.tool == "somnomotor"), None)
    lines = [(f"\n## {out['name']} seed {out['seed']}: true PLMS index {tw:.2f}/h (WASM 2016), "
              f"{ta:.2f}/h (AASM); true per-leg LMs {out['n_true']}; "
              f"simulate+write {out['sim_s']:.1f} s")]
    if som is not None:
        lines.append(f"somnomotor read {som.extra['read_s']:.2f} s, analysis {som.seconds:.2f} s "
                     f"(CPU {som.extra['cpu_s']:.2f} s), peak {som.extra['peak_mb']:.0f} MB = "
                     f"{som.extra['peak_ratio']:.2f}x the two legs as float32 "
                     f"({som.extra['legs_mb']:.0f} MB)")
    lines.append("| tool | F1 left | F1 right | tp/fp/fn (L R) | PLMSI /h | err vs WASM | "
                 "err vs AASM | onset \\|err\\| ms med/p95 L · R | offset \\|err\\| ms med/p95 L · R "
                 "| timing ms | timing vs rule ms | time s |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if not r.ok:
            lines.append(f"| {r.tool} | FAILED: {r.error} |")
            continue
        lines.append(f"| {r.tool} | {_fmt(r.f1_left, 3)} | {_fmt(r.f1_right, 3)} | {r.detail} | "
                     f"{_fmt(r.plmsi)} | {_fmt(abs(r.plmsi - tw))} | {_fmt(abs(r.plmsi - ta))} | "
                     f"{_timing_text(r, 'onset')} | {_timing_text(r, 'offset')} | "
                     f"{_fmt(r.timing_ms(), 0)} | {_fmt(r.timing_ms(rule=True), 0)} | "
                     f"{_fmt(r.seconds)} |")
    for r in rows:
        if r.tool != "somnomotor" and r.notes:
            lines.append(f"{r.tool}: {r.notes}")
    groups, decided = ranking(out)
    if groups:
        order = " > ".join(" = ".join(r.tool for r in g) for g in groups)
        lines.append(f"accuracy order (F1, then PLMS index error, then timing): {order}"
                     + (f" (first place decided by {decided})" if decided else ""))
    peers = [r for r in rows if r.tool != "somnomotor" and r.ok and np.isfinite(r.seconds)]
    if peers and som is not None:
        fastest = min(peers, key=lambda r: r.seconds)
        lines.append(f"speed: faster peer {fastest.tool} {fastest.seconds:.2f} s; somnomotor analysis "
                     f"{fastest.seconds / som.seconds:.1f}x faster, read+analysis "
                     f"{fastest.seconds / (som.seconds + som.extra['read_s']):.1f}x faster")
    for line in lines:
        print(line, flush=True)
    return lines


def summary(results: list[dict[str, object]]) -> list[str]:
    lines = [("\n## Accuracy per night (ordering: mean per-leg F1, then PLMS index error, then "
              "median |onset|+|offset| timing error)")]
    lines.append("| night | tool | F1 L/R | PLMSI err /h | onset \\|err\\| ms med/p95 L · R | "
                 "offset \\|err\\| ms med/p95 L · R | timing ms | timing vs rule ms | most accurate |")
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for out in results:
        rows = [r for r in out["rows"] if r.ok]  # type: ignore[attr-defined]
        groups, decided = ranking(out)
        best = ("tie: " if groups and len(groups[0]) > 1 else "") + \
            " = ".join(r.tool for r in groups[0]) if groups else "n/a"
        if decided:
            best += f" (by {decided})"
        for k, r in enumerate(rows):
            night = f"{out['name']}/s{out['seed']}" if k == 0 else ""
            lines.append(f"| {night} | {r.tool} | "
                         f"{_fmt(r.f1_left, 3)}/{_fmt(r.f1_right, 3)} | "
                         f"{_fmt(index_error(r, out['true_w'], out['true_a']))} | "  # type: ignore[arg-type]
                         f"{_timing_text(r, 'onset')} | {_timing_text(r, 'offset')} | "
                         f"{_fmt(r.timing_ms(), 0)} | {_fmt(r.timing_ms(rule=True), 0)} | "
                         f"{best if k == 0 else ''} |")
    lines.append("\n## Targets")
    f1_ok, f1_peer_ok, idx_ok, better_ok, fast_ok, mem_ok, time_ok = [], [], [], [], [], [], []
    for out in results:
        rows = out["rows"]  # type: ignore[assignment]
        som = next((r for r in rows if r.tool == "somnomotor" and r.ok), None)
        if som is None:
            continue
        peers = [r for r in rows if r.tool != "somnomotor" and r.ok]
        key = f"{out['name']}/s{out['seed']}"
        need = 0.95
        f1 = min(som.f1_left, som.f1_right)
        f1_ok.append((key, f1 >= need, f"min F1 {f1:.3f} (need {need})"))
        peer_f1 = [min(p.f1_left, p.f1_right) for p in peers
                   if np.isfinite(p.f1_left) and np.isfinite(p.f1_right)]
        if peer_f1:
            best = max(peer_f1)
            f1_peer_ok.append((key, round(f1, 3) >= round(best, 3),
                               f"min F1 {f1:.3f} vs best peer {best:.3f}"))
        err = abs(som.plmsi - out["true_w"])
        idx_ok.append((key, err <= 1.0, f"|PLMSI err| {err:.2f}/h"))
        if peers:
            groups, decided = ranking(out)
            first = groups[0]
            if first == [som]:
                better_ok.append((key, True, f"first, by {decided}"))
            else:
                where = next(i for i, g in enumerate(groups) if som in g)
                ahead = [r.tool for g in groups[:where] for r in g]
                tied = [r.tool for r in groups[where] if r is not som]
                what = []
                if ahead:
                    what.append("behind " + ", ".join(ahead) + f" (by {decided})")
                if tied:
                    what.append("tied with " + ", ".join(tied) + " on all three steps")
                better_ok.append((key, False, "; ".join(what)))
        ps = [p.seconds for p in peers if np.isfinite(p.seconds)]
        if ps:
            ratio = min(ps) / som.seconds
            fast_ok.append((key, ratio >= 5, f"{ratio:.1f}x"))
        mem_ok.append((key, som.extra["peak_ratio"] < 3, f"{som.extra['peak_ratio']:.2f}x"))
        time_ok.append((key, som.seconds < 1.0, f"{som.seconds:.2f} s"))
    for title, items in (("per-leg F1 >= 0.95 on every condition", f1_ok),
                         ("per-leg F1 no lower than either peer (lower leg)", f1_peer_ok),
                         ("PLMS index within 1/h (WASM truth)", idx_ok),
                         ("more accurate than both peers (first by the accuracy ordering, tied with none)", better_ok),
                         (">= 5x faster than the faster peer (analysis)", fast_ok),
                         ("analysis < 1 s per night beyond reading", time_ok),
                         ("peak memory < 3x legs as float32", mem_ok)):
        if not items:
            continue
        met = sum(1 for _, ok, _ in items if ok)
        lines.append(f"- {title}: {met}/{len(items)} met; "
                     + "; ".join(f"{k} {'OK' if ok else 'MISS'} {d}" for k, ok, d in items))
    for line in lines:
        print(line, flush=True)
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration-h", type=float, default=8.0)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--conditions", nargs="+", default=list(CONDITIONS), choices=list(CONDITIONS))
    ap.add_argument("--corpus", type=int, default=0, metavar="N",
                    help="instead of --conditions, N nights of the randomized corpus per seed "
                         "(night i of seed s: simulate_random_night(1000 * s + i))")
    ap.add_argument("--corpus-nights", type=int, nargs="+", default=None, metavar="SEED",
                    help="instead of --conditions/--corpus, these corpus nights "
                         "(simulate_random_night(SEED)), e.g. 7002 9001")
    ap.add_argument("--tools", nargs="+", default=list(DEFAULT_TOOLS), choices=list(TOOLS),
                    help="tools to run (default: somnomotor psgscoring luna; luna-raw is Luna "
                         "LM at its defaults on the raw EMG)")
    ap.add_argument("--psg-offset-aasm", action="store_true",
                    help="run psgscoring with offset_aasm=True (default: its own default)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the EDF+ files in this folder")
    args = ap.parse_args(argv)
    tools = tuple(t for t in TOOLS if t in args.tools)
    load = os.getloadavg()
    print(f"# bench_plm {dt.datetime.now().isoformat(timespec='minutes')}; {args.duration_h} h nights; "
          + (f"corpus nights {args.corpus_nights}" if args.corpus_nights else
             f"seeds {args.seeds}" + (f", {args.corpus} corpus nights each" if args.corpus else ""))
          + f"; tools {', '.join(tools)}; load average "
          f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} on {os.cpu_count()} CPUs", flush=True)
    if "somnomotor" in tools:
        _warm_up()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_plm_") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if args.corpus_nights:
            plan = [("corpus", night) for night in args.corpus_nights]
        elif args.corpus:
            plan = [("corpus", 1000 * seed + i) for seed in args.seeds for i in range(args.corpus)]
        else:
            plan = [(name, seed) for seed in args.seeds for name in args.conditions]
        for name, seed in plan:
            out = run_night(name, seed, args.duration_h, work, tools,
                            psg_offset_aasm=True if args.psg_offset_aasm else None)
            print_night(out)
            results.append(out)
            if args.keep is None:
                for f in work.glob(f"{name}_s{seed}*"):
                    f.unlink()
    summary(results)
    load = os.getloadavg()
    print(f"# end; load average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
