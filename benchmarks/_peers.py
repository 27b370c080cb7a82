"""Adapters that run the peer tools (psgscoring, Luna via lunapi) on one simulated night.

Used by ``benchmarks/bench_plm.py``. Each adapter returns a :class:`PeerRun`: per-leg
events (onset/offset in s), the PLMS index it reports, its wall time, and notes on how
it was called. Nothing here is imported by the package.

psgscoring (``psgscoring.plm.analyze_plm``, read in site-packages, v0.37):

* ``hypno`` is a list of stage strings, one per 30-s epoch from the start of the signal;
  only ``"W"`` is wake, anything else counts as sleep (TST = non-W epochs x 30 s);
* ``resp_events`` is a list of dicts with ``onset_s`` and ``duration_s`` (s);
* the output dict has ``summary["plm_index"]`` (PLMs per hour of sleep) and ``events``
  (the PLM-eligible *combined* movements: sleep, not respiratory, bilateral merged when
  onsets are <= 0.5 s apart). Per-leg events are not returned, so the per-leg F1 uses its
  own per-channel detector ``_detect_lm_channel`` (the call ``analyze_plm`` makes first),
  run outside the timed part.

Luna (``lunapi``, v1.7): the ``LM`` command (WASM 2016 grammar, ``method=wasm``: fixed
8 / 2 µV excursions above a dynamic baseline), always at its default thresholds. Two runs:

* ``luna-raw``: ``LM sig=LAT,RAT`` on the raw EMG as the EDF holds it - Luna at its
  defaults, nothing else. Its detector works on the samples as given: on raw EMG the rest
  never stays 0.5 s below baseline + 2 µV, so a 1-h night gave one LM (measured
  2026-12-03, lunapi 1.7.0, ``NONSTANDARD_BW=1``);
* ``luna``: the same ``LM`` after Luna's own FILTER (band-pass 10-100 Hz, or up to
  0.45 x fs at low rates) / RECTIFY / MOVING-AVERAGE (0.1 s) - the preprocessing the
  WASM rules presuppose (a rectified EMG level). This preprocessing is our choice, stated
  here; the LM thresholds stay Luna's defaults. Stages come from the EDF+
annotations ("Sleep stage N2" ... are recognised as N2 ...). Respiratory events are not
passed to LM (it has no option for them), so Luna's PLMS index does not exclude
respiratory-related movements.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

LUNA_RAW = "LM sig=LAT,RAT verbose"


def luna_pipeline(fs_hz: float) -> str:
    """Luna's own band-pass / rectify / 0.1-s moving average, then ``LM`` at its defaults."""
    high = min(100.0, 0.45 * fs_hz)
    return (f"FILTER sig=LAT,RAT bandpass=10,{high:g} tw=2 ripple=0.02 & "
            "RECTIFY sig=LAT,RAT & "
            "MOVING-AVERAGE sig=LAT,RAT hw=0.05 & "
            "LM sig=LAT,RAT verbose")


@dataclass
class PeerRun:
    """What one tool produced on one night."""

    name: str
    ok: bool
    seconds: float = float("nan")
    plms_index: float = float("nan")
    legs: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    combined: tuple[np.ndarray, np.ndarray] | None = None
    notes: list[str] = field(default_factory=list)
    error: str = ""


def psg_hypnogram(stages_at_epoch_mid: np.ndarray) -> list[str]:
    """Our stage labels (W N1 N2 N3 R MT UNS) to psgscoring's list; MT/UNS count as W."""
    out = []
    for s in stages_at_epoch_mid:
        s = str(s)
        out.append(s if s in ("N1", "N2", "N3", "R") else "W")
    return out


