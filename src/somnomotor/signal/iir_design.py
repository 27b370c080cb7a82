"""Butterworth and notch filter design in numpy, as second-order sections.

The leg analysis needs a handful of small IIR designs per night (the EMG band-pass, a mains
notch, the QRS band-pass of the ECG). They are designed here from first principles rather
than with ``scipy.signal``, whose import alone costs more than half a second and about
80 MB (it pulls in ``scipy.stats``) - more than the whole leg analysis of an 8-h night.

Method (textbook, e.g. Oppenheim & Schafer, *Discrete-Time Signal Processing*, 3rd ed.,
2010, sections 7.2-7.3; Parks & Burrus, *Digital Filter Design*, 1987, chapter 7):

1. the poles of the normalised analog Butterworth low-pass of order N lie evenly on the
   left half of the unit circle, ``s_k = exp(j pi (2k + N + 1) / (2N))``, k = 0..N-1
   (Butterworth, *Wireless Engineer* 1930;7:536-541);
2. the digital corner frequencies are pre-warped to analog ones,
   ``Omega = 2 fs tan(pi f / fs)``, so that the bilinear transform maps them back exactly;
3. frequency transformation of the prototype: low-pass ``s -> s / Omega_c``, high-pass
   ``s -> Omega_c / s``, band-pass ``s -> (s^2 + Omega_0^2) / (B s)`` with
   ``Omega_0^2 = Omega_1 Omega_2`` and ``B = Omega_2 - Omega_1``;
4. bilinear transform ``z = (2 fs + s) / (2 fs - s)`` of every pole and zero; a zero at
   analog infinity goes to z = -1, one at s = 0 to z = +1; the gain is
   ``k_d = k_a prod(2 fs - zeros) / prod(2 fs - poles)``;
5. second-order sections: conjugate pole pairs (or two real poles) are taken in turn from
   the one closest to the unit circle, each with the two zeros nearest to it, and the
   sections with the poles closest to the unit circle are placed last (the usual pairing
   and ordering that keeps the intermediate signals small: Jackson, *Digital Filters and
   Signal Processing*, 3rd ed., 1996, section 11.4). An odd number of poles gets a pole and
   a zero at the origin so that every section is a full biquad. The overall gain is put in
   the first section.

The notch is the standard second-order design with a -3 dB width of ``f0 / Q``
(Orfanidis, *Introduction to Signal Processing*, 1996, section 11.3, eqs. 11.3.7-11.3.9).

Every function returns float64 ``(n_sections, 6)`` arrays ``[b0, b1, b2, 1, a1, a2]``, the
layout :mod:`somnomotor.signal.filters` and the EMG kernels run.
"""

from __future__ import annotations

import math

import numpy as np

from somnomotor._errors import ParameterError

#: Filter types :func:`butterworth_sos` designs.
BTYPES: tuple[str, ...] = ("lowpass", "highpass", "bandpass")


def _prewarp(freq_hz: float, fs_hz: float) -> float:
    """Analog angular frequency (rad/s) that the bilinear transform at ``fs_hz`` maps to
    ``freq_hz``."""
    return 2.0 * fs_hz * math.tan(math.pi * freq_hz / fs_hz)


def _check_edges(order: int, edges_hz: tuple[float, ...], fs_hz: float) -> None:
    if not fs_hz > 0:
        raise ParameterError(f"fs_hz must be > 0 Hz, received {fs_hz!r}")
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ParameterError(f"filter order must be an integer >= 1, received {order!r}")
    nyquist = fs_hz / 2.0
    if not all(0.0 < f < nyquist for f in edges_hz) or list(edges_hz) != sorted(set(edges_hz)):
        raise ParameterError(
            f"corner frequencies must be increasing and strictly between 0 and the Nyquist "
            f"frequency ({nyquist} Hz at fs={fs_hz} Hz); received {list(edges_hz)} Hz"
        )


