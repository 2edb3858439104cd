"""Sentry reporting: one tagged event per failure, and no chat content in it.

A small HTTP server on 127.0.0.1 acts as Sentry's ingest endpoint. It
handles a bounded number of requests for a bounded time, decompresses each
envelope (gzip or brotli, as Content-Encoding says) and keeps its items.
"""

from __future__ import annotations

import contextvars
import gzip
import json
import logging
import os
import queue
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import sentry_sdk

from tafiti.config import configure
from tafiti.errors import ExportError
from tafiti.monitoring import REMOVED, init_sentry, report_failure, scrub_breadcrumb

# A chat that fails to import: what it contains must never reach Sentry.
NAMES = ["Wanjiru Kamau", "Baraka Otieno", "Fatuma Njeri"]
PHONE_NUMBERS = ["+254 712 345 678", "+254 733 909 112"]
BODIES = [
    "Habari za asubuhi, tutaanza saa tatu kamili",
    "Nitachelewa kidogo, niko kwa matatu",
    "Mauzo ya leo ni shilingi elfu mbili",
]
CHAT = (
    f"12/03/2024, 09:15 - {NAMES[0]}: {BODIES[0]}\n"
    f"12/03/2024, 09:17 - {PHONE_NUMBERS[0]}: {BODIES[1]}\n"
    f"12/03/2024, 09:20 - {NAMES[1]} added {NAMES[2]} ({PHONE_NUMBERS[1]})\n"
    f"12/03/2024, 09:21 - {NAMES[2]}: {BODIES[2]}\n"
)
EXPORT_FILE = "WhatsApp Chat with Duka Bora C5.txt"

MAX_REQUESTS = 50
# `tafiti sync` starts a temporary Prefect server first, which takes minutes on a busy machine.
SERVER_SECONDS = 600


