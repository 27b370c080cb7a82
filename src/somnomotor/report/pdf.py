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


#: Indices page 1 shows before any other key index, one or two per analysis; the rest of
#: the terminal summary's key indices follow while there is room.
HEADLINE_INDICES: tuple[str, ...] = (
    "plms_index", "plm_index", "plms_nr_index", "plmw_index", "periodicity_index",
    "sinbar_chin_any_pct", "sinbar_chin_any_arms_phasic_pct", "rem_atonia_index",
    "fm_index_sleep", "efm_criterion_met", "sleep_start_count", "hft_train_count",
    "large_movement_index_sleep", "bruxism_episode_index",
)


def _key_rows(rows: Sequence[dict[str, str]], *, limit: int) -> list[dict[str, str]]:
    """The indices a one-page summary shows, most important first: the headline indices,
    then the terminal summary's other key indices, then any other index with a finding.
    Findings are never cut off; the others fill up to ``limit`` rows."""
    from somnomotor.report.text import TERMINAL_INDICES

    order = [*HEADLINE_INDICES,
             *(name for _, names in TERMINAL_INDICES.values() for name in names)]
    by_name = {r["name"]: r for r in rows}
    chosen = [by_name[n] for n in dict.fromkeys(order) if n in by_name]
    chosen += [r for r in rows if r.get("flag") and r not in chosen]
    flagged = [r for r in chosen if r.get("flag")]
    rest = [r for r in chosen if not r.get("flag")]
    keep = {id(r) for r in flagged + rest[: max(0, limit - len(flagged))]}
    return [r for r in chosen if id(r) in keep]


def _reading_order(rows: Sequence[dict[str, str]]) -> dict[str, int]:
    """Position of each index in the terminal summary's order (analyses grouped)."""
    from somnomotor.report.text import TERMINAL_INDICES

    names = [name for _, names in TERMINAL_INDICES.values() for name in names]
    pos = {n: i for i, n in enumerate(names)}
    return {r["name"]: pos.get(r["name"], len(names) + i) for i, r in enumerate(rows)}


#: Index table of page 1: (header, left edge, width) in page fractions. The widths were
#: checked by rendering (tests/report/test_pdf_layout.py: no two text boxes overlap).
TABLE_COLUMNS: tuple[tuple[str, float, float], ...] = (
    ("Index", 0.060, 0.245),
    ("Value", 0.315, 0.065),
    ("Counted", 0.390, 0.160),
    ("Published cut-off", 0.560, 0.160),
    ("Finding", 0.730, 0.140),
    ("Needs staging", 0.880, 0.060),
)
#: Space between two columns: 0.01 of the page width, about 6 pt, so that the text of one
#: column never reads on into the next.
TABLE_FONT_PT = 7.0
TABLE_CODE_FONT_PT = 6.2
TABLE_LINE_H = 0.0115  # one table line in page fractions (7 pt text with leading)


def _text_width_pt(text: str, size_pt: float, *, bold: bool = False) -> float:
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    props = FontProperties(family=plots.STYLE["font.family"], size=size_pt,
                           weight="bold" if bold else "normal")
    width, _, _ = TextToPath().get_text_width_height_descent(text, props, ismath=False)
    return float(width)


def wrap_to_width(text: str, width_frac: float, size_pt: float, *, bold: bool = False,
                  max_lines: int = 4) -> list[str]:
    """Split ``text`` into lines no wider than ``width_frac`` of the A4 page width, measured
    with the report font; a word longer than a line is cut, and text beyond ``max_lines``
    ends in "...". The column edges stay clear whatever the text."""
    limit = width_frac * A4_IN[0] * 72.0
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if _text_width_pt(trial, size_pt, bold=bold) <= limit:
            current = trial
            continue
        if current:
            lines.append(current)
        current = word
        while _text_width_pt(current, size_pt, bold=bold) > limit and len(current) > 1:
            cut = len(current) - 1
            while cut > 1 and _text_width_pt(current[:cut], size_pt, bold=bold) > limit:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and _text_width_pt(last + " ...", size_pt, bold=bold) > limit:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        lines[-1] = last + " ..."
    return lines or [""]


