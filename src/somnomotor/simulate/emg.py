"""Surface EMG as band-limited Gaussian noise under an amplitude envelope.

Model
-----
``emg(t) = envelope(t) * n(t)`` where ``n`` is Gaussian noise band-limited to roughly
10-100 Hz (2nd-order Butterworth band-pass, so its skirts reach beyond 150 Hz at reduced
power, like surface EMG whose power lies mostly at 20-150 Hz) scaled so that
``mean(|n|) = 1``. The envelope is therefore in µV of *rectified mean* EMG: a resting
level of 3 µV means the full-wave rectified signal averages 3 µV at rest, and a burst of
amplitude 20 µV lifts it to 23 µV. This is the quantity the 8 µV / 2 µV rules of the AASM
and WASM 2016 are stated in (Ferri et al., Sleep Med 2016;26:86,
doi:10.1016/j.sleep.2016.10.010).

The envelope is the sum of a slowly varying *resting level* (kept at a coarse rate,
:data:`REST_FS_HZ`) and *bursts*, each a raised-cosine rise, a plateau modulated by slow
noise of depth ``m`` (0-0.55: the plateau stays within ``1 +- m`` of the amplitude; at the
default 0.25 never below 75 %, at most 0.55 never below 45 %, so a burst of >= 10 µV does
not split under the 2 µV offset rule), and a raised-cosine decay. A burst's true onset is
where the rise starts; with rises of 0.05-0.2 s a detector crossing rest + 8 µV lags it by a
few tens of ms (up to ~0.25 s with the 0.4-s rises of the ``burst_shapes`` condition).

Carrier. The default carrier ``n`` is Gaussian (excess kurtosis 0). A *spiky* carrier
(:func:`spiky_emg_noise`) multiplies it by a fast random gain ``g = exp(s z - s^2 / 2)``,
``z`` unit Gaussian noise low-passed at :data:`SPIKY_GAIN_CORNER_HZ` (bursts of motor-unit
activity a few tens of ms long); ``E[g] = 1`` and ``g`` is independent of the Gaussian part,
so ``mean(|n|) = 1`` still holds and amplitudes keep their rectified-mean meaning. The
excess kurtosis of ``g x`` is ``3 exp(4 s^2) - 3``; ``s`` is chosen from the asked excess
kurtosis.

Note: a detector that band-passes at 10-100 Hz keeps 85-90 % of the rectified amplitude of
this noise (about 0.90 at 512 Hz with order 2 per edge, zero phase, -3 dB at 10 and 100 Hz),
see :func:`standard_filter_gain` and docs/simulator.md.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field

import numpy as np
from scipy import signal

from somnomotor._errors import ParameterError
from somnomotor.signal.filters import design_bandpass

logger = logging.getLogger(__name__)

#: Rate in Hz at which resting levels are kept (interpolated to the signal rate on render).
REST_FS_HZ = 2.0

#: Band of the EMG noise in Hz (2nd-order Butterworth band-pass corners).
EMG_BAND_HZ: tuple[float, float] = (10.0, 100.0)

#: Largest plateau modulation depth of a burst (the plateau stays >= 45 % of the amplitude).
MAX_MODULATION = 0.55

#: Corner (Hz) of the 2nd-order low-pass that shapes the fast gain of the spiky carrier.
SPIKY_GAIN_CORNER_HZ = 20.0


@dataclass
class Burst:
    """One burst of an envelope (see module docstring for the shape).

    Parameters
    ----------
    onset_s, duration_s : float
        Start (rise begins) and total length in s, rise and decay included.
    amplitude_uV : float
        Plateau height above rest, µV rectified mean.
    rise_s, decay_s : float
        Lengths of the raised-cosine rise and decay in s (shrunk to fit short bursts).
    modulation : float
        Depth (0-0.55) of the slow amplitude modulation on the plateau.
    seed : int
        Seed of the modulation noise (drawn from the night's generator).
    """

    onset_s: float
    duration_s: float
    amplitude_uV: float
    rise_s: float = 0.1
    decay_s: float = 0.2
    modulation: float = 0.25
    seed: int = 0


@dataclass
class Envelope:
    """Amplitude envelope of one EMG channel, written by the event generators.

    Parameters
    ----------
    label, role : str
        Channel label and role (see :data:`somnomotor.recording.ROLES`).
    fs_hz : float
        Sampling rate of the rendered signal in Hz.
    duration_s : float
        Length in s.
    rest : numpy.ndarray
        Resting level at :data:`REST_FS_HZ`, µV rectified mean; generators may change it
        (REM atonia, drift, steps).
    bursts : list of Burst
    carrier_excess_kurtosis : float
        Excess kurtosis of the carrier: 0 for Gaussian noise, > 0 for the spiky carrier
        (:func:`spiky_emg_noise`). The rectified mean of the carrier is 1 either way.
    """

    label: str
    role: str
    fs_hz: float
    duration_s: float
    rest: np.ndarray = field(repr=False)
    bursts: list[Burst] = field(default_factory=list, repr=False)
    carrier_excess_kurtosis: float = 0.0

    @classmethod
    def constant(cls, label: str, role: str, *, fs_hz: float, duration_s: float,
                 rest_uV: float) -> Envelope:
        """An envelope at a constant resting level (µV rectified mean)."""
        n = int(np.ceil(duration_s * REST_FS_HZ)) + 1
        return cls(label, role, float(fs_hz), float(duration_s),
                   np.full(n, float(rest_uV), dtype=np.float64))

    @property
    def n_samples(self) -> int:
        """Number of samples of the rendered signal."""
        return int(round(self.duration_s * self.fs_hz))

    @property
    def rest_times_s(self) -> np.ndarray:
        """Times in s of the :attr:`rest` samples."""
        return np.arange(self.rest.size) / REST_FS_HZ

    def rest_at(self, t_s: float | np.ndarray) -> np.ndarray:
        """Resting level (µV rectified mean) at the given times in s."""
        return np.interp(np.atleast_1d(t_s), self.rest_times_s, self.rest)

    def rest_slice(self, start_s: float, end_s: float) -> slice:
        """Index range of :attr:`rest` covering ``start_s..end_s``."""
        a = max(0, int(np.floor(start_s * REST_FS_HZ)))
        b = min(self.rest.size, int(np.ceil(end_s * REST_FS_HZ)) + 1)
        return slice(a, b)

    def add_burst(self, onset_s: float, duration_s: float, amplitude_uV: float, *,
                  rise_s: float = 0.1, decay_s: float = 0.2, modulation: float = 0.25,
                  seed: int = 0) -> Burst:
        """Add a burst; times in s, amplitude in µV rectified mean above rest."""
        if duration_s <= 0 or amplitude_uV < 0:
            raise ParameterError(
                f"a burst needs duration_s > 0 s and amplitude_uV >= 0 µV; received "
                f"{duration_s!r} s and {amplitude_uV!r} µV"
            )
        burst = Burst(float(onset_s), float(duration_s), float(amplitude_uV), float(rise_s),
                      float(decay_s), float(min(max(modulation, 0.0), MAX_MODULATION)), int(seed))
        self.bursts.append(burst)
        return burst

    def busy(self, start_s: float, end_s: float, *, margin_s: float = 0.0) -> bool:
        """Whether any burst overlaps ``start_s - margin .. end_s + margin``."""
        for b in self.bursts:
            if b.onset_s < end_s + margin_s and b.onset_s + b.duration_s > start_s - margin_s:
                return True
        return False

    # -- rendering ----------------------------------------------------------------------
    def render_envelope(self) -> np.ndarray:
        """The full-rate envelope (rest + bursts) in µV rectified mean, float32."""
        env = upsample_linear(self.rest, REST_FS_HZ, self.fs_hz, self.n_samples)
        for b in self.bursts:
            _add_burst_shape(env, b, self.fs_hz)
        return env


def burst_shape(b: Burst, t_s: np.ndarray) -> np.ndarray:
    """Envelope increase of a burst above rest in µV (rectified mean, float64).

    Parameters
    ----------
    b : Burst
    t_s : numpy.ndarray
        Times in s from the burst's onset, within ``0 <= t < b.duration_s``.
    """
    t = np.asarray(t_s, dtype=np.float64)
    rise = min(b.rise_s, 0.4 * b.duration_s)
    decay = min(b.decay_s, 0.4 * b.duration_s)
    shape = np.ones(t.size)
    r = t < rise
    shape[r] = 0.5 - 0.5 * np.cos(np.pi * t[r] / rise)
    d = t > b.duration_s - decay
    shape[d] = 0.5 - 0.5 * np.cos(np.pi * (b.duration_s - t[d]) / decay)
    if b.modulation > 0 and t.size > 8:
        # Slow (about 3 Hz) amplitude modulation: real bursts are not flat-topped.
        rng = np.random.default_rng(b.seed)
        knots = max(2, int(b.duration_s * 6) + 2)
        mod = rng.uniform(-1.0, 1.0, knots)
        shape *= 1.0 + b.modulation * np.interp(t, np.linspace(0, b.duration_s, knots), mod)
    return b.amplitude_uV * shape


def _add_burst_shape(env: np.ndarray, b: Burst, fs_hz: float) -> None:
    i0 = int(np.ceil(b.onset_s * fs_hz))
    i1 = int(np.floor((b.onset_s + b.duration_s) * fs_hz))
    if i1 <= i0 or i1 <= 0 or i0 >= env.size:
        return
    values = burst_shape(b, (np.arange(i0, i1) / fs_hz) - b.onset_s)
    a, z = max(i0, 0), min(i1, env.size)
    env[a:z] += values[a - i0:z - i0].astype(np.float32)


@functools.lru_cache(maxsize=16)
def standard_filter_gain(fs_hz: float) -> float:
    """Rectified-mean gain of the simulated EMG noise through the standard EMG filter.

    The AASM EMG filter is a 10-100 Hz band-pass; here a Butterworth of order 2 per edge run
    forward and backward (zero phase, as somnomotor's leg detector, SOMAS and psgscoring),
    with its corners placed so that the forward-backward response is -3 dB at 10 and 100 Hz
    (:func:`somnomotor.signal.filters.zero_phase_corners`), the upper edge lowered to
    0.45 x fs at low rates. The simulated noise (:func:`unit_emg_noise`) has skirts outside
    10-100 Hz (a 10-100 Hz band-pass run once), so the filter removes part of it: the
    8 µV / 2 µV rules, which apply to the recorded (filtered) EMG, see ``gain x`` the
    envelope. For Gaussian noise the rectified mean is proportional to the RMS, so the gain
    is the RMS gain, taken from the two frequency responses (about 0.90 at 512 Hz; 0.85 with
    the corners at the edges themselves).

    Parameters
    ----------
    fs_hz : float
        Sampling rate in Hz.

    Returns
    -------
    float
        Dimensionless gain (0-1).
    """
    lo, hi = EMG_BAND_HZ
    hi = min(hi, 0.45 * fs_hz)
    worN = np.linspace(0.0, fs_hz / 2.0, 8193)
    # The noise was shaped by the band-pass run once (power |H0|^2); the standard filter
    # runs forward and backward (power |H|^4) on top: RMS gain sqrt(sum |H0|^2 |H|^4 / sum |H0|^2).
    shaping = signal.butter(2, [lo, hi], btype="bandpass", fs=fs_hz, output="sos")
    _, h0 = signal.sosfreqz(shaping, worN=worN, fs=fs_hz)
    standard = design_bandpass(fs_hz, low_hz=lo, high_hz=hi, order=2, zero_phase_edges=True)
    _, h = signal.sosfreqz(standard, worN=worN, fs=fs_hz)
    p0 = np.abs(h0) ** 2
    return float(np.sqrt(np.sum(p0 * np.abs(h) ** 4) / np.sum(p0)))


def upsample_linear(values: np.ndarray, from_hz: float, to_hz: float, n: int) -> np.ndarray:
    """Linear interpolation of a series sampled at ``from_hz`` onto ``n`` samples at ``to_hz``.

    Fast path (block ramps in float32) when ``to_hz / from_hz`` is a whole number.
    """
    ratio = to_hz / from_hz
    k = int(round(ratio))
    v = np.asarray(values, dtype=np.float32)
    if abs(ratio - k) > 1e-9 or k < 1 or v.size < 2:
        t = np.arange(n, dtype=np.float64) / to_hz
        return np.interp(t, np.arange(v.size) / from_hz, v).astype(np.float32)
    blocks = -(-n // k)
    if blocks + 1 > v.size:
        v = np.concatenate([v, np.full(blocks + 1 - v.size, v[-1], dtype=np.float32)])
    frac = (np.arange(k, dtype=np.float32) / k)[None, :]
    out = v[:blocks, None] + (v[1:blocks + 1] - v[:blocks])[:, None] * frac
    return out.reshape(-1)[:n].copy()


def _noise_gain(sos: np.ndarray) -> float:
    """RMS of the filter output for unit-variance white noise (from the impulse response)."""
    impulse = np.zeros(8192)
    impulse[0] = 1.0
    h = signal.sosfilt(sos.astype(np.float64), impulse)
    return float(np.sqrt(np.sum(h * h)))


def unit_emg_noise(rng: np.random.Generator, n_samples: int, fs_hz: float) -> np.ndarray:
    """Band-limited Gaussian noise with rectified mean 1 (float32).

    Parameters
    ----------
    rng : numpy.random.Generator
    n_samples : int
    fs_hz : float
        Sampling rate in Hz (>= 200 Hz so the band fits below Nyquist).
    """
    lo, hi = EMG_BAND_HZ
    hi = min(hi, 0.45 * fs_hz)
    sos = signal.butter(2, [lo, hi], btype="bandpass", fs=fs_hz, output="sos").astype(np.float32)
    white = rng.standard_normal(n_samples + 1024, dtype=np.float32)
    # The first samples hold the filter's start-up transient; drop them.
    noise = signal.sosfilt(sos, white)[1024:]
    # Scale from the filter's noise gain (exact in expectation, and cheaper than np.std).
    noise *= np.float32(1.0 / (_noise_gain(sos) * np.sqrt(2.0 / np.pi)))
    return noise


def spiky_gain_sigma(excess_kurtosis: float) -> float:
    """Log-SD ``s`` of the spiky carrier's gain for a target excess kurtosis.

    The carrier is ``g x`` with ``x`` Gaussian and ``g = exp(s z - s^2/2)`` lognormal and
    independent of ``x``, so its kurtosis is ``3 E[g^4] / E[g^2]^2 = 3 exp(4 s^2)``; solved
    for ``s``: ``s = sqrt(ln(1 + k/3) / 4)`` with ``k`` the excess kurtosis.
    """
    if not np.isfinite(excess_kurtosis) or excess_kurtosis < 0:
        raise ParameterError(
            f"carrier excess kurtosis must be a finite number >= 0, received {excess_kurtosis!r}")
    return float(np.sqrt(np.log1p(excess_kurtosis / 3.0) / 4.0))


def spiky_emg_noise(rng: np.random.Generator, n_samples: int, fs_hz: float,
                    excess_kurtosis: float) -> np.ndarray:
    """Heavy-tailed EMG carrier with rectified mean 1 (float32); see the module docstring.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_samples : int
    fs_hz : float
        Sampling rate in Hz (>= 200 Hz).
    excess_kurtosis : float
        Target excess kurtosis (0 gives :func:`unit_emg_noise`).
    """
    x = unit_emg_noise(rng, n_samples, fs_hz)
    if excess_kurtosis <= 0:
        return x
    s = spiky_gain_sigma(excess_kurtosis)
    sos = signal.butter(2, SPIKY_GAIN_CORNER_HZ, btype="lowpass", fs=fs_hz, output="sos")
    white = rng.standard_normal(n_samples + 1024)
    z = signal.sosfilt(sos, white)[1024:] / _noise_gain(sos)
    # E[exp(s z)] = exp(s^2/2) for unit Gaussian z: dividing it out keeps E[g] = 1, so the
    # carrier's rectified mean stays 1 (g and x are independent).
    x *= np.exp(s * z - 0.5 * s * s).astype(np.float32)
    return x


def render_emg(env: Envelope, rng: np.random.Generator) -> np.ndarray:
    """The EMG signal of an envelope in µV (float32)."""
    out = spiky_emg_noise(rng, env.n_samples, env.fs_hz, env.carrier_excess_kurtosis)
    out *= env.render_envelope()
    return out


__all__ = ["EMG_BAND_HZ", "MAX_MODULATION", "REST_FS_HZ", "SPIKY_GAIN_CORNER_HZ", "Burst",
           "Envelope", "burst_shape", "render_emg", "spiky_emg_noise", "spiky_gain_sigma",
           "standard_filter_gain", "unit_emg_noise", "upsample_linear"]
