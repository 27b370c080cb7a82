"""The printable summary: a two-page A4 PDF drawn with matplotlib's PDF backend.

Page 1 is for the clinician: the recording, the hypnogram used, the main indices with their
cut-offs and standards, the hypnogram with the event raster, PLMS through the night and
movements by stage and leg. Page 2 is for the person who slept: the plain-language guidance
(the "see a doctor" part first when a warning sign applies). Both pages carry the notice that
the report is not medical advice and whom to see.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.image import imread

from somnomotor._version import __version__
from somnomotor.io.atomic import atomic_write_with
from somnomotor.report import plots
from somnomotor.report.guidance import Guidance

logger = logging.getLogger(__name__)

A4_IN = (8.27, 11.69)
FOOTER = ("Not medical advice and not a diagnosis. Discuss these results with a sleep "
          "specialist or a neurologist.")
#: Characters per line of body text at 8.5 pt across the A4 text width.
WRAP_CHARS = 112
LINE_H = 0.0135  # line height in figure fractions at 8.5 pt on A4


def _raster(fig: Figure, *, dpi: int = 220) -> np.ndarray:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    buf.seek(0)
    return imread(buf)


def _place(page: Figure, img: np.ndarray, rect: Sequence[float]) -> None:
    """Draw a rendered figure into ``rect`` (left, bottom, width, height in page fractions),
    keeping its aspect ratio and aligning it to the top left."""
    left, bottom, width, height = rect
    h_px, w_px = img.shape[:2]
    page_w, page_h = A4_IN
    want = (h_px / w_px) * width * page_w / page_h
    if want < height:
        bottom += height - want
        height = want
    else:
        new_w = height * page_h / page_w * w_px / h_px
        width = new_w
    ax = page.add_axes((left, bottom, width, height))
    ax.imshow(img, interpolation="lanczos")
    ax.set_axis_off()


def _header(page: Figure, title: str, subtitle: str) -> None:
    page.text(0.06, 0.965, title, fontsize=15, fontweight="bold", color=plots.COLORS["navy"])
    page.text(0.06, 0.948, subtitle, fontsize=8, color="#555555")
    page.add_artist(_hline(0.94))


def _hline(y: float) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([0.06, 0.94], [y, y], color=plots.COLORS["navy"], lw=1.2)


def _footer(page: Figure, n: int, total: int) -> None:
    page.text(0.06, 0.025, FOOTER, fontsize=7.5, color="#333333", fontweight="bold")
    page.text(0.94, 0.025, f"page {n} of {total}", fontsize=7.5, color="#333333", ha="right")


def _key_rows(rows: Sequence[dict[str, str]], *, limit: int) -> list[dict[str, str]]:
    """The indices a one-page summary shows: the terminal summary's key indices of every
    analysis, in that order, then any other index that carries a finding."""
    from somnomotor.report.text import TERMINAL_INDICES

    order = [name for _, names in TERMINAL_INDICES.values() for name in names]
    by_name = {r["name"]: r for r in rows}
    chosen = [by_name[n] for n in order if n in by_name]
    chosen += [r for r in rows if r.get("flag") and r not in chosen]
    flagged = [r for r in chosen if r.get("flag")]
    rest = [r for r in chosen if not r.get("flag")]
    # findings are never cut off; the other key indices fill the remaining lines in order
    keep = {id(r) for r in flagged + rest[: max(0, limit - len(flagged))]}
    return [r for r in chosen if id(r) in keep]


def _index_table(page: Figure, rows: Sequence[dict[str, str]], top: float) -> float:
    """Draw the main indices as text columns; returns the y below the table."""
    cols = (("Index", 0.06), ("Value", 0.31), ("Normal range / cut-off", 0.41),
            ("Finding", 0.67), ("Staging", 0.895))
    y = top
    for label, x in cols:
        page.text(x, y, label, fontsize=8, fontweight="bold")
    y -= 0.004
    page.add_artist(_hline(y))
    for r in _key_rows(rows, limit=14):
        y -= LINE_H * 1.0
        value = f"{r['value']} {r['unit']}".strip()
        cells = (r["name"], value, textwrap.shorten(r["cutoff"] or "-", 44, placeholder=" ..."),
                 textwrap.shorten(r["flag"] or "-", 38, placeholder=" ..."), r["staging"])
        for (_, x), text in zip(cols, cells, strict=True):
            color = plots.COLORS["vermilion"] if (x == 0.67 and r["flag"]) else "#1b1b1b"
            page.text(x, y, text, fontsize=7.4, color=color)
    return y - 0.012


def _page_clinician(night: plots.NightData, guidance: Guidance) -> Figure:
    from somnomotor.report.html import index_rows  # shared table logic

    page = Figure(figsize=A4_IN)
    inp = night.summary.get("input") or {}
    created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    _header(page, "Night report: movements in sleep",
            f"Recording {inp.get('file') or night.out_dir.name} · start "
            f"{inp.get('start') or 'not known'} · rule set {night.summary.get('rule_set')} · "
            f"somnomotor {__version__} · {created}")
    hyp_line = (f"Hypnogram used: {night.hypnogram_source} ({night.hypnogram_kind}). Indices "
                "marked 'yes' under Staging depend on it.")
    page.text(0.06, 0.925, hyp_line, fontsize=8)
    if guidance.doctor_first:
        page.text(0.06, 0.908, "A finding or an answer in this report calls for a doctor: see "
                  "page 2.", fontsize=8.5, fontweight="bold", color=plots.COLORS["vermilion"])
    y = _index_table(page, index_rows(night), 0.885)
    with plots.report_style():
        hyp = _raster(plots.fig_hypnogram_raster(night))
        per_hour = _raster(plots.fig_plms_per_hour(night))
        stage_leg = _raster(plots.fig_stage_leg(night))
    top_h = 0.30
    _place(page, hyp, (0.06, y - top_h, 0.88, top_h))
    y -= top_h + 0.01
    _place(page, per_hour, (0.06, y - 0.21, 0.43, 0.21))
    _place(page, stage_leg, (0.51, y - 0.21, 0.43, 0.21))
    _footer(page, 1, 2)
    return page


def _page_person(night: plots.NightData, guidance: Guidance) -> Figure:
    page = Figure(figsize=A4_IN)
    _header(page, "For the person who slept",
            "Plain-language summary of this recording. It is general information, not a "
            "diagnosis.")
    y = 0.915
    bottom = 0.06
    wanted = ["doctor", "found", "answers", "explain", "when_doctor"]
    if guidance.doctor_first:
        pass  # "doctor" is already first in `wanted`
    sections = {name: (title, items) for name, title, items in guidance.sections()}
    truncated = False
    for name in wanted:
        if name not in sections:
            continue
        title, items = sections[name]
        if y - 2 * LINE_H < bottom:
            truncated = True
            break
        color = plots.COLORS["vermilion"] if name == "doctor" else plots.COLORS["navy"]
        page.text(0.06, y, title, fontsize=10, fontweight="bold", color=color)
        y -= LINE_H * 1.5
        for it in items:
            lines = textwrap.wrap(f"{it.text} [{', '.join(it.sources)}]", WRAP_CHARS)
            if y - LINE_H * len(lines) < bottom + LINE_H:
                truncated = True
                break
            for k, line in enumerate(lines):
                page.text(0.07 if k else 0.06, y, ("• " if k == 0 else "") + line,
                          fontsize=8.5)
                y -= LINE_H
            y -= LINE_H * 0.4
        y -= LINE_H * 0.6
        if truncated:
            break
    note = ("Everyday factors, sleep habits and the sources are in the full HTML report "
            "(report.html)." + (" Some text did not fit on this page." if truncated else ""))
    page.text(0.06, max(y, bottom), note, fontsize=8, style="italic", color="#444444")
    _footer(page, 2, 2)
    return page


def write_pdf(path: str | Path, night: plots.NightData, *, guidance: Guidance) -> Path:
    """Write the two-page A4 summary to ``path`` atomically.

    Parameters
    ----------
    path : path
        Target file (``report.pdf``).
    night : NightData
        From :func:`somnomotor.report.plots.load_night`.
    guidance : Guidance
        The plain-language statements for page 2.
    """
    target = Path(path)
    pages = [_page_clinician(night, guidance), _page_person(night, guidance)]

    def write(tmp: Path) -> None:
        with PdfPages(tmp, metadata={"Title": "somnomotor night report",
                                     "Creator": f"somnomotor {__version__}"}) as pdf:
            for page in pages:
                pdf.savefig(page)

    atomic_write_with(target, write)
    return target


__all__ = ["FOOTER", "write_pdf"]
