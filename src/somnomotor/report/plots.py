"""Figures of the night report, drawn from an analysis output folder with matplotlib.

:func:`load_night` reads ``summary.json``, ``events.tsv`` and (when present) ``hypnogram.tsv``
into a :class:`NightData`; each ``fig_*`` function turns it into a
:class:`matplotlib.figure.Figure` built without pyplot (no global state, no backend chosen at
import). Figures use one palette whose colours also differ in lightness, plus hatches and
markers, so that they stay readable when printed in grayscale.

The IMI histograms follow the WASM 2016 reporting set: 2-s bins from 0 to 90 s and 0.1-unit
bins of ln(IMI) from 0 to 4.5, only for intervals below 90 s between consecutive candidate
leg movements (Ferri et al., Sleep Med 2016;26:86, doi:10.1016/j.sleep.2016.10.010).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import io
import json
import logging
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from somnomotor._errors import InputFileError, InputFileNotFoundError
from somnomotor.io.edf_records import read_window
from somnomotor.recording import Recording

logger = logging.getLogger(__name__)

#: Palette: Okabe-Ito hues chosen so that their lightness also differs (grayscale print).
COLORS: Mapping[str, str] = {
    "ink": "#1b1b1b",
    "navy": "#0b3c5d",
    "vermilion": "#c8471b",
    "green": "#2a8a6e",
    "orange": "#e69f00",
    "sky": "#7cc0e8",
    "gray": "#8c8c8c",
    "light": "#d9d9d9",
}
LEG_STYLE: Mapping[str, tuple[str, str]] = {  # leg -> (colour, hatch)
    "left": (COLORS["navy"], ""),
    "right": (COLORS["orange"], "///"),
    "bilateral": (COLORS["gray"], ".."),
}
STAGE_ORDER: tuple[str, ...] = ("W", "R", "N1", "N2", "N3")
STAGE_LABELS: Mapping[str, str] = {"W": "Wake", "R": "REM", "N1": "N1", "N2": "N2", "N3": "N3"}
SLEEP = ("N1", "N2", "N3", "R")
STYLE: Mapping[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.titlesize": 9.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 8.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#444444",
    "axes.linewidth": 0.7,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "legend.frameon": False,
    "hatch.linewidth": 0.6,
    "svg.fonttype": "none",
    "figure.dpi": 100,
}
#: Width of a full-width report figure (in).
FIG_W = 7.2


@contextlib.contextmanager
def report_style() -> Iterator[None]:
    """Apply the report's matplotlib style within the block (restored afterwards)."""
    with matplotlib.rc_context(dict(STYLE)):  # type: ignore[arg-type]
        yield


# -- data -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NightData:
    """The contents of an analysis output folder.

    Parameters
    ----------
    out_dir : Path
    summary : dict
        Parsed summary.json.
    events : pandas.DataFrame
        events.tsv with in-memory names: ``onset_s`` (s), ``duration_s`` (s), ``trial_type``,
        ``channel`` and the further columns (booleans as 1.0/0.0, missing as NaN).
    hypnogram : pandas.DataFrame or None
        ``onset_s``, ``duration_s`` (s), ``stage`` per epoch, from hypnogram.tsv.
    """

    out_dir: Path
    summary: dict[str, Any]
    events: pd.DataFrame = field(repr=False)
    hypnogram: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def duration_s(self) -> float:
        """Length of the recording in s (from summary.json, else from the events)."""
        dur = (self.summary.get("input") or {}).get("duration_s")
        if dur:
            return float(dur)
        ends = [0.0]
        if len(self.events):
            ends.append(float((self.events["onset_s"] + self.events["duration_s"]).max()))
        if self.hypnogram is not None and len(self.hypnogram):
            ends.append(float((self.hypnogram["onset_s"] + self.hypnogram["duration_s"]).max()))
        return max(ends)

    @property
    def start(self) -> dt.datetime | None:
        """Wall-clock start of the recording, when known."""
        raw = (self.summary.get("input") or {}).get("start")
        try:
            return dt.datetime.fromisoformat(str(raw)) if raw else None
        except ValueError:
            return None

    @property
    def hypnogram_source(self) -> str:
        """Where the stages came from, e.g. ``"scored: night.xml"``; ``"none"`` without one."""
        hyp = self.summary.get("hypnogram") or {}
        return str(hyp.get("source") or ("unknown" if self.hypnogram is not None else "none"))

    @property
    def hypnogram_kind(self) -> str:
        """``"scored"``, ``"automatic"``, ``"simulated"``, ``"none"`` or ``"unknown"``."""
        src = self.hypnogram_source.lower()
        for kind in ("scored", "automatic", "simulated", "none"):
            if src.startswith(kind):
                return kind
        return "unknown"

    def of_type(self, trial_type: str) -> pd.DataFrame:
        """Rows of one event kind."""
        if not len(self.events):
            return self.events
        return self.events[self.events["trial_type"] == trial_type]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{str(path)!r} is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise InputFileError(f"{str(path)!r} must hold a JSON object, received "
                             f"{type(doc).__name__}")
    return doc


