"""RSWA indices: percentages over clean REM mini-epochs and the published cut-offs."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from somnomotor.detect.rswa import AtoniaIndex, RSWAParams, detect_rswa, detect_rswa_standards
from somnomotor.events import EventTable
from somnomotor.hypnogram import Hypnogram
from somnomotor.recording import Channel, Recording
from somnomotor.score.rswa import FLAG, score_rswa

FS = 256.0
N_REM = 10  # 100 SINBAR mini-epochs: counts are percentages
REM_T0 = 60.0


def _recording(burst_minis: list[int], *, arm_minis: list[int] = ()) -> Recording:
    stages = ("N2", "N2") + ("R",) * N_REM + ("N2",)
    n = int(len(stages) * 30 * FS)
    t = np.arange(n) / FS

    def track(minis: list[int], base: float) -> np.ndarray:
        amp = np.full(n, base)
        amp[: int(REM_T0 * FS)] = 3 * base
        amp[int((REM_T0 + N_REM * 30) * FS):] = 3 * base
        for k in minis:
            t0 = REM_T0 + 3 * k + 1.0
            amp[int(t0 * FS): int((t0 + 0.5) * FS)] = 6 * base
        return amp

    chin = track(burst_minis, 2.0) * np.sin(2 * np.pi * 40 * t)
    # 55 Hz: a pure 50-Hz sine is what mains hum looks like, and would be notched
    arm = track(list(arm_minis), 2.0) * np.sin(2 * np.pi * 55 * t)
    return Recording(
        channels=(Channel.from_array("Chin", chin, fs_hz=FS),
                  Channel.from_array("FDS-L", arm, fs_hz=FS)),
        roles={"chin": ("Chin",), "arm_left": ("FDS-L",)},
        hypnogram=Hypnogram(stages),
    )


@pytest.mark.parametrize(("n_bursts", "flagged"), [(17, False), (18, True)])
def test_sinbar_any_chin_cutoff_18_percent(n_bursts: int, flagged: bool) -> None:
    minis = list(range(0, 5 * n_bursts, 5))[:n_bursts]  # spread over the REM epochs
    result = score_rswa(detect_rswa(_recording(minis)))
    ix = result.index("sinbar_chin_any_pct")
    assert ix.value == pytest.approx(float(n_bursts))
    assert ix.denominator_value == 100
    assert (ix.flag == FLAG) is flagged
    assert result.index("sinbar_chin_phasic_pct").value == pytest.approx(float(n_bursts))
    assert result.index("sinbar_chin_tonic_pct").value == 0.0


@pytest.mark.parametrize(("n_arm", "flagged"), [(11, False), (12, True)])
def test_sinbar_any_chin_plus_arms_cutoff_32_percent(n_arm: int, flagged: bool) -> None:
    chin = list(range(0, 100, 5))  # 20 chin mini-epochs
    arm = [k + 2 for k in range(0, 100, 5)][:n_arm]  # different mini-epochs
    result = score_rswa(detect_rswa(_recording(chin, arm_minis=arm)))
    ix = result.index("sinbar_chin_any_arms_phasic_pct")
    assert ix.value == pytest.approx(20.0 + n_arm)
    assert (ix.flag == FLAG) is flagged
    assert result.index("sinbar_arm_left_phasic_pct").value == pytest.approx(float(n_arm))


def test_montreal_rem_leg_movements_per_hour_cutoff_24() -> None:
    found = detect_rswa_standards(_recording([]))
    rem_h = N_REM * 30 / 3600
    onsets = REM_T0 + np.linspace(1, N_REM * 30 - 5, 2)  # 2 LMs in 5 min REM = 24/h
    lms = EventTable.from_arrays(np.concatenate([onsets, [10.0]]), [1.0] * 3, "leg_movement")
    result = score_rswa(found, leg_movements=lms)
    ix = result.index("montreal_rem_lm_per_h")
    assert ix.value == pytest.approx(2 / rem_h)
    assert ix.flag == FLAG
    assert result.index("montreal_tonic_pct").value == 0.0
    assert result.index("montreal_phasic_pct").flag == ""


def test_aasm_phasic_epoch_pct_counts_epochs_with_5_positive_mini_epochs() -> None:
    minis = list(range(0, 10, 2)) + list(range(10, 18, 2))  # 5 in epoch 0, 4 in epoch 1
    result = score_rswa(detect_rswa(_recording(minis)))
    assert result.index("aasm_phasic_epoch_pct").value == pytest.approx(10.0)


@pytest.mark.parametrize(("ai", "flag_start"), [(0.75, FLAG), (0.85, "borderline"), (0.95, "")])
def test_atonia_index_bands_of_ferri_2010(ai: float, flag_start: str) -> None:
    res = detect_rswa(_recording([]))
    res = replace(res, atonia=AtoniaIndex(ai, 100, 0, 0))
    ix = score_rswa(res).index("rem_atonia_index")
    assert ix.flag.startswith(flag_start)
    if not flag_start:
        assert ix.flag == ""


def test_result_family_events_and_counts() -> None:
    result = score_rswa(detect_rswa_standards(_recording([3])))
    assert result.family == "rswa"
    kinds = set(result.events.frame["trial_type"])
    assert kinds == {"rswa_epoch", "rswa_mini_epoch"}
    assert result.index("rswa_rem_minutes").value == pytest.approx(N_REM * 0.5)
    assert result.index("rswa_excluded_mini_epochs").value == 0
    assert set(result.params) == {"sinbar", "aasm", "montreal"}


def test_shared_band_pass_gives_the_same_rswa_result_as_filtering_alone(monkeypatch) -> None:
    """The pipeline's one filter per channel must not change any RSWA event or index."""
    import somnomotor.detect.rswa_activity as rswa_mod
    from somnomotor.score.motor_events import shared_envelopes
    from somnomotor.score.rswa import analyze_rswa

    rec = _recording([3, 10, 11, 40, 77], arm_minis=[5, 6, 50])
    rng = np.random.default_rng(3)
    rec = Recording(
        channels=tuple(Channel.from_array(c.label, c.data() + rng.normal(0, 0.5, c.n_samples)
                                          + 40.0, fs_hz=FS) for c in rec.channels),
        roles=rec.roles, hypnogram=rec.hypnogram)
    alone = analyze_rswa(rec)
    cache = shared_envelopes(rec)
    calls: list[int] = []
    real = rswa_mod.emg_bandpass32
    monkeypatch.setattr(rswa_mod, "emg_bandpass32",
                        lambda x, *a, **k: calls.append(len(x)) or real(x, *a, **k))
    shared = analyze_rswa(rec, envelopes=cache)
    n_rem_samples = int(N_REM * 30 * FS)
    # REM periods were sliced from the shared signal (only short NREM epochs filtered anew)
    assert calls and all(n < n_rem_samples for n in calls)
    # every flag and count identical; the background (µV) may differ by float rounding only
    fa, fs_ = alone.events.frame, shared.events.frame
    assert fs_.drop(columns="background_uv").equals(fa.drop(columns="background_uv"))
    np.testing.assert_allclose(fs_["background_uv"].to_numpy(float),
                               fa["background_uv"].to_numpy(float), rtol=1e-12)
    assert [(i.name, i.value) for i in shared.indices] == [(i.name, i.value) for i in alone.indices]