def butterworth_zpk(
    order: int, corners_hz: float | tuple[float, float], *, btype: str, fs_hz: float,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Zeros, poles and gain of a digital Butterworth filter (bilinear, pre-warped).

    Parameters
    ----------
    order : int
        Order of the analog prototype (a band-pass has ``2 * order`` poles).
    corners_hz : float or (float, float)
        -3 dB corner in Hz (``lowpass``, ``highpass``) or the two corners of a
        ``bandpass``.
    btype : {"lowpass", "highpass", "bandpass"}
    fs_hz : float
        Sampling rate in Hz.

    Returns
    -------
    zeros, poles : numpy.ndarray of complex
        In the z plane.
    gain : float
    """
    if btype not in BTYPES:
        raise ParameterError(f"btype must be one of {list(BTYPES)}, received {btype!r}")
    edges = tuple(float(f) for f in np.atleast_1d(corners_hz))
    if len(edges) != (2 if btype == "bandpass" else 1):
        raise ParameterError(f"a {btype} needs {2 if btype == 'bandpass' else 1} corner "
                             f"frequency(ies) in Hz, received {corners_hz!r}")
    _check_edges(order, edges, fs_hz)
    n = int(order)
    proto = np.exp(1j * np.pi * (2 * np.arange(n) + n + 1) / (2 * n))  # left half-plane
    warped = [_prewarp(f, fs_hz) for f in edges]
    if btype == "lowpass":
        wc = warped[0]
        poles_s = proto * wc
        zeros_s = np.zeros(0, dtype=complex)
        gain_s = wc**n
    elif btype == "highpass":
        wc = warped[0]
        poles_s = wc / proto
        zeros_s = np.zeros(n, dtype=complex)
        gain_s = float(np.real(1.0 / np.prod(-proto)))
    else:
        w1, w2 = warped
        bw = w2 - w1
        w0_sq = w1 * w2
        half = proto * bw / 2.0
        root = np.sqrt(half * half - w0_sq)
        poles_s = np.concatenate([half + root, half - root])
        zeros_s = np.zeros(n, dtype=complex)
        gain_s = bw**n
    two_fs = 2.0 * fs_hz
    poles = (two_fs + poles_s) / (two_fs - poles_s)
    zeros = (two_fs + zeros_s) / (two_fs - zeros_s)
    # analog zeros at infinity (as many as poles minus finite zeros) land on z = -1
    zeros = np.concatenate([zeros, -np.ones(poles_s.size - zeros_s.size)])
    gain = float(np.real(gain_s * np.prod(two_fs - zeros_s) / np.prod(two_fs - poles_s)))
    return zeros, poles, gain


def zpk_to_sos(zeros: np.ndarray, poles: np.ndarray, gain: float) -> np.ndarray:
    """Second-order sections from real zeros and conjugate-symmetric poles.

    Pairing and ordering as described in the module notes: poles closest to the unit circle
    last, each pair with its nearest two zeros. The zeros must be real (every Butterworth
    design's are, at z = +1 or -1).
    """
    z = np.asarray(zeros, dtype=complex)
    p = np.asarray(poles, dtype=complex)
    if z.size != p.size:
        raise ParameterError(f"need as many zeros as poles, received {z.size} and {p.size}")
    tol = 100 * np.finfo(float).eps
    if np.any(np.abs(z.imag) > tol * np.maximum(np.abs(z), 1.0)):
        raise ParameterError("zpk_to_sos handles real zeros only")
    real_zeros = list(z.real)
    is_real = np.abs(p.imag) <= tol * np.maximum(np.abs(p), 1.0)  # a pole at 0 is real too
    # sorted by real part, so that equally good poles (a band symmetric about fs / 4) are
    # taken in a fixed order
    real_poles = sorted(p[is_real].real)
    upper = sorted(p[~is_real & (p.imag > 0)], key=lambda v: (v.real, abs(v.imag)))
    if 2 * len(upper) + len(real_poles) != p.size:
        raise ParameterError("the poles must come in complex-conjugate pairs")
    if len(real_poles) % 2:  # complete the last biquad with a pole and a zero at z = 0
        real_poles.append(0.0)
        real_zeros.append(0.0)
    n_sections = len(upper) + len(real_poles) // 2
    sos = np.zeros((n_sections, 6))

    def distance_to_circle(v: complex) -> float:
        return abs(1.0 - abs(v))

    for si in range(n_sections - 1, -1, -1):
        candidates = [(distance_to_circle(v), 0, i) for i, v in enumerate(upper)]
        candidates += [(distance_to_circle(v), 1, i) for i, v in enumerate(real_poles)]
        # the first (complex before real, then by real part) of the equally close ones:
        # mirror-image poles differ in their distance by rounding only
        nearest = min(c[0] for c in candidates)
        _, kind, idx = next(c for c in candidates if c[0] <= nearest + 1e-12)
        if kind == 0:
            p1 = upper.pop(idx)
            a1, a2 = -2.0 * p1.real, p1.real * p1.real + p1.imag * p1.imag
        else:
            p1 = real_poles.pop(idx)
            j = min(range(len(real_poles)), key=lambda i: distance_to_circle(real_poles[i]))
            p2 = real_poles.pop(j)
            a1, a2 = -(p1 + p2), p1 * p2
        picked = []
        for _ in range(2):
            if not real_zeros:
                break
            k = min(range(len(real_zeros)), key=lambda i: abs(real_zeros[i] - p1))
            picked.append(real_zeros.pop(k))
        b = np.poly(picked) if picked else np.ones(1)
        sos[si, 3 - b.size:3] = b
        sos[si, 3:] = (1.0, a1, a2)
    sos[0, :3] *= gain
    return sos


def butterworth_sos(
    order: int, corners_hz: float | tuple[float, float], *, btype: str, fs_hz: float,
) -> np.ndarray:
    """Digital Butterworth filter as float64 second-order sections.

    See :func:`butterworth_zpk` for the parameters and the module notes for the method.

    Returns
    -------
    numpy.ndarray
        ``(n_sections, 6)`` rows ``[b0, b1, b2, 1, a1, a2]``.

    Examples
    --------
    >>> sos = butterworth_sos(2, (10.0, 100.0), btype="bandpass", fs_hz=512.0)
    >>> sos.shape
    (2, 6)
    """
    zeros, poles, gain = butterworth_zpk(order, corners_hz, btype=btype, fs_hz=fs_hz)
    return zpk_to_sos(zeros, poles, gain)


def bandpass_zero_phase_corners(
    fs_hz: float, low_hz: float, high_hz: float, order: int,
) -> tuple[float, float]:
    """Corners in Hz of a Butterworth band-pass whose forward-backward response is -3 dB at
    ``low_hz`` and ``high_hz``.

    Closed form: after the bilinear transform the digital magnitude equals the analog one
    at the pre-warped frequency, ``|H|^2 = 1 / (1 + x^(2N))`` with
    ``x = (Omega^2 - Omega_0^2) / (B Omega)``. Run forward and backward the response is
    ``|H|^2``; it is ``1/sqrt(2)`` where ``x^(2N) = sqrt(2) - 1``, i.e. ``x = -/+ r`` at
    the two edges with ``r = (sqrt(2) - 1)^(1 / 2N)``. Subtracting the two edge equations
    gives ``B = (Omega_h - Omega_l) / r`` and ``Omega_0^2 = Omega_l Omega_h`` (the centre
    stays), hence the design corners ``Omega_1 = (sqrt(B^2 + 4 Omega_0^2) - B) / 2`` and
    ``Omega_2 = Omega_1 + B``, mapped back with ``f = fs / pi * arctan(Omega / (2 fs))``.

    Returns
    -------
    tuple of float
        ``(low, high)`` design corners in Hz; the upper one may reach or pass the Nyquist
        frequency when ``high_hz`` is close to it (the caller decides what to do then).
    """
    _check_edges(order, (low_hz, high_hz), fs_hz)
    r = (math.sqrt(2.0) - 1.0) ** (1.0 / (2 * int(order)))
    w_lo, w_hi = _prewarp(low_hz, fs_hz), _prewarp(high_hz, fs_hz)
    bw = (w_hi - w_lo) / r
    w1 = (math.sqrt(bw * bw + 4.0 * w_lo * w_hi) - bw) / 2.0
    w2 = w1 + bw
    to_hz = fs_hz / math.pi
    return to_hz * math.atan(w1 / (2.0 * fs_hz)), to_hz * math.atan(w2 / (2.0 * fs_hz))


def notch_sos(fs_hz: float, freq_hz: float, *, quality: float = 30.0) -> np.ndarray:
    """Second-order IIR notch at ``freq_hz`` Hz with a -3 dB width of ``freq_hz / quality``.

    ``H(z) = g (1 - 2 cos(w0) z^-1 + z^-2) / (1 - 2 g cos(w0) z^-1 + (2 g - 1) z^-2)`` with
    ``g = 1 / (1 + tan(dw / 2))``, ``w0 = 2 pi f0 / fs`` and ``dw = w0 / Q`` (Orfanidis
    1996, section 11.3).

    Returns
    -------
    numpy.ndarray
        One section, shape ``(1, 6)``.
    """
    _check_edges(1, (freq_hz,), fs_hz)
    if not quality > 0:
        raise ParameterError(f"quality must be > 0, received {quality!r}")
    w0 = 2.0 * math.pi * freq_hz / fs_hz
    g = 1.0 / (1.0 + math.tan(w0 / quality / 2.0))
    c = math.cos(w0)
    return np.array([[g, -2.0 * g * c, g, 1.0, -2.0 * g * c, 2.0 * g - 1.0]])


def sos_steady_state(sos: np.ndarray) -> np.ndarray:
    """Initial states of second-order sections for a unit step (steady state at DC).

    For each section (direct form II transposed, ``[b0, b1, b2, 1, a1, a2]``) the state
    after an endless unit input satisfies ``z0 = b1 - a1 y + z1`` and ``z1 = b2 - a2 y``
    with the output ``y = H(1) = sum(b) / sum(a)``, i.e.
    ``z0 = (b1 + b2 - (a1 + a2) b0) / (1 + a1 + a2)`` and ``z1 = b2 - a2 b0 - a2 z0``
    (solved from the section's difference equations at rest); each section's input is the
    DC output of the sections before it, so its states are scaled by their product of
    ``H(1)``. Multiplied by the first sample, these start a filter without a step transient,
    the usual start of forward-backward filtering (the initial conditions
    ``scipy.signal.sosfilt_zi`` gives).

    Returns
    -------
    numpy.ndarray
        ``(n_sections, 2)`` float64.
    """
    sections = np.asarray(sos, dtype=np.float64)
    zi = np.empty((sections.shape[0], 2))
    scale = 1.0
    for k, (b0, b1, b2, a0, a1, a2) in enumerate(sections):
        if a0 != 1.0:
            raise ParameterError(f"section {k} is not normalised (a0 = {a0!r}, must be 1)")
        z0 = (b1 + b2 - (a1 + a2) * b0) / (1.0 + a1 + a2)
        zi[k] = scale * z0, scale * (b2 - a2 * b0 - a2 * z0)
        scale *= (b0 + b1 + b2) / (a0 + a1 + a2)
    return zi


def sos_response(sos: np.ndarray, freqs_hz: np.ndarray, fs_hz: float) -> np.ndarray:
    """Complex frequency response of second-order sections at ``freqs_hz`` (Hz).

    ``H(e^{jw}) = prod_k (b0 + b1 e^{-jw} + b2 e^{-2jw}) / (1 + a1 e^{-jw} + a2 e^{-2jw})``.
    """
    w = 2.0 * np.pi * np.asarray(freqs_hz, dtype=np.float64) / fs_hz
    e1 = np.exp(-1j * w)
    e2 = e1 * e1
    h = np.ones(w.shape, dtype=complex)
    for b0, b1, b2, a0, a1, a2 in np.asarray(sos, dtype=np.float64):
        h *= (b0 + b1 * e1 + b2 * e2) / (a0 + a1 * e1 + a2 * e2)
    return h


__all__ = [
    "BTYPES",
    "bandpass_zero_phase_corners",
    "butterworth_sos",
    "butterworth_zpk",
    "notch_sos",
    "sos_response",
    "sos_steady_state",
    "zpk_to_sos",
]
