"""RSWA speed on 8-h nights, and the REM atonia index side by side with Luna's ``RAI``.

Run: ``python benchmarks/bench_rswa.py [--seeds 0 1 2] [--hours 2] [--repeats 5] [--no-luna]``.

Part 1 times :func:`detect_rswa` (SINBAR) and :func:`detect_rswa_standards` (SINBAR, AASM,
Montreal) on an 8-h night with the chin EMG at 512 Hz: a white-noise chin with ~90 min of
REM, and the simulator's ``rbd`` night (chin only, and chin + both arms + both legs). It
reports the median and minimum of CPU time (``time.process_time``, less disturbed by other
processes on a shared machine than wall time) and the median wall time.

Part 2 writes simulated ``rbd`` nights as EDF+ (stages as "Sleep stage R" annotations,
which Luna maps to its R stage) and computes the REM atonia index (Ferri et al. 2010,
doi:10.1016/j.sleep.2010.06.003) twice:

* ours: ``read_recording`` + ``detect_rswa`` (SINBAR; the atonia index is part of it);
* Luna (lunapi): ``SIGNALS keep=<chin>``, ``EPOCH len=1``, ``MASK ifnot=R``, ``RE``,
  ``FILTER bandpass=10,100`` (FIR), ``RAI``. Luna's ``RAI`` expects a chin signal already
  restricted to REM, band-passed 10-100 Hz and in 1-s epochs; it averages the rectified
  signal per second *without* the factor 2 that SOMAS and somnomotor apply, subtracts the
  minimum over 61 s of the (concatenated) REM seconds and returns
  ``REM_AI = n(x < th) / (n(x < th) + n(x > th2))`` (th = 1, th2 = 2 µV by default). It is
  run twice: with its defaults, and with ``th=0.5 th2=1`` which puts the thresholds on our
  x2 amplitude scale (the like-for-like comparison). Filtering after ``RE`` (only REM) keeps
  Luna's FIR filter from taking ~15 s per 2-h night; the index came out identical both ways
  on the night tried.

Remaining differences by design: Butterworth (ours) vs FIR (Luna) band-pass; our
noise-correction window runs across stage boundaries (as SOMAS) while Luna's runs over the
concatenated REM seconds; we leave out seconds in artefacts and scored arousals.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from somnomotor.detect.rswa import detect_rswa, detect_rswa_standards
from somnomotor.hypnogram import Hypnogram
from somnomotor.io import read_recording
from somnomotor.recording import Channel, Recording
from somnomotor.simulate import simulate_night
from somnomotor.simulate.writer import write_simulated_night


def _times(call: Callable[[], object], repeats: int) -> tuple[float, float, float]:
    """(median CPU s, min CPU s, median wall s) over ``repeats`` runs after one warm-up."""
    call()
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        call()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), min(cpu), statistics.median(wall)


def speed(repeats: int) -> None:
    fs = 512.0
    rng = np.random.default_rng(0)
    stages = tuple((["W"] * 20 + (["N2"] * 180 + ["R"] * 45) * 4)[:960])
    x = rng.standard_normal(int(len(stages) * 30 * fs)).astype(np.float32)
    noise = Recording(channels=(Channel.from_array("Chin", x, fs_hz=fs),),
                      roles={"chin": ("Chin",)}, hypnogram=Hypnogram(stages))
    night = simulate_night("rbd", seed=0, duration_h=8.0)
    full = night.recording
    for ch in full.channels:
        ch.data()  # load once: time the analysis, not the simulator
    chin = full.channel_for("chin")
    chin_only = Recording(channels=(chin,), roles={"chin": (chin.label,)},
                          hypnogram=full.hypnogram, annotations=full.annotations)
    rem_min = sum(1 for s in full.hypnogram.stages if s == "R") * full.hypnogram.epoch_s / 60
    print(f"== speed, 8-h nights, EMG at {fs:g} Hz (simulated rbd night: {rem_min:.0f} min REM)")
    print(f"{'night':<28}{'rule sets':<22}{'CPU median':>11}{'CPU min':>9}{'wall median':>13}")
    for name, rec in (("white-noise chin", noise), ("rbd, chin only", chin_only),
                      ("rbd, chin+arms+legs", full)):
        for label, call in (("sinbar", lambda r=rec: detect_rswa(r)),
                            ("sinbar+aasm+montreal", lambda r=rec: detect_rswa_standards(r))):
            med, lo, wall = _times(call, repeats)
            print(f"{name:<28}{label:<22}{med:>10.3f}s{lo:>8.3f}s{wall:>12.3f}s")


def luna_side_by_side(seeds: list[int], hours: float) -> None:
    print(f"\n== REM atonia index: somnomotor vs Luna RAI (simulated rbd nights of {hours:g} h)")
    try:
        import lunapi as lp  # optional: pip install lunapi (extra "bench")
    except Exception as exc:  # noqa: BLE001 - report any import failure and go on
        print(f"Luna comparison skipped: lunapi cannot be imported ({exc!r})")
        return
    proj = lp.proj()
    proj.silence(True)
    header = (f"{'seed':>4}{'REM min':>8}{'ours AI':>9}{'Luna AI':>9}{'diff':>8}"
              f"{'Luna AI th=1,2':>16}{'ours s':>8}{'(+read)':>9}{'Luna s':>8}{'Luna/ours':>10}")
    print(header)
    diffs: list[float] = []
    ratios: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            night = simulate_night("rbd", seed=seed, duration_h=hours)
            path = write_simulated_night(night, Path(tmp) / f"rbd{seed}.edf")
            w0 = time.perf_counter()
            rec = read_recording(path)
            rec.channel_for("chin").data()
            read_s = time.perf_counter() - w0
            detect_rswa(rec)  # warm-up: the first call in a process loads numba's cache
            w1 = time.perf_counter()
            res = detect_rswa(rec)
            ours_s = time.perf_counter() - w1
            ours = res.atonia.value
            label = rec.channel_for("chin").label
            try:
                luna, luna_default, luna_s = _luna_rai(proj, path, label)
            except Exception as exc:  # noqa: BLE001 - Luna's own errors, reported as they are
                print(f"{seed:>4}  Luna RAI failed: {exc!r}")
                continue
            rem_min = res.rem_s / 60
            diff = (luna - ours) if (ours is not None and luna is not None) else float("nan")
            diffs.append(diff)
            ratios.append(luna_s / ours_s)
            print(f"{seed:>4}{rem_min:>8.0f}{_fmt(ours):>9}{_fmt(luna):>9}{diff:>+8.3f}"
                  f"{_fmt(luna_default):>16}{ours_s:>8.2f}{read_s + ours_s:>9.2f}{luna_s:>8.2f}"
                  f"{luna_s / ours_s:>10.1f}")
    if diffs:
        print(f"mean |diff| {np.nanmean(np.abs(diffs)):.3f}; median time ratio Luna/ours "
              f"{statistics.median(ratios):.1f} (ours: detection only, on a night in memory; "
              "'(+read)' adds reading the EDF; Luna: attach + the commands above)")


def _luna_rai(proj: object, path: Path, label: str) -> tuple[float | None, float | None, float]:
    """Luna's REM_AI on our x2 scale (th=0.5, th2=1), with its defaults, and the time (s)."""
    sig = label.replace("-", "_").replace(" ", "_")  # Luna sanitises channel labels
    out: list[float | None] = []
    seconds = 0.0
    for th, th2 in ((0.5, 1.0), (1.0, 2.0)):
        t0 = time.perf_counter()
        inst = proj.inst(f"{path.stem}_{th:g}")  # type: ignore[attr-defined]
        inst.attach_edf(str(path))
        for cmd in (f"SIGNALS keep={sig}", "EPOCH len=1", "MASK ifnot=R", "RE",
                    f"FILTER sig={sig} bandpass=10,100 tw=4 ripple=0.02",
                    f"RAI sig={sig} th={th:g} th2={th2:g}"):
            inst.eval(cmd)
        table = inst.table("RAI", "CH")
        if th == 0.5:
            seconds = time.perf_counter() - t0
        out.append(float(table["REM_AI"].iloc[0]) if len(table) else None)
    return out[0], out[1], seconds


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--hours", type=float, default=2.0, help="length of the Luna nights (h)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-luna", action="store_true")
    ap.add_argument("--no-speed", action="store_true")
    args = ap.parse_args()
    if not args.no_speed:
        speed(args.repeats)
    if not args.no_luna:
        luna_side_by_side(args.seeds, args.hours)


if __name__ == "__main__":
    main()
