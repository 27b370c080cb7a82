"""Bilateral pairs of the leg-movement generator: their pairing holds under the WASM rule.

WASM 2016 (Ferri et al., Sleep Med 2016;26:86, doi:10.1016/j.sleep.2016.10.010) joins two
monolateral movements into one bilateral movement when the gap from the first one's offset
(start of >= 0.5 s at <= 2 µV above rest) to the second one's onset (8 µV above rest) is
< 0.5 s. The crossings are measured here on the rendered, noise-free envelopes scaled by
the rectified-mean gain of the standard 10-100 Hz filter, which is itself checked against
filtered simulated noise.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import signal

from somnomotor.signal.filters import design_bandpass
from somnomotor.simulate.emg import Envelope, standard_filter_gain, unit_emg_noise
from somnomotor.simulate.legs import LegMovements
from somnomotor.simulate.profiles import get_profile
from somnomotor.simulate.truth import TruthBuilder

FS_HZ = 512.0
REST_UV = 2.5


@pytest.mark.parametrize("fs_hz", [256.0, 512.0, 1000.0])
def test_standard_filter_gain_matches_filtered_noise(fs_hz: float) -> None:
    rng = np.random.default_rng(7)
    noise = unit_emg_noise(rng, int(fs_hz * 300), fs_hz).astype(np.float64)
    # the standard filter: the leg detector's 10-100 Hz band-pass (-3 dB at the edges when
    # run forward and backward)
    sos = design_bandpass(fs_hz, low_hz=10.0, high_hz=100.0, order=2, zero_phase_edges=True)
    measured = np.abs(signal.sosfiltfilt(sos, noise)).mean() / np.abs(noise).mean()
    assert standard_filter_gain(fs_hz) == pytest.approx(measured, abs=0.01)


def _pairs(gen: LegMovements, n: int, seed: int) -> list[tuple[float, float]]:
    """Place ``n`` bilateral movements; return the rule gap (s) of each pair that does not
    overlap between the envelopes, and its envelope gap (s)."""
    rng = np.random.default_rng(seed)
    duration = 40.0 * n + 40.0
    envs = {role: Envelope.constant(label, role, fs_hz=FS_HZ, duration_s=duration,
                                    rest_uV=REST_UV)
            for role, label in (("leg_left", "LAT"), ("leg_right", "RAT"))}
    truth = TruthBuilder()
    for k in range(n):
        gen._place(rng, envs, truth, 20.0 + 40.0 * k, gen._duration(rng), cause="periodic",
                   bilateral=True)
    gain = standard_filter_gain(FS_HZ)
    rendered = {e.label: gain * (e.render_envelope().astype(np.float64) - REST_UV)
                for e in envs.values()}
    events = truth.events_of("leg_movement")
    out = []
    by_id: dict[int, list] = {}
    for e in events:
        by_id.setdefault(e.flags["movement_id"], []).append(e)
    for parts in by_id.values():
        if len(parts) != 2:
            continue
        a, b = sorted(parts, key=lambda e: e.onset_s)
        if b.onset_s < a.offset_s:  # overlapping envelopes: one movement under any rule
            continue
        x_a = rendered[a.channel]
        i0, i1 = int(a.onset_s * FS_HZ), int(np.ceil(a.offset_s * FS_HZ)) + 1
        offset = (i0 + np.flatnonzero(x_a[i0:i1] > 2.0)[-1] + 1) / FS_HZ
        x_b = rendered[b.channel]
        j0, j1 = int(b.onset_s * FS_HZ), int(np.ceil(b.offset_s * FS_HZ)) + 1
        onset = (j0 + np.flatnonzero(x_b[j0:j1] >= 8.0)[0]) / FS_HZ
        out.append((onset - offset, b.onset_s - a.offset_s))
    return out


def test_gap_pairs_keep_the_rule_gap_in_the_drawn_range() -> None:
    # Before the gap was measured between the rule's crossings, 0.2-0.35 s between the
    # envelope edges became up to ~0.55 s between the crossings: two movements for the rule.
    gen = dataclasses.replace(LegMovements(), amplitude_uV=(15.0, 60.0))
    gaps = _pairs(gen, 300, seed=3)
    assert len(gaps) > 30
    rule = np.array([g for g, _ in gaps])
    envelope = np.array([e for _, e in gaps])
    # one 512-Hz sample of rounding on each crossing
    assert rule.min() >= 0.2 - 3 / FS_HZ
    assert rule.max() <= 0.35 + 3 / FS_HZ
    assert (envelope < rule).all()


def test_near_threshold_pairs_meant_as_one_movement_always_overlap() -> None:
    prof = get_profile("plmd").with_conditions(["near_threshold"])
    gen = next(g for g in prof.generators if isinstance(g, LegMovements))
    assert gen.bilateral_gap_s is None
    assert _pairs(gen, 200, seed=5) == []
