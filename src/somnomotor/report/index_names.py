"""Plain names of the indices, and the counts behind each rate, for people reading results.

summary.json keeps the stable machine names (``plms_nr_index``); a reader of the terminal
summary, the HTML report or the PDF also needs to know what the name means and how many events
a rate rests on ("62 PLMS in 6.4 h of sleep"). This module is the one place those words live;
the terminal (:mod:`somnomotor.report.text`), the HTML (:mod:`somnomotor.report.html`) and the
PDF (:mod:`somnomotor.report.pdf`) all take them from here.

Each entry gives the plain name and, for rates and shares, what the numerator counts, so that
the count can be shown beside the rate (count = rate x denominator, both from summary.json).
A few indices also get a short form of their published cut-off for narrow table columns; the
full wording with its source stays in summary.json.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class IndexLabel:
    """Words for one index.

    Parameters
    ----------
    plain : str
        What the index is, in words a clinician or a patient can read.
    counted : str
        For a rate (/h), a share (%) or a ratio: what the numerator counts (plural noun,
        e.g. ``"PLMS"``), used in "62 PLMS in 6.4 h of sleep". Empty when there is no
        countable numerator (mean durations, the atonia index).
    short_cutoff : str
        The published cut-off in a few words, for narrow columns; empty to use the
        index's own ``cutoff`` text.
    """

    plain: str
    counted: str = ""
    short_cutoff: str = ""


def _legs(prefix: str, plain: str, counted: str, where: str) -> dict[str, IndexLabel]:
    return {
        f"{prefix}_left_index": IndexLabel(f"{plain}, left leg{where}", f"{counted} on the left leg"),
        f"{prefix}_right_index": IndexLabel(f"{plain}, right leg{where}",
                                            f"{counted} on the right leg"),
        f"{prefix}_bilateral_index": IndexLabel(f"{plain}, both legs{where}",
                                                f"{counted} of both legs"),
    }


_PLMS_CUT = "> 15/h adults, > 5/h children (ICSD-3)"

#: Every index the analyses can produce, by machine name (docs/indices.md lists them).
INDEX_LABELS: Mapping[str, IndexLabel] = {
    # -- leg movements, with a hypnogram (rates per hour of sleep, wake, NREM or REM) --------
    "plms_index": IndexLabel("PLMS index, respiratory-related kept", "PLMS", _PLMS_CUT),
    "plms_nr_index": IndexLabel("PLMS index, respiratory-related removed",
                                "PLMS", _PLMS_CUT),
    "plmw_index": IndexLabel("PLM in wake (PLMW index)", "PLMW"),
    "plm_nrem_index": IndexLabel("PLM in NREM sleep", "PLM"),
    "plm_rem_index": IndexLabel("PLM in REM sleep", "PLM"),
    "plm_nr_nrem_index": IndexLabel("PLM in NREM, respiratory-related removed",
                                    "PLM"),
    "plm_nr_rem_index": IndexLabel("PLM in REM, respiratory-related removed",
                                   "PLM"),
    "plms_arousal_index": IndexLabel("PLMS with an arousal", "PLMS with an arousal"),
    "plms_nr_arousal_index": IndexLabel("PLMS with arousal, respiratory-related removed",
                                        "PLMS with an arousal"),
    "clms_index": IndexLabel("Candidate leg movements in sleep (CLMS)", "CLM"),
    "clmw_index": IndexLabel("Candidate leg movements in wake", "CLM"),
    "clm_nrem_index": IndexLabel("Candidate leg movements in NREM sleep", "CLM"),
    "clm_rem_index": IndexLabel("Candidate leg movements in REM sleep", "CLM"),
    "clmr_nrem_index": IndexLabel("Respiratory-related leg movements in NREM",
                                  "CLMr"),
    "clmr_rem_index": IndexLabel("Respiratory-related leg movements in REM sleep", "CLMr"),
    "short_imi_wake_index": IndexLabel("Leg movements at short intervals, in wake",
                                       "short-interval CLM"),
    "isolated_wake_index": IndexLabel("Isolated leg movements, in wake", "isolated CLM"),
    "lmw_index": IndexLabel("All leg movements in wake", "LM"),
    **_legs("plms", "PLMS", "PLMS", ""),
    **_legs("plmw", "PLM in wake", "PLMW", ""),
    "periodicity_index_wake": IndexLabel("Periodicity index in wake",
                                         "CLM in series"),
    "plms_mean_duration_s": IndexLabel("Mean duration of PLMS"),
    "plmw_mean_duration_s": IndexLabel("Mean duration of PLM in wake"),
    "plms_count": IndexLabel("Number of PLMS"),
    "plmw_count": IndexLabel("Number of PLM in wake"),
    "plms_nr_count": IndexLabel("Number of PLMS, respiratory-related removed"),
    "clms_count": IndexLabel("Number of candidate leg movements in sleep"),
    "lms_count": IndexLabel("Number of leg movements in sleep"),
    # -- leg movements, names shared with or used without a hypnogram: the counts say whether
    #    the hours are of sleep or of recording, so these names stay neutral --------------
    "plm_index": IndexLabel("PLM per hour of recording (no sleep staging)", "PLM",
                            "ICSD-3 cut-offs do not apply"),
    "plm_nr_index": IndexLabel("PLM per h of recording, resp.-related removed",
                               "PLM", "ICSD-3 cut-offs do not apply"),
    "plm_arousal_index": IndexLabel("PLM with an arousal, per hour of recording",
                                    "PLM with an arousal"),
    "clm_index": IndexLabel("Candidate leg movements per hour of recording", "CLM"),
    "clmr_index": IndexLabel("Respiratory-related leg movements (CLMr)", "CLMr"),
    "short_imi_index": IndexLabel("Leg movements at short intervals",
                                  "short-interval CLM"),
    "isolated_index": IndexLabel("Isolated leg movements (not periodic)",
                                 "isolated CLM"),
    "lm_index": IndexLabel("All leg movements (LM)", "LM"),
    **_legs("plm", "PLM", "PLM", ", per hour of recording"),
    "periodicity_index": IndexLabel("Periodicity index (share of CLM in series)",
                                    "CLM in series"),
    "plm_mean_duration_s": IndexLabel("Mean duration of PLM"),
    "short_imi_mean_duration_s": IndexLabel("Mean duration of short-interval leg movements"),
    "isolated_mean_duration_s": IndexLabel("Mean duration of isolated leg movements"),
    "plm_count": IndexLabel("Number of PLM"),
    "plm_nr_count": IndexLabel("Number of PLM, respiratory-related removed"),
    "lm_count": IndexLabel("Number of leg movements, all stages"),
    "clm_count": IndexLabel("Number of candidate leg movements, all stages"),
    "plm_count_all": IndexLabel("Number of PLM, all stages"),
    "clmr_count": IndexLabel("Number of resp.-related leg movements, all"),
    "ln_imi_mean": IndexLabel("Mean ln(interval) of leg movements, 10-90 s"),
    "ln_imi_sd": IndexLabel("SD of ln(interval) of leg movements, 10-90 s"),
    # -- REM sleep without atonia --------------------------------------------------------
    "sinbar_chin_any_pct": IndexLabel("SINBAR: any chin activity in REM",
                                      "mini-epochs with chin activity", "> 18 % (SINBAR)"),
    "sinbar_chin_phasic_pct": IndexLabel("SINBAR: chin twitches (phasic) in REM",
                                         "mini-epochs with chin twitches"),
    "sinbar_chin_tonic_pct": IndexLabel("SINBAR: lasting chin tone (tonic) in REM",
                                        "mini-epochs with chin tone"),
    "sinbar_chin_any_arms_phasic_pct": IndexLabel(
        "SINBAR: chin activity or arm twitches in REM",
        "mini-epochs with chin activity or arm twitches", "> 32 % (SINBAR)"),
    "sinbar_arm_left_phasic_pct": IndexLabel("SINBAR: left arm twitches in REM",
                                             "mini-epochs with left arm twitches"),
    "sinbar_arm_right_phasic_pct": IndexLabel("SINBAR: right arm twitches in REM",
                                              "mini-epochs with right arm twitches"),
    "sinbar_leg_left_phasic_pct": IndexLabel("SINBAR: left leg twitches in REM",
                                             "mini-epochs with left leg twitches"),
    "sinbar_leg_right_phasic_pct": IndexLabel("SINBAR: right leg twitches in REM",
                                              "mini-epochs with right leg twitches"),
    "aasm_phasic_epoch_pct": IndexLabel("AASM: REM epochs with chin twitches (phasic)",
                                        "epochs with chin twitches"),
    "aasm_tonic_epoch_pct": IndexLabel("AASM: REM epochs with chin tone (tonic)",
                                       "epochs with chin tone"),
    "montreal_tonic_pct": IndexLabel("Montreal: REM epochs with lasting chin tone",
                                     "epochs with chin tone", ">= 30 % (Montreal)"),
    "montreal_phasic_pct": IndexLabel("Montreal: REM mini-epochs with chin twitches",
                                      "mini-epochs with chin twitches", ">= 15 % (Montreal)"),
    "montreal_rem_lm_per_h": IndexLabel("Montreal: leg movements in REM sleep",
                                        "leg movements", ">= 24/h (Montreal)"),
    "rem_atonia_index": IndexLabel("REM atonia index (1 = chin fully relaxed)", "",
                                   "> 0.9 normal; < 0.8 reduced"),
    "rswa_excluded_mini_epochs": IndexLabel("REM mini-epochs left out (artefact, arousal)"),
    "rswa_rem_minutes": IndexLabel("REM sleep analysed for RSWA"),
    # -- fragmentary myoclonus -----------------------------------------------------------
    "fm_count": IndexLabel("Number of fragmentary myoclonus potentials"),
    "fm_index_recording": IndexLabel("Fragmentary myoclonus per hour of recording",
                                     "FM potentials"),
    "fm_index_sleep": IndexLabel("Fragmentary myoclonus per hour of sleep", "FM potentials",
                                 "none; healthy 90th centile 144/h"),
    "fm_index_W": IndexLabel("Fragmentary myoclonus in wake", "FM potentials"),
    "fm_index_N1": IndexLabel("Fragmentary myoclonus in N1", "FM potentials"),
    "fm_index_N2": IndexLabel("Fragmentary myoclonus in N2", "FM potentials"),
    "fm_index_N3": IndexLabel("Fragmentary myoclonus in N3", "FM potentials"),
    "fm_index_R": IndexLabel("Fragmentary myoclonus in REM", "FM potentials"),
    "fm_mini_epoch_index_sleep": IndexLabel("Sleep mini-epochs with fragmentary myoclonus",
                                            "mini-epochs with FM"),
    "efm_minutes": IndexLabel("Minutes of NREM sleep with >= 5 FM potentials",
                              "minutes with >= 5 potentials", ">= 20 min (AASM)"),
    "efm_criterion_met": IndexLabel("Excessive fragm. myoclonus (AASM criterion)",
                                    "", ">= 20 min (AASM)"),
    "fm_synchronous_excluded": IndexLabel("FM potentials left out: synchronous"),
    "fm_cardiac_rejected": IndexLabel("FM potentials left out: heartbeat artefact"),
    "fm_not_alone_excluded": IndexLabel("FM potentials left out: inside a movement"),
    "fm_sleep_start_excluded": IndexLabel("FM potentials left out: part of a sleep start"),
    # -- sleep starts ---------------------------------------------------------------------
    "sleep_start_count": IndexLabel("Number of sleep starts (hypnic jerks)"),
    "sleep_onset_transitions": IndexLabel("Wake-to-sleep transitions searched"),
    "sleep_starts_per_transition": IndexLabel("Sleep starts per wake-to-sleep transition"),
    "propriospinal_pattern_count": IndexLabel("Jerks with a propriospinal-like spread"),
    # -- leg movement sensor (piezo/motion; not the WASM index) ----------------------------
    "leg_motion_count": IndexLabel("Leg motion-sensor movements (not WASM LMs)"),
    "leg_motion_index": IndexLabel("Leg motion-sensor movements per hour", "movements"),
    "leg_motion_long_count": IndexLabel("Leg motion-sensor movements over 10 s"),
    # -- rhythmic leg activity ------------------------------------------------------------
    "hft_train_count": IndexLabel("Number of foot tremor (HFT) trains", "",
                                  "none; healthy 90th centile 4/night"),
    "hft_index_sleep": IndexLabel("Foot tremor (HFT) trains per hour of sleep", "HFT trains"),
    "alma_train_count": IndexLabel("Number of ALMA trains (alternating legs)"),
    "alma_index_sleep": IndexLabel("ALMA trains per hour of sleep", "ALMA trains"),
    # -- large movements ------------------------------------------------------------------
    "large_movement_count": IndexLabel("Number of large body movements"),
    "large_movement_index_sleep": IndexLabel("Large body movements per hour of sleep",
                                             "large movements"),
    # -- bruxism --------------------------------------------------------------------------
    "bruxism_episode_count": IndexLabel("Number of jaw-muscle (bruxism) episodes"),
    "bruxism_wake_episode_count": IndexLabel("Jaw-muscle episodes in wake (not counted)"),
    "bruxism_episode_index": IndexLabel("Bruxism episodes per hour of sleep", "episodes"),
    "bruxism_burst_index": IndexLabel("Jaw-muscle bursts per hour of sleep", "bursts"),
    "bruxism_bursts_per_episode": IndexLabel("Jaw-muscle bursts per bruxism episode"),
    # -- ankle accelerometer nights (not PSG: per hour in bed, ankle movements only) --------
    "accel_lm_index": IndexLabel("Ankle-sensor leg movements per hour in bed", "movements"),
    "accel_plm_index": IndexLabel("Ankle-sensor periodic movements per h in bed",
                                  "periodic movements"),
    "accel_lm_count": IndexLabel("Number of ankle-sensor leg movements"),
    "accel_plm_count": IndexLabel("Number of ankle-sensor periodic movements"),
    "accel_plm_series_count": IndexLabel("Number of ankle-sensor periodic series"),
    "accel_time_in_bed_worn_h": IndexLabel("Hours in bed with the ankle sensor worn"),
}


def label_of(name: str) -> IndexLabel:
    """The words for an index; an unknown name gets its machine name with spaces."""
    return INDEX_LABELS.get(name) or IndexLabel(name.replace("_", " "))


def plain_name(name: str) -> str:
    """The plain name of an index (``"PLMS index, respiratory-related kept"``)."""
    return label_of(name).plain


def finite_number(value: Any) -> float | None:
    """``value`` as a finite float, or None (missing, not a number, NaN or infinite): how
    summary.json values are read by the terminal, the report and the guidance."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _hours_phrase(denominator: str) -> str:
    """``"h of sleep"`` from a denominator text such as ``"hours of sleep (TST, ...)"``."""
    text = denominator.strip()
    if text.startswith("hours of "):
        what = text[len("hours of "):].split(" (")[0].strip()
        stage_words = {"W": "wake", "N1": "N1", "N2": "N2", "N3": "N3", "R": "REM sleep"}
        return f"h of {stage_words.get(what, what)}"
    return "h"


