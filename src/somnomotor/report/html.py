"""The night report: one self-contained HTML file (and a short PDF) from an analysis folder.

:func:`render_report` reads the output folder of ``somnomotor analyze`` (summary.json,
events.tsv, hypnogram.tsv), draws the figures (:mod:`somnomotor.report.plots`), chooses the
plain-language guidance (:mod:`somnomotor.report.guidance`) and writes ``report.html`` and
``report.pdf`` atomically. The HTML opens offline: CSS is inline and every figure is an inline
SVG; there are no scripts, web fonts or external images.

Every page says that the report is not medical advice and whom to see (a sleep specialist or
a neurologist), which hypnogram was used (scored or automatic) and which indices depend on
the sleep staging.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from somnomotor._version import __version__
from somnomotor.io.atomic import atomic_write_text, ensure_writable_dir
from somnomotor.recording import Recording
from somnomotor.report import plots
from somnomotor.report.guidance import Guidance, guidance_for_outputs
from somnomotor.report.index_names import counts_text, plain_name
from somnomotor.report.reliability import ensure_reliability
from somnomotor.report.questionnaire import QuestionnaireAnswers

logger = logging.getLogger(__name__)

REPORT_HTML = "report.html"
REPORT_PDF = "report.pdf"

DISCLAIMER = (
    "This report shows what software measured in one recording. It is not medical advice and "
    "not a diagnosis. Please discuss it with a sleep specialist or a neurologist."
)

#: Figure ids in the HTML, in page order (``fig-examples`` only when a recording is given).
FIGURE_IDS: tuple[str, ...] = ("fig-quality", "fig-hypnogram", "fig-plms-hour",
                               "fig-stage-leg", "fig-imi", "fig-rswa", "fig-examples")

#: Normal range / cut-off and standard for indices whose summary entry leaves them empty.
KNOWN_INDICES: Mapping[str, tuple[str, str]] = {
    "plms_index": ("> 15/h abnormal in adults, > 5/h in children (ICSD-3)",
                   "WASM 2016, Ferri et al. Sleep Med 2016;26:86, doi:10.1016/j.sleep.2016.10.010"),
    "plms_nr_index": ("as PLMS index (> 15/h adults)", "WASM 2016 (CLMr removed)"),
    "plmw_index": ("no agreed cut-off", "WASM 2016"),
    "plm_nrem_index": ("no agreed cut-off", "WASM 2016"),
    "plm_rem_index": ("no agreed cut-off", "WASM 2016"),
    "periodicity_index": ("0-1; no agreed cut-off (low in healthy sleepers)",
                          "Ferri et al. Sleep 2006;29:759, doi:10.1093/sleep/29.6.759"),
    "sinbar_chin_any_pct": ("> 18 % of 3-s REM mini-epochs (100 % specificity for RBD)",
                            "SINBAR, Frauscher et al. Sleep 2012;35:835, doi:10.5665/sleep.1886"),
    "sinbar_chin_any_arms_phasic_pct": ("> 32 % of 3-s REM mini-epochs",
                                       "SINBAR, Frauscher et al. 2012, doi:10.5665/sleep.1886"),
    "rem_atonia_index": ("> 0.9 normal; 0.8-0.9 borderline; < 0.8 reduced atonia",
                         "Ferri et al. Sleep Med 2010;11:947, doi:10.1016/j.sleep.2010.06.003"),
    "fm_index_sleep": ("no agreed cut-off; excessive: >= 20 min of NREM with >= 5/min",
                       "AASM Scoring Manual (optional rule)"),
}
_STAGING_WORDS = ("sleep", "tst", "rem", "nrem", "wake", "stage")


@dataclass(frozen=True)
class ReportFiles:
    """Paths of the written report files (``pdf`` is ``None`` when not asked for)."""

    html: Path
    pdf: Path | None


def depends_on_staging(index: Mapping[str, Any]) -> bool:
    """Whether an index needs the hypnogram: its name or denominator names sleep, a stage or
    wake (PLMS per hour of sleep, SINBAR % of REM mini-epochs, ...)."""
    text = f"{index.get('name', '')} {index.get('denominator', '')}".lower()
    return any(word in text for word in _STAGING_WORDS)


def _caveat_tags(summary: Mapping[str, Any]) -> dict[str, list[str]]:
    """Index name -> short words of the caveats that concern it (short night, ...)."""
    from somnomotor.report.text import CAVEAT_TAGS

    tags: dict[str, list[str]] = {}
    for c in (summary.get("reliability") or {}).get("caveats") or []:
        for name in c.get("indices") or []:
            tags.setdefault(str(name), []).append(CAVEAT_TAGS.get(c["code"], c["code"]))
    return tags


def night_caveats(night: plots.NightData) -> list[str]:
    """The texts of the caveats of this night (too short, little REM, more than one night)."""
    block = ensure_reliability(night.summary).get("reliability") or {}
    return [str(c["text"]) for c in block.get("caveats") or []]


def index_rows(night: plots.NightData) -> list[dict[str, str]]:
    """The indices of summary.json as table rows: plain name, value, the count behind it,
    cut-off, finding, caveat, standard and staging note."""
    rows = []
    summary = ensure_reliability(night.summary)
    tags = _caveat_tags(summary)
    for ix in summary.get("indices") or []:
        name = str(ix.get("name", ""))
        known = KNOWN_INDICES.get(name, ("", ""))
        value = ix.get("value")
        unit = str(ix.get("unit") or "")
        if unit == "yes/no" and value is not None:
            shown, unit = ("yes" if value else "no"), ""
        elif value is None:
            shown = "n/a"
        elif isinstance(value, (int, float)):
            shown = f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}"
        else:
            shown = str(value)
        denom = str(ix.get("denominator") or "")
        dval = ix.get("denominator_value")
        if denom and isinstance(dval, (int, float)):
            denom += f" ({dval:.3g} {ix.get('denominator_unit') or ''})".rstrip()
        rows.append({
            "name": name,
            "plain": plain_name(name),
            "counts": counts_text(ix),
            "caveat": ", ".join(tags.get(name, [])),
            "value": shown,
            "unit": "" if unit in ("count", "yes/no") else unit,
            "denominator": denom,
            "cutoff": str(ix.get("cutoff") or known[0] or "no agreed cut-off"),
            "standard": str(ix.get("standard") or known[1] or ""),
            "flag": str(ix.get("flag") or ""),
            "staging": "yes" if depends_on_staging(ix) else "no",
            "description": str(ix.get("description") or ""),
        })
    return rows


# -- rendering helpers ----------------------------------------------------------------------
_e = html.escape

CSS = """
:root { --ink:#1b1b1b; --navy:#0b3c5d; --red:#c8471b; --grey:#6b6b6b; --line:#d0d0d0; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: var(--ink);
       max-width: 72rem; margin: 0 auto; padding: 1.2rem 1.5rem 4rem; line-height: 1.45;
       font-size: 14px; background: #fff; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; color: var(--navy); }
h2 { font-size: 1.2rem; margin: 1.8rem 0 .5rem; color: var(--navy);
     border-bottom: 2px solid var(--navy); padding-bottom: .15rem; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
.meta { color: var(--grey); font-size: .9rem; margin: 0 0 .8rem; }
.notice { border: 1px solid var(--navy); border-left: 6px solid var(--navy); padding: .6rem .9rem;
          background: #f3f6f9; margin: .8rem 0; }
.alert { border: 1px solid var(--red); border-left: 6px solid var(--red); padding: .6rem .9rem;
         background: #fbf1ec; margin: .8rem 0; }
.alert h2 { border: 0; color: var(--red); margin: 0 0 .3rem; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .4rem 0 .8rem; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .4rem; text-align: left;
         vertical-align: top; }
th { background: #eef1f4; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.flag { color: var(--red); font-weight: 600; }
table.indices { table-layout: fixed; font-size: .8rem; }
table.indices td { overflow-wrap: anywhere; }
td.ixname { color: var(--grey); font-size: .75rem; }
td.ixname .plain { color: var(--ink); font-size: .8rem; font-weight: 600; }
.caveat { color: var(--grey); font-weight: normal; font-style: italic; }
.caution ul { margin: .3rem 0 0; }
figure { margin: .6rem 0 1rem; break-inside: avoid; page-break-inside: avoid; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: .82rem; color: var(--grey); margin-top: .2rem; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: .8rem; }
.guide p, .guide li { font-size: 1rem; }
.src { color: var(--grey); font-size: .8rem; white-space: nowrap; }
footer { margin-top: 2rem; border-top: 1px solid var(--line); padding-top: .5rem;
         font-size: .8rem; color: var(--grey); }
.printfoot { display: none; }
@media print {
  body { max-width: none; padding: 0 0 1.6cm; font-size: 10.5pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .printfoot { display: block; position: fixed; bottom: 0; left: 0; right: 0;
               font-size: 8pt; color: #444; border-top: 1px solid #999; padding-top: 2pt;
               background: #fff; }
  .pair { grid-template-columns: 1fr 1fr; }
}
@page { size: A4; margin: 1.4cm 1.3cm 1.6cm; }
"""


def _table(header: Sequence[str], rows: Sequence[Sequence[str]],
           num_cols: Sequence[int] = ()) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{_e(c)}</td>' if i in num_cols else f"<td>{_e(c)}</td>"
            for i, c in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure(fig_id: str, fig: Figure | None, caption: str) -> str:
    if fig is None:
        return ""
    svg = plots.figure_to_svg(fig, prefix=fig_id)
    return (f'<figure id="{fig_id}">{svg}<figcaption>{_e(caption)}</figcaption></figure>')


def _fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    h, rem = divmod(int(round(seconds)), 3600)
    return f"{h} h {rem // 60:02d} min"


def _overview(night: plots.NightData) -> str:
    s = night.summary
    inp = s.get("input") or {}
    hyp = s.get("hypnogram") or {}
    rows = [
        ("Recording file", str(inp.get("file") or "n/a")),
        ("SHA-256", str(inp.get("sha256") or "n/a")),
        ("Start", str(inp.get("start") or "not known")),
        ("Length", _fmt_duration(night.duration_s)),
        ("Hypnogram used", f"{night.hypnogram_source} ({night.hypnogram_kind})"),
        ("Total sleep time", _fmt_duration(hyp.get("total_sleep_time_s"))),
        ("Rule set", str(s.get("rule_set") or "n/a")),
        ("somnomotor version", str(s.get("somnomotor_version") or "n/a")),
    ]
    info = _table(("Item", "Value"), rows)
    chans = [(str(c.get("label", "")), str(c.get("role") or "-"),
              f"{float(c.get('fs_hz') or 0):g}", str(c.get("unit") or ""),
              _fmt_duration((c.get("n_samples") or 0) / (c.get("fs_hz") or 1)))
             for c in s.get("channels") or []]
    chan_table = _table(("Channel", "Role", "Sampling rate (Hz)", "Unit", "Length"), chans,
                        num_cols=(2,)) if chans else "<p>No channel list in summary.json.</p>"
    return info + "<h3>Channels</h3>" + chan_table


def _staging_note(night: plots.NightData, rows: Sequence[Mapping[str, str]]) -> str:
    dep = [r["name"] for r in rows if r["staging"] == "yes"]
    kind = night.hypnogram_kind
    what = {"scored": "scored by a person (or imported from a scored file)",
            "automatic": "staged automatically by software; automatic staging can be wrong, "
                         "so the stage-dependent indices are less certain",
            "simulated": "simulated", "none": "not available: stage-dependent indices could "
                                              "not be computed"}.get(kind, "of unknown origin")
    dep_txt = ", ".join(dep) if dep else "none"
    return (f'<p class="notice"><b>Hypnogram used:</b> {_e(night.hypnogram_source)} — '
            f"{_e(what)}. <b>Indices that depend on the sleep staging:</b> {_e(dep_txt)}.</p>")


def _quality(night: plots.NightData) -> str:
    uns = night.of_type("unscorable")
    if not len(uns):
        table = "<p>No interval was marked unscorable.</p>"
    else:
        reason = uns["reason"].fillna("unknown").astype(str) if "reason" in uns.columns else (
            ["unknown"] * len(uns))
        grouped = uns.assign(reason=reason).groupby(["channel", "reason"])["duration_s"]
        rows = [(str(ch), str(r), f"{total / 60:.1f}", str(int(n)))
                for (ch, r), total, n in zip(grouped.sum().index, grouped.sum(),
                                             grouped.count(), strict=True)]
        table = _table(("Channel", "Reason", "Unscorable (min)", "Intervals"), rows,
                       num_cols=(2, 3))
    warns = night.summary.get("warnings") or []
    warn_html = ("<h3>Warnings from the analysis</h3><ul>" + "".join(
        f"<li>{_e(str(w))}</li>" for w in warns) + "</ul>") if warns else ""
    return table + warn_html


def _caveat_box(night: plots.NightData) -> str:
    texts = night_caveats(night)
    if not texts:
        return ""
    items = "".join(f"<li>{_e(t[0].upper() + t[1:])}.</li>" for t in texts)
    return (f'<div class="notice caution" id="caveats"><b>Read these results with care.</b>'
            f"<ul>{items}</ul></div>")


def _indices(rows: Sequence[Mapping[str, str]]) -> str:
    if not rows:
        return "<p>summary.json holds no indices.</p>"
    body = []
    for r in rows:
        finding = _e(r["flag"])
        if r.get("caveat"):
            finding += f'<div class="caveat">less certain ({_e(r["caveat"])})</div>'
        flag_cell = f'<td class="flag">{finding}</td>' if r["flag"] else f"<td>{finding}</td>"
        value = f"{r['value']} {r['unit']}".strip() if r["unit"] not in ("", "ratio") else (
            r["value"])
        body.append(
            f'<tr><td class="ixname" title="{_e(r["description"])}"><span class="plain">'
            f'{_e(r["plain"])}</span><br>{_e(r["name"])}</td>'
            f'<td class="num">{_e(value)}</td><td>{_e(r["counts"])}</td>'
            f'<td>{_e(r["denominator"])}</td><td>{_e(r["cutoff"])}</td>{flag_cell}'
            f'<td>{_e(r["standard"])}</td><td>{_e(r["staging"])}</td></tr>'
        )
    head = "".join(f"<th>{h}</th>" for h in ("Index", "Value", "Counted", "Denominator",
                                             "Published normal range / cut-off", "Finding",
                                             "Standard", "Needs staging"))
    cols = "".join(f'<col style="width:{w}">' for w in
                   ("17%", "7%", "12%", "13%", "19%", "12%", "14%", "6%"))
    return (f'<table class="indices"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def _guidance_html(guidance: Guidance, *, skip_doctor: bool) -> str:
    parts = ['<div class="guide">']
    for name, title, items in guidance.sections():
        if skip_doctor and name == "doctor":
            continue
        parts.append(f"<h3>{_e(title)}</h3>")
        tag = "p" if name in {"about", "found", "answers", "explain", "doctor_may"} else "li"
        if tag == "li":
            parts.append("<ul>")
        for it in items:
            src = f' <span class="src">[{_e(", ".join(it.sources))}]</span>'
            parts.append(f'<{tag} data-statement="{_e(it.id)}">{_e(it.text)}{src}</{tag}>')
        if tag == "li":
            parts.append("</ul>")
    parts.append("<h3>Sources</h3><ul>")
    parts.extend(f'<li class="src-item">[{_e(k)}] {_e(v)}</li>'
                 for k, v in guidance.sources.items())
    parts.append("</ul></div>")
    return "".join(parts)


def _doctor_box(guidance: Guidance) -> str:
    items = guidance.section("doctor")
    if not items:
        return ""
    lis = "".join(f'<li data-statement="{_e(i.id)}">{_e(i.text)}</li>' for i in items)
    return (f'<section class="alert" id="see-doctor"><h2>Please see a doctor</h2>'
            f"<ul>{lis}</ul></section>")


def build_html(night: plots.NightData, *, guidance: Guidance,
               recording: Recording | None = None) -> str:
    """The report page as one HTML string (inline CSS and SVG, no scripts)."""
    rows = index_rows(night)
    figs: dict[str, tuple[Callable[[], Figure | None], str]] = {
        "fig-quality": (lambda: plots.fig_quality(night),
                        "Time per channel that could not be scored, by reason; it is left out "
                        "of every denominator."),
        "fig-hypnogram": (lambda: plots.fig_hypnogram_raster(night),
                          "Top: sleep stages (REM as thick bar). Bottom: every detected event; "
                          "bars are widened to at least 40 s so single events stay visible."),
        "fig-plms-hour": (lambda: plots.fig_plms_per_hour(night),
                          "PLM in sleep per hour of sleep within each hour of the recording; "
                          "hours with under 5 min of sleep are left empty."),
        "fig-stage-leg": (lambda: plots.fig_stage_leg(night),
                          "Candidate leg movements by sleep stage and leg."),
        "fig-imi": (lambda: plots.fig_imi(night),
                    "Intervals between consecutive candidate leg movements below 90 s (WASM "
                    "2016 bins: 2 s and 0.1 ln units). Periodic movements form a peak between "
                    "10 and 90 s."),
        "fig-rswa": (lambda: plots.fig_rswa(night),
                     "Each column is one REM epoch; each row a flag (red = set) or a percentage "
                     "(darker red = higher) of the RSWA analysis; grey = none, hatched = "
                     "excluded (artefact)."),
    }
    if recording is not None:
        figs["fig-examples"] = (lambda: plots.fig_examples(night, recording),
                                "Example 30-s EMG traces (µV, median removed) of detected "
                                "events; the shaded band runs from onset to offset.")
    rendered: dict[str, str] = {}
    with plots.report_style():
        for fig_id, (make, caption) in figs.items():
            rendered[fig_id] = _figure(fig_id, make(), caption)
    s = night.summary
    file_name = str((s.get("input") or {}).get("file") or night.out_dir.name)
    created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    doctor = _doctor_box(guidance)
    examples = rendered.get("fig-examples", "")
    body = f"""
<header>
<h1>Night report: movements in sleep</h1>
<p class="meta">Recording {_e(file_name)} · report made {_e(created)} with somnomotor
{_e(__version__)} · analysis folder {_e(night.out_dir.name)}</p>
<p class="notice" id="disclaimer"><b>Not medical advice.</b> {_e(DISCLAIMER)}</p>
</header>
{doctor}
{_caveat_box(night)}
<section id="overview"><h2>1. Recording and channels</h2>{_overview(night)}
{_staging_note(night, rows)}</section>
<section id="quality"><h2>2. Data quality</h2>{_quality(night)}{rendered['fig-quality']}</section>
<section id="night"><h2>3. The night at a glance</h2>{rendered['fig-hypnogram']}</section>
<section id="indices"><h2>4. Indices</h2>
<p>Each index with its denominator, the published normal range or cut-off and the standard it
comes from, and how many events or stretches the value counts. A finding beyond a cut-off is
not a diagnosis.</p>{_indices(rows)}</section>
<section id="legs"><h2>5. Leg movements</h2>
<div class="pair">{rendered['fig-plms-hour']}{rendered['fig-stage-leg']}</div>
{rendered['fig-imi']}</section>
<section id="rswa"><h2>6. REM sleep without atonia</h2>{rendered['fig-rswa']}</section>
{f'<section id="examples"><h2>7. Example traces</h2>{examples}</section>' if examples else ''}
<section id="guidance"><h2>{'8' if examples else '7'}. For the person who slept</h2>
{_guidance_html(guidance, skip_doctor=bool(doctor))}</section>
<footer><p><b>Not medical advice.</b> {_e(DISCLAIMER)}</p>
<p>somnomotor {_e(__version__)} · findings follow the published scoring rules named in the
index table; the software can make mistakes, and a specialist should review the recording.</p>
</footer>
<div class="printfoot">Not medical advice and not a diagnosis: discuss these results with a
sleep specialist or a neurologist. · {_e(file_name)}</div>
"""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>Night report: {_e(file_name)}</title><style>{CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def render_report(
    out_dir: str | os.PathLike[str],
    *,
    recording: Recording | None = None,
    answers: QuestionnaireAnswers | None = None,
    pdf: bool = True,
) -> ReportFiles:
    """Write ``report.html`` (and ``report.pdf``) into an analysis output folder.

    Parameters
    ----------
    out_dir : path
        Folder written by ``somnomotor analyze FILE --out DIR`` (summary.json, events.tsv and
        optionally hypnogram.tsv).
    recording : Recording or None
        The recording the folder was made from; when given, example 30-s EMG traces of
        detected events are drawn. Only the shown windows are kept.
    answers : QuestionnaireAnswers or None
        The questionnaire of the person who slept; combined with the findings in the
        plain-language section.
    pdf : bool
        Also write the one- to two-page PDF summary.

    Returns
    -------
    ReportFiles

    Raises
    ------
    InputFileNotFoundError, InputFileError
        When the folder or its files are missing or unreadable.
    OutputError
        When the folder is not writable.
    """
    night = plots.load_night(out_dir)
    folder = ensure_writable_dir(night.out_dir)
    guidance = guidance_for_outputs(night.summary, night.events, answers)
    text = build_html(night, guidance=guidance, recording=recording)
    pdf_path: Path | None = None
    if pdf:
        from somnomotor.report.pdf import write_pdf  # matplotlib PDF backend only when asked

        pdf_path = folder / REPORT_PDF
        write_pdf(pdf_path, night, guidance=guidance)
    html_path = folder / REPORT_HTML
    atomic_write_text(html_path, text)
    logger.info("wrote %s%s", html_path, f" and {pdf_path}" if pdf_path else "")
    return ReportFiles(html=html_path, pdf=pdf_path)


__all__ = [
    "DISCLAIMER",
    "FIGURE_IDS",
    "KNOWN_INDICES",
    "ReportFiles",
    "build_html",
    "depends_on_staging",
    "index_rows",
    "night_caveats",
    "render_report",
]
