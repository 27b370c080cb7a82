"""The several-nights page: one self-contained HTML file (inline CSS and SVG, no scripts).

Sections: what the page is (never a diagnosis); per kind of recording (PSG, ankle
accelerometer, kept apart) the nights, median, spread and trend, and a figure; the diary
comparisons (nights with and without each possible trigger, never as a cause); the guidance
statements of ``data/guidance.yaml`` that apply, with their sources; and always the warning
signs that need a doctor.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from somnomotor._version import __version__
from somnomotor.io.atomic import atomic_write_text, ensure_writable_dir
from somnomotor.io.diary import DiaryEntry
from somnomotor.report.guidance import load_library
from somnomotor.report.nights import (
    KINDS,
    VARIABILITY_NOTE,
    KindSummary,
    Night,
    nights_table,
    summarise,
)
from somnomotor.report.triggers import TRIGGERS, Comparison, compare_trigger, medicine_triggers

NIGHTS_HTML = "nights.html"
#: One table per kind, so that PSG and accelerometer indices never share a table.
NIGHTS_TSV = {"psg": "nights_psg.tsv", "accelerometer": "nights_accelerometer.tsv"}
COMPARISONS_TSV = "comparisons.tsv"
#: Diary nights with leg discomfort >= this (of 10) count towards the doctor statement.
DISCOMFORT_HIGH = 5

DISCLAIMER = ("This page shows what software measured over several nights. It is not medical "
              "advice and not a diagnosis. Please discuss it with a sleep specialist or a "
              "neurologist.")

_CSS = """body{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.2em .5em;
text-align:right}th{background:#eee}td.l,th.l{text-align:left}.note{background:#fff6d5;
padding:.5em;border-left:4px solid #e0b000}.doctor{background:#fde8e8;padding:.5em;
border-left:4px solid #c00}.src{font-size:.85em;color:#555}"""


def _fmt(v: object, digits: int = 1) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "n/a"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return html.escape(str(v))


def _figure(nights: Sequence[Night], kind: str, summary: KindSummary) -> str:
    from matplotlib.figure import Figure

    from somnomotor.report.plots import figure_to_svg

    head = KINDS[kind][0]
    pts = [(n.date, n.indices.get(head)) for n in nights if n.kind == kind
           and n.date is not None and n.indices.get(head) is not None]
    if not pts:
        return ""
    fig = Figure(figsize=(7.0, 2.6))
    ax = fig.add_subplot(1, 1, 1)
    ax.plot([d for d, _ in pts], [v for _, v in pts], "o-", color="#2060a0", lw=1)
    if summary.median is not None:
        ax.axhline(summary.median, color="#888", ls="--", lw=1, label="median")
        ax.legend(loc="upper left", fontsize=8)
    ax.set_ylabel(f"{head} (/h)", fontsize=8)
    ax.tick_params(labelsize=7)
    fig.autofmt_xdate()
    fig.tight_layout()
    return f'<figure id="fig-{kind}">{figure_to_svg(fig, prefix=f"n-{kind}")}</figure>'


def compare_all(nights: Sequence[Night], diary: Sequence[DiaryEntry], kind: str
                ) -> list[Comparison]:
    """Every trigger (and medicine by name) compared on one kind's headline index."""
    head = KINDS[kind][0]
    by_date = {e.date: e for e in diary}
    mine = [n for n in nights if n.kind == kind]
    values = [n.indices.get(head) for n in mine]
    entries = [by_date.get(n.date) if n.date else None for n in mine]
    words = ("your legs moved in periodic series" if kind == "accelerometer"
             else "periodic leg movements in sleep were")
    out = [compare_trigger(t, values, entries, head, words) for t in TRIGGERS]
    out += [compare_trigger(t, values, entries, head, words) for t in medicine_triggers(entries)]
    return out


def render_nights_page(nights: Sequence[Night], diary: Sequence[DiaryEntry],
                       out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write nights.html, nights_psg.tsv / nights_accelerometer.tsv (one table per kind) and
    comparisons.tsv into ``out_dir`` (atomically)."""
    out = ensure_writable_dir(out_dir)
    lib = load_library()
    table = nights_table(nights, diary)
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>Leg movements over several nights</title><style>{_CSS}</style></head><body>",
             "<h1>Leg movements over several nights</h1>",
             f"<p class='note'>{html.escape(DISCLAIMER)}</p>"]
    used: set[str] = set()

    def statement(sid: str, **numbers: object) -> str:
        st = lib.get(sid)
        used.update(st.sources)
        text = st.text.format(**numbers) if numbers else st.text
        return (f"<p>{html.escape(text)} <span class='src'>[{', '.join(st.sources)}]</span></p>")

    doctor: list[str] = []
    discomfort = [e for e in diary if e.leg_discomfort is not None]
    high = [e for e in discomfort if e.leg_discomfort >= DISCOMFORT_HIGH]  # type: ignore[operator]
    if discomfort and 2 * len(high) > len(discomfort):
        doctor.append(statement("doctor_diary_leg_discomfort", discomfort_nights=len(high),
                                diary_nights=len(discomfort)))
    if doctor:
        parts.append("<div class='doctor'><h2>Please see a doctor</h2>" + "".join(doctor)
                     + "</div>")
    parts.append(f"<p>{html.escape(VARIABILITY_NOTE)} <span class='src'>[scoring-rules 7.3]</span></p>")
    rows_out = []
    all_comparisons: list[Comparison] = []
    for kind, (head, words) in KINDS.items():
        mine = [n for n in nights if n.kind == kind]
        if not mine:
            continue
        summ = summarise(nights, kind)
        title = "Sleep studies (PSG)" if kind == "psg" else "Ankle accelerometer nights"
        parts.append(f"<h2 id='kind-{kind}'>{title}</h2><p>{html.escape(words)}.</p>")
        parts.append(f"<p><b>{html.escape(summ.statement)}</b></p>")
        if kind == "accelerometer":
            from somnomotor.score.accel_plm import LITERATURE

            parts.append(statement("explain_home_nights"))
            parts.append(f"<p class='src'>{html.escape(LITERATURE)}</p>")
        parts.append(_figure(nights, kind, summ))
        sub = table[table["kind"] == kind]
        cols = [c for c in sub.columns if not c.startswith("diary_") and sub[c].notna().any()]
        parts.append("<table><tr>" + "".join(f"<th class='l'>{html.escape(c)}</th>" for c in cols)
                     + "</tr>")
        for _, r in sub.iterrows():
            parts.append("<tr>" + "".join(
                f"<td class='l'>{_fmt(r[c])}</td>" if c in ("date", "kind", "file")
                else f"<td>{_fmt(r[c])}</td>" for c in cols) + "</tr>")
        parts.append("</table>")
        if diary:
            comps = compare_all(nights, diary, kind)
            all_comparisons += comps
            parts.append(f"<h3 id='diary-{kind}'>Your diary beside these nights</h3>")
            parts.append(statement("explain_diary_not_cause"))
            parts.append("<table><tr><th class='l'>nights after</th><th>nights with</th>"
                         "<th>median with (/h)</th><th>nights without</th>"
                         "<th>median without (/h)</th><th>difference (95 % interval)</th></tr>")
            for c in comps:
                trig = next((t for t in TRIGGERS if t.name == c.trigger), None)
                label = trig.phrase if trig else c.trigger.replace("medicine_", "taking ")
                diff = ("too few nights" if c.difference is None else
                        f"{c.difference:+.1f} ({c.ci_low:+.1f} to {c.ci_high:+.1f})")
                parts.append(f"<tr><td class='l'>{html.escape(label)}</td><td>{c.n_with}</td>"
                             f"<td>{_fmt(c.median_with)}</td><td>{c.n_without}</td>"
                             f"<td>{_fmt(c.median_without)}</td><td>{html.escape(diff)}</td></tr>")
            parts.append("</table><ul>" + "".join(f"<li>{html.escape(c.sentence)}</li>"
                                                   for c in comps) + "</ul>")
        rows_out.append(summ)
    if diary:
        parts.append("<h2>What is commonly linked with night movements</h2>"
                     "<p>These can make leg movements or restless legs more likely or worse in "
                     "general; they are not the cause of your findings.</p>")
        ids = dict.fromkeys(t.guidance_id for t in TRIGGERS)
        if any(e.medicines for e in diary):
            ids["factor_medicines"] = None
        parts.extend(statement(sid) for sid in ids)
        if any(e.cramps for e in diary):
            parts.append(statement("explain_cramps"))
    parts.append("<h2>When to see a doctor</h2><div class='doctor'><ul>")
    for st in lib.statements.values():
        if st.section == "when_doctor":
            used.update(st.sources)
            parts.append(f"<li>{html.escape(st.text)} <span class='src'>[{', '.join(st.sources)}]"
                         "</span></li>")
    parts.append("</ul></div>")
    parts.append(statement("about_not_advice"))
    parts.append("<h2>Sources</h2><ul class='src'>" + "".join(
        f"<li>[{html.escape(k)}] {html.escape(v)}</li>" for k, v in lib.sources.items()
        if k in used) + "</ul>")
    parts.append(f"<p class='src'>somnomotor {__version__}</p></body></html>")
    atomic_write_text(out / NIGHTS_HTML, "\n".join(p for p in parts if p))
    written = {NIGHTS_HTML: out / NIGHTS_HTML}
    for kind, name in NIGHTS_TSV.items():
        sub = table[table["kind"] == kind].dropna(axis=1, how="all")
        if len(sub):
            atomic_write_text(out / name, sub.to_csv(sep="\t", index=False, na_rep="n/a",
                                                     float_format="%.6g"))
            written[name] = out / name
    comp_frame = pd.DataFrame([c.__dict__ for c in all_comparisons])
    atomic_write_text(out / COMPARISONS_TSV, comp_frame.to_csv(sep="\t", index=False, na_rep="n/a",
                                                               float_format="%.6g"))
    written[COMPARISONS_TSV] = out / COMPARISONS_TSV
    return written


__all__ = ["COMPARISONS_TSV", "NIGHTS_HTML", "NIGHTS_TSV", "compare_all", "render_nights_page"]
