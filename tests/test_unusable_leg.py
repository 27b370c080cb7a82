"""One unusable leg is handled one way: the usable leg is scored, the result says which legs
the indices come from and why the other was left out (one warning line), and every other
analysis runs (docs/leg-movement-detection.md, "One unusable leg").

The night is made here: 20 min of sleep (N2, then REM) at 256 Hz, 1-µV rest, 2-s bursts of
30 µV on the left leg every 24 s and on the right leg every 24 s, 12 s after the left ones. Both legs: one PLM
series of monolateral LMs 12 s apart (2 per 24 s); one leg: LMs 24 s apart (1 per 24 s).
The PLMS index of the one-leg night is therefore about half the two-leg index, computed
here from the burst times, not from the code.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from scipy import signal as sps

from somnomotor._errors import SignalQualityError
from somnomotor.detect.leg_movements import detect_leg_movements
from somnomotor.hypnogram import Hypnogram
from somnomotor.pipeline import analyze_recording, load_night, write_night_outputs
from somnomotor.recording import Channel, Recording

FS = 256.0
DURATION_S = 1200.0
RANGE_UV = (-1000.0, 1000.0)


def _legs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    n = int(DURATION_S * FS)
    sos = sps.butter(4, [15, 90], "bandpass", fs=FS, output="sos")

    def noise() -> np.ndarray:
        z = sps.sosfiltfilt(sos, rng.standard_normal(n))
        return z / np.mean(np.abs(z))

    left_level = np.ones(n)
    right_level = np.ones(n)
    left_on = np.arange(60.0, DURATION_S - 60.0, 24.0)
    for t in left_on:
        left_level[int(t * FS):int((t + 2) * FS)] = 30.0
        right_level[int((t + 12) * FS):int((t + 14) * FS)] = 30.0
    chin = 3.0 * noise()
    return ((left_level * noise()).astype(np.float32), (right_level * noise()).astype(np.float32),
            chin.astype(np.float32))


LEFT, RIGHT, CHIN = _legs()
N_LEFT_BURSTS = len(np.arange(60.0, DURATION_S - 60.0, 24.0))
# N2 then REM (RSWA needs REM); the PLMS index counts LMs in both
HYPNOGRAM = Hypnogram(("N2",) * 30 + ("R",) * 10, source="made in the test")
# Expected PLMS index in /h over the 20 min of sleep: every burst is one LM of a series.
ONE_LEG_INDEX = N_LEFT_BURSTS / (DURATION_S / 3600.0)
TWO_LEG_INDEX = 2 * N_LEFT_BURSTS / (DURATION_S / 3600.0)


def _recording(right: np.ndarray | None, *, right_range: tuple[float, float] | None = RANGE_UV
               ) -> Recording:
    chans = [Channel.from_array("LAT", LEFT, fs_hz=FS, physical_range=RANGE_UV),
             Channel.from_array("Chin1-Chin2", CHIN, fs_hz=FS)]
    roles = {"leg_left": ("LAT",), "chin": ("Chin1-Chin2",)}
    if right is not None:
        chans.append(Channel.from_array("RAT", right, fs_hz=FS, physical_range=right_range))
        roles["leg_right"] = ("RAT",)
    return Recording(channels=tuple(chans), roles=roles, duration_s=DURATION_S,
                     hypnogram=HYPNOGRAM)


def _analyze(rec: Recording, caplog: pytest.LogCaptureFixture | None = None
             ) -> tuple[object, list[str]]:
    """The night analysed, and every warning line it gave (warnings and logged warnings,
    which the command line prints to stderr)."""
    # a handler on the package logger itself: the command line (run by other tests in
    # the same process) stops it from propagating to the root logger caplog listens to
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    pkg = logging.getLogger("somnomotor")
    level = pkg.level
    pkg.addHandler(handler)
    pkg.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            night = analyze_recording(rec, auto_stage=False)
    finally:
        pkg.removeHandler(handler)
        pkg.setLevel(level)
    lines = [str(w.message) for w in caught] + [r.getMessage() for r in records]
    return night, lines


def _plms(night: object) -> float | None:
    leg = night.result("leg_movements")  # type: ignore[attr-defined]
    return next(i.value for i in leg.indices if i.name == "plms_index")


def test_both_legs_usable_reference(caplog: pytest.LogCaptureFixture) -> None:
    night, lines = _analyze(_recording(RIGHT), caplog)
    leg = night.result("leg_movements")
    assert leg.extra["legs_scored"] == ["left", "right"]
    assert leg.extra["legs_left_out"] == {}
    assert _plms(night) == pytest.approx(TWO_LEG_INDEX, rel=0.05)
    assert not [ln for ln in lines if "left out" in ln]


UNUSABLE_RIGHT = {
    "flat": (np.zeros_like(RIGHT), RANGE_UV, "flat all night"),
    "saturated": (np.full_like(RIGHT, RANGE_UV[1]), RANGE_UV, "saturated all night"),
    "constant": (np.full_like(RIGHT, 12.5), RANGE_UV, "flat all night"),
    # the right leg amplified 10^4 times (a wrong unit or gain): only noise to the detector
    "extreme": (RIGHT * 1e4, (-1e6, 1e6), "unscorable for 100 %"),
}


@pytest.mark.parametrize("case", list(UNUSABLE_RIGHT))
def test_one_unusable_leg_the_other_is_scored(case: str, caplog: pytest.LogCaptureFixture,
                                              tmp_path: object) -> None:
    right, rng, why = UNUSABLE_RIGHT[case]
    night, lines = _analyze(_recording(right, right_range=rng), caplog)
    # every other analysis ran
    families = {r.family for r in night.results}
    assert {"leg_movements", "rswa", "fragmentary_myoclonus"} <= families
    assert "leg_movements" not in night.skipped
    leg = night.result("leg_movements")
    assert leg.extra["legs_scored"] == ["left"]
    assert list(leg.extra["legs_left_out"]) == ["right"]
    assert why in leg.extra["legs_left_out"]["right"]
    # the left leg scored over the whole night, not over the union with the right leg's
    # unscorable time
    assert _plms(night) == pytest.approx(ONE_LEG_INDEX, rel=0.05)
    assert set(leg.events.frame["channel"]) == {"LAT"}
    assert not len(leg.unscorable) or set(leg.unscorable.frame["channel"]) == {"LAT"}
    # exactly one warning line names the leg left out and why
    named = [ln for ln in lines if "RAT" in ln or "right" in ln]
    assert len(named) == 1, lines
    assert "left out" in named[0] and why in named[0]
    # summary.json says which legs the indices come from
    write_night_outputs(night, tmp_path)  # type: ignore[arg-type]
    summary = json.loads((tmp_path / "summary.json").read_text())  # type: ignore[operator]
    entry = summary["analyses"]["leg_movements"]
    assert entry["legs_scored"] == ["left"]
    assert why in entry["legs_left_out"]["right"]


def test_missing_right_leg_is_named(caplog: pytest.LogCaptureFixture) -> None:
    night, lines = _analyze(_recording(None), caplog)
    leg = night.result("leg_movements")
    assert leg.extra["legs_scored"] == ["left"]
    assert "no right-leg" in leg.extra["legs_left_out"]["right"]
    assert _plms(night) == pytest.approx(ONE_LEG_INDEX, rel=0.05)
    named = [ln for ln in lines if "right" in ln]
    assert len(named) == 1 and "left out" in named[0], lines


def _edf(make_edf: Callable[..., Path], right_label: str | None) -> Path:
    signals = {"LAT": (LEFT.astype(float), FS), "Chin1-Chin2": (CHIN.astype(float), FS)}
    if right_label is not None:
        signals[right_label] = (RIGHT.astype(float), FS)
    stages = [(30.0 * i, 30.0, "Sleep stage 2" if i < 30 else "Sleep stage R")
              for i in range(int(DURATION_S // 30))]
    return make_edf(signals=signals, annotations=stages, physical_range=RANGE_UV)


def _empty_range(path: object, label: str) -> None:
    """Patch the EDF header: physical maximum = physical minimum for ``label``."""
    raw = bytearray(path.read_bytes())  # type: ignore[attr-defined]
    ns = int(raw[252:256].decode().strip())
    labels = [raw[256 + 16 * i:256 + 16 * (i + 1)].decode().strip() for i in range(ns)]
    i = labels.index(label)
    pmin_at = 256 + ns * (16 + 80 + 8) + 8 * i
    pmax_at = 256 + ns * (16 + 80 + 8 + 8) + 8 * i
    raw[pmax_at:pmax_at + 8] = raw[pmin_at:pmin_at + 8]
    path.write_bytes(bytes(raw))  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", ["missing", "empty label", "empty range"])
def test_right_leg_lost_in_the_file_is_named(case: str, make_edf: Callable[..., Path],
                                             caplog: pytest.LogCaptureFixture) -> None:
    path = _edf(make_edf, {"missing": None, "empty label": "", "empty range": "RAT"}[case])
    if case == "empty range":
        _empty_range(path, "RAT")
    rec = load_night(path)
    assert "LAT" in rec.labels
    night, lines = _analyze(rec, caplog)
    leg = night.result("leg_movements")
    assert leg.extra["legs_scored"] == ["left"]
    why = leg.extra["legs_left_out"]["right"]
    if case == "empty range":
        assert "RAT" in why and "physical range" in why
    else:
        assert "no right-leg" in why
    assert _plms(night) == pytest.approx(ONE_LEG_INDEX, rel=0.05)
    assert any("left out" in w for w in leg.warnings)
    # one stderr line: the reader's, when it skipped the channel (it names it and why)
    if case == "empty range":
        named = [ln for ln in rec.warnings if "RAT" in ln]
        assert len(named) == 1 and "physical range" in named[0]
        assert not [ln for ln in lines if "left out" in ln], lines
    else:
        assert len([ln for ln in lines if "left out" in ln]) == 1, lines


def test_no_usable_leg_skips_leg_analysis_but_not_the_night(
        caplog: pytest.LogCaptureFixture) -> None:
    rec = _recording(np.zeros_like(RIGHT))
    chans = tuple(Channel.from_array("LAT", np.zeros_like(LEFT), fs_hz=FS) if c.label == "LAT"
                  else c for c in rec.channels)
    from dataclasses import replace

    rec = replace(rec, channels=chans)
    with pytest.raises(SignalQualityError, match="LAT.*RAT"):
        detect_leg_movements(rec)
    night, _ = _analyze(rec, caplog)
    assert "leg_movements" in night.skipped
    assert "flat all night" in night.skipped["leg_movements"]
    assert "fragmentary_myoclonus" in {r.family for r in night.results}


def test_command_line_flat_right_leg_exits_0_with_one_stderr_line(
        tmp_path: Path, make_edf: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    from somnomotor.cli.main import main

    signals = {"LAT": (LEFT.astype(float), FS), "RAT": (np.zeros(RIGHT.size), FS),
               "Chin1-Chin2": (CHIN.astype(float), FS)}
    stages = [(30.0 * i, 30.0, "Sleep stage 2" if i < 30 else "Sleep stage R")
              for i in range(int(DURATION_S // 30))]
    path = make_edf(signals=signals, annotations=stages, physical_range=RANGE_UV)
    out = tmp_path / "out"
    assert main(["analyze", str(path), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    named = [ln for ln in err.splitlines() if "RAT" in ln]
    assert len(named) == 1 and "left out: flat all night" in named[0], err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["analyses"]["leg_movements"]["legs_scored"] == ["left"]
    assert "rswa" in summary["analyses"]
