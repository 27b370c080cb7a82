"""Cohort channel maps: what each label of a cohort's montage is, and what sensor records it.

A label does not say what was recorded: MESA's ``Leg`` and MrOS's ``Leg L`` look like
tibialis EMG channels but are piezoelectric movement sensors sampled at 32 and 64 Hz
(NSRR montage pages). The maps are data, one YAML file per cohort in
``somnomotor/data/channel_maps/`` (SHHS, MESA, MrOS, CFS, WSC), each fact with its source and
a ``confirmed`` flag; :func:`load_channel_map` reads one by name (``"mesa"``) or from a path
(a user's own map in the same layout), and :func:`apply_channel_map` gives its roles and
sensor kinds to a :class:`~somnomotor.recording.Recording`.

Layout of a map (see ``data/channel_maps/mesa.yaml``)::

    cohort: mesa
    title: ...
    sources: {key: text}
    channels:
      - role: leg            # a role of somnomotor.recording.ROLES
        labels: [Leg]        # labels as in the EDF header (matched ignoring case)
        kind: piezo          # optional: emg, piezo or motion
        fs_hz: 32            # typical rate, or a list of rates
        sensor: ...          # the documentation's words
        source: key          # a key of ``sources``
        confirmed: true
    unconfirmed: [...]       # what could not be checked
"""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from somnomotor._errors import InputFileNotFoundError, ParameterError
from somnomotor.recording import MULTI_CHANNEL_ROLES, ROLES, Recording

#: Sensor kinds a map may declare for a channel.
SENSOR_KINDS: tuple[str, ...] = ("emg", "piezo", "motion")

#: Where the shipped maps live inside the package.
_PACKAGE_DIR = "data/channel_maps"


@dataclass(frozen=True)
class ChannelMapEntry:
    """One channel (or set of alternative labels) of a cohort montage."""

    role: str
    labels: tuple[str, ...]
    kind: str | None = None
    fs_hz: tuple[float, ...] = ()
    sensor: str = ""
    source: str = ""
    confirmed: bool = False
    note: str = ""


@dataclass(frozen=True)
class ChannelMap:
    """A cohort's montage as read from its YAML file."""

    name: str
    title: str
    entries: tuple[ChannelMapEntry, ...]
    sources: Mapping[str, str]
    unconfirmed: tuple[str, ...] = ()
    no_leg_channel: str = ""

    def entry_for_label(self, label: str) -> ChannelMapEntry | None:
        """The entry naming ``label`` (ignoring case and surrounding spaces), or None."""
        wanted = label.strip().lower()
        for entry in self.entries:
            if any(wanted == known.strip().lower() for known in entry.labels):
                return entry
        return None

    def source_text(self, entry: ChannelMapEntry) -> str:
        """The full text of an entry's source (its key when the map has no such source)."""
        return " ".join(str(self.sources.get(entry.source, entry.source)).split())


def available_channel_maps() -> list[str]:
    """Names of the maps shipped with somnomotor (``["cfs", "mesa", "mros", "shhs", "wsc"]``)."""
    folder = importlib.resources.files("somnomotor").joinpath(_PACKAGE_DIR)
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def _as_rates(value: Any, where: str) -> tuple[float, ...]:
    if value is None:
        return ()
    values = value if isinstance(value, list) else [value]
    try:
        rates = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise ParameterError(f"{where}: fs_hz must be a number or a list of numbers, "
                             f"received {value!r}") from None
    return rates


def _parse(document: Any, name: str) -> ChannelMap:
    where = f"channel map {name!r}"
    if not isinstance(document, Mapping) or not isinstance(document.get("channels"), list):
        raise ParameterError(f"{where}: expected a mapping with a 'channels' list "
                             "(see docs/channel-roles.md)")
    entries = []
    for i, raw in enumerate(document["channels"]):
        here = f"{where}, channel entry {i + 1}"
        if not isinstance(raw, Mapping):
            raise ParameterError(f"{here}: expected a mapping, received {raw!r}")
        role = str(raw.get("role", ""))
        if role not in ROLES:
            raise ParameterError(f"{here}: unknown role {role!r}; allowed roles are "
                                 f"{', '.join(ROLES)}")
        labels = raw.get("labels")
        if isinstance(labels, str):
            labels = [labels]
        if not labels:
            raise ParameterError(f"{here}: 'labels' must list at least one label")
        kind = raw.get("kind")
        if kind is not None and kind not in SENSOR_KINDS:
            raise ParameterError(f"{here}: unknown kind {kind!r}; allowed are "
                                 f"{', '.join(SENSOR_KINDS)}")
        entries.append(ChannelMapEntry(
            role=role, labels=tuple(str(x) for x in labels), kind=kind,
            fs_hz=_as_rates(raw.get("fs_hz"), here),
            sensor=" ".join(str(raw.get("sensor", "")).split()),
            source=str(raw.get("source", "")), confirmed=bool(raw.get("confirmed", False)),
            note=" ".join(str(raw.get("note", "")).split())))
    sources = document.get("sources") or {}
    return ChannelMap(
        name=str(document.get("cohort", name)), title=str(document.get("title", name)),
        entries=tuple(entries), sources={str(k): str(v) for k, v in dict(sources).items()},
        unconfirmed=tuple(str(x) for x in document.get("unconfirmed") or ()),
        no_leg_channel=" ".join(str(document.get("no_leg_channel", "")).split()))


