"""WhatsApp export parsing: bytes of a .txt or .zip export to typed records.

Entry points: :func:`parse_bytes` and :func:`parse_file` read an export file
(detecting zip or text by content, decoding, enforcing the size limits);
:func:`parse_text` parses text that is already decoded. :func:`parsed_to_json`
gives the JSON contract, :func:`summarize` a readable summary, and
:func:`media_folded_text` the text used for message identity.
"""

from __future__ import annotations

from pathlib import Path

from tafiti.config import Settings, get_settings
from tafiti.errors import ExportTooLargeError
from tafiti.parsing.output import (
    MEDIA_TOKEN,
    media_folded_text,
    parsed_to_json,
    parsed_to_json_text,
    summarize,
)
from tafiti.parsing.parser import parse_export_text
from tafiti.parsing.reader import read_export
from tafiti.parsing.records import DateOrder, ParsedExport, ParseWarning, Record, RecordKind

__all__ = [
    "MEDIA_TOKEN",
    "DateOrder",
    "ParsedExport",
    "ParseWarning",
    "Record",
    "RecordKind",
    "media_folded_text",
    "parse_bytes",
    "parse_file",
    "parse_text",
    "parsed_to_json",
    "parsed_to_json_text",
    "summarize",
]


def parse_bytes(
    data: bytes,
    filename: str,
    *,
    default_date_order: str | None = None,
    settings: Settings | None = None,
) -> ParsedExport:
    """Parse the bytes of one export file (.txt or .zip, detected from the content).

    ``filename`` names the file in errors and may reveal the chat's name.
    ``default_date_order`` is used when the file itself does not decide the date
    order; without it the ``date_order`` setting is.
    """
    settings = settings or get_settings()
    export = read_export(data, filename, settings)
    order, source = _default_order(default_date_order, settings)
    names = tuple(n for n in (export.member, filename) if n)
    parsed = parse_export_text(
        export.text,
        filename,
        default_date_order=order,
        default_source=source,
        max_message_chars=settings.max_message_chars,
        names=names,
        media_files=export.media_files,
    )
    parsed.encoding = export.encoding
    parsed.container = export.container
    return parsed


def parse_file(
    path: str | Path,
    *,
    default_date_order: str | None = None,
    settings: Settings | None = None,
) -> ParsedExport:
    """Read and parse one export file; errors name the file by its path."""
    settings = settings or get_settings()
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > settings.max_export_bytes:
            raise ExportTooLargeError(
                f"the file has {size:,} bytes, more than the limit of "
                f"{settings.max_export_bytes:,} (setting TAFITI_MAX_EXPORT_BYTES)",
                filename=str(path),
            )
        data = path.read_bytes()
    except OSError as error:
        from tafiti.errors import ExportError

        raise ExportError(f"cannot read the file: {error.strerror}", filename=str(path)) from None
    return parse_bytes(data, str(path), default_date_order=default_date_order, settings=settings)


def parse_text(text: str, filename: str, *, default_date_order: str | None = None) -> ParsedExport:
    """Parse export text that is already decoded."""
    settings = get_settings()
    order, source = _default_order(default_date_order, settings)
    return parse_export_text(
        text,
        filename,
        default_date_order=order,
        default_source=source,
        max_message_chars=settings.max_message_chars,
        names=(filename,),
    )


def _default_order(default_date_order: str | None, settings: Settings) -> tuple[str, str]:
    if default_date_order is not None:
        if default_date_order not in ("DMY", "MDY", "YMD"):
            from tafiti.errors import ConfigError

            raise ConfigError(
                f"invalid date order {default_date_order!r}; expected DMY, MDY or YMD"
            )
        return default_date_order, "date order given for this file"
    return settings.date_order, "setting TAFITI_DATE_ORDER"
