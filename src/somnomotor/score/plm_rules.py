"""Parameter sets of the leg-movement (LM) and periodic-limb-movement (PLM) scoring rules.

:class:`PLMRules` holds every number and every open choice of the two standards in use:

* **WASM 2016** -- Ferri R, Fulda S, Allen RP, et al. World Association of Sleep Medicine
  (WASM) 2016 standards for recording and scoring leg movements in polysomnograms developed
  by a joint task force from the IRLSSG and the WASM. Sleep Med 2016;26:86-95.
  doi:10.1016/j.sleep.2016.10.010. This is the default.
* **AASM** -- Berry RB et al. The AASM Manual for the Scoring of Sleep and Associated Events,
  version 2.6 (2020), movement rules (unchanged for LMs since 2007).

Where the sources read do not fix a detail (open vs closed interval ends, whether a CLM with
a short interval may start a series, series across wake ...), the field says which choice
was made and why; docs/plm-rules.md lists every choice in one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from somnomotor._errors import ParameterError

WASM_2016_REFERENCE = (
    "WASM 2016 (Ferri et al., Sleep Med 2016;26:86-95, doi:10.1016/j.sleep.2016.10.010)"
)
AASM_REFERENCE = "AASM Manual for the Scoring of Sleep and Associated Events v2.6 (2020)"

BilateralRule = Literal["gap", "onset"]
RespiratoryAnchor = Literal["event", "end"]

_RULE_SETS: tuple[str, ...] = ("wasm_2016", "aasm")


@dataclass(frozen=True)
class PLMRules:
    """Rules that turn monolateral leg movements into LMs, CLMs, PLM series and indices.

    Use the presets :meth:`wasm_2016` (default) or :meth:`aasm`; change single fields with
    :func:`dataclasses.replace`. All times are in s. Interval limits hold onset-to-onset.

    Parameters
    ----------
    name : str
        Rule-set name reported in summary.json (``"wasm_2016"`` or ``"aasm"``, or a custom
        name for a modified set).
    standard : str
        Citation of the standard the rules follow.
    same_leg_merge_gap_s : float or None
        Two scored movements of the same leg that overlap or whose offset-to-onset gap is
        < this many s are one LM (earliest onset to latest offset), before any other rule.
        Both standards end an LM only at the start of >= 0.5 s of low EMG, so a gap shorter
        than 0.5 s cannot separate two LMs. Strict: a gap of exactly 0.5 s keeps them apart.
        PLMScoRe (Fulda, doi:10.5281/zenodo.3903318, ``lm_unil``) and MATPLM-Score
        (pskeba1/MATPLM-Score) do the same on scored exports. ``None``: no merging.
    lm_min_duration_s : float
        Shortest LM, s. Both standards: 0.5 s; shorter activity is not an LM and is dropped.
    lm_max_duration_s : float or None
        Longest LM, s. AASM: 10 s (longer activity is not an LM, is dropped and does *not*
        break a series). WASM 2016: ``None`` -- every LM >= 0.5 s is an LM, long ones are
        simply not candidates.
    clm_max_duration_mono_s : float or None
        Longest monolateral candidate LM (CLM), s. WASM 2016: 10 s (closed, 10.0 s is a CLM).
        AASM: 10 s (same as the LM limit, so every LM is a candidate).
    clm_max_duration_bilateral_s : float or None
        Longest bilateral CLM (earliest onset to latest offset), s. WASM 2016: 15 s (closed).
        AASM has no such limit (``None``).
    bilateral_rule : {"gap", "onset"}
        How LMs of the two legs are combined. ``"gap"`` (WASM 2016): they overlap or the gap
        from the offset of one to the onset of the other is < ``bilateral_max_gap_s``.
        ``"onset"`` (AASM 2007 wording): their onsets are < ``bilateral_max_onset_diff_s``
        apart. Combination is transitive (connected components).
    bilateral_max_gap_s : float
        WASM 2016: 0.5 s, strict (a gap of exactly 0.5 s does not combine).
    bilateral_max_onset_diff_s : float
        AASM: 5 s, strict.
    bilateral_max_components : int or None
        Most monolateral LMs in a bilateral CLM. WASM 2016: 4 (MATPLM ``maxcomb = 4``, SOMAS
        rule 2); a bilateral LM of 5 or more components is an LM but not a CLM. AASM: ``None``.
    imi_min_s, imi_max_s : float
        Range of the inter-movement interval (IMI, onset to onset) inside a PLM series, s.
        WASM 2016: 10-90 s; AASM: 5-90 s.
    imi_min_inclusive, imi_max_inclusive : bool
        Whether the ends are inside the range. Decision: both closed (10 <= IMI <= 90), as the
        WASM 2016 abstract words it; SOMAS codes 10 <= IMI < 90 and PMC8662505 ">10".
    min_series_length : int
        Fewest consecutive CLMs in a PLM series. Both standards: 4.
    non_candidate_breaks_series : bool
        WASM 2016: an LM that is not a CLM between two CLMs ends the series, and no IMI is
        computed across it (PMC9619152 Table 3; MATPLM breakpoints). AASM: ``False`` (there
        are no non-candidate LMs after the 10-s limit).
    short_imi_may_start_series : bool
        Whether a CLM whose IMI to the previous CLM is below ``imi_min_s`` may be the first
        CLM of a new series. Not fixed by the sources read; MATPLM allows it, SOMAS does not.
        Decision: ``True`` -- the series rule constrains the intervals *between* members, and
        the short interval lies before the new series; the short interval still ends the
        previous series.
    series_across_wake : bool
        ``True`` (SOMAS, MATPLM): series are built on all CLMs of the night, and each PLM is
        then attributed to the stage of the epoch of its onset (PLMS vs PLMW). ``False``: a
        change between sleep and wake (or an unscored epoch) between two CLMs ends the series
        (close to, but not identical with, psgscoring which deletes wake LMs first).
    respiratory_anchor : {"event", "end"}
        What the respiratory window is built around. AASM: ``"event"`` -- from
        ``respiratory_before_s`` before the start to ``respiratory_after_s`` after the end of
        an apnoea, hypopnoea or RERA. WASM 2016: ``"end"`` -- from ``respiratory_before_s``
        before to ``respiratory_after_s`` after the event end (Manconi et al. Sleep
        2015;38:295, doi:10.5665/sleep.4418). An LM that overlaps the window (ends included)
        is respiratory-related.
    respiratory_before_s, respiratory_after_s : float
        AASM: 0.5 / 0.5 s. WASM 2016: 2.0 / 10.25 s.
    respiratory_excludes : bool
        AASM (``True``): a respiratory-related LM is not scored for PLM -- it is left out of
        the series as if absent (IMIs run across it). WASM 2016 (``False``): a
        respiratory-related CLM (CLMr) stays in the primary PLMS count; a second series
        computation without CLMr gives PLMSnr.
    clmr_breaks_nr_series : bool
        In the PLMSnr computation (WASM), whether a removed CLMr ends the series like a
        non-candidate LM. Default ``False``: the CLMr is removed and the interval is taken
        from the CLM before it to the CLM after it, as PLMScoRe (Fulda,
        doi:10.5281/zenodo.3903318, ``plm``) and MATPLM-Score do -- WASM 2016 describes
        PLMSnr as the series recomputed after removing the CLMr. ``True`` (the earlier
        somnomotor choice) treats a removed CLMr like a non-CLM, so no series bridges a
        respiratory event.
    arousal_max_gap_s : float
        An LM and an arousal are associated when they overlap or < 0.5 s separates the end of
        one from the onset of the other, either order (AASM and WASM 2016; Ferri et al. Sleep
        2015, doi:10.5665/sleep.4676). Strict: a gap of exactly 0.5 s does not associate.
    """

    name: str = "wasm_2016"
    standard: str = WASM_2016_REFERENCE
    # Both standards: an LM ends at >= 0.5 s of low EMG, so same-leg marks < 0.5 s apart are
    # one LM (PLMScoRe lm_unil, MATPLM-Score).
    same_leg_merge_gap_s: float | None = 0.5
    # Both standards: LM >= 0.5 s [WASM 2016; AASM v2.6].
    lm_min_duration_s: float = 0.5
    # WASM 2016: no maximum for an LM; AASM v2.6: 10 s.
    lm_max_duration_s: float | None = None
    # WASM 2016: monolateral CLM 0.5-10 s.
    clm_max_duration_mono_s: float | None = 10.0
    # WASM 2016: bilateral CLM 0.5-15 s.
    clm_max_duration_bilateral_s: float | None = 15.0
    # WASM 2016: overlap or offset->onset gap < 0.5 s; AASM 2007: onsets < 5 s apart.
    bilateral_rule: BilateralRule = "gap"
    bilateral_max_gap_s: float = 0.5
    bilateral_max_onset_diff_s: float = 5.0
    # WASM 2016 (MATPLM maxcomb, SOMAS): <= 4 monolateral components.
    bilateral_max_components: int | None = 4
    # WASM 2016: 10 <= IMI <= 90 s onset-to-onset; AASM v2.6: 5-90 s.
    imi_min_s: float = 10.0
    imi_max_s: float = 90.0
    # Decision: closed ends, per the WASM 2016 abstract ("10 s or more ... 90 s or less").
    imi_min_inclusive: bool = True
    imi_max_inclusive: bool = True
    # Both standards: at least 4 consecutive (C)LMs.
    min_series_length: int = 4
    # WASM 2016: an intervening non-CLM LM ends a series.
    non_candidate_breaks_series: bool = True
    # Open choice (MATPLM yes, SOMAS no); decision yes, see class docstring.
    short_imi_may_start_series: bool = True
    # SOMAS/MATPLM: series over all CLMs, stage attributed per PLM afterwards.
    series_across_wake: bool = True
    # WASM 2016: CLM overlapping -2.0 .. +10.25 s around the respiratory event END is CLMr.
    respiratory_anchor: RespiratoryAnchor = "end"
    respiratory_before_s: float = 2.0
    respiratory_after_s: float = 10.25
    respiratory_excludes: bool = False
    # PLMScoRe and MATPLM-Score: a removed CLMr does not end the PLMSnr series (the IMI is
    # taken across it); True keeps the stricter reading (a removed CLMr acts as a non-CLM).
    clmr_breaks_nr_series: bool = False
    # AASM and WASM 2016: overlap or < 0.5 s end-to-onset, either order.
    arousal_max_gap_s: float = 0.5
    # Decision (no standard speaks of it): an unscorable stretch breaks a series only when it
    # lasts at least this long (s). Brief artefacts such as electrode pops (~1 s) cannot hide
    # a whole inter-movement interval, and a scorer reading the trace carries the series on
    # across them; they still leave the denominators. Default: the WASM minimum IMI, 10 s.
    unscorable_breaks_series_min_s: float = 10.0

    # -- presets ----------------------------------------------------------------------
    @classmethod
    def wasm_2016(cls) -> PLMRules:
        """The WASM/IRLSSG 2016 rules (Ferri et al. 2016, doi:10.1016/j.sleep.2016.10.010)."""
        return cls()

    @classmethod
    def aasm(cls) -> PLMRules:
        """The AASM Scoring Manual v2.6 rules (LM 0.5-10 s, IMI 5-90 s, onsets < 5 s)."""
        return cls(
            name="aasm",
            standard=AASM_REFERENCE,
            lm_min_duration_s=0.5,
            # AASM: longer activity is not an LM (and so does not break a series).
            lm_max_duration_s=10.0,
            clm_max_duration_mono_s=10.0,
            clm_max_duration_bilateral_s=None,
            bilateral_rule="onset",
            bilateral_max_components=None,
            # AASM: IMI 5-90 s; closed ends chosen as for WASM (see docs/plm-rules.md).
            imi_min_s=5.0,
            imi_max_s=90.0,
            non_candidate_breaks_series=False,
            # AASM: LM from 0.5 s before the start to 0.5 s after the end of an apnoea,
            # hypopnoea or RERA is not scored (v2.4 wording).
            respiratory_anchor="event",
            respiratory_before_s=0.5,
            respiratory_after_s=0.5,
            respiratory_excludes=True,
        )

    @classmethod
    def from_name(cls, name: str) -> PLMRules:
        """The preset called ``name`` (``"wasm_2016"`` or ``"aasm"``)."""
        key = str(name).strip().lower().replace("-", "_")
        if key in ("wasm_2016", "wasm", "wasm2016"):
            return cls.wasm_2016()
        if key == "aasm":
            return cls.aasm()
        raise ParameterError(
            f"unknown PLM rule set {name!r}; allowed are {list(_RULE_SETS)}"
        )

    # -- validation -------------------------------------------------------------------
    def __post_init__(self) -> None:
        def positive(field_name: str, value: object, *, allow_none: bool = False,
                     allow_zero: bool = False) -> None:
            if value is None and allow_none:
                return
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if ok:
                fvalue = float(value)  # type: ignore[arg-type]
                ok = math.isfinite(fvalue) and (fvalue >= 0 if allow_zero else fvalue > 0)
            if not ok:
                bound = ">= 0" if allow_zero else "> 0"
                extra = " or None" if allow_none else ""
                raise ParameterError(
                    f"PLMRules.{field_name} must be a finite number {bound} s{extra}, "
                    f"received {value!r}"
                )

        positive("same_leg_merge_gap_s", self.same_leg_merge_gap_s, allow_none=True,
                 allow_zero=True)
        positive("lm_min_duration_s", self.lm_min_duration_s)
        positive("lm_max_duration_s", self.lm_max_duration_s, allow_none=True)
        positive("clm_max_duration_mono_s", self.clm_max_duration_mono_s, allow_none=True)
        positive("clm_max_duration_bilateral_s", self.clm_max_duration_bilateral_s,
                 allow_none=True)
        positive("bilateral_max_gap_s", self.bilateral_max_gap_s, allow_zero=True)
        positive("bilateral_max_onset_diff_s", self.bilateral_max_onset_diff_s, allow_zero=True)
        positive("imi_min_s", self.imi_min_s, allow_zero=True)
        positive("imi_max_s", self.imi_max_s)
        positive("respiratory_before_s", self.respiratory_before_s, allow_zero=True)
        positive("respiratory_after_s", self.respiratory_after_s, allow_zero=True)
        positive("arousal_max_gap_s", self.arousal_max_gap_s, allow_zero=True)
        positive("unscorable_breaks_series_min_s", self.unscorable_breaks_series_min_s,
                 allow_zero=True)
        if self.lm_max_duration_s is not None and self.lm_max_duration_s < self.lm_min_duration_s:
            raise ParameterError(
                f"PLMRules.lm_max_duration_s ({self.lm_max_duration_s!r} s) must be >= "
                f"lm_min_duration_s ({self.lm_min_duration_s!r} s)"
            )
        if not self.imi_max_s > self.imi_min_s:
            raise ParameterError(
                f"PLMRules.imi_max_s must be greater than imi_min_s; received "
                f"imi_min_s={self.imi_min_s!r} s, imi_max_s={self.imi_max_s!r} s"
            )
        if self.bilateral_rule not in ("gap", "onset"):
            raise ParameterError(
                f"PLMRules.bilateral_rule must be 'gap' (WASM 2016) or 'onset' (AASM), "
                f"received {self.bilateral_rule!r}"
            )
        if self.respiratory_anchor not in ("event", "end"):
            raise ParameterError(
                f"PLMRules.respiratory_anchor must be 'event' (AASM) or 'end' (WASM 2016), "
                f"received {self.respiratory_anchor!r}"
            )
        for int_field, minimum in (("min_series_length", 2), ("bilateral_max_components", 2)):
            value = getattr(self, int_field)
            if int_field == "bilateral_max_components" and value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
                raise ParameterError(
                    f"PLMRules.{int_field} must be an integer >= {minimum}, received {value!r}"
                )
        for bool_field in ("imi_min_inclusive", "imi_max_inclusive",
                           "non_candidate_breaks_series", "short_imi_may_start_series",
                           "series_across_wake", "respiratory_excludes",
                           "clmr_breaks_nr_series"):
            value = getattr(self, bool_field)
            if not isinstance(value, bool):
                raise ParameterError(
                    f"PLMRules.{bool_field} must be True or False, received {value!r}"
                )
        if not isinstance(self.name, str) or not self.name:
            raise ParameterError(f"PLMRules.name must be a non-empty string, received "
                                 f"{self.name!r}")

    # -- helpers used by the pipeline ---------------------------------------------------
    def imi_in_range(self, imi_s: float) -> bool:
        """Whether one IMI (s) lies in the series range, honouring the interval ends."""
        lo_ok = imi_s >= self.imi_min_s if self.imi_min_inclusive else imi_s > self.imi_min_s
        hi_ok = imi_s <= self.imi_max_s if self.imi_max_inclusive else imi_s < self.imi_max_s
        return bool(lo_ok and hi_ok)


__all__ = ["AASM_REFERENCE", "WASM_2016_REFERENCE", "PLMRules"]
