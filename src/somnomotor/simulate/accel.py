"""Simulated ankle-accelerometer nights with ground truth.

What is simulated (every choice is ours; this is not real data):

* **Gravity and posture.** The sensor on the lateral ankle reads the gravity vector in its own
  frame; each lying posture (supine, prone, left, right) has its own direction, jittered
  per episode by up to 25 deg (how the leg lies differs each time).
* **Turning over.** Every 10-70 min (exponential), 2-8 s of rotation from one posture to
  the next, with broadband body acceleration of 0.05-0.4 g.
* **Leg movements** (what a tibialis EMG would score): a tilt of the foot about a random axis
  by an angle drawn lognormally (median ``angle_median_deg``), raised-cosine rise and fall
  (0.15-0.5 s each), total duration 0.5-10 s (mostly 1-4 s), with a 2-8 Hz "kick" of
  5-60 mg. In periodic series (4-80 movements, onset-to-onset 12-60 s with 10 % jitter) and
  isolated ones (Poisson). A share ``invisible_fraction`` of the EMG movements barely moves
  the ankle (0.05-0.6 deg, no kick): they are in the EMG truth but an accelerometer cannot see
  them. The default share, 39 %, is the share of EMG movements one validation study found
  without an accelerometer counterpart (figure as given in the project's issue; the study
  itself was not read here).
* **Out of bed** before and after: walking (1.6-2.0 Hz steps, 0.2-0.6 g) with pauses.
* **Non-wear**: the device lies on a table (fixed orientation, noise only).
* **Sensor**: white noise (``noise_mg`` per axis), per-axis offset (+-40 mg) and scale error
  (+-3 %), quantisation to 3.9 mg (a +-8 g 12-bit range).

The truth (:class:`AccelTruth`) lists every EMG movement with its angle and whether it is
visible (``visible``: not one of the invisible share), the posture changes, the bed interval
and the non-wear intervals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from somnomotor._errors import ParameterError
from somnomotor.io.accel import AccelRecording

_POSTURES = {
    "supine": np.array([0.15, -0.98, 0.10]),
    "prone": np.array([-0.10, 0.97, 0.20]),
    "left": np.array([0.05, 0.10, 0.99]),
    "right": np.array([0.10, -0.05, -0.99]),
}
_TABLE = np.array([0.0, 0.0, 1.0])


@dataclass(frozen=True)
class AccelTruthMovement:
    """One leg movement as a tibialis EMG would score it."""

    onset_s: float
    duration_s: float
    angle_deg: float
    visible: bool
    series_id: int  # generated series number, -1 for isolated movements


@dataclass(frozen=True)
class AccelTruth:
    """Ground truth of a simulated accelerometer night (times in s from the start)."""

    movements: tuple[AccelTruthMovement, ...]
    posture_changes: tuple[tuple[float, float], ...]
    in_bed_s: float
    out_of_bed_s: float
    nonwear: tuple[tuple[float, float], ...]
    offset_g: tuple[float, float, float]
    scale: tuple[float, float, float]
    settings: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SimulatedAccelNight:
    """A simulated recording and its truth."""

    recording: AccelRecording
    truth: AccelTruth


def _rotate(v: np.ndarray, axis: np.ndarray, angle_rad: np.ndarray) -> np.ndarray:
    """Rodrigues rotation of vector ``v`` (3,) about unit ``axis`` by angles (n,) -> (n, 3)."""
    c = np.cos(angle_rad)[:, None]
    s = np.sin(angle_rad)[:, None]
    cross = np.cross(axis, v)
    return v * c + cross * s + axis * np.dot(axis, v) * (1.0 - c)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _jitter(v: np.ndarray, rng: np.random.Generator, max_deg: float) -> np.ndarray:
    axis = _unit(np.cross(v, rng.normal(size=3)))
    return _unit(_rotate(v, axis, np.array([np.radians(rng.uniform(0, max_deg))]))[0])


def _band_noise(rng: np.random.Generator, n: int, fs: float, lo: float, hi: float) -> np.ndarray:
    spec = np.fft.rfft(rng.normal(size=(n, 3)), axis=0)
    f = np.fft.rfftfreq(n, 1.0 / fs)
    spec[(f < lo) | (f > min(hi, fs / 2))] = 0
    x = np.fft.irfft(spec, n=n, axis=0)
    sd = x.std()
    return x / sd if sd > 0 else x


def simulate_accel_night(
    *,
    duration_h: float = 1.0,
    fs_hz: float = 50.0,
    seed: int = 0,
    pre_bed_min: float = 5.0,
    post_bed_min: float = 5.0,
    series_per_h: float = 2.0,
    isolated_per_h: float = 10.0,
    invisible_fraction: float = 0.39,
    angle_median_deg: float = 5.0,
    noise_mg: float = 4.0,
    nonwear_min: float = 0.0,
    miscalibrated: bool = True,
    min_visible_angle_deg: float = 1.0,
    kick_max_g: float = 0.06,
    start: dt.datetime = dt.datetime(2026, 1, 1, 22, 30),
) -> SimulatedAccelNight:
    """Simulate one ankle-worn accelerometer night (see the module doc).

    ``duration_h`` is the time in bed; ``nonwear_min`` minutes of the device lying on a table
    come before ``pre_bed_min`` of walking. ``min_visible_angle_deg`` and ``kick_max_g``
    set how faint a visible movement may be (lower them for movements near any threshold).
    """
    if not 10.0 <= fs_hz <= 200.0:
        raise ParameterError(f"fs_hz must be 10-200 Hz, received {fs_hz}")
    if not 0.0 <= invisible_fraction <= 1.0:
        raise ParameterError(f"invisible_fraction must be 0-1, received {invisible_fraction}")
    rng = np.random.default_rng(seed)
    nw = nonwear_min * 60.0
    in_bed = nw + pre_bed_min * 60.0
    out_bed = in_bed + duration_h * 3600.0
    total = out_bed + post_bed_min * 60.0
    n = int(total * fs_hz)
    t = np.arange(n) / fs_hz
    grav = np.empty((n, 3))
    dyn = np.zeros((n, 3))

    def idx(s: float) -> int:
        return int(np.clip(round(s * fs_hz), 0, n))

    # non-wear and walking
    grav[: idx(nw)] = _jitter(_TABLE, rng, 5)
    stand = np.array([0.98, 0.1, 0.15])
    for a, b in ((nw, in_bed), (out_bed, total)):
        # bouts of 20-120 s: standing or sitting in a new leg orientation, half of them walking
        bout_start = a
        while bout_start < b:
            bout_end = min(b, bout_start + rng.uniform(20.0, 120.0))
            i0, i1 = idx(bout_start), idx(bout_end)
            bout_start = bout_end
            if i1 <= i0:
                continue
            grav[i0:i1] = _jitter(stand, rng, 50)
            if rng.random() < 0.5:
                continue
            step_hz = rng.uniform(1.6, 2.0)
            tt = t[i0:i1]
            axis = _unit(np.cross(grav[i0], rng.normal(size=3)))
            swing = np.radians(rng.uniform(15, 30)) * np.sin(2 * np.pi * step_hz * tt)
            grav[i0:i1] = _rotate(grav[i0].copy(), axis, swing)
            dyn[i0:i1] += rng.uniform(0.1, 0.4) * _band_noise(rng, i1 - i0, fs_hz, 1.0, 12)

    # postures and turning over in bed
    names = list(_POSTURES)
    changes: list[tuple[float, float]] = []
    cur = _jitter(_POSTURES[names[rng.integers(4)]], rng, 25)
    s = in_bed
    while s < out_bed:
        e = min(out_bed, s + rng.exponential(30 * 60) + 10 * 60)
        grav[idx(s):idx(e)] = cur
        if e >= out_bed:
            break
        turn = rng.uniform(2.0, 8.0)
        nxt = _jitter(_POSTURES[names[rng.integers(4)]], rng, 25)
        i0, i1 = idx(e), idx(min(e + turn, out_bed))
        w = 0.5 - 0.5 * np.cos(np.pi * np.linspace(0, 1, i1 - i0))[:, None]
        grav[i0:i1] = (1 - w) * cur + w * nxt
        grav[i0:i1] /= np.linalg.norm(grav[i0:i1], axis=1, keepdims=True)
        dyn[i0:i1] += rng.uniform(0.05, 0.4) * np.sin(np.pi * w) * _band_noise(rng, i1 - i0,
                                                                               fs_hz, 0.5, 10)
        changes.append((e, turn))
        cur = nxt
        s = e + turn

    # leg movements: series first, then isolated ones, kept out of turns and each other
    busy = [(a - 3.0, a + d + 3.0) for a, d in changes]
    moves: list[tuple[float, float, int]] = []

    def free(a: float, b: float) -> bool:
        return a >= in_bed + 1 and b <= out_bed - 1 and all(b <= x or a >= y for x, y in busy)

    def draw_duration() -> float:
        return float(np.clip(rng.lognormal(np.log(2.0), 0.5), 0.5, 10.0))

    n_series = rng.poisson(series_per_h * duration_h)
    for sid in range(n_series):
        for _attempt in range(50):  # a series needs a stretch without turning over
            length = int(rng.integers(4, 61))
            imi = rng.uniform(12.0, 60.0)
            a = rng.uniform(in_bed, out_bed)
            onsets = a + np.cumsum(
                np.r_[0.0, rng.normal(imi, 0.1 * imi, length - 1).clip(10.5, 89)])
            durs = [draw_duration() for _ in onsets]
            if all(free(o, o + d) for o, d in zip(onsets, durs)):
                moves.extend((float(o), d, sid) for o, d in zip(onsets, durs))
                busy.append((float(onsets[0]) - 6.0, float(onsets[-1] + durs[-1]) + 6.0))
                break
    for _ in range(rng.poisson(isolated_per_h * duration_h)):
        a = rng.uniform(in_bed, out_bed)
        d = draw_duration()
        if free(a - 1.0, a + d + 1.0):
            moves.append((a, d, -1))
            busy.append((a - 1.0, a + d + 1.0))
    moves.sort()

    truth_moves = []
    for onset, dur, sid in moves:
        visible = bool(rng.random() >= invisible_fraction)
        angle = (float(np.clip(rng.lognormal(np.log(angle_median_deg), 0.6),
                               min_visible_angle_deg, 40.0))
                 if visible else float(rng.uniform(0.05, 0.6)))
        i0, i1 = idx(onset), idx(onset + dur)
        m = i1 - i0
        rise = max(2, int(rng.uniform(0.15, min(0.5, dur / 3)) * fs_hz))
        prof = np.ones(m)
        r = 0.5 - 0.5 * np.cos(np.pi * np.arange(rise) / rise)
        prof[:rise] = r
        prof[m - rise:] = r[::-1]
        base = grav[i0]
        axis = _unit(np.cross(base, rng.normal(size=3)))
        grav[i0:i1] = _rotate(base, axis, np.radians(angle) * prof)
        if visible:
            dyn[i0:i1] += (rng.uniform(min(0.005, kick_max_g), kick_max_g) * np.sin(np.pi * np.linspace(0, 1, m))[:, None]
                           * _band_noise(rng, m, fs_hz, 2.0, 8.0))
        truth_moves.append(AccelTruthMovement(onset, dur, angle, visible, sid))

    acc = grav + dyn
    acc[: idx(nw)] = grav[: idx(nw)]  # nothing moves a device on a table
    if miscalibrated:
        offset = rng.uniform(-0.04, 0.04, 3)
        scale = rng.uniform(0.97, 1.03, 3)
    else:
        offset, scale = np.zeros(3), np.ones(3)
    # raw = true / scale - offset, so that (raw + offset) * scale = true
    raw = acc / scale - offset + rng.normal(0, noise_mg / 1000.0, (n, 3))
    raw = np.round(raw / 0.0039) * 0.0039
    rec = AccelRecording(raw.astype(np.float32), float(fs_hz), start, "simulated",
                         f"simulated_accel_seed{seed}")
    truth = AccelTruth(
        movements=tuple(truth_moves), posture_changes=tuple(changes), in_bed_s=in_bed,
        out_of_bed_s=out_bed, nonwear=((0.0, nw),) if nw > 0 else (),
        offset_g=tuple(offset.tolist()), scale=tuple(scale.tolist()),  # type: ignore[arg-type]
        settings={"duration_h": duration_h, "fs_hz": fs_hz, "seed": seed,
                  "invisible_fraction": invisible_fraction, "angle_median_deg": angle_median_deg,
                  "noise_mg": noise_mg, "nonwear_min": nonwear_min,
                  "min_visible_angle_deg": min_visible_angle_deg, "kick_max_g": kick_max_g},
    )
    return SimulatedAccelNight(rec, truth)


def write_accel_csv(night: SimulatedAccelNight, path: str) -> None:
    """Write a simulated night as an accelerometer CSV (ISO time, x, y, z in g)."""
    import pandas as pd

    rec = night.recording
    start = rec.start or dt.datetime(2026, 1, 1)
    times = pd.Timestamp(start) + pd.to_timedelta(np.arange(rec.n_samples) / rec.fs_hz, unit="s")
    frame = pd.DataFrame({"time": times.strftime("%Y-%m-%d %H:%M:%S.%f"),
                          "x": rec.acceleration_g[:, 0], "y": rec.acceleration_g[:, 1],
                          "z": rec.acceleration_g[:, 2]})
    frame.to_csv(path, index=False, float_format="%.4f")


__all__ = ["AccelTruth", "AccelTruthMovement", "SimulatedAccelNight", "simulate_accel_night",
           "write_accel_csv"]
