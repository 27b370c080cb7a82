"""Leg hard cases of the simulator: the truth checked against the rendered samples.

Each check measures the rendered signal (or the EDF read back) with plain numpy and compares
it with what the truth claims; the reference numbers come from the rules (8 µV / 2 µV,
0.5 s, 10 s: WASM 2016, Ferri et al., Sleep Med 2016;26:86,
doi:10.1016/j.sleep.2016.10.010) or from first principles (kurtosis of a Gaussian is 3),
never from the simulator's own bookkeeping.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from somnomotor.io.edf import read_recording
from somnomotor.simulate import simulate_night, write_simulated_night
from somnomotor.simulate.emg import Burst, burst_shape, spiky_emg_noise
from somnomotor.simulate.night import SimulatedNight

SHORT_H = 0.4


@functools.lru_cache(maxsize=None)
def _night(condition: str, seed: int, profile: str = "plmd") -> SimulatedNight:
    return simulate_night(profile, seed=seed, duration_h=SHORT_H, conditions=(condition,))


def _counted(night: SimulatedNight) -> list:  # type: ignore[type-arg]
    """True leg movements that are LMs under WASM (>= 0.5 s) and not under an artefact."""
    return [e for e in night.truth.events_of("leg_movement")
            if e.duration_s >= 0.5 and not e.flags.get("obscured")]


def _samples(night: SimulatedNight, label: str, on: float, off: float) -> np.ndarray:
    ch = night.recording.channel(label)
    x = ch.data()
    return x[max(0, int(np.floor(on * ch.fs_hz))):int(np.ceil(off * ch.fs_hz)) + 1]


# -- clipping --------------------------------------------------------------------------------
CLIP_SEEDS = (0, 1, 2, 3, 4, 5)


def test_clipped_movements_have_samples_at_the_rail_and_count_as_movements() -> None:
    n_counted = n_rail = n_pos = n_neg = 0
    ranges = set()
    for seed in CLIP_SEEDS:
        night = _night("clipping", seed)
        lo, hi = night.truth.channel("LAT").physical_range_uV
        assert lo == -hi and 100.0 <= hi <= 1000.0
        ranges.add(hi)
        for label in ("LAT", "RAT"):
            x = night.recording.channel(label).data()
            assert x.max() <= hi and x.min() >= lo  # clipped like an amplifier, both rails
        for e in _counted(night):
            seg = _samples(night, e.channel, e.onset_s, e.offset_s)
            at_pos, at_neg = int((seg >= hi).sum()), int((seg <= lo).sum())
            railed = at_pos + at_neg > 0
            assert e.flags["clipped"] == railed, (seed, e.event_id)
            assert e.kind == "leg_movement" and e.flags["lm_wasm"]
            n_counted += 1
            n_rail += railed
            n_pos += at_pos > 0
            n_neg += at_neg > 0
    assert len(ranges) >= 3, "nights of the clipping condition must vary the physical range"
    share = n_rail / n_counted
    assert 0.10 <= share <= 0.20, f"{n_rail}/{n_counted} counted movements reach the rail"
    assert n_pos > 5 and n_neg > 5  # both rails


def test_clipped_night_edf_has_the_physical_range_and_the_same_clipping(tmp_path) -> None:  # type: ignore[no-untyped-def]
    night = _night("clipping", 0)
    lo, hi = night.truth.channel("LAT").physical_range_uV
    dmin, dmax = night.truth.channel("LAT").digital_range
    path = write_simulated_night(night, tmp_path / "clip.edf")
    back = read_recording(path)
    step = (hi - lo) / (dmax - dmin)
    for label in ("LAT", "RAT"):
        x = night.recording.channel(label).data()
        y = back.channel(label).data()[: x.size]
        np.testing.assert_allclose(y, x, atol=step * 0.51 + 1e-3 * hi / 1000)
        rail_mem = np.abs(x) >= hi
        rail_edf = np.abs(y) >= hi - step * 0.51
        assert rail_mem.sum() > 0
        np.testing.assert_array_equal(rail_mem, rail_edf)
    import edfio

    sig = edfio.read_edf(path).get_signal("LAT")
    assert (sig.physical_min, sig.physical_max) == (lo, hi)
    assert (sig.digital_min, sig.digital_max) == (dmin, dmax)


@pytest.mark.parametrize("digital", [(-32768, 32767), (-2048, 2047), (0, 4095)])
def test_edf_digital_ranges_as_labs_set_them_read_back(tmp_path, digital) -> None:  # type: ignore[no-untyped-def]
    from somnomotor.simulate import LegSettings

    night = simulate_night("plmd", seed=2, duration_h=0.1, conditions=("clipping",),
                           leg_settings=LegSettings(physical_range_uV=200.0,
                                                    digital_range=digital,
                                                    strong_fraction=0.5))
    path = write_simulated_night(night, tmp_path / "d.edf")
    x = night.recording.channel("RAT").data()
    y = read_recording(path).channel("RAT").data()[: x.size]
    step = 400.0 / (digital[1] - digital[0])
    assert np.abs(y - x).max() <= step * 0.51 + 1e-3
    assert (np.abs(x) >= 200.0).any() and np.abs(y).max() <= 200.0 + 1e-3


def test_railing_amplifier_is_saturation_artefact_at_the_night_rail() -> None:
    found = False
    for seed in range(12):
        night = simulate_night("healthy", seed=seed, duration_h=0.15,
                               conditions=("clipping", "disconnected"))
        for a in night.truth.artefacts:
            if a.reason != "saturation":
                continue
            hi = night.truth.channel(a.channel).physical_range_uV[1]
            seg = _samples(night, a.channel, a.onset_s + 0.01, a.onset_s + a.duration_s - 0.01)
            assert a.amplitude_uV == hi and (seg == hi).all()
            found = True
        if found:
            break
    assert found, "no railing stretch in 12 seeds"


# -- sub-threshold bursts ------------------------------------------------------------------
def _moving_mean(x: np.ndarray, n: int) -> np.ndarray:
    c = np.concatenate([[0.0], np.cumsum(np.abs(x).astype(np.float64))])
    return (c[n:] - c[:-n]) / n


@pytest.mark.parametrize("seed", [1, 2, 4])
def test_subthreshold_bursts_lift_the_rectified_mean_by_2_5_to_5_uV(seed: int) -> None:
    night = _night("subthreshold", seed)
    bursts = night.truth.events_of("subthreshold_burst")
    assert len(bursts) >= 4  # 20/h over 0.4 h
    fs = night.recording.channel("LAT").fs_hz
    for e in bursts:
        before = _samples(night, e.channel, e.onset_s - 3.0, e.onset_s - 0.5)
        after = _samples(night, e.channel, e.offset_s + 0.5, e.offset_s + 3.0)
        rest = np.abs(np.concatenate([before, after])).mean()
        assert 0.7 <= rest <= 1.4, f"rest {rest:.2f} µV, the condition promises about 1 µV"
        core = _samples(night, e.channel, e.onset_s + 0.35, e.offset_s - 0.35)
        excess = np.abs(core).mean() - rest
        assert 2.5 <= excess <= 5.0, f"burst {e.event_id}: excess {excess:.2f} µV"
        # a 1-s moving mean of the rectified signal stays below rest + 8 µV (shorter windows
        # may cross it on the spiky carrier: that is the trap for a detector)
        peak = _moving_mean(_samples(night, e.channel, e.onset_s, e.offset_s),
                            int(1.0 * fs)).max() - rest
        assert peak < 8.0, f"burst {e.event_id}: 1-s peak {peak:.2f} µV"
    lm_ids = {int(i) for i in night.truth.leg_movements_table().frame["event_id"]}
    assert not lm_ids & {e.event_id for e in bursts}


# -- carrier ----------------------------------------------------------------------------------
def _excess_kurtosis(x: np.ndarray) -> float:
    x = x.astype(np.float64) - x.mean()
    return float(np.mean(x**4) / np.mean(x**2) ** 2 - 3.0)


@pytest.mark.parametrize("fs_hz", [200.0, 512.0])
def test_carrier_gaussian_and_spiky_keep_rectified_mean_1(fs_hz: float) -> None:
    rng = np.random.default_rng(11)
    gauss = spiky_emg_noise(rng, int(fs_hz * 300), fs_hz, 0.0)
    spiky = spiky_emg_noise(rng, int(fs_hz * 300), fs_hz, 6.0)
    assert abs(_excess_kurtosis(gauss)) < 0.2  # Gaussian: kurtosis 3
    assert _excess_kurtosis(spiky) > 4.0
    assert np.abs(gauss).mean() == pytest.approx(1.0, abs=0.02)
    assert np.abs(spiky).mean() == pytest.approx(1.0, abs=0.03)


def test_spiky_condition_leg_rest_is_heavy_tailed_and_at_its_level() -> None:
    night = _night("spiky", 1)
    k = night.truth.channel("LAT").carrier_excess_kurtosis
    assert 3.0 <= k <= 8.0
    fs = night.recording.channel("LAT").fs_hz
    x = night.recording.channel("LAT").data()
    busy = np.zeros(x.size, dtype=bool)
    for e in night.truth.events:
        if e.channel == "LAT":
            busy[max(0, int((e.onset_s - 1) * fs)):int((e.offset_s + 1) * fs)] = True
    win = int(20 * fs)
    quiet = [x[i:i + win] for i in range(0, x.size - win, win) if not busy[i:i + win].any()]
    assert len(quiet) >= 5
    kurt = [_excess_kurtosis(q) for q in quiet]
    assert np.median(kurt) > 2.0, f"median excess kurtosis of quiet stretches {np.median(kurt):.2f}"
    # the rectified mean keeps its meaning: quiet stretches sit at the stated rest level
    whole = np.abs(np.concatenate(quiet)).mean()
    assert night.truth.channel("LAT").rest_min_uV * 0.9 <= whole <= \
        night.truth.channel("LAT").rest_max_uV * 1.1


def test_plateau_modulation_up_to_55_percent_stays_within_its_depth() -> None:
    t = np.arange(0, 4.0, 1 / 512)
    for seed in range(20):
        b = Burst(0.0, 4.0, 20.0, rise_s=0.4, decay_s=0.8, modulation=0.55, seed=seed)
        y = burst_shape(b, t)
        plateau = y[(t > 0.4) & (t < 3.2)]
        assert plateau.min() >= 20.0 * 0.45 - 1e-9 and plateau.max() <= 20.0 * 1.55 + 1e-9
    shapes = _night("burst_shapes", 1).truth.events_of("leg_movement")
    mods = [e.flags["modulation"] for e in shapes if e.flags["cause"] != "long"]
    rises = [e.flags["rise_s"] for e in shapes if e.flags["cause"] != "long"]
    decays = [e.flags["decay_s"] for e in shapes if e.flags["cause"] != "long"]
    assert min(mods) >= 0.15 and max(mods) <= 0.55 and max(mods) > 0.4
    assert min(rises) >= 0.05 and max(rises) <= 0.4 and max(rises) > 0.25
    assert min(decays) >= 0.1 and max(decays) <= 0.8 and max(decays) > 0.5


# -- durations ---------------------------------------------------------------------------------
def test_long_movements_stay_above_8_uV_for_more_than_10_s_and_are_flagged() -> None:
    longs = []
    for seed in (1, 2):
        night = _night("long_movements", seed)
        fs = night.recording.channel("LAT").fs_hz
        for e in night.truth.events_of("leg_movement"):
            if e.flags["cause"] != "long" or e.flags.get("obscured"):
                continue
            longs.append(e.duration_s)
            assert e.flags["too_long"] and e.flags["lm_wasm"] and not e.flags["lm_aasm"]
            assert not e.flags["candidate_lm"]
            rest = night.truth.channel(e.channel).rest_epoch_uV[int(e.onset_s // 30)]
            seg = _samples(night, e.channel, e.onset_s + 1.0, e.offset_s - 1.0)
            one_s = _moving_mean(seg, int(fs))[:: int(fs)]
            assert (one_s > rest + 8.0).all()
            assert e.duration_s - 2.0 > 10.0
    assert len(longs) >= 4 and max(longs) > 25.0 and min(longs) >= 12.0 - 1e-9


def test_twitches_are_short_above_threshold_and_not_movements() -> None:
    night = _night("twitches", 1)
    tw = [e for e in night.truth.events_of("leg_movement") if e.flags["cause"] == "short"]
    assert len(tw) >= 6
    excess = []
    for e in tw:
        assert e.duration_s < 0.4 and not e.flags["lm_wasm"] and e.flags["too_short"]
        rest = night.truth.channel(e.channel).rest_epoch_uV[int(e.onset_s // 30)]
        core = _samples(night, e.channel, e.onset_s + 0.25 * e.duration_s,
                        e.offset_s - 0.25 * e.duration_s)
        excess.append(np.abs(core).mean() - rest)
    assert np.median(excess) > 8.0


# -- bilateral pairs ---------------------------------------------------------------------------
def _pairs(night: SimulatedNight) -> list[tuple]:  # type: ignore[type-arg]
    by_id: dict[int, list] = {}  # type: ignore[type-arg]
    for e in night.truth.events_of("leg_movement"):
        by_id.setdefault(e.flags["movement_id"], []).append(e)
    return [tuple(sorted(p, key=lambda e: e.onset_s)) for p in by_id.values() if len(p) == 2]


def _rule_crossings(night: SimulatedNight, e) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """8-µV onset and 2-µV offset measured on a 0.1-s moving rectified mean of the samples."""
    ch = night.recording.channel(e.channel)
    fs = ch.fs_hz
    rest = night.truth.channel(e.channel).rest_epoch_uV[int(e.onset_s // 30)]
    a = int((e.onset_s - 0.5) * fs)
    seg = ch.data()[a:int((e.offset_s + 0.5) * fs)]
    m = _moving_mean(seg, int(0.1 * fs)) - rest
    centre = a + int(0.05 * fs)
    on = (centre + np.flatnonzero(m >= 8.0)[0]) / fs
    off = (centre + np.flatnonzero(m > 2.0)[-1] + 1) / fs
    return on, off


def test_bilateral_lags_pairs_start_0_to_0_9_s_apart_and_overlap_under_the_rule() -> None:
    lags = []
    for seed in (1, 2):
        night = _night("bilateral_lags", seed)
        for a, b in _pairs(night):
            if a.flags["cause"] == "long" or a.flags.get("obscured") or b.flags.get("obscured"):
                continue
            lag = b.onset_s - a.onset_s
            if b.onset_s >= a.offset_s:
                continue  # a gap pair (0.2-0.35 s rule gap), checked in test_sim_bilateral_pairs
            lags.append(lag)
            assert 0.0 <= lag <= 0.9 + 1e-9
            on_b, _ = _rule_crossings(night, b)
            _, off_a = _rule_crossings(night, a)
            assert on_b < off_a, "the second leg's 8-µV onset comes before the first's offset"
    assert len(lags) >= 15 and max(lags) > 0.6


def test_far_pairs_are_two_movements_0_8_to_1_6_s_apart() -> None:
    gaps = []
    for seed in (1, 2):
        night = _night("far_pairs", seed)
        events = night.truth.events_of("leg_movement")
        far = [e for e in events if e.flags.get("far_pair") and not e.flags.get("obscured")]
        by_start = sorted(far, key=lambda e: e.onset_s)
        for a, b in zip(by_start, by_start[1:], strict=False):
            if a.side == b.side or not 0.0 < b.onset_s - a.offset_s < 2.0:
                continue
            assert a.flags["movement_id"] != b.flags["movement_id"]
            gap = b.onset_s - a.offset_s
            assert 0.8 - 1e-9 <= gap <= 1.6 + 1e-9
            on_b, _ = _rule_crossings(night, b)
            _, off_a = _rule_crossings(night, a)
            assert on_b - off_a >= 0.5 + 0.2  # WASM: two movements, clear of the 0.5-s edge
            gaps.append(gap)
    assert len(gaps) >= 8


# -- sampling rates ----------------------------------------------------------------------------
@pytest.mark.parametrize("fs_hz", [200.0, 256.0, 500.0, 512.0])
def test_leg_rates_render_with_movements_above_threshold(fs_hz: float) -> None:
    night = simulate_night("plmd", seed=4, duration_h=0.15, leg_fs_hz=fs_hz)
    ch = night.recording.channel("LAT")
    assert ch.fs_hz == fs_hz and ch.data().size == int(round(night.recording.duration_s * fs_hz))
    checked = 0
    for e in _counted(night):
        if e.channel != "LAT" or e.duration_s < 1.0:
            continue
        rest = night.truth.channel("LAT").rest_epoch_uV[int(e.onset_s // 30)]
        core = _samples(night, "LAT", e.onset_s + 0.3 * e.duration_s,
                        e.onset_s + 0.7 * e.duration_s)
        assert np.abs(core).mean() > rest + 8.0
        checked += 1
    assert checked >= 3
    # the carrier's power stays below Nyquist (no aliasing at 200 Hz)
    x = ch.data()[: int(60 * fs_hz)].astype(np.float64)
    spec = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(x.size, 1 / fs_hz)
    assert spec[f > 0.95 * fs_hz / 2].sum() < 0.02 * spec.sum()


def test_clipping_share_holds_with_the_spiky_carrier() -> None:
    # Before the rail was fitted to the carrier, a ±100-µV night with excess kurtosis 6 had
    # 56 % of its counted movements at the rail.
    n_counted = n_rail = 0
    for seed in (0, 1, 2, 3):
        night = simulate_night("plmd", seed=seed, duration_h=SHORT_H,
                               conditions=("clipping", "subthreshold"))
        hi = night.truth.channel("LAT").physical_range_uV[1]
        for e in _counted(night):
            seg = _samples(night, e.channel, e.onset_s, e.offset_s)
            n_rail += bool((np.abs(seg) >= hi).any())
            n_counted += 1
    assert 0.10 <= n_rail / n_counted <= 0.22, f"{n_rail}/{n_counted}"