def _read_tsv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, sep="\t", na_values=["n/a"], keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{str(path)!r} is not a readable TSV file: {exc}") from exc
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputFileError(
            f"{str(path)!r} lacks the column(s) {missing}; it has {list(frame.columns)}, "
            f"and needs {list(required)}"
        )
    return frame.rename(columns={"onset": "onset_s", "duration": "duration_s"})


def load_night(out_dir: str | os.PathLike[str]) -> NightData:
    """Read an analysis output folder (summary.json, events.tsv, optional hypnogram.tsv).

    Raises
    ------
    InputFileNotFoundError
        When the folder, summary.json or events.tsv is missing.
    InputFileError
        When a file cannot be parsed.
    """
    folder = Path(out_dir)
    if not folder.is_dir():
        raise InputFileNotFoundError(f"analysis output folder {str(folder)!r} does not exist")
    summary_path, events_path = folder / "summary.json", folder / "events.tsv"
    for p in (summary_path, events_path):
        if not p.is_file():
            raise InputFileNotFoundError(
                f"{str(p)!r} does not exist; run 'somnomotor analyze FILE --out {folder}' first"
            )
    summary = _read_json(summary_path)
    events = _read_tsv(events_path, ("onset", "duration", "trial_type"))
    if "channel" not in events.columns:
        events["channel"] = "n/a"
    events["trial_type"] = events["trial_type"].astype(str)
    events["channel"] = events["channel"].fillna("n/a").astype(str)
    hyp_path = folder / "hypnogram.tsv"
    hypnogram = _read_tsv(hyp_path, ("onset", "duration", "stage")) if hyp_path.is_file() else None
    if hypnogram is not None:
        hypnogram["stage"] = hypnogram["stage"].fillna("UNS").astype(str)
    return NightData(out_dir=folder, summary=summary, events=events, hypnogram=hypnogram)