def _index_table(page: Figure, rows: Sequence[dict[str, str]], top: float, *,
                 bottom: float, limit: int = 14) -> float:
    """Draw the key indices as a table whose cells wrap inside their columns; returns the y
    below the table. Rows that would reach below ``bottom`` are left out (and said so)."""
    from somnomotor.report.index_names import short_cutoff

    y = top
    header_lines = 1
    for label, x, width in TABLE_COLUMNS:
        lines = wrap_to_width(label, width, 7.4, bold=True)
        header_lines = max(header_lines, len(lines))
        page.text(x, y, "\n".join(lines), fontsize=7.4, fontweight="bold", va="top",
                  linespacing=1.15, gid="ixtable-header")
    y -= header_lines * TABLE_LINE_H + 0.003
    page.add_artist(_hline(y))
    y -= 0.004
    prepared = []
    for r in _key_rows(rows, limit=limit):
        value = f"{r['value']} {r['unit']}".strip() if r["unit"] != "ratio" else r["value"]
        finding = r["flag"] or "-"
        if r.get("caveat"):
            finding = (r["flag"] + "; " if r["flag"] else "") + f"less certain ({r['caveat']})"
        cells = [
            wrap_to_width(r.get("plain") or r["name"], TABLE_COLUMNS[0][2], TABLE_FONT_PT,
                          max_lines=2),
            wrap_to_width(value, TABLE_COLUMNS[1][2], TABLE_FONT_PT),
            wrap_to_width(r.get("counts") or "-", TABLE_COLUMNS[2][2], TABLE_FONT_PT,
                          max_lines=3),
            wrap_to_width(short_cutoff({"name": r["name"], "cutoff": r["cutoff"]}, width=60)
                          or "-", TABLE_COLUMNS[3][2], TABLE_FONT_PT, max_lines=3),
            wrap_to_width(finding, TABLE_COLUMNS[4][2], TABLE_FONT_PT, max_lines=4),
            wrap_to_width(r["staging"], TABLE_COLUMNS[5][2], TABLE_FONT_PT),
        ]
        n_lines = max(len(cells[0]) + 1, *(len(c) for c in cells[1:]))  # +1: machine name
        prepared.append((r, cells, n_lines * TABLE_LINE_H + 0.003))
    # Findings are never left out: when the table is too long, the last rows without a
    # finding go first (they stay in the HTML report).
    left_out = 0
    while prepared and sum(h for _, _, h in prepared) > y - bottom - TABLE_LINE_H:
        drop = next((i for i in range(len(prepared) - 1, -1, -1)
                     if not prepared[i][0].get("flag")), len(prepared) - 1)
        prepared.pop(drop)
        left_out += 1
    where = _reading_order(rows)
    prepared.sort(key=lambda item: where[item[0]["name"]])
    for k, (r, cells, height) in enumerate(prepared):
        for col, ((_, x, _), lines) in enumerate(zip(TABLE_COLUMNS, cells, strict=True)):
            color = plots.COLORS["vermilion"] if (col == 4 and r["flag"]) else "#1b1b1b"
            page.text(x, y, "\n".join(lines), fontsize=TABLE_FONT_PT, color=color, va="top",
                      linespacing=1.15, gid=f"ixtable-{k}-{col}")
        code = wrap_to_width(r["name"], TABLE_COLUMNS[0][2], TABLE_CODE_FONT_PT, max_lines=1)
        page.text(TABLE_COLUMNS[0][1], y - len(cells[0]) * TABLE_LINE_H, code[0],
                  fontsize=TABLE_CODE_FONT_PT, color="#666666", va="top",
                  gid=f"ixtable-{k}-code")
        y -= height
    if left_out:
        page.text(0.06, y, f"{left_out} more key indices in the HTML report (report.html).",
                  fontsize=7, style="italic", color="#444444", va="top", gid="table-note")
        y -= TABLE_LINE_H
    return y - 0.006


def _caution(page: Figure, night: plots.NightData, y: float) -> float:
    """The caveats of the night (too short, little REM, more than one night) above the table;
    returns the y below them."""
    from somnomotor.report.html import night_caveats

    for text in night_caveats(night):
        lines = wrap_to_width("Read with care: " + text + ".", 0.88, 8.0, max_lines=3)
        page.text(0.06, y, "\n".join(lines), fontsize=8, color=plots.COLORS["vermilion"],
                  va="top", linespacing=1.15, gid="caution")
        y -= len(lines) * 0.0125 + 0.003
    return y


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
        page.text(0.06, 0.910, "A finding or an answer in this report calls for a doctor: see "
                  "page 2.", fontsize=8.5, fontweight="bold", color=plots.COLORS["vermilion"])
    y = _caution(page, night, 0.895)
    top_h, pair_h = 0.27, 0.20
    figures_h = top_h + 0.01 + pair_h
    y = _index_table(page, index_rows(night), y, bottom=0.05 + figures_h)
    with plots.report_style():
        hyp = _raster(plots.fig_hypnogram_raster(night))
        per_hour = _raster(plots.fig_plms_per_hour(night))
        stage_leg = _raster(plots.fig_stage_leg(night))
    _place(page, hyp, (0.06, y - top_h, 0.88, top_h))
    y -= top_h + 0.01
    _place(page, per_hour, (0.06, y - pair_h, 0.43, pair_h))
    _place(page, stage_leg, (0.51, y - pair_h, 0.43, pair_h))
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


def build_pages(night: plots.NightData, *, guidance: Guidance) -> list[Figure]:
    """The two A4 pages as matplotlib figures (page 1 for the clinician, page 2 for the
    person who slept)."""
    return [_page_clinician(night, guidance), _page_person(night, guidance)]


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
    pages = build_pages(night, guidance=guidance)

    def write(tmp: Path) -> None:
        with PdfPages(tmp, metadata={"Title": "somnomotor night report",
                                     "Creator": f"somnomotor {__version__}"}) as pdf:
            for page in pages:
                pdf.savefig(page)

    atomic_write_with(target, write)
    return target


__all__ = ["FOOTER", "TABLE_COLUMNS", "build_pages", "wrap_to_width", "write_pdf"]
