"""Zero-phase filtering against scipy, mains detection, quality masks and ECG peak finding."""

from __future__ import annotations

import numpy as np
from scipy import signal as sps

from somnomotor.signal.ecg import find_bleed_peaks, suppress_ecg
from somnomotor.signal.filters import block_envelope, design_bandpass, filter_segment, mains_ratio
from somnomotor.signal.quality import noise_mask, runs, saturation_mask

FS = 512.0


def test_chunked_zero_phase_bandpass_equals_scipy_sosfiltfilt_away_from_edges() -> None:
    x = np.random.default_rng(0).standard_normal(int(60 * FS)).astype(np.float32)
    sos = design_bandpass(FS)
    ref = np.abs(sps.sosfiltfilt(sos, x.astype(float)))
    blocks = block_envelope(x, FS, sos=sos, decimation=4, chunk_s=7.0, pad_s=2.0)
    ref_blocks = ref[: (x.size // 4) * 4].reshape(-1, 4).mean(axis=1)
    inner = slice(int(FS), -int(FS))
    assert np.allclose(blocks.envelope_uV[inner], ref_blocks[inner], rtol=1e-3, atol=1e-4)
    seg = filter_segment(x, 10000, 12000, sos=sos, pad=1024)
    assert np.allclose(np.abs(seg), ref[10000:12000], atol=1e-4)


def test_bandpass_removes_drift_and_keeps_emg_band() -> None:
    t = np.arange(int(30 * FS)) / FS
    sos = design_bandpass(FS)
    drift = block_envelope((200 * np.sin(2 * np.pi * 0.3 * t)).astype(np.float32), FS, sos=sos,
                           decimation=5).envelope_uV
    emg = block_envelope((10 * np.sin(2 * np.pi * 40 * t)).astype(np.float32), FS, sos=sos,
                         decimation=5).envelope_uV
    assert drift[200:-200].max() < 0.1
    assert np.median(emg) > 0.95 * 10 * 2 / np.pi


def test_mains_ratio_finds_hum_but_not_broadband_emg() -> None:
    rng = np.random.default_rng(1)
    t = np.arange(int(60 * FS)) / FS
    emg = rng.standard_normal(t.size) * 3
    assert mains_ratio(emg, FS, 50.0) < 3
    assert mains_ratio(emg + 5 * np.sin(2 * np.pi * 50 * t), FS, 50.0) > 30


def test_saturation_mask_needs_repeated_rail_value() -> None:
    m = np.array([1, 5, 3, 9, 2], dtype=np.float32)
    assert not saturation_mask(m).any()
    m = np.array([1, 9, 3, 9, 9, 2], dtype=np.float32)
    assert saturation_mask(m).tolist() == [False, True, False, True, True, False]


def test_noise_mask_marks_stretch_above_limit_with_sharp_edges() -> None:
    fs = 100.0
    upper = np.full(int(300 * fs), 3.0, dtype=np.float32)
    upper[int(100 * fs):int(200 * fs)] = 20.0
    upper[int(250 * fs):int(260 * fs)] = 50.0  # a 10-s strong movement is not noise
    s, e = runs(noise_mask(upper, fs, noise_limit_uV=15.0))
    assert len(s) == 1
    assert abs(s[0] / fs - 100) < 0.2 and abs(e[0] / fs - 200) < 0.2


def test_bleed_peaks_found_in_regular_train_and_blanked() -> None:
    fs = 100.0
    env = np.full(int(120 * fs), 1.0, dtype=np.float32)
    beats = np.arange(100, env.size - 100, 85)  # 0.85 s RR
    for b in beats:
        env[b - 3:b + 4] += 15.0
    found = find_bleed_peaks(env, fs)
    assert len(found) >= 0.95 * len(beats)
    nearest = np.abs(found[:, None] - beats[None, :]).min(axis=1)
    assert (nearest <= 3).mean() > 0.95  # anywhere on the 70-ms plateau of the beat
    n = suppress_ecg(env, fs)
    assert n >= 0.95 * len(beats)
    assert env.max() < 2.0


def test_clean_envelope_is_left_untouched_by_ecg_suppression_from_channel() -> None:
    fs = 100.0
    rng = np.random.default_rng(2)
    env = (1 + 0.3 * rng.random(int(120 * fs))).astype(np.float32)
    before = env.copy()
    r_peaks = np.arange(100, env.size - 100, 90)
    assert suppress_ecg(env, fs, r_peaks=r_peaks) == 0
    assert np.array_equal(env, before)


def _zero_phase_db(sos: np.ndarray, fs_hz: float, freqs_hz: list[float]) -> np.ndarray:
    """Forward-backward magnitude in dB (twice the one-way dB) at ``freqs_hz``."""
    _, h = sps.sosfreqz(sos, worN=np.asarray(freqs_hz), fs=fs_hz)
    return 2.0 * 20.0 * np.log10(np.abs(h))


def test_zero_phase_edges_put_minus_3_db_of_the_forward_backward_filter_at_10_and_100_hz() -> None:
    for fs in (256.0, 512.0, 1000.0):
        for order in (2, 4):
            sos = design_bandpass(fs, low_hz=10.0, high_hz=100.0, order=order,
                                  zero_phase_edges=True)
            db = _zero_phase_db(sos, fs, [10.0, 100.0])
            np.testing.assert_allclose(db, [-3.01, -3.01], atol=0.05)
            # and the pass band between them is flatter than -3 dB
            mid = _zero_phase_db(sos, fs, [20.0, 50.0, 80.0])
            assert (mid > -3.0).all()


def test_design_corners_at_the_edges_lose_6_db_there_when_run_forward_and_backward() -> None:
    sos = design_bandpass(512.0, low_hz=10.0, high_hz=100.0, order=2)
    np.testing.assert_allclose(_zero_phase_db(sos, 512.0, [10.0, 100.0]), [-6.02, -6.02],
                               atol=0.05)


def test_zero_phase_edges_at_low_rate_follow_the_lowered_upper_edge() -> None:
    # at 200 Hz the upper edge is lowered to 0.45 x fs = 90 Hz; -3 dB lands there
    sos = design_bandpass(200.0, low_hz=10.0, high_hz=100.0, order=2, zero_phase_edges=True)
    np.testing.assert_allclose(_zero_phase_db(sos, 200.0, [10.0, 90.0]), [-3.01, -3.01],
                               atol=0.05)