def flag(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Boolean array of a 1/0/n/a column (missing column or n/a counts as False)."""
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return pd.to_numeric(frame[column], errors="coerce").fillna(0).to_numpy() == 1


def leg_movements(night: NightData, *, candidates_only: bool = True) -> pd.DataFrame:
    """Leg-movement rows; only candidate LMs when the ``candidate`` column says so."""
    lm = night.of_type("leg_movement")
    if candidates_only and "candidate" in lm.columns:
        lm = lm[flag(lm, "candidate")]
    return lm


def plms_per_clock_hour(night: NightData, *, min_sleep_s: float = 300.0
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PLMS per hour of sleep in each hour of the recording.

    Parameters
    ----------
    min_sleep_s : float
        An hour with less sleep than this (s) gets NaN, as a rate over a few minutes of sleep
        is meaningless (the project's choice: 5 min).

    Returns
    -------
    hour_start_s : ndarray
        Start of each hour in s from the recording start.
    rate_per_h : ndarray
        PLM in sleep per hour of sleep (/h) within that hour; NaN without enough sleep.
    sleep_s : ndarray
        Sleep time in s within each hour (from hypnogram.tsv; the whole hour without one).
    """
    n_hours = max(1, int(np.ceil(night.duration_s / 3600.0 - 1e-9)))
    starts = np.arange(n_hours) * 3600.0
    lm = leg_movements(night)
    plm = lm[flag(lm, "in_series")]
    if "stage" in plm.columns and night.hypnogram is not None:
        plm = plm[plm["stage"].astype(str).isin(SLEEP)]
    counts = np.bincount(np.clip((plm["onset_s"].to_numpy(float) // 3600).astype(int), 0,
                                 n_hours - 1), minlength=n_hours).astype(float)
    if night.hypnogram is None:
        sleep_s = np.full(n_hours, 3600.0)
    else:
        hyp = night.hypnogram[night.hypnogram["stage"].isin(SLEEP)]
        mids = (hyp["onset_s"] + hyp["duration_s"] / 2).to_numpy(float)
        idx = np.clip((mids // 3600).astype(int), 0, n_hours - 1)
        sleep_s = np.bincount(idx, weights=hyp["duration_s"].to_numpy(float), minlength=n_hours)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(sleep_s >= min_sleep_s, counts / (sleep_s / 3600.0), np.nan)
    return starts, rate, sleep_s


def imi_values(night: NightData, *, max_s: float = 90.0) -> np.ndarray:
    """IMIs in s below ``max_s`` between consecutive candidate LMs (``imi_s`` column)."""
    lm = leg_movements(night)
    if "imi_s" not in lm.columns:
        return np.empty(0)
    imi = pd.to_numeric(lm["imi_s"], errors="coerce").to_numpy(float)
    return imi[np.isfinite(imi) & (imi > 0) & (imi < max_s)]


# -- helpers ----------------------------------------------------------------------------------
def _time_axis(ax: Any, night: NightData) -> None:
    """Hours from the start on the x axis, labelled with clock time when it is known."""
    start = night.start
    ax.set_xlim(0, night.duration_s / 3600.0)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=10, steps=[1, 2, 5, 10]))
    if start is None:
        ax.set_xlabel("Time from recording start (h)")
        return

    def clock(x: float, _pos: int) -> str:
        return (start + dt.timedelta(hours=float(x))).strftime("%H:%M")

    ax.xaxis.set_major_formatter(FuncFormatter(clock))
    ax.set_xlabel("Clock time (hh:mm)")


def _empty(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes,
            color=COLORS["gray"], fontsize=8.5)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)


# -- figures ----------------------------------------------------------------------------------
def fig_hypnogram_raster(night: NightData) -> Figure:
    """The hypnogram with a raster of every detected event below it (shared time axis)."""
    fig = Figure(figsize=(FIG_W, 3.6), layout="constrained")
    ax_h, ax_r = fig.subplots(2, 1, sharex=True, height_ratios=[1.0, 1.3])
    hyp = night.hypnogram
    if hyp is None or not len(hyp):
        _empty(ax_h, "No hypnogram: sleep stages were not available")
        ax_h.set_title("Hypnogram")
    else:
        level = {s: i for i, s in enumerate(STAGE_ORDER)}
        t0 = hyp["onset_s"].to_numpy(float) / 3600.0
        t1 = t0 + hyp["duration_s"].to_numpy(float) / 3600.0
        y = np.array([level.get(s, np.nan) for s in hyp["stage"]], dtype=float)
        xs = np.column_stack([t0, t1]).ravel()
        ys = np.repeat(y, 2)
        ax_h.plot(xs, ys, color=COLORS["ink"], lw=0.8, drawstyle="default")
        rem = y == level["R"]
        for a, b in zip(t0[rem], t1[rem], strict=True):  # REM as a thick bar, as clinicians read
            ax_h.plot([a, b], [level["R"]] * 2, color=COLORS["vermilion"], lw=3.5,
                      solid_capstyle="butt")
        uns = np.isnan(y)
        for a, b in zip(t0[uns], t1[uns], strict=True):
            ax_h.axvspan(a, b, color=COLORS["light"], lw=0)
        ax_h.set_yticks(range(len(STAGE_ORDER)), [STAGE_LABELS[s] for s in STAGE_ORDER])
        ax_h.set_ylim(len(STAGE_ORDER) - 0.5, -0.5)
        ax_h.set_title(f"Hypnogram ({night.hypnogram_source}); grey = unscored / outside "
                       "lights off-on")
    rows: list[tuple[str, np.ndarray, np.ndarray, str]] = []
    lm = night.of_type("leg_movement")
    if len(lm):
        legs = lm["leg"].astype(str) if "leg" in lm.columns else pd.Series(["n/a"] * len(lm))
        for side in ("left", "right", "bilateral"):
            sel = (legs == side).to_numpy()
            if sel.any():
                rows.append((f"LM {side}", lm["onset_s"].to_numpy(float)[sel],
                             lm["duration_s"].to_numpy(float)[sel], LEG_STYLE[side][0]))
        ser = flag(lm, "in_series")
        if ser.any():
            rows.append(("PLM (in series)", lm["onset_s"].to_numpy(float)[ser],
                         lm["duration_s"].to_numpy(float)[ser], COLORS["ink"]))
    rswa = night.of_type("rswa_epoch")
    if len(rswa):
        pos = rswa_positive(rswa)
        rows.append(("RSWA epoch", rswa["onset_s"].to_numpy(float)[pos],
                     rswa["duration_s"].to_numpy(float)[pos], COLORS["vermilion"]))
    named = {"sleep_start": "Sleep start", "fragmentary_myoclonus": "Fragm. myoclonus",
             "hft": "Foot tremor", "alma": "ALMA", "large_movement": "Large movement",
             "bruxism_episode": "Bruxism"}
    for kind, label in named.items():
        ev = night.of_type(kind)
        wake = flag(ev, "in_wake") if len(ev) and "in_wake" in ev.columns else None
        if wake is not None and wake.any():
            # masseter activity while awake is not sleep bruxism: shown on its own row
            rows.append((f"{label} (in wake)", ev["onset_s"].to_numpy(float)[wake],
                         ev["duration_s"].to_numpy(float)[wake], COLORS["gray"]))
            ev = ev[~wake]
        if len(ev):
            rows.append((label, ev["onset_s"].to_numpy(float), ev["duration_s"].to_numpy(float),
                         COLORS["green"]))
    uns = night.of_type("unscorable")
    if len(uns):
        rows.append(("Unscorable", uns["onset_s"].to_numpy(float),
                     uns["duration_s"].to_numpy(float), COLORS["gray"]))
    if not rows:
        _empty(ax_r, "No events were detected")
    else:
        for i, (_, onset, dur, color) in enumerate(rows):
            # Bars as wide as the event, at least ~1 min wide so single events stay visible.
            width = np.maximum(dur, 40.0) / 3600.0
            ax_r.broken_barh(list(zip(onset / 3600.0, width, strict=True)), (i - 0.35, 0.7),
                             facecolors=color, edgecolor="none")
        ax_r.set_yticks(range(len(rows)), [r[0] for r in rows])
        ax_r.set_ylim(len(rows) - 0.5, -0.5)
        ax_r.set_title("Detected events")
    _time_axis(ax_r, night)
    ax_r.tick_params(axis="y", length=0)
    return fig


def fig_plms_per_hour(night: NightData, *, cutoff_per_h: float = 15.0) -> Figure:
    """PLMS per hour of sleep, for each hour of the night, with the adult cut-off."""
    fig = Figure(figsize=(FIG_W / 2, 2.6), layout="constrained")
    ax = fig.subplots()
    starts, rate, _ = plms_per_clock_hour(night)
    if not np.isfinite(rate).any():
        _empty(ax, "No hour with enough sleep")
    else:
        x = starts / 3600.0 + 0.5
        ax.bar(x, np.nan_to_num(rate), width=0.8, color=COLORS["navy"], edgecolor="none")
        line = ax.axhline(cutoff_per_h, color=COLORS["vermilion"], lw=1.0, ls="--",
                          label=f"{cutoff_per_h:g}/h adult cut-off (ICSD-3)")
        # The label goes in a legend in the head room above the tallest bar and the line, so
        # it never sits on a bar whatever the rates are.
        ax.legend(handles=[line], loc="upper right", fontsize=7, handlelength=2.2,
                  borderaxespad=0.2)
        ax.set_xlim(0, len(starts))
        start = night.start
        if start is None:
            ticks = [str(i + 1) for i in range(len(starts))]
            ax.set_xlabel("Hour of the recording")
        else:
            ticks = [f"{start + dt.timedelta(seconds=float(s)):%H:%M}" for s in starts]
            ax.set_xlabel("Hour of the recording, starting at (hh:mm)")
        ax.set_xticks(np.arange(len(starts)) + 0.5, ticks)
        ax.set_ylabel("PLMS per hour of sleep (/h)")
        # 40 % head room above the tallest bar (and the cut-off line) keeps the legend clear
        ax.set_ylim(0, max(cutoff_per_h, float(np.nanmax(rate))) * 1.4)
    ax.set_title("PLMS through the night")
    return fig


def fig_imi(night: NightData) -> Figure:
    """Histograms of IMI (2-s bins, 0-90 s) and ln(IMI) (0.1 bins, 0-4.5), WASM 2016."""
    fig = Figure(figsize=(FIG_W, 2.4), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    imi = imi_values(night)
    if not imi.size:
        _empty(ax1, "No intervals between candidate LMs")
        _empty(ax2, "No intervals between candidate LMs")
    else:
        ax1.hist(imi, bins=np.arange(0, 92, 2), color=COLORS["navy"], edgecolor="white", lw=0.3)
        ax1.set_xlim(0, 90)
        ax1.set_xlabel("Inter-movement interval, IMI (s)")
        ax2.hist(np.log(imi), bins=np.arange(0, 4.55, 0.1), color=COLORS["green"],
                 edgecolor="white", lw=0.3)
        ax2.set_xlim(0, 4.5)
        ax2.set_xlabel("ln(IMI / 1 s)")
        for ax, x in ((ax1, 10.0), (ax2, np.log(10.0))):
            ax.axvline(x, color=COLORS["vermilion"], ls="--", lw=0.9)
            ax.set_ylabel("Number of intervals")
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax1.text(10.5, 0.95, "10 s", transform=ax1.get_xaxis_transform(), fontsize=7,
                 color=COLORS["vermilion"], va="top")
    ax1.set_title(f"IMI histogram (n = {imi.size})")
    ax2.set_title("ln(IMI) histogram")
    return fig


def fig_stage_leg(night: NightData) -> Figure:
    """Candidate leg movements per stage and leg (counts), hatched per leg for grayscale."""
    fig = Figure(figsize=(FIG_W / 2, 2.6), layout="constrained")
    ax = fig.subplots()
    lm = leg_movements(night)
    stages = ["W", "N1", "N2", "N3", "R"]
    if not len(lm):
        _empty(ax, "No leg movements")
    else:
        stage = lm["stage"].astype(str) if "stage" in lm.columns else pd.Series(
            ["n/a"] * len(lm), index=lm.index)
        leg = lm["leg"].astype(str) if "leg" in lm.columns else pd.Series(
            ["bilateral"] * len(lm), index=lm.index)
        present = [s for s in ("left", "right", "bilateral") if (leg == s).any()]
        width = 0.8 / max(1, len(present))
        x = np.arange(len(stages))
        for i, side in enumerate(present):
            counts = [int(((stage == s) & (leg == side)).sum()) for s in stages]
            color, hatch = LEG_STYLE[side]
            ax.bar(x - 0.4 + width * (i + 0.5), counts, width=width, color=color, hatch=hatch,
                   edgecolor="white", lw=0.4, label=side)
        ax.set_xticks(x, [STAGE_LABELS[s] for s in stages])
        ax.set_ylabel("Candidate leg movements (count)")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(title="leg", title_fontsize=7.5, loc="upper right")
    ax.set_title("Leg movements by stage and leg")
    return fig


def rswa_flag_columns(rswa: pd.DataFrame) -> list[str]:
    """The 1/0 flag columns of rswa_epoch rows (per channel tonic/phasic/any), in file order."""
    skip = {"onset_s", "duration_s", "trial_type", "channel", "excluded", "reason", "stage",
            "candidate", "in_series", "leg", "series_id", "imi_s", "respiratory_related",
            "arousal_associated", "n_components", "rem_period", "background_uv"}
    out = []
    for col in rswa.columns:
        if col in skip:
            continue
        vals = pd.to_numeric(rswa[col], errors="coerce").dropna()
        if len(vals) and vals.isin([0, 1]).all():
            out.append(col)
    return out


def rswa_pct_columns(rswa: pd.DataFrame) -> list[str]:
    """Per-epoch percentage columns of rswa_epoch rows (e.g. ``chin_any_pct``, 0-100 %)."""
    return [c for c in rswa.columns if c.endswith("_pct")
            and pd.to_numeric(rswa[c], errors="coerce").notna().any()]


def rswa_positive(rswa: pd.DataFrame) -> np.ndarray:
    """Epochs with any RSWA activity: a 1/0 flag set or an ``*any*_pct`` above 0 %."""
    pos = np.zeros(len(rswa), dtype=bool)
    for c in rswa_flag_columns(rswa):
        pos |= flag(rswa, c)
    for c in rswa_pct_columns(rswa):
        if "any" in c:
            pos |= pd.to_numeric(rswa[c], errors="coerce").fillna(0).to_numpy() > 0
    return pos & ~flag(rswa, "excluded")


def fig_rswa(night: NightData) -> Figure:
    """Per REM epoch: which RSWA flags are set (dark = set, light = not set, hatched = excluded)."""
    rswa = night.of_type("rswa_epoch")
    bools = rswa_flag_columns(rswa) if len(rswa) else []
    pcts = rswa_pct_columns(rswa) if len(rswa) else []
    cols = bools + pcts
    fig = Figure(figsize=(FIG_W, 0.9 + 0.22 * max(3, len(cols))), layout="constrained")
    ax = fig.subplots()
    if not len(rswa) or not cols:
        _empty(ax, "No REM epochs were assessed for RSWA")
        ax.set_title("RSWA per REM epoch")
        return fig
    # flags as 0/1, percentages as 0-1, on one light-to-red scale
    rows = [flag(rswa, c).astype(float) for c in bools]
    rows += [np.clip(pd.to_numeric(rswa[c], errors="coerce").to_numpy(float) / 100.0, 0, 1)
             for c in pcts]
    mat = np.vstack(rows)
    excl = flag(rswa, "excluded")
    mat[:, excl] = np.nan
    cmap = matplotlib.colors.LinearSegmentedColormap.from_list(
        "rswa", [COLORS["light"], COLORS["vermilion"]]).with_extremes(bad="white")
    ax.imshow(mat, aspect="auto", cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
    for j in np.flatnonzero(excl):
        ax.add_patch(matplotlib.patches.Rectangle((j - 0.5, -0.5), 1, len(cols), fill=False,
                                                  hatch="////", lw=0, color=COLORS["gray"]))
    ax.set_yticks(range(len(cols)), [c.replace("_", " ") for c in cols])
    ax.set_xlabel("REM epoch (30 s each, in order)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=12))
    n_ok = int((~excl).sum())
    pct = 100.0 * np.nansum(mat, axis=1) / max(1, n_ok)  # % of epochs, or mean % per epoch
    ax.set_title(f"RSWA per REM epoch (n = {len(rswa)}, {int(excl.sum())} excluded); "
                 "right: % of assessed epochs (flags) or mean % (percentages)")
    sec = ax.secondary_yaxis("right")
    sec.set_yticks(range(len(cols)), [f"{p:.0f} %" for p in pct])
    sec.tick_params(length=0)
    ax.tick_params(axis="y", length=0)
    return fig


def fig_quality(night: NightData) -> Figure:
    """Unscorable time per channel (min), stacked by reason."""
    uns = night.of_type("unscorable")
    n_ch = uns["channel"].nunique() if len(uns) else 2
    fig = Figure(figsize=(FIG_W, 0.9 + 0.28 * max(2, n_ch)), layout="constrained")
    ax = fig.subplots()
    ax.set_title("Unscorable time per channel")
    if not len(uns):
        _empty(ax, "No unscorable intervals: every channel was usable")
        return fig
    reasons = sorted(uns["reason"].fillna("unknown").astype(str).unique()) if (
        "reason" in uns.columns) else ["unknown"]
    channels = sorted(uns["channel"].unique())
    left = np.zeros(len(channels))
    palette = [COLORS["navy"], COLORS["orange"], COLORS["gray"], COLORS["green"], COLORS["sky"],
               COLORS["vermilion"]]
    hatches = ["", "///", "..", "\\\\", "xx", "--"]
    reason_col = uns["reason"].fillna("unknown").astype(str) if "reason" in uns.columns else (
        pd.Series(["unknown"] * len(uns), index=uns.index))
    for k, reason in enumerate(reasons):
        mins = np.array([uns.loc[(uns["channel"] == ch) & (reason_col == reason),
                                 "duration_s"].sum() / 60.0 for ch in channels])
        ax.barh(channels, mins, left=left, color=palette[k % 6], hatch=hatches[k % 6],
                edgecolor="white", lw=0.4, label=reason)
        left += mins
    ax.set_xlabel("Unscorable time (min)")
    ax.invert_yaxis()
    ax.legend(title="reason", title_fontsize=7.5, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _pick_examples(night: NightData, n_lm: int) -> list[tuple[str, pd.Series]]:
    picks: list[tuple[str, pd.Series]] = []
    lm = leg_movements(night)
    pool = lm[flag(lm, "in_series")] if flag(lm, "in_series").any() else lm
    if len(pool):
        idx = np.unique(np.linspace(0, len(pool) - 1, min(n_lm, len(pool))).round().astype(int))
        picks.extend(("leg movement", pool.iloc[int(i)]) for i in idx)
    rswa = night.of_type("rswa_epoch")
    if len(rswa):
        pos = rswa_positive(rswa)
        if pos.any():
            picks.append(("RSWA epoch", rswa[pos].iloc[0]))
    return picks


def _envelope(seg: np.ndarray, fs_hz: float, *, max_points: int = 3000
              ) -> tuple[np.ndarray, np.ndarray]:
    """Min/max decimation for display: a 30-s trace at 512 Hz would otherwise put 15 000
    points per line into the SVG; the min and max per bin keep every burst's extent."""
    t = np.arange(seg.size) / fs_hz
    if seg.size <= max_points:
        return t, seg
    n_bins = max_points // 2
    edges = np.linspace(0, seg.size, n_bins + 1).astype(int)
    lo = np.minimum.reduceat(seg, edges[:-1])
    hi = np.maximum.reduceat(seg, edges[:-1])
    tt = np.repeat(t[edges[:-1]], 2)
    yy = np.column_stack([lo, hi]).ravel()
    return tt, yy


def _channels_for(recording: Recording, event: pd.Series, kind: str) -> list[str]:
    label = str(event.get("channel", "n/a"))
    if label in recording.labels:
        return [label]
    if kind == "leg movement":
        return [ch.label for ch in recording.leg_channels().values()]
    if kind == "RSWA epoch" and recording.has_role("chin"):
        return [recording.channel_for("chin").label]
    return [lab for lab in label.replace("+", ",").split(",") if lab in recording.labels]


def fig_examples(night: NightData, recording: Recording, *, n_lm: int = 3) -> Figure | None:
    """30-s EMG traces (µV) around a few detected events, onset and offset marked.

    Returns ``None`` when there is no suitable event or channel. Only the 30-s window of each
    channel is read (:func:`somnomotor.io.edf.read_window`).
    """
    picks = [(k, ev, _channels_for(recording, ev, k)) for k, ev in _pick_examples(night, n_lm)]
    picks = [p for p in picks if p[2]]
    if not picks:
        return None
    fig = Figure(figsize=(FIG_W, 1.45 * len(picks) + 0.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(picks), 1, squeeze=False)[:, 0])
    for ax, (kind, ev, labels) in zip(axes, picks, strict=True):
        onset, dur = float(ev["onset_s"]), float(ev["duration_s"])
        # An RSWA epoch is the whole 30-s window; a leg movement sits 10 s into it.
        t_start = onset if kind == "RSWA epoch" else max(0.0, onset - 10.0)
        styles = [COLORS["navy"], COLORS["orange"]]
        for k, label in enumerate(labels[:2]):
            ch = recording.channel(label)
            a = int(t_start * ch.fs_hz)
            b = min(ch.n_samples, int((t_start + 30.0) * ch.fs_hz))
            # the 30-s window alone (the data records it spans), not the whole channel
            seg = np.asarray(read_window(ch, a, b), dtype=float)
            if not seg.size:
                continue
            seg = seg - np.median(seg)
            t, seg = _envelope(seg, ch.fs_hz)
            ax.plot(t, seg, lw=0.45, color=styles[k], label=label)
        if kind != "RSWA epoch":  # the RSWA epoch is the whole window
            ax.axvspan(onset - t_start, onset - t_start + dur, color=COLORS["sky"], alpha=0.3,
                       lw=0)
            for x in (onset - t_start, onset - t_start + dur):
                ax.axvline(x, color=COLORS["vermilion"], lw=0.8, ls="--")
        ax.set_xlim(0, 30)
        ax.set_ylabel("EMG (µV)")
        clock = f"at {night.start + dt.timedelta(seconds=onset):%H:%M:%S}" if night.start else (
            f"at {onset:.1f} s")
        extra = f", {ev['leg']} leg" if kind == "leg movement" and "leg" in ev else ""
        what = ("onset and offset dashed" if kind != "RSWA epoch"
                else "the whole 30-s epoch is shown")
        ax.set_title(f"{kind[0].upper()}{kind[1:]}{extra} {clock}: {what}, duration {dur:.1f} s",
                     fontweight="normal")
        ax.legend(loc="upper right", ncols=2)
    axes[-1].set_xlabel("Time within the 30-s window (s)")
    return fig


# -- export -----------------------------------------------------------------------------------
_ID_RE = re.compile(r'\bid="([^"]+)"')


def figure_to_svg(fig: Figure, *, prefix: str) -> str:
    """The figure as an inline ``<svg>`` element; every internal id gets ``prefix`` so that
    several figures can share one HTML page without clashing ids."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    ids = set(_ID_RE.findall(svg))
    svg = _ID_RE.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    for old in ids:
        svg = svg.replace(f"url(#{old})", f"url(#{prefix}-{old})")
        svg = svg.replace(f'href="#{old}"', f'href="#{prefix}-{old}"')
    return svg


def figure_to_png_base64(fig: Figure, *, dpi: int = 150) -> str:
    """The figure as a base64-encoded PNG (for a data: URI)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return base64.b64encode(buf.getvalue()).decode("ascii")


__all__ = [
    "COLORS",
    "NightData",
    "fig_examples",
    "fig_hypnogram_raster",
    "fig_imi",
    "fig_plms_per_hour",
    "fig_quality",
    "fig_rswa",
    "fig_stage_leg",
    "figure_to_png_base64",
    "figure_to_svg",
    "flag",
    "imi_values",
    "leg_movements",
    "load_night",
    "plms_per_clock_hour",
    "report_style",
]