def load_channel_map(name_or_path: str | os.PathLike[str]) -> ChannelMap:
    """A shipped map by name (``"mesa"``, case-insensitive) or a YAML file in the same layout.

    Raises
    ------
    ParameterError
        An unknown name (the message lists the shipped maps) or a malformed map.
    InputFileNotFoundError
        A path that does not exist.
    """
    import yaml

    text = os.fspath(name_or_path)
    shipped = available_channel_maps()
    if text.strip().lower() in shipped:
        key = text.strip().lower()
        raw = (importlib.resources.files("somnomotor").joinpath(f"{_PACKAGE_DIR}/{key}.yaml")
               .read_text(encoding="utf-8"))
        return _parse(yaml.safe_load(raw), key)
    path = Path(text).expanduser()
    if path.suffix.lower() not in (".yaml", ".yml") and not path.exists():
        raise ParameterError(f"unknown channel map {text!r}; shipped maps are "
                             f"{', '.join(shipped)}, or give a .yaml file")
    if not path.is_file():
        raise InputFileNotFoundError(f"channel map file {str(path)!r} does not exist")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParameterError(f"channel map {str(path)!r} is not valid YAML: {exc}") from None
    return _parse(document, path.stem)


def map_roles(channel_map: ChannelMap, labels: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Roles the map gives to the recording's labels (labels in file order; one-channel
    roles get the first label of the entry's list that the recording has)."""
    roles: dict[str, tuple[str, ...]] = {}
    for entry in channel_map.entries:
        present = []
        for known in entry.labels:
            present += [lab for lab in labels if lab.strip().lower() == known.strip().lower()
                        and lab not in present]
        if not present:
            continue
        if entry.role in MULTI_CHANNEL_ROLES:
            roles[entry.role] = tuple(dict.fromkeys(roles.get(entry.role, ()) + tuple(present)))
        elif entry.role not in roles:
            roles[entry.role] = (present[0],)
    return roles


def apply_channel_map(
    recording: Recording,
    channel_map: ChannelMap | str | os.PathLike[str],
    *,
    user_roles: Mapping[str, str | Sequence[str]] | None = None,
) -> Recording:
    """The recording with the map's roles and sensor kinds.

    Parameters
    ----------
    recording : Recording
    channel_map : ChannelMap, or a name or path for :func:`load_channel_map`
    user_roles : mapping, optional
        Roles the user chose (``--channel``); they win over the map: a role, or a channel,
        named by the user keeps the user's choice.

    Returns
    -------
    Recording
        Roles of the labels the map knows replaced by the map's, other inferred roles kept;
        :attr:`Recording.sensor_kinds` holds the map's kind for every present label that has
        one, and :attr:`Recording.channel_map` the map's name.
    """
    from somnomotor.io.roles import apply_role_overrides

    cmap = channel_map if isinstance(channel_map, ChannelMap) else load_channel_map(channel_map)
    labels = recording.labels
    chosen = dict(user_roles or {})
    taken = {lab for value in chosen.values()
             for lab in ((value,) if isinstance(value, str) else value)}
    from_map = {role: tuple(lab for lab in assigned if lab not in taken)
                for role, assigned in map_roles(cmap, labels).items() if role not in chosen}
    roles = apply_role_overrides(recording.roles, {r: v for r, v in from_map.items() if v},
                                 labels)
    kinds = dict(recording.sensor_kinds)
    for label in labels:
        entry = cmap.entry_for_label(label)
        if entry is not None and entry.kind is not None:
            kinds[label] = entry.kind
    return replace(recording, roles=roles, sensor_kinds=kinds, channel_map=cmap.name)


__all__ = ["SENSOR_KINDS", "ChannelMap", "ChannelMapEntry", "apply_channel_map",
           "available_channel_maps", "load_channel_map", "map_roles"]