def test_sinbar_tonic_counts_30s_epochs_not_mini_epochs() -> None:
    # tonic (3x background) over 18 s (60 %) of 2 of the 10 REM epochs: 20 % of epochs,
    # while only 12 of 100 mini-epochs hold it
    rec = _recording([])
    chin = rec.channel("Chin").data().copy()
    for ep in (2, 6):
        t0 = REM_T0 + 30 * ep + 3.0
        chin[int(t0 * FS): int((t0 + 18.0) * FS)] *= 3.0
    rec = Recording(channels=(Channel.from_array("Chin", chin, fs_hz=FS),),
                    roles={"chin": ("Chin",)}, hypnogram=rec.hypnogram)
    res = detect_rswa(rec)
    result = score_rswa(res)
    ix = result.index("sinbar_chin_tonic_pct")
    assert ix.value == pytest.approx(20.0)
    assert ix.denominator_value == N_REM and ix.denominator_unit == "epochs"
    chin_minis = res.mini_epochs.frame[res.mini_epochs.frame["role"] == "chin"]
    assert int(chin_minis["tonic"].sum()) == 12
    assert result.index("sinbar_chin_any_pct").value == pytest.approx(12.0)


def test_atonia_index_on_the_somas_scale_carries_no_cut_off_flag() -> None:
    res = detect_rswa(_recording([]), replace(RSWAParams.sinbar(), atonia_amplitude_scale=2.0))
    res = replace(res, atonia=AtoniaIndex(0.5, 100, 0, 0))
    ix = score_rswa(res).index("rem_atonia_index")
    assert ix.flag == ""
    assert "do not apply" in ix.description
    published = replace(res, params=RSWAParams.sinbar())
    assert score_rswa(published).index("rem_atonia_index").flag.startswith(FLAG)