def run_psgscoring(left: np.ndarray, right: np.ndarray, fs: float, hypno: list[str],
                   resp: list[dict[str, float]], *, offset_aasm: bool | None = None) -> PeerRun:
    """``analyze_plm`` timed; per-leg events from its per-channel detector (not timed).

    ``offset_aasm=None`` (default) leaves psgscoring's own default (single-threshold end
    rule); ``True`` asks for its AASM two-threshold end rule."""
    run = PeerRun("psgscoring", ok=False)
    try:
        from psgscoring import plm as psg_plm
    except Exception as exc:  # noqa: BLE001 - report any import problem as text
        run.error = f"cannot import psgscoring.plm: {exc!r}"
        return run
    t0 = time.perf_counter()
    opt = {} if offset_aasm is None else {"offset_aasm": offset_aasm}
    res = psg_plm.analyze_plm(left, right, fs, hypno, resp_events=resp, leg_unit="uV",
                              event_list_cap=None, **opt)
    run.seconds = time.perf_counter() - t0
    if not res.get("success"):
        run.error = f"analyze_plm failed: {res.get('error')}"
        return run
    value = res["summary"].get("plm_index")
    run.plms_index = float("nan") if value is None else float(value)
    for side, x in (("left", left), ("right", right)):
        lms = psg_plm._detect_lm_channel(x, fs, unit="uV", **opt)
        on = np.array([e["onset_s"] for e in lms], dtype=float)
        dur = np.array([e["duration_s"] for e in lms], dtype=float)
        run.legs[side] = (on, on + dur)
    ev = res["events"]
    on = np.array([e["onset_s"] for e in ev], dtype=float)
    run.combined = (on, on + np.array([e["duration_s"] for e in ev], dtype=float))
    run.notes.append(f"TST {res['summary'].get('total_sleep_h')} h, {res['summary'].get('n_lm_sleep')} "
                     f"LMs in sleep, {res['summary'].get('n_resp_associated')} respiratory, "
                     f"{res['summary'].get('n_plm')} PLMs")
    run.notes.append(f"analyze_plm(leg_unit='uV', offset_aasm={offset_aasm or 'default'}, "
                     "bilateral_window_s=0.5 default); per-leg events from _detect_lm_channel")
    run.ok = True
    return run


_LUNA_PROJ = None


def run_luna(edf: Path, *, fs_hz: float, raw: bool = False) -> PeerRun:
    """Luna ``LM`` on the EDF+ (read by Luna itself, so its time includes reading); ``raw``:
    on the EMG as stored (``luna-raw``), else after Luna's own preprocessing (``luna``)."""
    global _LUNA_PROJ
    pipeline = LUNA_RAW if raw else luna_pipeline(fs_hz)
    run = PeerRun("luna-raw" if raw else "luna", ok=False)
    try:
        import lunapi as lp
    except Exception as exc:  # noqa: BLE001
        run.error = f"cannot import lunapi: {exc!r}"
        return run
    try:
        if _LUNA_PROJ is None:
            _LUNA_PROJ = lp.proj()
            _LUNA_PROJ.silence(True)
        t0 = time.perf_counter()
        inst = _LUNA_PROJ.inst(edf.stem)
        inst.attach_edf(str(edf))
        strata = inst.eval(pipeline)
        run.seconds = time.perf_counter() - t0
        pairs = [tuple(x) for x in strata.values.tolist()] if strata is not None else []
        if ("LM", "BL") not in pairs:
            run.error = f"LM produced no BL table; strata were {pairs}"
            return run
        bl = inst.table("LM", "BL")
        run.plms_index = float(bl["PLMI"].iloc[0])
        run.notes.append(f"N_LM {bl['N_LM'].iloc[0]}, N_CLM {bl['N_CLM'].iloc[0]}, "
                         f"N_PLM {bl['N_PLM'].iloc[0]}")
        if ("LM", "EVENT_TYPE") in pairs:
            ev = inst.table("LM", "EVENT_TYPE")
            comp = ev[ev["TYPE"] == "COMP"]
            for side, code in (("left", "L"), ("right", "R")):
                c = comp[comp["SIDE"] == code]
                run.legs[side] = (c["START"].to_numpy(float), c["STOP"].to_numpy(float))
            lm = ev[ev["TYPE"] == "LM"]
            run.combined = (lm["START"].to_numpy(float), lm["STOP"].to_numpy(float))
        run.notes.append("lunapi: " + pipeline)
        run.ok = True
    except Exception as exc:  # noqa: BLE001 - print exactly why Luna could not run
        run.error = f"Luna LM failed: {type(exc).__name__}: {exc}"
    return run