class IngestServer:
    """Sentry's envelope endpoint on 127.0.0.1, collecting the envelopes it receives."""

    def __init__(self) -> None:
        self.envelopes: queue.Queue[list[tuple[dict[str, Any], bytes]]] = queue.Queue()
        self.raw_bodies: list[bytes] = []
        self.paths: list[str] = []
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = _decompress(body, self.headers.get("Content-Encoding", ""))
                server.paths.append(self.path)
                server.raw_bodies.append(body)
                server.envelopes.put(_parse_envelope(body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._http = HTTPServer(("127.0.0.1", 0), Handler)
        self._http.timeout = 0.2
        self.port = self._http.server_address[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.port}/1"

    def _serve(self) -> None:
        deadline = time.monotonic() + SERVER_SECONDS
        handled = 0
        while not self._stop.is_set() and handled < MAX_REQUESTS and time.monotonic() < deadline:
            before = len(self.paths)
            self._http.handle_request()
            handled += len(self.paths) - before

    def __enter__(self) -> IngestServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._http.server_close()

    def events(self, timeout: float = 20) -> list[dict[str, Any]]:
        """Every event item received, waiting up to ``timeout`` seconds for the first."""
        events: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                items = self.envelopes.get(timeout=0.2)
            except queue.Empty:
                if events:
                    break
                continue
            for header, payload in items:
                if header.get("type") == "event":
                    events.append(json.loads(payload))
        return events


def _decompress(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "br":
        import brotli

        return brotli.decompress(body)
    assert encoding in ("", "identity"), f"unexpected Content-Encoding {encoding!r}"
    return body


def _parse_envelope(body: bytes) -> list[tuple[dict[str, Any], bytes]]:
    """Split a Sentry envelope into (item header, payload) pairs."""
    _envelope_header, _, rest = body.partition(b"\n")
    items = []
    while rest.strip():
        header_line, _, rest = rest.partition(b"\n")
        header = json.loads(header_line)
        if "length" in header:
            payload, rest = rest[: header["length"]], rest[header["length"] :]
            rest = rest.removeprefix(b"\n")
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append((header, payload))
    return items


def _chat_fragments() -> list[str]:
    """Every name, name part, phone number (as written and as digits) and message body."""
    fragments = list(NAMES) + list(BODIES) + list(PHONE_NUMBERS)
    fragments += [part for name in NAMES for part in name.split()]
    fragments += ["".join(ch for ch in phone if ch.isdigit()) for phone in PHONE_NUMBERS]
    fragments += [phone.replace(" ", "") for phone in PHONE_NUMBERS]
    return fragments


def _leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [fragment for fragment in _chat_fragments() if fragment.lower() in lowered]


@pytest.fixture()
def ingest() -> Iterator[IngestServer]:
    with IngestServer() as server:
        yield server


@pytest.fixture()
def sentry_on(
    ingest: IngestServer,
    settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> Iterator[None]:
    """Sentry started by init_sentry towards the local ingest server, closed afterwards."""
    caplog.set_level(logging.INFO, logger="tafiti.parsing.test")
    sentry_sdk.get_isolation_scope().clear_breadcrumbs()
    monkeypatch.setenv("SENTRY_DSN", ingest.dsn)
    assert init_sentry(configure(**settings.model_dump(exclude={"sentry_dsn"})))
    yield
    sentry_sdk.get_client().close(timeout=2)
    # An empty DSN, because None would make sentry-sdk read SENTRY_DSN again.
    sentry_sdk.init(dsn="")


def _fail_to_import(chat: str) -> None:
    """Fail the way a parser does on a bad line, with chat text in locals, logs and messages."""
    log = logging.getLogger("tafiti.parsing.test")
    lines = chat.splitlines()
    log.info("reading %s (%d lines)", EXPORT_FILE, len(lines))
    log.warning(f"suspicious line from {NAMES[0]}: {lines[0]}")
    log.info("first author %s wrote %r", NAMES[0], BODIES[0])
    try:
        lines[3].encode("ascii").decode("utf-16")
    except UnicodeError as error:
        raise ExportError(f"cannot read line {lines[3]!r}", filename=EXPORT_FILE, line=4) from error


def test_import_failure_sends_one_tagged_event(ingest: IngestServer, sentry_on: None) -> None:
    try:
        _fail_to_import(CHAT)
    except ExportError as error:
        event_id = report_failure(error, step="sync", export_file=EXPORT_FILE)

    events = ingest.events()

    assert event_id is not None
    assert len(events) == 1
    event = events[0]
    assert event["event_id"] == event_id
    assert event["tags"]["step"] == "sync"
    assert event["tags"]["export_file"] == EXPORT_FILE
    assert "group" not in event["tags"]
    assert ingest.paths == ["/api/1/envelope/"]


def test_import_failure_event_holds_no_chat_content(ingest: IngestServer, sentry_on: None) -> None:
    try:
        _fail_to_import(CHAT)
    except ExportError as error:
        report_failure(error, step="sync", export_file=EXPORT_FILE)

    events = ingest.events()
    raw = b"".join(ingest.raw_bodies).decode("utf-8")
    decoded = json.dumps(events, ensure_ascii=False)

    assert len(events) == 1
    assert _leaks(raw) == []
    assert _leaks(decoded) == []
    exception_values = [value["value"] for value in events[0]["exception"]["values"]]
    assert exception_values[-1] == f"{REMOVED} (line 4)"
    assert all(value.startswith(REMOVED) for value in exception_values)
    frames = [
        frame
        for value in events[0]["exception"]["values"]
        for frame in value["stacktrace"]["frames"]
    ]
    assert frames
    assert not any("vars" in frame for frame in frames)


def test_event_keeps_log_templates_as_breadcrumbs(ingest: IngestServer, sentry_on: None) -> None:
    try:
        _fail_to_import(CHAT)
    except ExportError as error:
        report_failure(error, step="sync", export_file=EXPORT_FILE)

    crumbs = ingest.events()[0]["breadcrumbs"]["values"]
    messages = [
        crumb.get("message") for crumb in crumbs if crumb.get("category") == "tafiti.parsing.test"
    ]

    assert messages == ["reading %s (%d lines)", REMOVED, "first author %s wrote %r"]


def test_render_failure_is_tagged_with_group(ingest: IngestServer, sentry_on: None) -> None:
    error = RuntimeError(f"cell failed while plotting {NAMES[1]}: {BODIES[2]}")

    report_failure(error, step="render", group="duka-bora-c5")
    events = ingest.events()

    assert len(events) == 1
    assert events[0]["tags"] == {"step": "render", "group": "duka-bora-c5"}
    assert _leaks(json.dumps(events, ensure_ascii=False)) == []


def test_report_failure_without_dsn_sends_nothing(settings, monkeypatch) -> None:
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    configure(**settings.model_dump(exclude={"sentry_dsn"}))

    assert report_failure(ValueError("x"), step="sync", export_file="a.txt") is None


def test_report_failure_rejects_unknown_step() -> None:
    with pytest.raises(ValueError, match="unknown step 'parse'"):
        report_failure(ValueError("x"), step="parse")


def test_breadcrumb_phone_numbers_are_masked() -> None:
    crumb = {
        "type": "default",
        "category": "httplib",
        "data": {"url": "http://x/?q=+254 712 345 678"},
    }

    scrubbed = scrub_breadcrumb(crumb, {})

    assert scrubbed == {
        "type": "default",
        "category": "httplib",
        "data": {"url": f"http://x/?q={REMOVED}"},
    }


def test_sync_cli_reports_failed_file_without_chat(ingest: IngestServer, tmp_path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    # The fourth message is longer than TAFITI_MAX_MESSAGE_CHARS, so the file fails to import.
    chat = CHAT + f"12/03/2024, 09:25 - {NAMES[0]}: {BODIES[0]} {BODIES[1]} {BODIES[2]}\n"
    (exports / EXPORT_FILE).write_text(chat, encoding="utf-8")
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TAFITI_", "SENTRY_", "PREFECT_API"))
    }
    environment.update(
        SENTRY_DSN=ingest.dsn,
        TAFITI_SOURCE=str(exports),
        TAFITI_DATABASE_URL=f"sqlite:///{tmp_path / 'tafiti.sqlite'}",
        TAFITI_GROUPS_FILE=str(tmp_path / "groups.yml"),
        TAFITI_MAX_MESSAGE_CHARS="80",
        PREFECT_HOME=str(tmp_path / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
    )

    result = subprocess.run(
        [str(Path(sys.executable).with_name("tafiti")), "sync"],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    events = ingest.events(timeout=5)

    assert "failed" in result.stdout + result.stderr
    assert len(events) == 1
    assert events[0]["tags"]["step"] == "sync"
    assert events[0]["tags"]["export_file"] == EXPORT_FILE
    assert _leaks(b"".join(ingest.raw_bodies).decode("utf-8")) == []
    assert _leaks(json.dumps(events, ensure_ascii=False)) == []


def test_render_failure_reports_group_without_chat(
    ingest: IngestServer, sentry_on: None, settings, tmp_path, monkeypatch
) -> None:
    import nbformat
    from test_publish import store_group

    from tafiti import publish
    from tafiti.store.db import get_engine

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    parameters = nbformat.v4.new_code_cell(
        "group = None\nsince = None\nuntil = None\npseudonymise = None"
    )
    parameters.metadata["tags"] = ["parameters"]
    failing = nbformat.v4.new_code_cell(f"raise RuntimeError({CHAT!r})")
    notebook.cells = [parameters, failing]
    nbformat.write(notebook, tmp_path / "failing.ipynb")
    monkeypatch.setattr(publish, "GROUP_NOTEBOOK", tmp_path / "failing.ipynb")
    store_group(get_engine(settings.database_url), "duka-bora-c5", "Duka Bora C5", NAMES)

    # A fresh context: jupyter_core keeps its event loop in a context variable, and
    # a loop left in this thread's context would be shared by later threaded renders.
    result = contextvars.Context().run(publish.render_group_report, "duka-bora-c5", settings)
    events = ingest.events(timeout=5)

    assert result.status == "failed"
    assert len(events) == 1
    assert events[0]["tags"] == {"step": "render", "group": "duka-bora-c5"}
    assert _leaks(b"".join(ingest.raw_bodies).decode("utf-8")) == []
    assert _leaks(json.dumps(events, ensure_ascii=False)) == []


def test_failed_pipeline_run_is_reported(monkeypatch) -> None:
    from prefect.states import Failed

    import flows.pipeline
    from tafiti.errors import SourceError

    reported: list[tuple[BaseException, str]] = []
    monkeypatch.setattr(
        flows.pipeline,
        "report_failure",
        lambda error, *, step: reported.append((error, step)),
    )
    error = SourceError("exports folder not found: /srv/exports")
    hooks = flows.pipeline.pipeline_flow.on_failure_hooks

    for hook in hooks:
        hook(flows.pipeline.pipeline_flow, None, Failed(data=error))

    assert flows.pipeline._report_pipeline_failure in hooks
    assert reported == [(error, "pipeline")]
