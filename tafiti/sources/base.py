"""The source interface and the registry that maps a URL scheme to a source class."""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from tafiti.errors import ConfigError

if TYPE_CHECKING:
    from tafiti.config import Settings

EXPORT_SUFFIXES = (".txt", ".zip")


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One export file as the source lists it.

    ``key`` is stable within the source (a relative path, a Drive file id) and
    ``checksum`` is the MD5 hex digest of the content, so the sync can tell an
    unchanged file without fetching or parsing it.
    """

    source: str
    key: str
    name: str
    size: int | None
    modified: datetime | None
    checksum: str


class Source(ABC):
    """A place that contains WhatsApp export files."""

    scheme: ClassVar[str]

    @property
    @abstractmethod
    def url(self) -> str:
        """The URL this source was opened from, stored with every export file row."""

    @abstractmethod
    def list_files(self) -> list[SourceFile]:
        """List the export files (``.txt`` and ``.zip``) the source contains now."""

    @abstractmethod
    def fetch(self, file: SourceFile) -> bytes:
        """Return the whole content of ``file``; raise :class:`SourceError` if it fails."""


_REGISTRY: dict[str, str | Callable[[str, Settings], Source]] = {
    "gdrive": "tafiti.sources.gdrive:DriveSource.from_url",
}


def register_source(scheme: str, factory: Callable[[str, Settings], Source]) -> None:
    """Make ``open_source`` use ``factory(url, settings)`` for URLs of ``scheme``."""
    _REGISTRY[scheme] = factory


def open_source(url: str, settings: Settings | None = None) -> Source:
    """Open the source that ``url`` names: ``gdrive://<id>``, ``file://<path>`` or a plain path."""
    from tafiti.config import get_settings
    from tafiti.sources.local import LocalFolderSource

    settings = settings or get_settings()
    scheme, sep, _ = url.partition("://")
    if not sep or scheme == "file":
        return LocalFolderSource.from_url(url, settings)

    factory = _REGISTRY.get(scheme)
    if factory is None:
        known = ", ".join(sorted([*_REGISTRY, "file"]))
        raise ConfigError(f"TAFITI_SOURCE={url!r}: unknown scheme {scheme!r}; use one of {known}")
    if isinstance(factory, str):
        module_name, _, attribute = factory.partition(":")
        target: object = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
        factory = target  # type: ignore[assignment]
    return factory(url, settings)  # type: ignore[operator]
