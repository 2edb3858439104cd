"""Errors raised by tafiti.

Every error a user can cause derives from :class:`TafitiError`, and its message
names the file, line or setting concerned::

    TafitiError
    ├── ExportError             a file could not be read as a WhatsApp export
    │   ├── NotAChatError        text, but no line reads as a message header
    │   ├── EmptyExportError     the file has no content
    │   ├── BinaryExportError    the bytes are not text
    │   ├── UnsupportedEncodingError
    │   ├── ZipExportError       broken zip, no chat text, several, unsafe entry paths
    │   └── ExportTooLargeError  content over a size limit (checked while reading)
    ├── SourceError             the export source cannot be listed or fetched
    │   └── CredentialsError     Drive credentials missing, invalid or expired
    ├── StoreError              the database rejected or lost a write
    ├── ConfigError             a setting has an invalid value
    └── PublishError            a report failed to render
"""

from __future__ import annotations


class TafitiError(Exception):
    """Base class of every error tafiti raises on purpose."""


class ExportError(TafitiError):
    """A file could not be read as a WhatsApp chat export."""

    def __init__(self, message: str, *, filename: str | None = None, line: int | None = None):
        self.filename = filename
        self.line = line
        where = ""
        if filename is not None:
            where = f"{filename}"
            if line is not None:
                where += f", line {line}"
            where += ": "
        super().__init__(f"{where}{message}")


class NotAChatError(ExportError):
    """The file is text, but no line reads as a WhatsApp message header."""


class EmptyExportError(ExportError):
    """The file has no content."""


class BinaryExportError(ExportError):
    """The file's bytes are not text."""


class UnsupportedEncodingError(ExportError):
    """The text is in an encoding tafiti does not read."""


class ZipExportError(ExportError):
    """A zip export is broken, has no chat text, has several, or has unsafe entry paths."""


class ExportTooLargeError(ExportError):
    """The export's content exceeds a configured size limit."""


class SourceError(TafitiError):
    """The export source could not be listed or a file could not be fetched."""


class CredentialsError(SourceError):
    """Google Drive credentials are missing, invalid or expired."""


class StoreError(TafitiError):
    """The database rejected or lost a write."""


class ConfigError(TafitiError):
    """A setting has an invalid value."""


class PublishError(TafitiError):
    """A report failed to render."""
