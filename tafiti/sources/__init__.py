"""Where exports come from: small classes behind one interface, found by the scheme of a URL.

``open_source("data/exports")`` gives a :class:`LocalFolderSource`;
``open_source("gdrive://<folder id>")`` gives the Google Drive source.
"""

from __future__ import annotations

from tafiti.sources.base import Source, SourceFile, open_source, register_source
from tafiti.sources.local import LocalFolderSource

__all__ = ["LocalFolderSource", "Source", "SourceFile", "open_source", "register_source"]
