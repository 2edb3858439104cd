"""Writing simulated histories as export files (text or zip) with their manifest.

One pass over a group's simulated history writes any number of exports of it
at once. Each export is a window of the history given by message numbers. So
overlapping exports cost one simulation and never hold the history in memory,
whether a later export repeats an earlier one's history or phones that joined
at different times export different stretches.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from tafiti.generate.formats import ExportFormat, Item
from tafiti.generate.manifest import Tally
from tafiti.generate.simulate import GroupSpec, exporter_name, simulate

log = logging.getLogger(__name__)

# An 8x8 orange JPEG: the photo every generated zip export carries.
_PHOTO = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERX"
    "RTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2Nj"
    "Y2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAIAAgDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAEC"
    "AwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2Jy"
    "ggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWW"
    "l5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEA"
    "AwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMi"
    "MoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0"
    "dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn"
    "6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwCaiiivFPZP/9k="
)


def media_bytes(file_name: str) -> bytes:
    """Return small stand-in content for a media file, recognisable by its type."""
    if file_name.endswith(".jpg"):
        return _PHOTO
    if file_name.endswith(".opus"):
        return b"OggS\x00\x02" + b"\x00" * 20 + b"OpusHead generated voice note"
    if file_name.endswith(".webp"):
        return b"RIFF\x1c\x00\x00\x00WEBPVP8 generated sticker"
    return b"\x00\x00\x00\x18ftypmp42 generated video"


@dataclass
class Window:
    """One export of a group: the messages numbered ``first`` to ``last`` (inclusive).

    Events between two messages of the window belong to it, as do events before
    its first message that come after the previous window start's message.
    ``zipped`` writes a zip (chat text plus the attached media files).
    """

    path: Path
    first: int
    last: int
    zipped: bool = False
    tally: Tally = field(default_factory=Tally)
    group_name: str = ""
    _out: IO[str] | None = None
    _zip: zipfile.ZipFile | None = None
    _raw: IO[bytes] | None = None
    _buffer: list[str] = field(default_factory=list)
    _attachments: list[str] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self._out is not None

    def covers(self, item: Item) -> bool:
        if item.kind == "event":
            return self.first - 1 <= item.number < self.last
        return self.first <= item.number <= self.last

    def open(self, fmt: ExportFormat, first_time: datetime) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.zipped:
            self._out = open(self.path, "w", encoding="utf-8", newline="")
            return
        self._zip = zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo(fmt.chat_file_name(self.group_name), _zip_time(first_time))
        info.compress_type = zipfile.ZIP_DEFLATED
        self._raw = self._zip.open(info, "w")
        self._out = io.TextIOWrapper(self._raw, encoding="utf-8", newline="")

    def write(self, text: str) -> None:
        self._buffer.append(text)
        if len(self._buffer) >= 2000:
            self.flush()

    def attach(self, file_name: str) -> None:
        self._attachments.append(file_name)

    def flush(self) -> None:
        if self._out is not None and self._buffer:
            self._out.write("\n".join(self._buffer) + "\n")
        self._buffer.clear()

    def close(self, last_time: datetime | None) -> None:
        if self._out is None:
            return
        self.flush()
        self._out.close()
        if self._zip is not None:
            moment = _zip_time(last_time) if last_time else (1980, 1, 1, 0, 0, 0)
            for name in self._attachments:
                info = zipfile.ZipInfo(name, moment)
                info.compress_type = zipfile.ZIP_DEFLATED
                self._zip.writestr(info, media_bytes(name))
            self._zip.close()

    @property
    def attachments(self) -> list[str]:
        return list(self._attachments)


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


def write_windows(spec: GroupSpec, seed: int, fmt: ExportFormat, windows: list[Window]) -> Tally:
    """Simulate ``spec`` once, write every window of it and return the union's tally.

    iOS exports write the group's name as the author of system lines, and a
    phone shows the name the group has when it exports, so for iOS with
    renames a first pass finds each window's name at its end.
    """
    exporter = exporter_name(spec, seed)
    names = _window_names(spec, seed, windows)
    union_end = max(window.last for window in windows)
    for window, name in zip(windows, names, strict=True):
        window.group_name = name
        window.tally = Tally(spec.name)
    # A single export is its own union: count it once.
    union = windows[0].tally if len(windows) == 1 else Tally(spec.name)

    last_time: datetime | None = None
    for item in simulate(spec, seed):
        if item.number > union_end or (item.kind == "event" and item.number >= union_end):
            break
        written = fmt.written_time(item.timestamp)
        covering = [window for window in windows if window.covers(item)]
        if not covering:
            continue
        if union is not covering[0].tally:
            union.add(item, written)
        line = None
        for window in covering:
            if not window.is_open:
                window.open(fmt, written)
            if line is None or (item.kind == "event" and fmt.platform == "ios"):
                line = fmt.render(item, group_name=window.group_name, exporter=exporter)
            window.write(line)
            window.tally.add(item, written)
            if item.attach and window.zipped:
                window.attach(fmt.attachment_name(item))
        last_time = written

    for window in windows:
        window.close(window.tally.last_record or last_time)
    return union


def _window_names(spec: GroupSpec, seed: int, windows: list[Window]) -> list[str]:
    """Return the group's name at the end of each window (an extra pass if renamed)."""
    if not spec.renames:
        return [spec.name for _ in windows]
    renames: list[tuple[int, str]] = []
    for item in simulate(spec, seed):
        if item.event == "subject_changed" and item.new_name:
            renames.append((item.number, item.new_name))
    names = []
    for window in windows:
        name = spec.name
        for number, new_name in renames:
            if number < window.last:
                name = new_name
        names.append(name)
    return names


def write_manifest(manifest: dict[str, Any], path: Path) -> None:
    """Write ``manifest`` as indented UTF-8 JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(manifest, ensure_ascii=False, indent=1)
    path.write_text(text + "\n", encoding="utf-8")
