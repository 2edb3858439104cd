"""A Google Drive API v2 and OAuth token server on 127.0.0.1 for the Drive source tests.

It implements what PyDrive2 uses to list and download: ``files.list`` with ``q``
(``'<id>' in parents`` and ``trashed = false``), ``pageToken`` and ``maxResults``;
``files.get`` for metadata and, with ``alt=media``, content (``Range`` honoured);
and a token endpoint for the JWT-bearer (service account), ``refresh_token`` and
``authorization_code`` grants. Every request is recorded in ``FakeDrive.requests``,
and ``FakeDrive.faults`` makes chosen requests fail. The server handles at most
``max_requests`` requests, one at a time, and then stops.

googleapiclient builds the Drive v2 service from the discovery document it
bundles, so the server gets no discovery request. Any other path returns 404.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

FOLDER = "application/vnd.google-apps.folder"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass
class DriveItem:
    """A file or folder on the fake Drive."""

    id: str
    title: str
    parents: list[str]
    mime_type: str = "text/plain"
    content: bytes = b""
    trashed: bool = False
    modified: str = "2024-03-01T10:00:00.000Z"
    has_md5: bool = True

    def resource(self) -> dict[str, object]:
        """The item as Drive v2 describes it in files.list and files.get."""
        resource: dict[str, object] = {
            "kind": "drive#file",
            "id": self.id,
            "title": self.title,
            "mimeType": self.mime_type,
            "modifiedDate": self.modified,
            "labels": {"trashed": self.trashed},
            "parents": [{"id": parent} for parent in self.parents],
        }
        if self.mime_type != FOLDER and not self.mime_type.startswith(
            "application/vnd.google-apps."
        ):
            resource["fileSize"] = str(len(self.content))
            if self.has_md5:
                resource["md5Checksum"] = hashlib.md5(self.content).hexdigest()
        return resource


@dataclass
class Fault:
    """Make the next ``times`` requests of ``kind`` (list, get, media, token) fail.

    ``file_id`` narrows get and media faults to one file. ``truncate`` makes a
    media request return 200 and the first half of the content instead of an error.
    """

    kind: str
    status: int = 500
    times: int = 1
    file_id: str | None = None
    reason: str = "backendError"
    body: bytes | None = None
    content_type: str = "application/json; charset=UTF-8"
    truncate: bool = False


@dataclass
class RecordedRequest:
    kind: str
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    authorization: str | None
    range: str | None
    status: int = 0


@dataclass
class FakeDrive:
    max_requests: int = 300
    page_size: int = 2
    honour_trashed_query: bool = True
    items: dict[str, DriveItem] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    service_account_keys: dict[str, RSAPublicKey] = field(default_factory=dict)
    refresh_tokens: set[str] = field(default_factory=set)
    authorization_codes: dict[str, str] = field(default_factory=dict)
    access_tokens: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._token_numbers = itertools.count(1)
        self._stopping = threading.Event()
        self._httpd = HTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.timeout = 0.2
        self._thread = threading.Thread(target=self._serve, name="fake-drive", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_endpoint(self) -> str:
        return f"{self.base_url}/drive/v2/"

    @property
    def token_uri(self) -> str:
        return f"{self.base_url}/token"

    def start(self) -> FakeDrive:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._httpd.server_close()

    def add(self, item: DriveItem) -> DriveItem:
        self.items[item.id] = item
        return item

    def of_kind(self, kind: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.kind == kind]

    def issue_access_token(self) -> str:
        token = f"access-{next(self._token_numbers)}"
        self.access_tokens.add(token)
        return token

    def _serve(self) -> None:
        while not self._stopping.is_set() and len(self.requests) < self.max_requests:
            self._httpd.handle_request()

    def take_fault(self, kind: str, file_id: str | None) -> Fault | None:
        for fault in self.faults:
            if fault.kind == kind and fault.times > 0 and fault.file_id in (None, file_id):
                fault.times -= 1
                return fault
        return None


def google_error(status: int, reason: str, message: str) -> bytes:
    """An error body shaped like the ones Google APIs send."""
    error = {"errors": [{"domain": "global", "reason": reason, "message": message}]}
    return json.dumps({"error": {**error, "code": status, "message": message}}).encode()


_FILE_PATH = re.compile(r"/drive/v2/files/([A-Za-z0-9_-]+)")
_IN_PARENTS = re.compile(r"'([A-Za-z0-9_-]+)' in parents")
_NOT_TRASHED = re.compile(r"trashed\s*=\s*false")
_RANGE = re.compile(r"bytes=(\d+)-(\d*)")


def _handler_for(drive: FakeDrive) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = 5  # seconds a client may take to send its request

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self._dispatch()

        def do_POST(self) -> None:
            self._dispatch()

        def _dispatch(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            request = RecordedRequest(
                kind=_kind_of(self.command, url.path, url.query),
                method=self.command,
                path=url.path,
                query=dict(parse_qsl(url.query)),
                form=dict(parse_qsl(body)),
                authorization=self.headers.get("Authorization"),
                range=self.headers.get("Range"),
            )
            drive.requests.append(request)
            status, headers, content = self._answer(request)
            request.status = status
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def _answer(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
            match = _FILE_PATH.fullmatch(request.path)
            file_id = match.group(1) if match else None
            fault = drive.take_fault(request.kind, file_id)
            if fault is not None and not fault.truncate:
                body = fault.body or google_error(fault.status, fault.reason, "injected fault")
                return fault.status, {"Content-Type": fault.content_type}, body

            if request.kind == "token":
                return _token(drive, request)
            if request.kind == "other":
                return 404, _JSON, google_error(404, "notFound", f"no route {request.path}")
            if request.authorization not in {f"Bearer {t}" for t in drive.access_tokens}:
                return 401, _JSON, google_error(401, "authError", "Invalid Credentials")
            if request.kind == "list":
                return _list(drive, request)

            item = drive.items.get(file_id or "")
            if item is None:
                return 404, _JSON, google_error(404, "notFound", f"File not found: {file_id}")
            if request.kind == "media":
                return _media(item, request, truncate=fault is not None)
            return 200, _JSON, json.dumps(item.resource()).encode()

    return Handler


_JSON = {"Content-Type": "application/json; charset=UTF-8"}


def _kind_of(method: str, path: str, query: str) -> str:
    if method == "POST" and path == "/token":
        return "token"
    if method == "GET" and path == "/drive/v2/files":
        return "list"
    if method == "GET" and _FILE_PATH.fullmatch(path):
        return "media" if "alt=media" in query else "get"
    return "other"


def _list(drive: FakeDrive, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
    q = request.query.get("q", "")
    parent = _IN_PARENTS.search(q)
    matching = [
        item
        for item in drive.items.values()
        if (parent is None or parent.group(1) in item.parents)
        and not (drive.honour_trashed_query and _NOT_TRASHED.search(q) and item.trashed)
    ]
    start = int(request.query.get("pageToken") or 0)
    size = min(drive.page_size, int(request.query.get("maxResults") or 100))
    page = matching[start : start + size]
    result: dict[str, object] = {
        "kind": "drive#fileList",
        "items": [item.resource() for item in page],
    }
    if start + size < len(matching):
        result["nextPageToken"] = str(start + size)
    return 200, _JSON, json.dumps(result).encode()


def _media(
    item: DriveItem, request: RecordedRequest, *, truncate: bool
) -> tuple[int, dict[str, str], bytes]:
    content = item.content
    if truncate:
        half = content[: len(content) // 2]
        return 200, {"Content-Type": "application/octet-stream"}, half
    match = _RANGE.fullmatch(request.range or "")
    if match is None or not content:
        return 200, {"Content-Type": "application/octet-stream"}, content
    first = int(match.group(1))
    last = min(int(match.group(2) or len(content) - 1), len(content) - 1)
    headers = {
        "Content-Type": "application/octet-stream",
        "Content-Range": f"bytes {first}-{last}/{len(content)}",
    }
    return 206, headers, content[first : last + 1]


def _token(drive: FakeDrive, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
    grant = request.form.get("grant_type")
    if grant == JWT_GRANT and _valid_assertion(drive, request.form.get("assertion", "")):
        return _issued(drive)
    if grant == "refresh_token" and request.form.get("refresh_token") in drive.refresh_tokens:
        return _issued(drive)
    if grant == "authorization_code" and request.form.get("code") in drive.authorization_codes:
        return _issued(drive, refresh_token=drive.authorization_codes[request.form["code"]])
    error = {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
    return 400, _JSON, json.dumps(error).encode()


def _issued(
    drive: FakeDrive, refresh_token: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    answer: dict[str, object] = {
        "access_token": drive.issue_access_token(),
        "token_type": "Bearer",
        "expires_in": 3600,
    }
    if refresh_token is not None:
        answer["refresh_token"] = refresh_token
    return 200, _JSON, json.dumps(answer).encode()


def _valid_assertion(drive: FakeDrive, assertion: str) -> bool:
    """Check a service account's signed JWT (RS256) against its registered public key."""
    try:
        header, payload, signature = assertion.split(".")
        claims = json.loads(_unbase64(payload))
        key = drive.service_account_keys[claims["iss"]]
        key.verify(
            _unbase64(signature),
            f"{header}.{payload}".encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (ValueError, KeyError, InvalidSignature):
        return False
    return claims.get("aud") == drive.token_uri and "drive" in claims.get("scope", "")


def _unbase64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
