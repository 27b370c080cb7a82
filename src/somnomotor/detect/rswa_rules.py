"""Rule sets for scoring REM sleep without atonia: :class:`RSWAParams` and its presets.

A rule set fixes every choice the RSWA detector (:mod:`somnomotor.detect.rswa`) makes: EMG
band-pass and RMS window, epoch and mini-epoch lengths, the phasic and tonic criteria, the
background, the REM atonia index and the artefact exclusions. Three published sets are presets,
named in :data:`STANDARDS`: SINBAR (:meth:`RSWAParams.sinbar`, the default), the AASM Scoring
Manual (:meth:`RSWAParams.aasm`) and the Montreal method (:meth:`RSWAParams.montreal`); their
sources, confidence tags and the project's choices are described in docs/rswa.md. Both names
are re-exported by :mod:`somnomotor.detect.rswa`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from somnomotor._errors import ParameterError
from somnomotor._validation import check_non_negative, check_positive

STANDARDS: tuple[str, ...] = ("sinbar", "aasm", "montreal")


@dataclass(frozen=True)
class RSWAParams:
    """Rules for scoring REM sleep without atonia.

    Use a preset: :meth:`sinbar` (default), :meth:`aasm` or :meth:`montreal`; change single
    fields with :func:`dataclasses.replace`. Tags: [C] confirmed in a source, [C-impl] read
    in a public implementation, [W] weak source only, [R] recalled, unconfirmed (see
    docs/rswa.md).

    Parameters
    ----------
    standard : str
        ``"sinbar"``, ``"aasm"`` or ``"montreal"``: names the rule set in the output.
    band_low_hz, band_high_hz : float
        EMG band-pass in Hz: 10-100 Hz (AASM technical recommendation [R]; SOMAS default
        [C-impl]).
    notch_hz : float or None
        Mains notch (Hz) applied after the band-pass on every channel (IIR, Q = 30 as SOMAS
        [C-impl]); ``None``: only where :attr:`auto_notch` finds hum.
    auto_notch : bool
        Look for 50- and 60-Hz hum per channel and notch it when the line stands out of the
        EMG band by more than ``auto_notch_ratio`` (as the leg-movement detector does). Hum of
        a few µV buries the REM chin (~1 µV) inside the 10-100 Hz band.
    auto_notch_ratio : float
        Line-to-neighbourhood power ratio above which hum is notched: 10.
    rms_window_s : float
        Length (s) of the centred moving RMS that gives the EMG amplitude: 0.05 s [design].
        RBDtector uses 0.03-s RMS chunks [C-impl] (Röthenbacher et al., Sci Rep 2022,
        doi:10.1038/s41598-022-25163-9); on band-limited EMG noise 0.03 s let about 10 % of
        quiet mini-epochs cross 2x background by chance, 0.05 s brings that to about 0
        (docs/rswa.md).
    epoch_s : float
        Epoch length (s): 30 s (SINBAR, AASM [C]); 20 s in the Montreal method [R].
    mini_epoch_s : float
        Mini-epoch length (s): 3 s (SINBAR [C], AASM [C]); 2 s (Montreal [R]).
    phasic_min_s, phasic_max_s : float
        Duration range (s) of a phasic burst: 0.1-5.0 s (SINBAR, AASM [C]); 0.1-10 s
        (Montreal [R]). Activity longer than ``phasic_max_s`` is "sustained", not phasic.
    phasic_factor : float
        A phasic burst exceeds this multiple of the background amplitude: 2 (SINBAR [C]),
        4 (AASM [C], Montreal [R]).
    phasic_inclusive : bool
        ``True`` for "at least" (AASM ">= 4x"), ``False`` for "more than" (SINBAR "> 2x").
    tonic_reference : str
        ``"background"`` (the REM background, SINBAR/Montreal) or ``"nrem_minimum"`` (the
        minimum chin amplitude of NREM sleep, AASM [W]/[R]).
    tonic_factor : float
        Tonic activity is at least this multiple of the tonic reference: 2 (SINBAR [C],
        Montreal [R]); 1 (AASM: "greater than the NREM minimum" [W]/[R]).
    tonic_inclusive : bool
        ``True``: amplitude >= factor x reference (SINBAR "at least 2x"); ``False``: strictly
        greater (AASM).
    tonic_fraction : float
        Part of the epoch (0-1) that must hold tonic activity: 0.5.
    tonic_fraction_inclusive : bool
        ``False``: more than 50 % (SINBAR [C], Montreal [R]); ``True``: at least 50 % (AASM
        [W]/[R]).
    bridge_gap_s : float
        Gaps shorter than this (s) inside activity are bridged: 0.25 s [C-impl RBDtector].
    background_percentile, background_quiet_ratio, background_min_s : float
        Background of each REM period and channel: the RMS of its quiet clean 1-s bins, those
        whose RMS is at most ``background_quiet_ratio`` (1.5) x the ``background_percentile``
        (10th) percentile of all its clean 1-s RMS values; no background with fewer than
        ``background_min_s`` (15 s) clean seconds [design, see docs/rswa.md: robust to REM
        periods that never fall quiet for 30 s, where RBDtector's quietest 30 s [C-impl]
        overstates it].
    mini_epoch_min_activity_s : float
        A mini-epoch holds an activity type when at least this much (s) of that activity,
        after the RMS smear correction, lies inside it: 0.05 s [design], half the shortest
        phasic burst, so every burst of >= 0.1 s marks at least one mini-epoch, while the
        few ms an envelope run can still overhang a mini-epoch boundary mark none.
        RBDtector counts one sample [C-impl].
    phasic_on_tonic : bool
        Inside sustained activity (longer than ``phasic_max_s``), search phasic bursts again
        against the RMS (median power) of that activity, so bursts riding on tonic tone are
        found (as RBDtector does in tonic epochs [C-impl]).
    aasm_phasic_factor : float
        Factor (>=) of the AASM phasic criterion reported per epoch for every rule set: 4
        [C].
    aasm_positive_fraction : float
        An epoch is AASM-phasic when at least this part of its 3-s mini-epochs holds a burst:
        0.5 (5 of 10) [C].
    atonia_bin_s : float
        Mini-epoch of the REM atonia index: 1 s [C] (Ferri 2010).
    atonia_noise_half_window : int
        Noise correction subtracts the minimum over this many bins either side: 30 [C].
    atonia_amplitude_scale : float
        The rectified EMG is multiplied by this before averaging: 1, the published scale
        (Ferri 2008, 2010: mean amplitude of the rectified EMG [C]; Luna ``RAI`` [C-impl]),
        on which the 0.8 / 0.9 cut-offs were set. 2 reproduces SOMAS ``get_atonia_index.m``
        (``2*abs(EMG)`` [C-impl]); the index is then reported without the cut-off flags.
    flat_rms_uv : float
        A mini-epoch whose band-passed RMS is below this (µV) is "flat" (disconnected): 0.05
        µV [project choice, below any amplifier noise floor].
    artefact_max_uv : float
        A mini-epoch whose band-passed |EMG| exceeds this (µV) holds a "pop" or gross
        movement artefact: 1000 µV [project choice, beyond surface chin EMG].
    saturation_min_s : float
        Identical samples at the extreme value for at least this long (s) mark saturation:
        0.02 s [project choice].
    exclude_arousals : bool
        Leave out mini-epochs overlapping a scored arousal (RBDtector [C-impl]; SINBAR asks
        for artefact correction [C]).
    exclude_respiratory : bool
        Also leave out mini-epochs overlapping scored apneas, hypopneas and RERAs (optional
        in RBDtector [C-impl]); off by default.
    """

    standard: str = "sinbar"
    band_low_hz: float = 10.0
    band_high_hz: float = 100.0
    notch_hz: float | None = None
    auto_notch: bool = True
    auto_notch_ratio: float = 10.0
    rms_window_s: float = 0.05
    epoch_s: float = 30.0
    mini_epoch_s: float = 3.0
    phasic_min_s: float = 0.1
    phasic_max_s: float = 5.0
    phasic_factor: float = 2.0
    phasic_inclusive: bool = False
    tonic_reference: str = "background"
    tonic_factor: float = 2.0
    tonic_inclusive: bool = True
    tonic_fraction: float = 0.5
    tonic_fraction_inclusive: bool = False
    bridge_gap_s: float = 0.25
    background_percentile: float = 10.0
    background_quiet_ratio: float = 1.5
    background_min_s: float = 15.0
    mini_epoch_min_activity_s: float = 0.05
    phasic_on_tonic: bool = True
    aasm_phasic_factor: float = 4.0
    aasm_positive_fraction: float = 0.5
    atonia_bin_s: float = 1.0
    atonia_noise_half_window: int = 30
    atonia_amplitude_scale: float = 1.0
    flat_rms_uv: float = 0.05
    artefact_max_uv: float = 1000.0
    saturation_min_s: float = 0.02
    exclude_arousals: bool = True
    exclude_respiratory: bool = False

    def __post_init__(self) -> None:
        if self.standard not in STANDARDS:
            raise ParameterError(
                f"standard must be one of {list(STANDARDS)}, received {self.standard!r}"
            )
        if self.tonic_reference not in ("background", "nrem_minimum"):
            raise ParameterError(
                "tonic_reference must be 'background' or 'nrem_minimum', received "
                f"{self.tonic_reference!r}"
            )
        positive = ("rms_window_s", "epoch_s", "mini_epoch_s", "phasic_max_s", "phasic_factor",
                    "tonic_factor", "background_quiet_ratio", "background_min_s",
                    "aasm_phasic_factor", "atonia_bin_s", "atonia_amplitude_scale",
                    "artefact_max_uv", "saturation_min_s")
        for name in positive:
            check_positive(name, getattr(self, name))
        for name in ("phasic_min_s", "bridge_gap_s", "flat_rms_uv",
                     "mini_epoch_min_activity_s"):
            check_non_negative(name, getattr(self, name))
        if self.notch_hz is not None:
            check_positive("notch_hz", self.notch_hz)
        check_positive("auto_notch_ratio", self.auto_notch_ratio)
        if self.phasic_min_s >= self.phasic_max_s:
            raise ParameterError(
                f"phasic_min_s ({self.phasic_min_s!r} s) must be below phasic_max_s "
                f"({self.phasic_max_s!r} s)"
            )
        if not 0 < self.band_low_hz < self.band_high_hz:
            raise ParameterError(
                "band edges must satisfy 0 < band_low_hz < band_high_hz, received "
                f"{self.band_low_hz!r} and {self.band_high_hz!r} Hz"
            )
        ratio = self.epoch_s / self.mini_epoch_s
        if abs(ratio - round(ratio)) > 1e-9 or round(ratio) < 1:
            raise ParameterError(
                f"epoch_s ({self.epoch_s!r} s) must be a whole multiple of mini_epoch_s "
                f"({self.mini_epoch_s!r} s)"
            )
        for name in ("tonic_fraction", "aasm_positive_fraction"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ParameterError(f"{name} must be in (0, 1], received {value!r}")
        if not 0 <= self.background_percentile <= 100:
            raise ParameterError(
                f"background_percentile must be in [0, 100], received "
                f"{self.background_percentile!r}"
            )
        if self.atonia_noise_half_window < 0:
            raise ParameterError(
                f"atonia_noise_half_window must be >= 0 bins, received "
                f"{self.atonia_noise_half_window!r}"
            )

    @classmethod
    def sinbar(cls) -> RSWAParams:
        """SINBAR (Frauscher et al., Sleep 2012;35:835, doi:10.5665/sleep.1886): the defaults."""
        return cls()

    @classmethod
    def aasm(cls) -> RSWAParams:
        """AASM Scoring Manual v2.x: phasic >= 4x background in 3-s mini-epochs [C]; tonic
        >= 50 % of the epoch above the minimum NREM chin amplitude [W]/[R]."""
        return cls(standard="aasm", phasic_factor=4.0, phasic_inclusive=True,
                   tonic_reference="nrem_minimum", tonic_factor=1.0, tonic_inclusive=False,
                   tonic_fraction_inclusive=True)

    @classmethod
    def montreal(cls) -> RSWAParams:
        """Montreal method (Montplaisir et al. 2010, doi:10.1002/mds.23257; Lapierre &
        Montplaisir 1992): 20-s epochs, 2-s mini-epochs, phasic 0.1-10 s > 4x background, all
        [R]."""
        return cls(standard="montreal", epoch_s=20.0, mini_epoch_s=2.0, phasic_max_s=10.0,
                   phasic_factor=4.0, phasic_inclusive=False)

    @classmethod
    def preset(cls, name: str) -> RSWAParams:
        """The preset called ``name`` (``"sinbar"``, ``"aasm"`` or ``"montreal"``)."""
        if name not in STANDARDS:
            raise ParameterError(f"unknown RSWA rule set {name!r}; allowed are {list(STANDARDS)}")
        return {"sinbar": cls.sinbar, "aasm": cls.aasm, "montreal": cls.montreal}[name]()

    def to_dict(self) -> dict[str, Any]:
        """All fields as a JSON-ready dict."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


__all__ = [
    "STANDARDS",
    "RSWAParams",
]