def _fmt_count(n: float) -> str:
    return f"{n:,.0f}"


_PLURALS = frozenset({"potentials", "movements", "trains", "episodes", "bursts", "mini-epochs",
                      "epochs"})


def _noun(counted: str, n: float) -> str:
    """``counted`` in the singular for a count of one ("1 FM potential")."""
    if round(n) != 1:
        return counted
    words = counted.split()
    for i, word in enumerate(words):
        if word in _PLURALS:
            words[i] = word[:-1]
            break
    return " ".join(words)


def counts_text(index: Mapping[str, Any]) -> str:
    """The count behind a rate, share or ratio, in words; ``""`` when there is none.

    A rate (/h) becomes "62 PLMS in 6.4 h of sleep", a share (%) "24 of 431 mini-epochs", a
    ratio with a countable denominator "196 of 208 CLM in series". The count is rate x
    denominator (rounded), as the analyses compute the rate as count / denominator.
    """
    value = finite_number(index.get("value"))
    den = finite_number(index.get("denominator_value"))
    unit = str(index.get("unit") or "")
    den_text = str(index.get("denominator") or "")
    label = label_of(str(index.get("name", "")))
    if den is None:
        return ""
    if unit == "/h" and str(index.get("denominator_unit") or "") == "h":
        hours = f"{den:.2g}" if den < 1 else f"{den:.1f}"
        if value is None:
            return f"0 {_hours_phrase(den_text)}"
        what = _noun(label.counted or "events", value * den)
        return f"{_fmt_count(value * den)} {what} in {hours} {_hours_phrase(den_text)}"
    den_unit = str(index.get("denominator_unit") or "") or den_text
    if unit == "%":
        if value is None:
            return f"0 {den_unit}"
        return f"{_fmt_count(value / 100.0 * den)} of {_fmt_count(den)} {den_unit}"
    if unit == "ratio" and label.counted and index.get("denominator_unit") == "count":
        if value is None:
            return f"0 {den_text}"
        return f"{_fmt_count(value * den)} of {_fmt_count(den)} {label.counted}"
    if unit == "ratio" and den_text:
        return f"over {_fmt_count(den)} {den_unit}"
    if unit == "min" and den_text:
        return f"of {_fmt_count(den)} {den_text}"
    return ""


def short_cutoff(index: Mapping[str, Any], *, width: int = 40) -> str:
    """The published cut-off in a few words: the registry's short form, else the index's own
    text cut at ``width`` characters; "none published" when it says there is none."""
    label = label_of(str(index.get("name", "")))
    if label.short_cutoff:
        return label.short_cutoff
    text = " ".join(str(index.get("cutoff") or "").split())
    if not text or text.lower().startswith(("no ", "aasm sets no")):
        return "none published" if text else ""
    if len(text) <= width:
        return text
    return text[: width - 4].rsplit(" ", 1)[0] + " ..."


__all__ = ["INDEX_LABELS", "IndexLabel", "counts_text", "label_of", "plain_name",
           "short_cutoff"]
