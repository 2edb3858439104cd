"""Parse one export with one tool, in a process of its own, and write what it found as JSON.

The parse benchmark runs this module once per tool and file, and times the whole
process (interpreter start, imports, reading and parsing) from outside::

    python -m benchmarks.parse_worker TOOL EXPORT RESULT.json [--hformat FORMAT]

``TOOL`` is ``tafiti``, ``whatstk`` or ``chat-miner``. Each tool is called the way
its documentation shows a user calling it, and its result is built completely
(a list of records for tafiti, a DataFrame for the other two). The JSON result
contains the number of messages the tool returned, and the seconds spent importing
the tool and parsing, each measured inside the process.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

Parse = Callable[[Path, str | None], dict[str, int]]


def load_tafiti() -> Parse:
    """Import tafiti's parser; its messages are every record that is not an event."""
    from tafiti.parsing import parse_file

    def parse(path: Path, hformat: str | None) -> dict[str, int]:
        parsed = parse_file(path)
        events = sum(1 for record in parsed.records if record.kind == "event")
        return {"messages": len(parsed.records) - events, "events": events}

    return parse


def load_whatstk() -> Parse:
    """Import whatstk; it parses with the header format given and its size limit off."""
    from whatstk import df_from_whatsapp

    def parse(path: Path, hformat: str | None) -> dict[str, int]:
        if hformat is None:
            raise SystemExit("whatstk needs --hformat: the benchmark gives the format")
        frame = df_from_whatsapp(str(path), hformat=hformat, max_size=None)
        return {"messages": len(frame)}

    return parse


def load_chat_miner() -> Parse:
    """Import chat-miner's WhatsApp parser; it parses into its (polars) DataFrame."""
    from chatminer.chatparsers import WhatsAppParser

    def parse(path: Path, hformat: str | None) -> dict[str, int]:
        parser = WhatsAppParser(str(path))
        parser.parse_file()
        frame = parser.parsed_messages.get_df()
        return {"messages": len(frame)}

    return parse


LOADERS: dict[str, Callable[[], Parse]] = {
    "tafiti": load_tafiti,
    "whatstk": load_whatstk,
    "chat-miner": load_chat_miner,
}


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("tool", choices=sorted(LOADERS))
    arguments.add_argument("export", type=Path)
    arguments.add_argument("result", type=Path)
    arguments.add_argument("--hformat", help="whatstk's header format of the export")
    options = arguments.parse_args()

    started = time.perf_counter()
    parse = LOADERS[options.tool]()
    imported = time.perf_counter()
    counts = parse(options.export, options.hformat)
    parsed = time.perf_counter()

    result = {
        "tool": options.tool,
        "import_seconds": imported - started,
        "parse_seconds": parsed - imported,
        **counts,
    }
    options.result.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
