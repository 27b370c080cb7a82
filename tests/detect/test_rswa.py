"""REM sleep without atonia detector: rule boundaries on hand-built chin EMG.

The signals are deterministic sines inside the 10-100 Hz pass band (40 Hz carrier), so the
background (RMS of the quietest 30 s) is known exactly and bursts have exact durations and
amplitudes. Times are seconds from the recording start; REM begins at ``REM_T0``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import signal as sps

from somnomotor._errors import AnnotationError, ChannelNotFoundError, ParameterError
from somnomotor.detect.rswa import RSWAParams, detect_rswa, detect_rswa_standards
from somnomotor.events import EventTable
from somnomotor.hypnogram import Hypnogram
from somnomotor.recording import Channel, Recording

FS = 512.0
CARRIER_HZ = 40.0
BG_AMP = 2.0  # µV peak of the background sine (RMS 1.41 µV)
N_REM = 6  # REM epochs
REM_T0 = 60.0  # two N2 epochs before REM


def _stages(n_rem: int = N_REM) -> tuple[str, ...]:
    return ("N2", "N2") + ("R",) * n_rem + ("N2",)


def _amplitude_track(n_rem: int = N_REM) -> np.ndarray:
    n = int(len(_stages(n_rem)) * 30 * FS)
    amp = np.full(n, BG_AMP)
    amp[: int(REM_T0 * FS)] = 3 * BG_AMP  # NREM tone above REM atonia
    amp[int((REM_T0 + n_rem * 30) * FS):] = 3 * BG_AMP
    return amp


def _set(amp: np.ndarray, t0: float, dur: float, factor: float) -> None:
    amp[int(round(t0 * FS)): int(round((t0 + dur) * FS))] = factor * BG_AMP


def _recording(amp: np.ndarray, *, n_rem: int = N_REM, extra: dict | None = None,
               annotations: EventTable | None = None) -> Recording:
    t = np.arange(amp.size) / FS
    chin = amp * np.sin(2 * np.pi * CARRIER_HZ * t)
    channels = [Channel.from_array("Chin1-Chin2", chin, fs_hz=FS)]
    roles = {"chin": ("Chin1-Chin2",)}
    for role, data in (extra or {}).items():
        channels.append(Channel.from_array(role.upper(), data, fs_hz=FS))
        roles[role] = (role.upper(),)
    return Recording(channels=tuple(channels), roles=roles,
                     hypnogram=Hypnogram(_stages(n_rem), source="test"),
                     annotations=annotations if annotations is not None else EventTable.empty())


def _mini(res, role: str = "chin"):
    f = res.mini_epochs.frame
    return f[f["role"] == role].reset_index(drop=True)


def _mini_at(res, t: float, role: str = "chin"):
    f = _mini(res, role)
    row = f[(f["onset_s"] <= t) & (f["onset_s"] + f["duration_s"] > t)]
    assert len(row) == 1
    return row.iloc[0]


# -- phasic burst duration: 0.1-5.0 s (SINBAR, AASM) ------------------------------------------

@pytest.mark.parametrize(("dur", "expected"), [(0.09, False), (0.11, True), (4.9, True),
                                               (5.1, False)])
def test_sinbar_phasic_burst_duration_limits_0_1_to_5_s(dur: float, expected: bool) -> None:
    amp = _amplitude_track()
    t0 = REM_T0 + 30 * 2 + 3 * 3 + 0.5  # epoch 2, mini-epoch 3 (+ the next ones for 5 s)
    _set(amp, t0, dur, 10.0)
    res = detect_rswa(_recording(amp))
    assert bool(_mini_at(res, t0 + dur / 2)["phasic"]) is expected
    # sustained activity longer than 5 s still counts as "any" activity
    assert bool(_mini_at(res, t0 + dur / 2)["any"]) is (dur >= 0.1)
    # nothing elsewhere
    f = _mini(res)
    assert f["phasic"].sum() == (int(np.ceil((0.5 + dur) / 3)) if expected else 0)


# -- phasic amplitude: > 2x background (SINBAR), >= 4x (AASM) --------------------------------

@pytest.mark.parametrize(("factor", "expected"), [(1.8, False), (2.2, True)])
def test_sinbar_phasic_amplitude_above_2x_background(factor: float, expected: bool) -> None:
    amp = _amplitude_track()
    t0 = REM_T0 + 30 * 3 + 1.0
    _set(amp, t0, 1.0, factor)
    res = detect_rswa(_recording(amp))
    assert bool(_mini_at(res, t0 + 0.5)["phasic"]) is expected


@pytest.mark.parametrize(("factor", "expected"), [(3.6, False), (4.4, True)])
def test_aasm_phasic_amplitude_at_least_4x_background(factor: float, expected: bool) -> None:
    amp = _amplitude_track()
    t0 = REM_T0 + 30 * 3 + 1.0
    _set(amp, t0, 1.0, factor)
    res = detect_rswa(_recording(amp), RSWAParams.aasm())
    assert bool(_mini_at(res, t0 + 0.5)["phasic"]) is expected
    # the same burst is SINBAR-phasic either way (above 2x)
    assert bool(_mini_at(detect_rswa(_recording(amp)), t0 + 0.5)["phasic"])


# -- AASM phasic epoch: >= 5 of 10 3-s mini-epochs ---------------------------------------------

@pytest.mark.parametrize(("n_pos", "expected"), [(4, False), (5, True)])
def test_aasm_phasic_epoch_needs_5_of_10_mini_epochs(n_pos: int, expected: bool) -> None:
    amp = _amplitude_track()
    e0 = REM_T0 + 30 * 1
    for k in range(n_pos):
        _set(amp, e0 + 3 * (2 * k) + 1.0, 0.5, 6.0)  # every other mini-epoch
    res = detect_rswa(_recording(amp))
    ep = res.epochs.frame
    row = ep[ep["onset_s"] == e0].iloc[0]
    assert bool(row["chin_phasic_aasm"]) is expected
    assert row["chin_phasic_pct"] == pytest.approx(10.0 * n_pos)
    assert not ep[ep["onset_s"] != e0]["chin_phasic_aasm"].any()


# -- tonic: > 50 % of the 30-s epoch >= 2x background (SINBAR) ----------------------------------

@pytest.mark.parametrize(("fraction", "expected"), [(0.49, False), (0.51, True)])
def test_sinbar_tonic_more_than_half_the_epoch(fraction: float, expected: bool) -> None:
    amp = _amplitude_track()
    e0 = REM_T0 + 30 * 4
    _set(amp, e0 + 2.0, 30 * fraction, 3.0)
    res = detect_rswa(_recording(amp))
    ep = res.epochs.frame
    row = ep[ep["onset_s"] == e0].iloc[0]
    assert bool(row["chin_tonic"]) is expected
    assert row["chin_tonic_pct"] == pytest.approx(100 * fraction, abs=0.5)
    assert ep["chin_tonic"].sum() == int(expected)
    f = _mini(res)
    in_epoch = (f["onset_s"] >= e0) & (f["onset_s"] < e0 + 30)
    assert bool(f[in_epoch]["tonic"].any()) is expected
    assert not f[~in_epoch]["tonic"].any()


def test_aasm_tonic_half_the_epoch_above_nrem_minimum() -> None:
    # NREM minimum = 3x the REM background (the N2 tone); tonic REM at 4x covers 52 % and 48 %
    amp = _amplitude_track()
    _set(amp, REM_T0 + 30 * 1, 15.6, 4.0)
    _set(amp, REM_T0 + 30 * 3, 14.4, 4.0)
    res = detect_rswa(_recording(amp), RSWAParams.aasm())
    assert res.nrem_minimum_uv == pytest.approx(3 * BG_AMP / np.sqrt(2), rel=0.03)
    ep = res.epochs.frame.set_index("onset_s")
    assert bool(ep.loc[REM_T0 + 30, "chin_tonic"])
    assert not bool(ep.loc[REM_T0 + 90, "chin_tonic"])


def test_montreal_uses_20s_epochs_and_2s_mini_epochs() -> None:
    amp = _amplitude_track()
    res = detect_rswa(_recording(amp), RSWAParams.montreal())
    assert len(res.epochs) == N_REM * 30 // 20
    assert set(_mini(res)["duration_s"]) == {2.0}


# -- exclusions ----------------------------------------------------------------------------------

def test_mini_epochs_overlapping_an_arousal_are_excluded_and_counted() -> None:
    amp = _amplitude_track()
    t0 = REM_T0 + 30 * 2 + 4.0
    _set(amp, t0, 0.5, 8.0)  # a burst inside the arousal
    arousal = EventTable.from_arrays([t0 - 0.5], [4.0], "arousal")  # 3.5-7.5 s into the epoch
    res = detect_rswa(_recording(amp, annotations=arousal))
    f = _mini(res)
    excluded = f[f["excluded"]]
    assert list(excluded["onset_s"]) == [REM_T0 + 63.0, REM_T0 + 66.0]
    assert set(excluded["reason"]) == {"arousal"}
    assert not f["phasic"].any()  # the burst is not counted
    no_excl = detect_rswa(_recording(amp, annotations=arousal),
                          replace(RSWAParams.sinbar(), exclude_arousals=False))
    assert _mini(no_excl)["phasic"].sum() == 1


def test_flat_and_popping_mini_epochs_are_excluded() -> None:
    amp = _amplitude_track()
    e0 = REM_T0 + 30 * 3
    _set(amp, e0, 3.0, 0.0)  # disconnected: flat
    rec = _recording(amp)
    chin = rec.channels[0].data().copy()
    chin[int((e0 + 10) * FS)] = 5000.0  # electrode pop
    rec = Recording(channels=(Channel.from_array("Chin1-Chin2", chin, fs_hz=FS),),
                    roles=rec.roles, hypnogram=rec.hypnogram)
    res = detect_rswa(rec)
    f = _mini(res).set_index("onset_s")
    assert f.loc[e0, "reason"] == "flat"
    assert f.loc[e0 + 9, "reason"] == "pop"
    assert f["excluded"].sum() == 2


# -- limbs -----------------------------------------------------------------------------------

def test_arm_channels_scored_for_phasic_activity() -> None:
    amp = _amplitude_track()
    arm_amp = _amplitude_track()
    t0 = REM_T0 + 30 * 5 + 7.0
    _set(arm_amp, t0, 1.0, 5.0)
    t = np.arange(amp.size) / FS
    arm = arm_amp * np.sin(2 * np.pi * 55.0 * t)
    res = detect_rswa(_recording(amp, extra={"arm_left": arm}))
    assert res.channels["arm_left"] == "ARM_LEFT"
    assert bool(_mini_at(res, t0 + 0.5, "arm_left")["phasic"])
    assert _mini(res, "arm_left")["phasic"].sum() == 1
    assert not _mini(res, "arm_left")["tonic"].any()


# -- bad input -----------------------------------------------------------------------------------

def test_missing_chin_channel_raises_channel_not_found() -> None:
    amp = _amplitude_track()
    rec = _recording(amp)
    rec = Recording(channels=rec.channels, roles={}, hypnogram=rec.hypnogram)
    with pytest.raises(ChannelNotFoundError, match="chin"):
        detect_rswa(rec)


def test_missing_hypnogram_raises_annotation_error() -> None:
    rec = _recording(_amplitude_track()).with_hypnogram(None)
    with pytest.raises(AnnotationError, match="hypnogram"):
        detect_rswa(rec)


def test_no_rem_sleep_raises_parameter_error() -> None:
    rec = _recording(_amplitude_track()).with_hypnogram(Hypnogram(("N2",) * 9))
    with pytest.raises(ParameterError, match="no whole REM"):
        detect_rswa(rec)


def test_params_validation_message_names_field_and_value() -> None:
    with pytest.raises(ParameterError, match="mini_epoch_s"):
        RSWAParams(epoch_s=30.0, mini_epoch_s=7.0)
    with pytest.raises(ParameterError, match="'bogus'"):
        RSWAParams.preset("bogus")


def test_result_keeps_no_signal_and_runs_all_standards_once() -> None:
    amp = _amplitude_track()
    res = detect_rswa_standards(_recording(amp))
    assert set(res) == {"sinbar", "aasm", "montreal"}
    for r in res.values():
        for value in vars(r).values():
            assert not (isinstance(value, np.ndarray) and value.size > 1000)
    assert res["sinbar"].atonia.n_bins == N_REM * 30


# -- REM atonia index (Ferri 2010) against a plain reference ----------------------------------

def _reference_atonia_index(x: np.ndarray, fs: float, rem: tuple[float, float]) -> float:
    """Ferri 2010 written out: 10-100 Hz band-pass, |EMG| averaged in 1-s bins (the published
    scale: mean rectified amplitude, not SOMAS' 2x|EMG|), minus the minimum of the bins
    j-30..j+30, then AI = %<=1 µV / (100 - %(1,2] µV)."""
    b, a = sps.butter(2, [10.0, 100.0], btype="bandpass", fs=fs)
    y = sps.filtfilt(b, a, x)
    n_bins = int(len(y) // fs)
    means = []
    for j in range(n_bins):
        seg = y[int(j * fs): int((j + 1) * fs)]
        means.append(sum(abs(v) for v in seg) / len(seg))
    corrected = []
    for j in range(n_bins):
        window = means[max(0, j - 30): min(n_bins, j + 31)]
        corrected.append(means[j] - min(window))
    rem_bins = [corrected[j] for j in range(n_bins) if rem[0] <= j and j + 1 <= rem[1]]
    low = sum(1 for c in rem_bins if c <= 1.0)
    mid = sum(1 for c in rem_bins if 1.0 < c <= 2.0)
    p_low = 100.0 * low / len(rem_bins)
    p_mid = 100.0 * mid / len(rem_bins)
    return p_low / (100.0 - p_mid)


@pytest.mark.parametrize("active_share", [0.02, 0.15, 0.35, 0.6])
def test_rem_atonia_index_matches_ferri_2010_reference(active_share: float) -> None:
    rng = np.random.default_rng(int(active_share * 100))
    n_rem = 6
    stages = ("N2", "N2") + ("R",) * n_rem + ("N2", "N2")
    n = int(len(stages) * 30 * FS)
    sos = sps.butter(4, [20, 90], btype="bandpass", fs=FS, output="sos")
    noise = sps.sosfiltfilt(sos, rng.standard_normal(n))
    noise /= noise.std()
    level = np.full(int(n // FS), 0.3)  # µV RMS per second: atonia
    level[:60] = 1.5
    level[60 + n_rem * 30:] = 1.5
    rem_secs = np.arange(60, 60 + n_rem * 30)
    active = rng.choice(rem_secs, int(active_share * rem_secs.size), replace=False)
    level[active] = rng.uniform(0.5, 3.0, active.size)
    x = noise * np.repeat(level, int(FS))[:n]
    rec = Recording(channels=(Channel.from_array("Chin", x, fs_hz=FS),), roles={"chin": ("Chin",)},
                    hypnogram=Hypnogram(stages))
    res = detect_rswa(rec)
    expected = _reference_atonia_index(x, FS, (60.0, 60.0 + n_rem * 30))
    assert res.atonia.value is not None
    assert res.atonia.value == pytest.approx(expected, abs=0.03)


# -- minimum activity per mini-epoch: 0.05 s, after the RMS smear correction ----------------

@pytest.mark.parametrize(("overhang_s", "expected"), [(0.04, False), (0.06, True)])
def test_tonic_end_marks_next_mini_epoch_only_with_at_least_0_05_s(
        overhang_s: float, expected: bool) -> None:
    amp = _amplitude_track()
    boundary = REM_T0 + 30 * 2 + 15.0  # a 3-s mini-epoch boundary
    _set(amp, boundary - 10.0, 10.0 + overhang_s, 3.0)  # sustained (> 5 s) activity at 3x
    res = detect_rswa(_recording(amp))
    assert bool(_mini_at(res, boundary - 0.5)["any"])
    assert bool(_mini_at(res, boundary + 0.5)["any"]) is expected
    assert not bool(_mini_at(res, boundary + 3.5)["any"])


@pytest.mark.parametrize(("inside_s", "expected"), [(0.04, False), (0.06, True)])
def test_phasic_burst_straddling_a_boundary_needs_0_05_s_in_the_mini_epoch(
        inside_s: float, expected: bool) -> None:
    amp = _amplitude_track()
    boundary = REM_T0 + 30 * 3 + 9.0
    _set(amp, boundary - 0.3 + inside_s, 0.3, 6.0)  # a 0.3-s burst, inside_s after the boundary
    res = detect_rswa(_recording(amp))
    assert bool(_mini_at(res, boundary - 0.1)["phasic"])
    assert bool(_mini_at(res, boundary + 0.1)["phasic"]) is expected
    assert bool(_mini_at(res, boundary + 0.1)["any"]) is expected


# -- tonic epoch: more than 50 % of 30 s, i.e. more than 15 s ----------------------------------

@pytest.mark.parametrize(("seconds", "expected"), [(14.9, False), (15.1, True)])
def test_sinbar_tonic_epoch_at_14_9_vs_15_1_s(seconds: float, expected: bool) -> None:
    amp = _amplitude_track()
    e0 = REM_T0 + 30 * 2
    _set(amp, e0 + 7.0, seconds, 3.0)
    res = detect_rswa(_recording(amp))
    row = res.epochs.frame.set_index("onset_s").loc[e0]
    assert bool(row["chin_tonic"]) is expected
    assert row["chin_tonic_pct"] == pytest.approx(100 * seconds / 30, abs=0.1)


# -- background on a REM period that never falls quiet for 30 s ---------------------------------

def test_background_of_a_rem_period_without_a_quiet_30_s() -> None:
    # a 1-s burst at 8x every 20 s: every 30-s stretch holds one, so the quietest 30 s has
    # the power of (29 + 64) / 30 = 3.1 backgrounds (RMS 1.76x); the quiet seconds do not.
    amp = _amplitude_track()
    e3 = REM_T0 + 30 * 3
    # the tonic stretch replaces the burst it would hold (and is not quiet either)
    bursts = [t for t in (REM_T0 + 5.0 + 20.0 * k for k in range(N_REM * 30 // 20))
              if not e3 + 3.0 < t < e3 + 24.0]
    for t0 in bursts:
        _set(amp, t0, 1.0, 8.0)
    _set(amp, e3 + 4.0, 20.0, 2.6)  # tonic at 2.6x background, 66.7 % of the epoch
    res = detect_rswa(_recording(amp))
    assert res.backgrounds_uv["Chin1-Chin2"][0] == pytest.approx(BG_AMP / np.sqrt(2), rel=0.03)
    ep = res.epochs.frame.set_index("onset_s")
    assert bool(ep.loc[e3, "chin_tonic"])
    assert int(ep["chin_tonic"].sum()) == 1
    f = _mini(res)
    assert int(f["phasic"].sum()) == len(bursts)


def test_background_power_takes_quiet_seconds_only() -> None:
    from somnomotor.detect.rswa_background import background_power

    power = np.ones(60)
    power[::5] = 30.0  # a burst second every 5 s: no quiet 30 s anywhere
    power[7] = np.nan  # excluded second
    assert background_power(power, percentile=10, quiet_ratio=1.5,
                            min_quiet_s=15) == pytest.approx(1.0)
    assert np.isnan(background_power(power[:14], percentile=10, quiet_ratio=1.5,
                                     min_quiet_s=15))


def test_mains_hum_on_the_chin_is_notched() -> None:
    # 5 µV of 50-Hz hum buries the 1.4-µV REM background in the 10-100 Hz band
    amp = _amplitude_track()
    t0 = REM_T0 + 30 * 3 + 1.0
    _set(amp, t0, 1.0, 4.0)
    clean = _recording(amp)
    t = np.arange(amp.size) / FS
    hum = clean.channels[0].data() + 5.0 * np.sin(2 * np.pi * 50.0 * t + 0.3)
    rec = Recording(channels=(Channel.from_array("Chin1-Chin2", hum, fs_hz=FS),),
                    roles=clean.roles, hypnogram=clean.hypnogram)
    res = detect_rswa(rec)
    assert res.extra["notch_hz"] == {"Chin1-Chin2": 50.0}
    assert detect_rswa(clean).extra["notch_hz"] == {"Chin1-Chin2": None}
    assert res.backgrounds_uv["Chin1-Chin2"][0] == pytest.approx(BG_AMP / np.sqrt(2), rel=0.05)
    assert bool(_mini_at(res, t0 + 0.5)["phasic"])
    assert int(_mini(res)["any"].sum()) == 1
    off = detect_rswa(rec, replace(RSWAParams.sinbar(), auto_notch=False))
    # without the notch the hum sets the background
    assert off.extra["notch_hz"] == {"Chin1-Chin2": None}
    assert off.backgrounds_uv["Chin1-Chin2"][0] > 2.5 * BG_AMP / np.sqrt(2)
