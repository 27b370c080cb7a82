"""The readable summary printed on the terminal, built from a summary.json document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: Indices shown first, in this order, when present (the rest follow by family).
HEADLINE_INDICES: tuple[str, ...] = (
    "plms_index",
    "plms_nr_index",
    "plmw_index",
    "plms_arousal_index",
    "periodicity_index",
    "sinbar_chin_any_pct",
    "sinbar_chin_phasic_pct",
    "sinbar_chin_tonic_pct",
    "rem_atonia_index",
    "fm_index_sleep",
    "sleep_start_count",
)

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
        if unit == "count":
            return f"{value:.0f}"
        if unit in ("ratio", ""):
            return f"{value:.2f}"
        return f"{value:.1f} {unit}".replace(" /h", "/h")
    return str(value)


def _fmt_hours(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    h, rem = divmod(int(round(seconds)), 3600)
    return f"{h} h {rem // 60:02d} min"


def format_summary(summary: Mapping[str, Any], *, max_indices: int = 30) -> str:
    """A plain-text account of one analysed night.

    Parameters
    ----------
    summary : mapping
        The summary.json document (see docs/architecture.md).
    max_indices : int
        How many index lines to show at most (headline indices first).
    """
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
    shown = {r: v for r, v in mapping.items() if r not in ("eeg", "eog", "respiratory", "oximetry")}
    if shown:
        lines.append("  channels           " + ", ".join(f"{r}={'/'.join(v)}" for r, v in shown.items()))
    lines.append(f"  rule set           {summary.get('rule_set')}")
    lines.append("")

    indices: Sequence[Mapping[str, Any]] = summary.get("indices", []) or []
    by_name = {ix["name"]: ix for ix in indices}
    ordered = [by_name[n] for n in HEADLINE_INDICES if n in by_name]
    ordered += [ix for ix in indices if ix["name"] not in HEADLINE_INDICES]
    if ordered:
        lines.append("  index                              value        cut-off / note")
        for ix in ordered[:max_indices]:
            note = ix.get("flag") or ix.get("cutoff") or ""
            lines.append(
                f"  {ix['name']:<34} {_fmt_value(ix.get('value'), ix.get('unit', '')):<12} {note}"
            )
        if len(ordered) > max_indices:
            lines.append(f"  ... {len(ordered) - max_indices} more in summary.json")
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


__all__ = ["DISCLAIMER", "HEADLINE_INDICES", "format_summary"]
