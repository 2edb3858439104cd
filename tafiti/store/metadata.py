"""The group metadata file: what researchers know about a group beyond its exports.

The file is YAML, at the ``groups_file`` setting (``TAFITI_GROUPS_FILE``,
default ``data/groups.yml``); a missing file means no metadata. Its shape,
with every key but ``name`` optional::

    groups:
      - name: Duka Bora C5 - Kisumu    # a name the group has or had; finds the group
        slug: duka-bora-c5             # report URL, used when the group is first stored
        exports:                       # export files that belong to this group, matched
          - "WhatsApp Chat with Duka Bora*"  # against the file name or the source key (globs)
        cohort: "5"
        programme: Duka Bora
        advisor: Wanjiru Kamau
        facilitators: [Wanjiru Kamau]
        timezone: Africa/Nairobi       # IANA zone for display and analysis; default TAFITI_TIMEZONE
        start_date: 2024-01-08
        aliases:                       # one person saved under other names on other phones
          Halima Said: [Halima, "+254 700 000103"]

An export listed under ``exports`` goes to that entry's group whatever its
content says (two different groups with the same name, a group whose exports
share no message). Other exports find their group by content and name (see
``tafiti.store.sync``), and an entry applies to the group with its slug or one
of its names.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from tafiti.errors import ConfigError

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_KEYS = frozenset(
    {
        "name",
        "slug",
        "exports",
        "cohort",
        "programme",
        "advisor",
        "facilitators",
        "timezone",
        "start_date",
        "aliases",
    }
)


@dataclass(frozen=True)
class GroupMetadata:
    """One entry of the group metadata file."""

    name: str
    slug: str | None = None
    exports: tuple[str, ...] = ()
    cohort: str | None = None
    programme: str | None = None
    advisor: str | None = None
    facilitators: tuple[str, ...] = ()
    timezone: str | None = None
    start_date: date | None = None
    # alias → canonical name
    aliases: dict[str, str] = field(default_factory=dict)

    def pins(self, key: str, name: str) -> bool:
        """Return whether the export with source key ``key`` and file name ``name`` is listed."""
        return any(
            fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(key, pattern)
            for pattern in self.exports
        )


@dataclass(frozen=True)
class GroupDirectory:
    """Every entry of the group metadata file."""

    entries: tuple[GroupMetadata, ...] = ()
    path: Path | None = None

    def pinned(self, key: str, name: str) -> GroupMetadata | None:
        """Return the entry that lists the export ``key``/``name``; raise if two entries do."""
        matches = [entry for entry in self.entries if entry.pins(key, name)]
        if len(matches) > 1:
            names = ", ".join(repr(entry.name) for entry in matches)
            raise ConfigError(
                f"{self.path}: export {key!r} is listed under the exports of several "
                f"groups ({names}); list it under one"
            )
        return matches[0] if matches else None

    def for_group(self, slug: str, names: set[str]) -> GroupMetadata | None:
        """Return the entry with slug ``slug``, or else the first whose name is in ``names``."""
        for entry in self.entries:
            if entry.slug == slug:
                return entry
        for entry in self.entries:
            if entry.name in names:
                return entry
        return None


def load_group_metadata(path: Path) -> GroupDirectory:
    """Read the group metadata file at ``path``; an absent file gives an empty directory."""
    if not path.is_file():
        return GroupDirectory(path=path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{where}: invalid YAML: {error.problem}") from error
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: cannot read the group metadata file: {error}") from error

    if document is None:
        return GroupDirectory(path=path)
    if isinstance(document, dict) and set(document) == {"groups"}:
        document = document["groups"] or []
    if not isinstance(document, list):
        raise ConfigError(f"{path}: expected a top-level key 'groups' holding a list of groups")

    entries = tuple(_entry(path, index, item) for index, item in enumerate(document, 1))
    _check_unique(path, entries)
    return GroupDirectory(entries=entries, path=path)


def _entry(path: Path, index: int, item: Any) -> GroupMetadata:
    where = f"{path}: group {index}"
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected a mapping of keys such as name, cohort, exports")
    unknown = sorted(set(item) - _KEYS)
    if unknown:
        allowed = ", ".join(sorted(_KEYS))
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {allowed}")
    name = _text(where, item, "name")
    if name is None:
        raise ConfigError(f"{where}: 'name' is missing")
    where = f"{path}: group {name!r}"

    slug = _text(where, item, "slug")
    if slug is not None and not SLUG_PATTERN.match(slug):
        raise ConfigError(
            f"{where}: slug {slug!r} is invalid; use lowercase letters, digits and single hyphens"
        )
    timezone = _text(where, item, "timezone")
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ConfigError(f"{where}: unknown time zone {timezone!r}") from error

    return GroupMetadata(
        name=name,
        slug=slug,
        exports=_texts(where, item, "exports"),
        cohort=_text(where, item, "cohort"),
        programme=_text(where, item, "programme"),
        advisor=_text(where, item, "advisor"),
        facilitators=_texts(where, item, "facilitators"),
        timezone=timezone,
        start_date=_date(where, item.get("start_date")),
        aliases=_aliases(where, item.get("aliases")),
    )


def _text(where: str, item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ConfigError(f"{where}: '{key}' must be text, not {type(value).__name__}")
    return str(value)


def _texts(where: str, item: dict[str, Any], key: str) -> tuple[str, ...]:
    value = item.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        raise ConfigError(f"{where}: '{key}' must be a list of text")
    return tuple(value)


def _date(where: str, value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise ConfigError(f"{where}: start_date {value!r} is not a date (YYYY-MM-DD)") from error


def _aliases(where: str, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: 'aliases' must map a canonical name to its other names")
    aliases: dict[str, str] = {}
    for canonical, others in value.items():
        names = [others] if isinstance(others, str) else others
        if not isinstance(canonical, str) or not isinstance(names, list):
            raise ConfigError(f"{where}: aliases of {canonical!r} must be a list of names")
        for alias in names:
            if not isinstance(alias, str):
                raise ConfigError(f"{where}: alias {alias!r} of {canonical!r} must be text")
            if aliases.get(alias, canonical) != canonical:
                raise ConfigError(
                    f"{where}: alias {alias!r} is listed for both {aliases[alias]!r} "
                    f"and {canonical!r}"
                )
            if alias != canonical:
                aliases[alias] = canonical
    return aliases


def _check_unique(path: Path, entries: tuple[GroupMetadata, ...]) -> None:
    for attribute in ("name", "slug"):
        seen: set[str] = set()
        for entry in entries:
            value = getattr(entry, attribute)
            if value is None:
                continue
            if value in seen:
                raise ConfigError(f"{path}: two groups have the {attribute} {value!r}")
            seen.add(value)
