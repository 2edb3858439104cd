"""Exports in a folder on this machine (and its subfolders)."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tafiti.errors import ExportTooLargeError, SourceError
from tafiti.sources.base import EXPORT_SUFFIXES, Source, SourceFile

if TYPE_CHECKING:
    from tafiti.config import Settings

log = logging.getLogger(__name__)

_CHUNK = 1024 * 1024


class LocalFolderSource(Source):
    """A local folder; each ``.txt`` or ``.zip`` file under it is one export."""

    scheme = "file"

    def __init__(self, root: Path, max_export_bytes: int | None = None):
        self.root = root
        self.max_export_bytes = max_export_bytes

    @classmethod
    def from_url(cls, url: str, settings: Settings | None = None) -> LocalFolderSource:
        path = url.removeprefix("file://")
        return cls(Path(path), settings.max_export_bytes if settings is not None else None)

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
            try:
                stat = path.stat()
                checksum = _md5_of(path)
            except FileNotFoundError:
                log.info("%s: removed while the source was listed; not synced", path)
                continue
            except OSError as error:
                # Listed with an empty checksum, which matches no import, so the
                # sync fetches the file and records the read error in its row.
                log.debug("%s: cannot read export: %s", path, error.strerror)
                files.append(SourceFile(self.url, _key(self.root, path), path.name, None, None, ""))
                continue
            files.append(
                SourceFile(
                    source=self.url,
                    key=_key(self.root, path),
                    name=path.name,
                    size=stat.st_size,
                    modified=datetime.fromtimestamp(stat.st_mtime, tz=UTC),
                    checksum=checksum,
                )
            )
        return files

    def fetch(self, file: SourceFile) -> bytes:
        """Read ``file`` whole; raise :class:`SourceError` if it changed since it was listed.

        Importing changed bytes under the listed checksum would mark content as
        imported that never was, so the file fails this sync and the next imports it.
        """
        path = self.root / file.key
        # Checked before reading, so a file of gigabytes is rejected without loading it.
        limit = self.max_export_bytes
        if limit is not None and file.size is not None and file.size > limit:
            raise ExportTooLargeError(
                f"the file has {file.size:,} bytes, more than the size limit of {limit:,} "
                "bytes (setting TAFITI_MAX_EXPORT_BYTES)",
                filename=file.name,
            )
        try:
            data = path.read_bytes()
        except OSError as error:
            raise SourceError(f"{path}: cannot read export: {error.strerror}") from error
        if hashlib.md5(data, usedforsecurity=False).hexdigest() != file.checksum:
            raise SourceError(
                f"{path}: the file changed after the sync listed it, so the next sync imports it"
            )
        return data


def _key(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
