"""The readable summary printed on the terminal, built from a summary.json document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from somnomotor.report.index_names import counts_text, plain_name, short_cutoff
from somnomotor.report.reliability import ensure_reliability

#: Per analysis family: its heading and the indices shown on the terminal, in order.
#: Everything else is in summary.json (documented in docs/indices.md).
TERMINAL_INDICES: dict[str, tuple[str, tuple[str, ...]]] = {
    "leg_movements": ("Leg movements", (
        "plms_index", "plms_nr_index", "plmw_index", "plm_nrem_index", "plm_rem_index",
        "plms_arousal_index", "periodicity_index", "clms_index", "short_imi_index",
        "isolated_index", "lm_index", "plm_index",
    )),
    "rswa": ("REM sleep without atonia", (
        "sinbar_chin_any_pct", "sinbar_chin_phasic_pct", "sinbar_chin_tonic_pct",
        "sinbar_chin_any_arms_phasic_pct", "aasm_phasic_epoch_pct", "montreal_tonic_pct",
        "montreal_phasic_pct", "rem_atonia_index", "rswa_rem_minutes",
    )),
    "fragmentary_myoclonus": ("Fragmentary myoclonus", (
        "fm_index_sleep", "efm_minutes", "efm_criterion_met",
    )),
    "sleep_starts": ("Sleep starts", ("sleep_start_count", "sleep_onset_transitions")),
    "rhythmic_leg_activity": ("Rhythmic leg activity", ("hft_train_count", "alma_train_count")),
    "large_movements": ("Large muscle group movements", ("large_movement_index_sleep",)),
    "bruxism": ("Bruxism (masseter EMG)", ("bruxism_episode_index", "bruxism_burst_index")),
}

DISCLAIMER = (
    "These are measurements from one night, not a diagnosis. Discuss them with a sleep "
    "specialist or neurologist."
)


def _fmt_value(value: Any, unit: str) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if unit == "yes/no":
            return "yes" if value else "no"
        if unit == "count":
            return f"{value:.0f}"
        if unit in ("ratio", ""):
            return f"{value:.2f}"
        return f"{value:.1f} {unit}".replace(" /h", "/h")
    return str(value)


def _fmt_hours(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    h, rem = divmod(round(seconds), 3600)
    return f"{h} h {rem // 60:02d} min"


#: Short words per caveat code, for the line under an index (the full text is printed once).
CAVEAT_TAGS: dict[str, str] = {
    "long_recording": "more than one night",
    "short_sleep": "short night",
    "short_recording": "short recording",
    "little_rem": "little REM sleep",
}
#: Column widths of the index table (characters).
NAME_W, VALUE_W, COUNTS_W = 46, 10, 38


def _index_lines(ix: Mapping[str, Any], caveat_tags: Mapping[str, list[str]]) -> list[str]:
    name = str(ix.get("name", ""))
    value = _fmt_value(ix.get("value"), str(ix.get("unit", "")))
    first = (f"    {plain_name(name):<{NAME_W}} {value:<{VALUE_W}} {counts_text(ix):<{COUNTS_W}} "
             f"{short_cutoff(ix, width=34)}").rstrip()
    second = [name]
    if ix.get("flag"):
        second.append(f"finding: {ix['flag']}")
    tags = caveat_tags.get(name, [])
    if tags:
        second.append(f"less certain ({', '.join(tags)})")
    return [first, "      " + " · ".join(second)]


def format_summary(summary: Mapping[str, Any], *, max_indices: int = 30) -> str:
    """A plain-text account of one analysed night.

    Each index shows its plain name (:mod:`somnomotor.report.index_names`), its value, the
    count behind it and the published cut-off under a column header, then its machine name,
    any finding and whether it is less certain (short night, little REM sleep, more than one
    night: :mod:`somnomotor.report.reliability`).

    Parameters
    ----------
    summary : mapping
        The summary.json document (see docs/architecture.md).
    max_indices : int
        How many indices to show at most per analysis without a terminal list.
    """
    summary = ensure_reliability(summary)
    lines: list[str] = []
    inp = summary.get("input", {}) or {}
    lines.append(f"somnomotor {summary.get('somnomotor_version', '')}: {inp.get('file') or 'recording'}")
    lines.append(f"  recording length   {_fmt_hours(inp.get('duration_s'))}")
    hyp = summary.get("hypnogram")
    if hyp:
        lines.append(f"  hypnogram          {hyp.get('source')}")
        lines.append(f"  total sleep time   {_fmt_hours(hyp.get('total_sleep_time_s'))}")
    else:
        lines.append("  hypnogram          none (indices per hour of recording)")
    mapping = summary.get("channel_mapping", {}) or {}
    emg_roles = {r: v for r, v in mapping.items()
                 if r not in ("eeg", "eog", "respiratory", "oximetry")}
    if emg_roles:
        lines.append("  channels           "
                     + ", ".join(f"{r}={'/'.join(v)}" for r, v in emg_roles.items()))
    lines.append(f"  rule set           {summary.get('rule_set')}")
    caveats = (summary.get("reliability") or {}).get("caveats") or []
    caveat_tags: dict[str, list[str]] = {}
    if caveats:
        lines.append("")
        for c in caveats:
            lines.append(f"  caution: {c['text']}")
            for name in c.get("indices") or []:
                caveat_tags.setdefault(name, []).append(CAVEAT_TAGS.get(c["code"], c["code"]))
    lines.append("")

    indices: Sequence[Mapping[str, Any]] = summary.get("indices", []) or []
    by_family: dict[str, list[Mapping[str, Any]]] = {}
    for ix in indices:
        by_family.setdefault(str(ix.get("family", "")), []).append(ix)
    hidden = 0
    for family, family_indices in by_family.items():
        heading, wanted = TERMINAL_INDICES.get(family, (family.replace("_", " ").capitalize(), ()))
        by_name = {ix["name"]: ix for ix in family_indices}
        shown = [by_name[n] for n in wanted if n in by_name]
        # indices that carry a finding are always shown
        shown += [ix for ix in family_indices if ix.get("flag") and ix not in shown]
        if not wanted:
            shown = family_indices[:max_indices]
        hidden += len(family_indices) - len(shown)
        # the column titles say that the last column is the published cut-off, not a result
        lines.append(f"  {heading:<{NAME_W + 2}} {'value':<{VALUE_W}} "
                     f"{'counted':<{COUNTS_W}} published cut-off")
        for ix in shown:
            lines.extend(_index_lines(ix, caveat_tags))
        lines.append("")
    if hidden:
        lines.append(f"  {hidden} further indices are in summary.json (see docs/indices.md)")
    skipped = summary.get("skipped_analyses") or {}
    if skipped:
        # said once and quietly: most montages lack some channel (a masseter for bruxism)
        lines.append("  not run for lack of a channel: " + ", ".join(
            f"{family} ({reason})" for family, reason in skipped.items()))
    for family, info in (summary.get("analyses") or {}).items():
        unscorable = info.get("unscorable_s") or {}
        for channel, seconds in unscorable.items():
            if seconds >= 60:
                lines.append(f"  {family}: {channel} unscorable for {_fmt_hours(seconds)}")
    warnings = summary.get("warnings") or []
    if warnings:
        lines.append("")
        lines.append(f"  warnings ({len(warnings)}):")
        lines.extend(f"   - {w}" for w in warnings[:10])
        if len(warnings) > 10:
            lines.append(f"   ... {len(warnings) - 10} more in summary.json")
    lines.append("")
    lines.append(DISCLAIMER)
    return "\n".join(lines)


__all__ = ["CAVEAT_TAGS", "DISCLAIMER", "TERMINAL_INDICES", "format_summary"]
