"""Descriptions of the exported columns: the BIDS ``*_events.json`` sidecar.

BIDS asks that every column of an events file beyond ``onset`` and ``duration`` be
described in a JSON sidecar, with ``Units`` for quantities and ``Levels`` for categorical
columns (BIDS specification, "Task events"; Gorgolewski et al., Sci Data 2016;3:160044,
doi:10.1038/sdata.2016.44). The texts below are those of docs/architecture.md and the
detector modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

#: Onsets and durations are written with 1 ms resolution all night long: ``%.3f`` s (a
#: relative format such as ``%.6g`` keeps only 0.1 s once an onset passes 10,000 s).
TIME_FORMAT = "%.3f"

#: trial_type of the per-leg rows of a combined leg movement (score.plm writes them). Viewer
#: formats (EDF+, NSRR XML) leave them out: a reader of those files would count them as
#: leg movements of their own.
COMPONENT_TRIAL_TYPE = "leg_movement_component"

#: The columns written with :data:`TIME_FORMAT`.
TIME_COLUMNS: tuple[str, ...] = ("onset", "duration")

#: Columns that hold flags (written 1/0 in text, booleans in Parquet).
FLAG_COLUMNS: frozenset[str] = frozenset({
    "candidate", "in_series", "in_series_nr", "respiratory_related", "arousal_associated",
    "excluded", "phasic", "tonic", "any", "chin_tonic", "chin_phasic_aasm", "isolated",
    "short_imi", "in_wake",
})

#: column -> (description, unit or None).
COLUMNS: Mapping[str, tuple[str, str | None]] = {
    "onset": ("Start of the event from the start of the recording.", "s"),
    "duration": ("Length of the event (0 for instants such as lights off).", "s"),
    "trial_type": ("Kind of event (see Levels).", None),
    "label": ("Readable text of the event as shown in viewers (EDF+ / NSRR exports).", None),
    "channel": ("Label of the channel the event was found on; n/a when not on one channel.",
                None),
    "stage": (("Sleep stage of the epoch (sleep_stage rows) or at the event onset (AASM 30-s "
              "epochs)."), None),
    "leg": (("Leg of a leg movement: left, right or bilateral (overlapping left and right "
            "movements combined per WASM 2016)."), None),
    "side": ("Leg of a scored limb movement: left, right, bilateral or unknown.", None),
    "candidate": (("1 if a candidate leg movement (CLM): WASM 2016 monolateral 0.5-10 s, "
                  "bilateral 0.5-15 s of at most 4 components "
                  "(doi:10.1016/j.sleep.2016.10.010)."), None),
    "in_series": (("1 if part of a periodic series (>= 4 CLMs, inter-movement intervals "
                  "10-90 s): a periodic limb movement (PLM)."), None),
    "in_series_nr": (("1 if part of a periodic series computed without respiratory-related "
                     "CLMs (PLMSnr)."), None),
    "series_id": ("Number of the periodic series the movement belongs to.", None),
    "series_id_nr": ("Number of the series computed without respiratory-related CLMs.", None),
    "respiratory_related": (("1 if within the respiratory window of an apnea, hypopnea or "
                            "RERA (WASM 2016: -2 to +10.25 s around the event end)."), None),
    "arousal_associated": (("1 if an arousal begins or ends within 0.5 s of the movement "
                           "(WASM 2016)."), None),
    "imi_s": ("Inter-movement interval: onset to onset from the previous leg movement.", "s"),
    "n_components": ("Number of monolateral movements combined into this movement.", None),
    "lm_id": (("Number of the leg movement: on leg_movement rows its own, on "
              "leg_movement_component rows that of the combined leg_movement row it belongs "
              "to."), None),
    "reason": (("Why the stretch is unscorable or the epoch excluded (noise, saturation, flat, "
               "disconnected, pop ...)."), None),
    "role": ("Channel role (chin, arm_left, arm_right ...).", None),
    "epoch": ("Index of the 30-s epoch the mini-epoch belongs to.", None),
    "phasic": ("1 if the 3-s mini-epoch holds phasic EMG activity (SINBAR).", None),
    "tonic": ("1 if the mini-epoch holds tonic EMG activity.", None),
    "any": ("1 if the mini-epoch holds any (tonic or phasic) EMG activity (SINBAR 'any').",
            None),
    "excluded": (("1 if the epoch was left out of the RSWA indices (artefact or too little "
                 "valid signal)."), None),
    "rem_period": ("Number of the REM period the epoch belongs to.", None),
    "chin_tonic": ("1 if the chin EMG is tonic for at least 50 % of the epoch (AASM).", None),
    "chin_tonic_pct": ("Share of the epoch with tonic chin EMG.", "%"),
    "chin_phasic_aasm": (("1 if the epoch meets the AASM phasic rule (>= 5 of 10 3-s "
                         "mini-epochs with bursts)."), None),
    "chin_phasic_pct": ("Share of valid 3-s mini-epochs with phasic chin activity.", "%"),
    "chin_any_pct": ("Share of valid 3-s mini-epochs with any chin activity.", "%"),
    "background_uv": ("Background (atonia) EMG amplitude of the epoch.", "uV"),
    "in_wake": (("1 if more than half of the bruxism episode lies in wake: masseter activity "
                "while awake, not sleep bruxism (left out of the sleep indices)."), None),
}

#: trial_type -> description, for ``Levels``.
TRIAL_TYPES: Mapping[str, str] = {
    "sleep_stage": "One 30-s epoch of the hypnogram; the stage is in 'stage'.",
    "lights_off": "Lights off: start of the analysis period.",
    "lights_on": "Lights on: end of the analysis period.",
    "leg_movement": "Leg movement (tibialis EMG), WASM 2016 / AASM.",
    "leg_movement_component": (
        "One leg's part of a leg_movement (its own onset and duration; lm_id names the "
        "leg_movement). Never counted in an index."),
    "unscorable": "Stretch of a channel that could not be scored.",
    "rswa_epoch": "30-s REM epoch scored for REM sleep without atonia.",
    "rswa_mini_epoch": "3-s REM mini-epoch scored for phasic/tonic EMG activity.",
    "fragmentary_myoclonus": "Fragmentary myoclonus potential.",
    "sleep_start": "Sleep start (hypnic jerk).",
    "hft": "Hypnagogic foot tremor.",
    "alma": "Alternating leg muscle activation.",
    "large_movement": "Large muscle group movement.",
    "bruxism_episode": "Rhythmic masticatory muscle activity episode.",
    "limb_movement": "Scored limb movement from an annotation file.",
    "arousal": "Scored arousal.",
    "apnea": "Scored apnea.",
    "hypopnea": "Scored hypopnea.",
    "rera": "Scored respiratory effort-related arousal.",
    "other": "Other scored event; its text is in 'label'.",
}

STAGE_LEVELS: Mapping[str, str] = {
    "W": "wake", "N1": "NREM stage 1", "N2": "NREM stage 2", "N3": "NREM stage 3",
    "R": "REM sleep", "MT": "movement time", "UNS": "unscored or outside lights off..on",
}

LEG_LEVELS: Mapping[str, str] = {
    "left": "left tibialis anterior", "right": "right tibialis anterior",
    "bilateral": "both legs (overlapping movements combined)",
    "unknown": "side not named by the scorer",
}


def format_time_columns(frame: pd.DataFrame, missing: str = "n/a") -> pd.DataFrame:
    """A copy of ``frame`` whose onset/duration columns are text with 1 ms resolution.

    Parameters
    ----------
    frame : pandas.DataFrame
        Table with BIDS column names (``onset``, ``duration`` in s).
    missing : str
        Text for a missing value.
    """
    out = frame.copy()
    for col in TIME_COLUMNS:
        if col in out.columns:
            values = pd.to_numeric(out[col], errors="coerce").to_numpy(dtype=float)
            out[col] = [missing if not np.isfinite(v) else TIME_FORMAT % v for v in values]
    return out


def bids_sidecar(frame: pd.DataFrame) -> dict[str, Any]:
    """The ``*_events.json`` content describing every column of ``frame``."""
    sidecar: dict[str, Any] = {}
    for col in frame.columns:
        description, unit = COLUMNS.get(
            col, (f"Column '{col}' written by somnomotor (see docs/events.md).", None))
        entry: dict[str, Any] = {"Description": description}
        if unit:
            entry["Units"] = unit
        values = {str(v) for v in frame[col].dropna().unique()} - {"n/a"}
        if col == "trial_type":
            entry["Levels"] = {v: TRIAL_TYPES.get(v, f"Event kind {v!r}.") for v in sorted(values)}
        elif col == "stage":
            entry["Levels"] = {v: STAGE_LEVELS[v] for v in STAGE_LEVELS if v in values}
        elif col in ("leg", "side"):
            entry["Levels"] = {v: LEG_LEVELS[v] for v in LEG_LEVELS if v in values}
        elif col in FLAG_COLUMNS:
            entry["Levels"] = {"1": "yes", "0": "no"}
        sidecar[col] = entry
    return sidecar


__all__ = ["COLUMNS", "COMPONENT_TRIAL_TYPE", "FLAG_COLUMNS", "LEG_LEVELS", "STAGE_LEVELS", "TIME_COLUMNS",
           "TIME_FORMAT", "TRIAL_TYPES", "bids_sidecar", "format_time_columns"]
