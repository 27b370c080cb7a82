"""RSWA speed on 8-h nights; SINBAR accuracy and the REM atonia index vs a reference and Luna.

Run: ``python benchmarks/bench_rswa.py [--seeds 0 1 2] [--hours 8] [--conditions none pops mains]
[--repeats 5] [--no-luna] [--no-speed]``.

Part 1 times :func:`detect_rswa` (SINBAR) and :func:`detect_rswa_standards` (SINBAR, AASM,
Montreal) on an 8-h night with the chin EMG at 512 Hz: a white-noise chin with ~90 min of
REM, and the simulator's ``rbd`` night (chin only, and chin + both arms + both legs). It
reports the median and minimum of CPU time (``time.process_time``, less disturbed by other
processes on a shared machine than wall time) and the median wall time.

Part 2 scores simulated ``rbd`` nights (the hard chin of :class:`RemWithoutAtonia`: tonic
plateaus of 2.3-4x background on and off the 3-s grid, bursts on tonic tone, REM periods
without a quiet 30 s), under signal conditions (none, ``pops``, ``mains``), and reports:

* SINBAR chin phasic / any (% of kept 3-s mini-epochs) and tonic (% of kept 30-s epochs),
  ours minus the simulator's truth (computed from the drawn envelope), in percentage points;
* the REM atonia index (Ferri et al. 2010, doi:10.1016/j.sleep.2010.06.003) three ways, all
  on the night written as EDF+ and read back:

  - ours: ``read_recording`` + ``detect_rswa`` (published scale, mean rectified EMG);
  - an independent reference: Ferri's formula in plain numpy (ideal FFT band-pass 10-100 Hz,
    mean |EMG| per 1-s mini-epoch, minus the minimum of j-30..j+30, REM seconds outside
    scored arousals), the same as in tests/detect/test_rswa_accuracy.py;
  - Luna (lunapi) ``RAI`` **at its default thresholds** (th = 1, th2 = 2 µV): ``SIGNALS
    keep=<chin>``, ``EPOCH len=1``, ``MASK ifnot=R``, ``RE``, ``FILTER bandpass=10,100``
    (FIR), ``RAI``.

  Where our detector notched mains hum (``mains`` condition), the reference drops the FFT
  bins within 1 Hz of the line and Luna adds ``FILTER bandstop=48,52``, so all three see
  the same signal. Luna averages the rectified signal per second, subtracts the minimum
    over 61 s of the concatenated REM seconds and returns
    ``REM_AI = n(x < th) / (n(x < th) + n(x > th2))``.

Remaining differences by design: Butterworth (ours) vs FIR (Luna) vs ideal (reference)
band-pass; our noise-correction window runs across stage boundaries (as SOMAS and the
reference) while Luna's runs over the concatenated REM seconds; we leave out 3-s mini-epochs
with artefacts or scored arousals, the reference 1-s bins overlapping arousals, Luna nothing.
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
from somnomotor.simulate.chin import rswa_truth_arrays
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


def ferri_reference(x: np.ndarray, fs: float, rem: list[tuple[float, float]],
                    excluded: list[tuple[float, float]], notch_hz: float | None = None) -> float:
    """Ferri's REM atonia index in plain numpy (independent of somnomotor's code); with
    ``notch_hz`` the FFT bins within 1 Hz of it are removed too."""
    spec = np.fft.rfft(x - x.mean())
    freq = np.fft.rfftfreq(x.size, 1.0 / fs)
    spec[(freq < 10.0) | (freq > 100.0)] = 0.0
    if notch_hz is not None:
        spec[np.abs(freq - notch_hz) <= 1.0] = 0.0
    y = np.fft.irfft(spec, n=x.size)
    per = int(round(fs))
    n = y.size // per
    amp = np.abs(y[: n * per]).reshape(n, per).mean(axis=1)
    low_env = np.array([amp[max(0, j - 30): j + 31].min() for j in range(n)])
    corrected = amp - low_env
    t = np.arange(n, dtype=float)
    use = np.zeros(n, bool)
    for a, b in rem:
        use |= (t >= a) & (t + 1.0 <= b)
    for a, b in excluded:
        use &= ~((t < b) & (t + 1.0 > a))
    c = corrected[use]
    return float(100.0 * np.mean(c <= 1.0) / (100.0 - 100.0 * np.mean((c > 1.0) & (c <= 2.0))))


def _sinbar_errors(night: object, res: object) -> tuple[float, float, float]:
    """Ours minus truth (percentage points): phasic, tonic (epochs), any."""
    truth = rswa_truth_arrays(night.truth.parameters)  # type: ignore[attr-defined]
    f = res.mini_epochs.frame  # type: ignore[attr-defined]
    chin = f[f["role"] == "chin"].sort_values("onset_s")
    kept = ~chin["excluded"].to_numpy(bool)
    out = []
    for kind in ("phasic", "any"):
        out.append(100.0 * chin[kind].to_numpy(bool)[kept].mean()
                   - 100.0 * truth[kind][kept].mean())
    ep = res.epochs.frame.sort_values("onset_s")  # type: ignore[attr-defined]
    ek = ~ep["excluded"].to_numpy(bool)
    tonic = (100.0 * ep["chin_tonic"].to_numpy(bool)[ek].mean()
             - 100.0 * truth["epoch_tonic"][ek].mean())
    return out[0], tonic, out[1]


def accuracy_and_luna(seeds: list[int], hours: float, conditions: list[str],
                      with_luna: bool) -> None:
    print(f"\n== SINBAR chin vs truth and REM atonia index: ours vs independent Ferri "
          f"reference vs Luna RAI (defaults); simulated rbd nights of {hours:g} h")
    proj = None
    if with_luna:
        try:
            import lunapi as lp  # optional: pip install lunapi (extra "bench")
            proj = lp.proj()
            proj.silence(True)
        except Exception as exc:  # noqa: BLE001 - report any import failure and go on
            print(f"Luna comparison skipped: lunapi cannot be imported ({exc!r})")
    print(f"{'condition':<10}{'seed':>5}{'REM min':>8}{'phasic':>8}{'tonic':>8}{'any':>8}"
          f"{'AI ours':>9}{'AI ref':>8}{'AI Luna':>9}{'ours-ref':>10}{'Luna-ref':>10}"
          f"{'ours s':>8}{'Luna s':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for cond in conditions:
            for seed in seeds:
                conds = () if cond == "none" else (cond,)
                night = simulate_night("rbd", seed=seed, duration_h=hours, conditions=conds)
                path = write_simulated_night(night, Path(tmp) / f"rbd{seed}_{cond}.edf")
                rec = read_recording(path)
                chin = rec.channel_for("chin")
                chin.data()
                detect_rswa(rec)  # warm-up: the first call in a process loads numba's cache
                w1 = time.perf_counter()
                res = detect_rswa(rec)
                ours_s = time.perf_counter() - w1
                ph, to, an = _sinbar_errors(night, res)
                ann = rec.annotations.select("arousal")
                notch = res.extra["notch_hz"].get(chin.label)
                ref = ferri_reference(np.asarray(chin.data(), dtype=float), chin.fs_hz,
                                      list(res.rem_periods),
                                      list(zip(ann.onset_s, ann.offset_s, strict=True)), notch)
                luna, luna_s = None, float("nan")
                if proj is not None:
                    try:
                        luna, luna_s = _luna_rai(proj, path, chin.label, notch)
                    except Exception as exc:  # noqa: BLE001 - Luna's own errors, as they are
                        print(f"  Luna RAI failed: {exc!r}")
                ours = res.atonia.value
                d_ours = ours - ref if ours is not None else float("nan")
                d_luna = luna - ref if luna is not None else float("nan")
                print(f"{cond:<10}{seed:>5}{res.rem_s / 60:>8.0f}{ph:>+8.1f}{to:>+8.1f}"
                      f"{an:>+8.1f}{_fmt(ours):>9}{ref:>8.3f}{_fmt(luna):>9}{d_ours:>+10.3f}"
                      f"{d_luna:>+10.3f}{ours_s:>8.2f}{luna_s:>8.2f}", flush=True)


def _luna_rai(proj: object, path: Path, label: str,
              notch_hz: float | None = None) -> tuple[float | None, float]:
    """Luna's REM_AI at its default thresholds (th=1, th2=2 µV), and the time (s); with
    ``notch_hz`` a band-stop of +-2 Hz around it is added (FIR)."""
    sig = label.replace("-", "_").replace(" ", "_")  # Luna sanitises channel labels
    t0 = time.perf_counter()
    inst = proj.inst(path.stem)  # type: ignore[attr-defined]
    inst.attach_edf(str(path))
    cmds = [f"SIGNALS keep={sig}", "EPOCH len=1", "MASK ifnot=R", "RE",
            f"FILTER sig={sig} bandpass=10,100 tw=4 ripple=0.02"]
    if notch_hz is not None:
        cmds.append(f"FILTER sig={sig} bandstop={notch_hz - 2:g},{notch_hz + 2:g} tw=1 "
                    "ripple=0.02")
    cmds.append(f"RAI sig={sig}")
    for cmd in cmds:
        inst.eval(cmd)
    table = inst.table("RAI", "CH")
    seconds = time.perf_counter() - t0
    return (float(table["REM_AI"].iloc[0]) if len(table) else None), seconds


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--hours", type=float, default=8.0, help="length of the scored nights (h)")
    ap.add_argument("--conditions", nargs="+", default=["none", "pops", "mains"],
                    help="simulator signal conditions, one night set each ('none': clean)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-luna", action="store_true")
    ap.add_argument("--no-speed", action="store_true")
    args = ap.parse_args()
    if not args.no_speed:
        speed(args.repeats)
    accuracy_and_luna(args.seeds, args.hours, args.conditions, not args.no_luna)


if __name__ == "__main__":
    main()
