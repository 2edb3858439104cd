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
from tafiti.errors import ConfigError, ExportError, ExportTooLargeError
from tafiti.parsing.output import (
    MEDIA_TOKEN,
    media_folded_text,
    parsed_to_json,
    parsed_to_json_text,
    summarize,
)
from tafiti.parsing.parser import parse_export_text
from tafiti.parsing.reader import ExportText, read_export
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
    return _parse_export(
        read_export(data, filename, settings), filename, default_date_order, settings
    )


def parse_file(
    path: str | Path,
    *,
    default_date_order: str | None = None,
    settings: Settings | None = None,
) -> ParsedExport:
    """Read and parse one export file; errors name the file by its path."""
    settings = settings or get_settings()
    path = Path(path)
    filename = str(path)
    try:
        size = path.stat().st_size
        if size > settings.max_export_bytes:
            raise ExportTooLargeError(
                f"the file has {size:,} bytes, more than the limit of "
                f"{settings.max_export_bytes:,} (setting TAFITI_MAX_EXPORT_BYTES)",
                filename=filename,
            )
        # The bytes are a temporary, freed once decoded, to keep peak memory down.
        export = read_export(path.read_bytes(), filename, settings)
    except OSError as error:
        raise ExportError(f"cannot read the file: {error.strerror}", filename=filename) from None
    return _parse_export(export, filename, default_date_order, settings)


def _parse_export(
    export: ExportText, filename: str, default_date_order: str | None, settings: Settings
) -> ParsedExport:
    order, source = _default_order(default_date_order, settings)
    names = tuple(n for n in (export.member, filename) if n)
    parsed = parse_export_text(
        export,
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
            raise ConfigError(
                f"invalid date order {default_date_order!r}; expected DMY, MDY or YMD"
            )
        return default_date_order, "date order given for this file"
    return settings.date_order, "setting TAFITI_DATE_ORDER"
