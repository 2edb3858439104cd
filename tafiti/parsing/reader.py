"""Turn the bytes of an export file (.txt or .zip) into text, enforcing the size limits.

Nothing is extracted to disk: a zip export is read from memory, only its chat
text is decompressed, and that in chunks so that a decompression bomb is
stopped by ``max_export_bytes`` while it inflates.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

from tafiti.config import Settings
from tafiti.errors import (
    BinaryExportError,
    EmptyExportError,
    ExportTooLargeError,
    UnsupportedEncodingError,
    ZipExportError,
)

log = logging.getLogger(__name__)

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_CHUNK_BYTES = 1024 * 1024

# Control characters that never appear in chat text; tab, line ends and form feed do.
_CONTROL_BYTES = bytes(set(range(32)) - {9, 10, 12, 13}) + b"\x7f"
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")

# Chat text members: "_chat.txt" (iOS) or "WhatsApp Chat with X.txt" and its translations.
_CHAT_MEMBER = re.compile(r"(?:^|/)(?:_chat\.txt|[^/]*whatsapp[^/]*\.txt)$", re.IGNORECASE)


@dataclass(slots=True)
class ExportText:
    """The decoded chat text of one export and what its container revealed."""

    text: str
    encoding: str
    container: str
    """``"text"`` or ``"zip"``."""
    member: str | None = None
    """Name of the chat text inside a zip export."""
    media_files: tuple[str, ...] = ()
    """Names of the other files in a zip export (the attached media)."""


def read_export(data: bytes, filename: str, settings: Settings) -> ExportText:
    """Decode one export file's bytes, unpacking a zip export in memory.

    Raises an :class:`~tafiti.errors.ExportError` subclass naming ``filename``
    when the content is empty, binary, in an unsupported encoding, a broken or
    unsafe zip, or larger than the configured limits.
    """
    _check_size(len(data), filename, settings, "file")
    if not data:
        raise EmptyExportError("the file is empty", filename=filename)

    if data.startswith(_ZIP_MAGIC):
        return _read_zip(data, filename, settings)

    text, encoding = decode_text(data, filename)
    return ExportText(text=text, encoding=encoding, container="text")


def decode_text(data: bytes, filename: str) -> tuple[str, str]:
    """Decode chat text: UTF-8 with or without byte order mark, UTF-16 or UTF-32 with one.

    Returns the text without the byte order mark and the name of the encoding.
    """
    encoding = _bom_encoding(data)
    if encoding is None:
        _reject_binary(data, filename)
        encoding = "utf-8"

    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        if encoding == "utf-8" and _looks_binary(data):
            raise BinaryExportError(
                "the file is not text (it contains binary data)", filename=filename
            ) from None
        raise UnsupportedEncodingError(
            f"the text is not valid {encoding.upper().replace('-SIG', '')}: byte "
            f"0x{data[error.start]:02x} at offset {error.start} cannot be decoded. "
            "WhatsApp writes UTF-8; re-export the chat or convert the file to UTF-8",
            filename=filename,
        ) from None

    if text.startswith("\ufeff"):
        text = text[1:]
    if not text or text.isspace():
        raise EmptyExportError("the file contains only white space", filename=filename)
    # A UTF-8 file without a byte order mark was checked for NUL bytes above.
    nul = encoding != "utf-8" and "\x00" in text
    if nul or len(_CONTROL_CHARS.findall(text, 0, 8192)) > 16:
        raise BinaryExportError("the file is not text (it contains binary data)", filename=filename)
    return text, encoding.replace("-sig", "")


def _bom_encoding(data: bytes) -> str | None:
    # UTF-32's little-endian mark begins with UTF-16's, so test it first.
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _reject_binary(data: bytes, filename: str) -> None:
    """Raise for NUL bytes, telling UTF-16 without byte order mark apart from binary data."""
    head = data[:4096]
    if b"\x00" not in head and b"\x00" not in data:
        return
    even_zeros = head[0::2].count(0)
    odd_zeros = head[1::2].count(0)
    half = len(head) // 2
    if half and max(even_zeros, odd_zeros) > 0.4 * half and min(even_zeros, odd_zeros) == 0:
        raise UnsupportedEncodingError(
            "the text looks like UTF-16 without a byte order mark, which cannot be "
            "told apart reliably; re-export the chat or convert the file to UTF-8",
            filename=filename,
        )
    raise BinaryExportError("the file is not text (it contains NUL bytes)", filename=filename)


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    controls = sum(head.count(byte) for byte in _CONTROL_BYTES)
    return controls > len(head) * 0.01


def _check_size(size: int, filename: str, settings: Settings, content: str) -> None:
    if size > settings.max_export_bytes:
        raise ExportTooLargeError(
            f"the {content} exceeds the size limit of {settings.max_export_bytes:,} bytes "
            "(setting TAFITI_MAX_EXPORT_BYTES)",
            filename=filename,
        )


def _read_zip(data: bytes, filename: str, settings: Settings) -> ExportText:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise ZipExportError(f"not a readable zip archive ({error})", filename=filename) from None

    if len(members) > settings.max_zip_members:
        raise ExportTooLargeError(
            f"the zip archive has {len(members):,} entries, more than the limit of "
            f"{settings.max_zip_members:,} (setting TAFITI_MAX_ZIP_MEMBERS)",
            filename=filename,
        )
    for member in members:
        _check_member_path(member.filename, filename)

    chat = _choose_chat_member(members, filename)
    raw = _inflate(archive, chat, filename, settings)
    where = f"{filename} [{chat.filename}]"
    if not raw:
        raise EmptyExportError("the chat text in the zip archive is empty", filename=where)
    text, encoding = decode_text(raw, where)

    media = tuple(
        PurePosixPath(m.filename).name
        for m in members
        if m is not chat and not m.is_dir() and not _is_resource_fork(m.filename)
    )
    return ExportText(
        text=text, encoding=encoding, container="zip", member=chat.filename, media_files=media
    )


def _check_member_path(name: str, filename: str) -> None:
    path = name.replace("\\", "/")
    parts = path.split("/")
    unsafe = (
        path.startswith("/")
        or re.match(r"^[A-Za-z]:", path) is not None
        or ".." in parts
        or "\x00" in path
    )
    if unsafe:
        raise ZipExportError(
            f"the zip archive contains an unsafe entry path {name!r} "
            "(absolute or leaving the archive with '..'); it was not read",
            filename=filename,
        )


def _is_resource_fork(name: str) -> bool:
    return name.startswith("__MACOSX/") or PurePosixPath(name).name.startswith("._")


def _choose_chat_member(members: list[zipfile.ZipInfo], filename: str) -> zipfile.ZipInfo:
    texts = [
        m
        for m in members
        if not m.is_dir()
        and m.filename.lower().endswith(".txt")
        and not _is_resource_fork(m.filename)
    ]
    if not texts:
        raise ZipExportError(
            f"the zip archive contains no chat text (.txt file); entries: {_list_names(members)}",
            filename=filename,
        )
    if len(texts) == 1:
        return texts[0]

    # A with-media export can hold a .txt document someone shared, so prefer the
    # one member named like a chat export.
    named = [m for m in texts if _CHAT_MEMBER.search(m.filename)]
    if len(named) == 1:
        return named[0]
    raise ZipExportError(
        f"the zip archive contains {len(texts)} text files and it is unclear which one "
        f"is the chat: {_list_names(named or texts)}; export one chat per zip file",
        filename=filename,
    )


def _list_names(members: list[zipfile.ZipInfo], limit: int = 5) -> str:
    names = [repr(m.filename) for m in members[:limit]]
    if len(members) > limit:
        names.append(f"and {len(members) - limit} more")
    return ", ".join(names) if names else "none"


def _inflate(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, filename: str, settings: Settings
) -> bytes:
    """Decompress one member in chunks, stopping as soon as it passes the size limit.

    The size the zip headers declare is checked first. zipfile never inflates
    more than that declared size (a member that would is reported as corrupt),
    and the running total below is checked against the limit as well.
    """
    where = f"{filename} [{member.filename}]"
    _check_size(member.file_size, where, settings, "chat text in the zip archive")

    limit = settings.max_export_bytes
    chunks: list[bytes] = []
    total = 0
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK_BYTES):
                total += len(chunk)
                if total > limit:
                    _check_size(total, where, settings, "chat text in the zip archive")
                chunks.append(chunk)
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        NotImplementedError,
        RuntimeError,
    ) as error:
        raise ZipExportError(
            f"the chat text {member.filename!r} in the zip archive cannot be read ({error})",
            filename=filename,
        ) from None
    return b"".join(chunks)
