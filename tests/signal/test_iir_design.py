"""The numpy Butterworth and notch designs against first principles and scipy.signal.

scipy.signal is imported here as an independent reference (the package itself no longer
imports it on the leg path). Sections may be ordered or paired differently from scipy's,
so the designs are compared by their frequency responses and by what they do to a signal,
not coefficient by coefficient.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal as sps

from somnomotor._errors import ParameterError
from somnomotor.signal.filters import (
    design_bandpass,
    design_notch,
    mains_ratios,
    welch_density,
    zero_phase_corners,
)
from somnomotor.signal.iir_design import (
    bandpass_zero_phase_corners,
    butterworth_sos,
    notch_sos,
    sos_response,
    sos_steady_state,
)

RATES_HZ = (200.0, 256.0, 500.0, 512.0)


def _designs(fs: float) -> list[tuple[int, float | tuple[float, float], str]]:
    top = 0.45 * fs
    return [
        (order, corners, btype)
        for order in (1, 2, 3, 4, 6)
        for corners, btype in (
            ((10.0, min(100.0, top)), "bandpass"),   # the EMG band
            ((5.0, 35.0), "bandpass"),               # the ECG QRS band
            ((0.5, 10.0), "bandpass"),
            ((40.0, top), "bandpass"),
            (20.0, "lowpass"),
            (0.3 * fs, "lowpass"),
            (10.0, "highpass"),
            (0.4 * fs, "highpass"),
        )
    ]


def _grid(fs: float) -> np.ndarray:
    return np.linspace(0.0, fs / 2.0, 2049)[:-1]  # up to (not at) Nyquist


@pytest.mark.parametrize("fs", RATES_HZ)
def test_butterworth_response_equals_scipy_butter(fs: float) -> None:
    for order, corners, btype in _designs(fs):
        ours = butterworth_sos(order, corners, btype=btype, fs_hz=fs)
        ref = sps.butter(order, corners, btype=btype, fs=fs, output="sos")
        assert ours.shape == ref.shape, (order, corners, btype)
        np.testing.assert_allclose(ours[:, 3], 1.0)
        _, h_ours = sps.sosfreqz(ours, worN=_grid(fs), fs=fs)
        _, h_ref = sps.sosfreqz(ref, worN=_grid(fs), fs=fs)
        np.testing.assert_allclose(h_ours, h_ref, rtol=0, atol=1e-9,
                                   err_msg=f"{btype} order {order} {corners} Hz at {fs} Hz")


@pytest.mark.parametrize("fs", RATES_HZ)
def test_butterworth_magnitude_is_the_analog_one_at_the_prewarped_frequency(fs: float) -> None:
    # first principles, no scipy: |H|^2 = 1 / (1 + x^(2N)), x = Omega / Omega_c (low-pass),
    # Omega_c / Omega (high-pass), (Omega^2 - Omega_1 Omega_2) / ((Omega_2 - Omega_1) Omega)
    f = _grid(fs)[1:]
    omega = 2 * fs * np.tan(np.pi * f / fs)
    for order, corners, btype in _designs(fs):
        sos = butterworth_sos(order, corners, btype=btype, fs_hz=fs)
        if btype == "bandpass":
            w1, w2 = (2 * fs * np.tan(np.pi * c / fs) for c in corners)  # type: ignore[union-attr]
            x = (omega**2 - w1 * w2) / ((w2 - w1) * omega)
        else:
            wc = 2 * fs * np.tan(np.pi * corners / fs)  # type: ignore[operator]
            x = omega / wc if btype == "lowpass" else wc / omega
        expected = 1.0 / (1.0 + x ** (2 * order))
        np.testing.assert_allclose(np.abs(sos_response(sos, f, fs)) ** 2, expected,
                                   rtol=0, atol=1e-9)


@pytest.mark.parametrize("fs", RATES_HZ)
def test_filtered_noise_equals_scipy_butter_filtered_noise(fs: float) -> None:
    rng = np.random.default_rng(int(fs))
    x = rng.normal(0.0, 20.0, int(30 * fs)) + 200 * np.sin(2 * np.pi * 0.2 * np.arange(int(30 * fs)) / fs)
    for order, corners, btype in _designs(fs):
        ours = sps.sosfiltfilt(butterworth_sos(order, corners, btype=btype, fs_hz=fs), x)
        ref = sps.sosfiltfilt(sps.butter(order, corners, btype=btype, fs=fs, output="sos"), x)
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-8 * np.abs(ref).max(),
                                   err_msg=f"{btype} order {order} {corners} Hz at {fs} Hz")


@pytest.mark.parametrize("fs", RATES_HZ)
@pytest.mark.parametrize("order", [1, 2, 4])
def test_design_bandpass_filters_like_the_scipy_design_it_replaces(fs: float, order: int) -> None:
    # the leg detector's design: corners moved out for zero phase, upper edge at most 0.45 fs
    rng = np.random.default_rng(3)
    x = rng.normal(0.0, 10.0, int(20 * fs))
    low, high = zero_phase_corners(fs, 10.0, min(100.0, 0.45 * fs), order)
    ref = sps.butter(order, [low, high], btype="bandpass", fs=fs, output="sos")
    ours = design_bandpass(fs, low_hz=10.0, high_hz=100.0, order=order, zero_phase_edges=True)
    np.testing.assert_allclose(sps.sosfiltfilt(ours, x), sps.sosfiltfilt(ref, x), rtol=0,
                               atol=1e-8 * np.abs(x).max())


@pytest.mark.parametrize("fs", RATES_HZ)
@pytest.mark.parametrize("order", [1, 2, 3, 4, 8])
def test_zero_phase_corners_put_minus_3_db_at_the_edges_by_scipy_reckoning(fs: float,
                                                                          order: int) -> None:
    for low, high in ((10.0, min(100.0, 0.45 * fs)), (5.0, 35.0), (20.0, 0.4 * fs)):
        lo, hi = bandpass_zero_phase_corners(fs, low, high, order)
        assert lo < low and hi > high
        sos = sps.butter(order, [lo, hi], btype="bandpass", fs=fs, output="sos")
        _, h = sps.sosfreqz(sos, worN=np.array([low, high]), fs=fs)
        np.testing.assert_allclose(np.abs(h) ** 4, [0.5, 0.5], rtol=1e-9)  # forward-backward


def test_zero_phase_corners_keep_the_edges_when_the_upper_corner_would_pass_0_49_fs() -> None:
    # order 1 widens most: 97 Hz at 200 Hz would need a corner above 98 Hz
    assert zero_phase_corners(200.0, 10.0, 97.0, 1) == (10.0, 97.0)
    lo, hi = zero_phase_corners(200.0, 10.0, 90.0, 1)
    assert lo < 10.0 and 90.0 < hi <= 98.0


@pytest.mark.parametrize("fs", RATES_HZ)
@pytest.mark.parametrize("line_hz", [50.0, 60.0])
@pytest.mark.parametrize("quality", [10.0, 30.0])
def test_notch_equals_scipy_iirnotch(fs: float, line_hz: float, quality: float) -> None:
    b, a = sps.iirnotch(line_hz, quality, fs=fs)
    ours = notch_sos(fs, line_hz, quality=quality)
    np.testing.assert_allclose(ours[0], np.concatenate([b, a]), rtol=0, atol=1e-13)
    # and by definition: 1 at DC, 0 at the line, half power (-3 dB) at two frequencies
    # f0/Q apart (the bilinear transform keeps the width exact, not the symmetry about f0)
    np.testing.assert_allclose(np.abs(sos_response(ours, np.array([0.0, line_hz]), fs)),
                               [1.0, 0.0], atol=1e-12)
    f = np.linspace(line_hz - 3 * line_hz / quality, line_hz + 3 * line_hz / quality, 600_001)
    below_half = np.abs(sos_response(ours, f, fs)) ** 2 < 0.5
    edges = f[np.flatnonzero(np.diff(below_half.view(np.int8)))]
    assert edges.size == 2
    assert edges[1] - edges[0] == pytest.approx(line_hz / quality, abs=2 * (f[1] - f[0]))
    np.testing.assert_array_equal(design_notch(fs, line_hz, quality=quality), ours)


def test_notch_at_or_above_nyquist_is_no_section() -> None:
    assert design_notch(100.0, 50.0).shape == (0, 6)


@pytest.mark.parametrize("fs", RATES_HZ)
def test_sos_response_equals_scipy_sosfreqz(fs: float) -> None:
    sos = sps.butter(3, [8.0, 0.44 * fs], btype="bandpass", fs=fs, output="sos")
    f, h = sps.sosfreqz(sos, worN=_grid(fs), fs=fs)
    np.testing.assert_allclose(sos_response(sos, f, fs), h, rtol=0, atol=1e-12)


@pytest.mark.parametrize("fs", RATES_HZ)
def test_steady_state_equals_scipy_sosfilt_zi_and_starts_a_step_without_transient(
        fs: float) -> None:
    step = np.full(64, 3.0)
    for order, corners, btype in _designs(fs):
        sos = butterworth_sos(order, corners, btype=btype, fs_hz=fs)
        zi = sos_steady_state(sos)
        np.testing.assert_allclose(zi, sps.sosfilt_zi(sos), rtol=1e-9, atol=1e-12)
        # a constant input started in that state stays at its DC response from sample 0
        y, _ = sps.sosfilt(sos, step, zi=zi * step[0])
        dc = float(np.prod(sos[:, :3].sum(axis=1) / sos[:, 3:].sum(axis=1)))
        np.testing.assert_allclose(y, 3.0 * dc, rtol=0, atol=1e-9)


@pytest.mark.parametrize("fs", RATES_HZ)
def test_welch_density_equals_scipy_welch(fs: float) -> None:
    rng = np.random.default_rng(5)
    rows = rng.normal(0.0, 5.0, (4, int(10 * fs))) + 3.0
    for nperseg in (int(2 ** np.ceil(np.log2(2 * fs))), 255, rows.shape[1]):
        f_ref, p_ref = sps.welch(rows, fs=fs, nperseg=nperseg, axis=-1)
        f, p = welch_density(rows, fs, nperseg)
        np.testing.assert_array_equal(f, f_ref)
        np.testing.assert_allclose(p, p_ref, rtol=1e-10, atol=0)


def test_mains_ratio_of_a_hum_line_matches_a_scipy_welch_reckoning() -> None:
    fs = 512.0
    rng = np.random.default_rng(9)
    t = np.arange(int(120 * fs)) / fs
    x = (rng.normal(0.0, 3.0, t.size) + 2.0 * np.sin(2 * np.pi * 50.0 * t)).astype(np.float32)
    (r50,) = mains_ratios(x, fs, (50.0,))
    # independent reckoning: six 10-s stretches, Welch with 1024-sample segments, summed
    starts = np.linspace(0, x.size - int(10 * fs), 6).astype(int)
    f, p = sps.welch(np.stack([x[s:s + int(10 * fs)] for s in starts]).astype(float), fs=fs,
                     nperseg=1024, axis=-1)
    acc = p.sum(axis=0)
    dist = np.abs(f - 50.0)
    expected = acc[dist <= 1.0].max() / np.median(acc[(dist >= 3.0) & (dist <= 6.0)])
    assert r50 == pytest.approx(expected, rel=1e-9)
    assert r50 > 30


@pytest.mark.parametrize(
    ("order", "corners", "btype", "fs"),
    [
        (0, (10.0, 100.0), "bandpass", 512.0),       # no order
        (2, (10.0, 256.0), "bandpass", 512.0),       # at Nyquist
        (2, (100.0, 10.0), "bandpass", 512.0),       # reversed
        (2, 10.0, "bandpass", 512.0),                # one corner for a band
        (2, (10.0, 20.0), "lowpass", 512.0),         # two for a low-pass
        (2, 10.0, "bandstop", 512.0),                # not designed here
        (2, 10.0, "lowpass", 0.0),                   # no rate
    ],
)
def test_impossible_designs_are_refused(order: int, corners: float | tuple[float, float],
                                        btype: str, fs: float) -> None:
    with pytest.raises(ParameterError):
        butterworth_sos(order, corners, btype=btype, fs_hz=fs)
