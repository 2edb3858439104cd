"""Exports in a folder on this machine (and its subfolders)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tafiti.errors import SourceError
from tafiti.sources.base import EXPORT_SUFFIXES, Source, SourceFile

if TYPE_CHECKING:
    from tafiti.config import Settings

_CHUNK = 1024 * 1024


class LocalFolderSource(Source):
    """A local folder; each ``.txt`` or ``.zip`` file under it is one export."""

    scheme = "file"

    def __init__(self, root: Path):
        self.root = root

    @classmethod
    def from_url(cls, url: str, settings: Settings | None = None) -> LocalFolderSource:
        path = url.removeprefix("file://")
        return cls(Path(path))

    @property
    def url(self) -> str:
        return str(self.root)

    def list_files(self) -> list[SourceFile]:
        if not self.root.is_dir():
            raise SourceError(f"export folder not found: {self.root} (set TAFITI_SOURCE)")
        files = []
        for path in sorted(self.root.rglob("*")):
            if not path.is_file() or path.suffix.lower() not in EXPORT_SUFFIXES:
                continue
            if any(part.startswith(".") for part in path.relative_to(self.root).parts):
                continue
            stat = path.stat()
            files.append(
                SourceFile(
                    source=self.url,
                    key=path.relative_to(self.root).as_posix(),
                    name=path.name,
                    size=stat.st_size,
                    modified=datetime.fromtimestamp(stat.st_mtime, tz=UTC),
                    checksum=_md5_of(path),
                )
            )
        return files

    def fetch(self, file: SourceFile) -> bytes:
        path = self.root / file.key
        try:
            return path.read_bytes()
        except OSError as error:
            raise SourceError(f"{path}: cannot read export: {error.strerror}") from error


def _md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
