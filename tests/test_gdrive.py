"""The Google Drive source, run through the real PyDrive2 against tests/fake_drive.py.

Nothing in PyDrive2, googleapiclient or oauth2client is patched: only the Drive
API endpoint (TAFITI_GDRIVE_API_ENDPOINT) and the ``token_uri`` in the test
credential files point at the fake server on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket
import stat
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fake_drive import FOLDER, DriveItem, FakeDrive, Fault
from oauth2client.client import OAuth2Credentials

from tafiti.config import Settings
from tafiti.errors import ConfigError, CredentialsError, ExportTooLargeError, SourceError
from tafiti.sources import open_source
from tafiti.sources.gdrive import DriveSource

SERVICE_ACCOUNT = "tafiti-sync@research-project.iam.gserviceaccount.com"
FOLDER_ID = "1AbCdEfGhIjKlMnOp_exports"
CLIENT_ID = "123-test.apps.googleusercontent.com"
REFRESH_TOKEN = "refresh-token-of-halima"


def chat(lines: int, tag: str) -> bytes:
    """A small Android-style export whose content differs by ``tag``."""
    body = "".join(
        f"05/01/2024, 13:{minute:02d} - Halima Said: {tag} message {minute}\n"
        for minute in range(lines)
    )
    return body.encode()


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture()
def drive(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDrive]:
    # httplib2 honours proxy variables; the fake server is reached directly.
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server = FakeDrive().start()
    yield server
    server.stop()


@pytest.fixture()
def key_file(tmp_path: Path, drive: FakeDrive, private_key: rsa.RSAPrivateKey) -> Path:
    """A service account key whose token_uri is the fake server's."""
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    drive.service_account_keys[SERVICE_ACCOUNT] = private_key.public_key()
    path = tmp_path / "secrets" / "tafiti-service-account.json"
    path.parent.mkdir(exist_ok=True)
    key = {
        "type": "service_account",
        "project_id": "research-project",
        "private_key_id": "0123456789abcdef",
        "private_key": pem,
        "client_email": SERVICE_ACCOUNT,
        "client_id": "104",
        "token_uri": drive.token_uri,
    }
    path.write_text(json.dumps(key))
    return path


@pytest.fixture()
def drive_settings(settings: Settings, drive: FakeDrive, key_file: Path) -> Settings:
    return settings.model_copy(
        update={
            "source": f"gdrive://{FOLDER_ID}",
            "gdrive_service_account_file": key_file,
            "gdrive_api_endpoint": drive.api_endpoint,
            "gdrive_timeout_seconds": 10.0,
            "gdrive_backoff_seconds": 0.0,
        }
    )


def saved_user_credentials(
    path: Path, drive: FakeDrive, *, expired: bool, refresh_token: str | None = REFRESH_TOKEN
) -> None:
    """Write OAuth user credentials the way oauth2client saves them (``mycreds.txt``)."""
    access_token = drive.issue_access_token()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # oauth2client compares naive UTC
    expiry = now - dt.timedelta(hours=1) if expired else now + dt.timedelta(hours=1)
    credentials = OAuth2Credentials(
        access_token=access_token,
        client_id=CLIENT_ID,
        client_secret="test-secret",
        refresh_token=refresh_token,
        token_expiry=expiry,
        token_uri=drive.token_uri,
        user_agent=None,
    )
    path.parent.mkdir(exist_ok=True)
    path.write_text(credentials.to_json())


def add_folder_tree(drive: FakeDrive) -> dict[str, DriveItem]:
    """Build the shared folder: five exports at the top, two in subfolders, and files
    the source must leave out."""
    drive.add(DriveItem(FOLDER_ID, "Tafiti exports", ["root"], FOLDER))
    exports = [
        drive.add(
            DriveItem(
                f"top{i}",
                f"WhatsApp Chat with Cohort {i}.txt",
                [FOLDER_ID],
                content=chat(3 + i, f"top{i}"),
            )
        )
        for i in range(5)
    ]
    drive.add(DriveItem("kisumu", "Kisumu", [FOLDER_ID], FOLDER))
    drive.add(DriveItem("kisumu-2024", "2024", ["kisumu"], FOLDER))
    exports.append(
        drive.add(
            DriveItem(
                "sub1",
                "WhatsApp Chat - Duka Bora.zip",
                ["kisumu"],
                "application/zip",
                content=b"PK\x03\x04 zip bytes",
                modified="2024-04-02T08:30:15.250Z",
            )
        )
    )
    exports.append(
        drive.add(
            DriveItem(
                "deep1",
                "Chat Biashara.TXT",
                ["kisumu-2024"],
                content=chat(4, "deep"),
            )
        )
    )
    drive.add(
        DriveItem(
            "trash1", "WhatsApp Chat old.txt", [FOLDER_ID], trashed=True, content=chat(2, "trashed")
        )
    )
    drive.add(
        DriveItem("photo1", "IMG-20240105.jpg", [FOLDER_ID], "image/jpeg", content=b"\xff\xd8 jpeg")
    )
    drive.add(DriveItem("doc1", "Notes.txt", [FOLDER_ID], "application/vnd.google-apps.document"))
    drive.add(
        DriveItem(
            "elsewhere", "Other project.txt", ["another-folder"], content=chat(2, "elsewhere")
        )
    )
    return {item.id: item for item in exports}


def list_requests_for(drive: FakeDrive, folder_id: str) -> list[dict[str, str]]:
    return [r.query for r in drive.of_kind("list") if f"'{folder_id}' in parents" in r.query["q"]]


def test_listing_follows_pages_and_subfolders(drive: FakeDrive, drive_settings: Settings):
    exports = add_folder_tree(drive)

    files = DriveSource.from_url(f"gdrive://{FOLDER_ID}", drive_settings).list_files()

    assert sorted(f.key for f in files) == sorted(exports)
    for file in files:
        item = exports[file.key]
        assert file.source == f"gdrive://{FOLDER_ID}"
        assert file.name == item.title
        assert file.size == len(item.content)
        assert file.checksum == hashlib.md5(item.content).hexdigest()
    modified = {f.key: f.modified for f in files}
    assert modified["sub1"] == dt.datetime(2024, 4, 2, 8, 30, 15, 250000, tzinfo=dt.UTC)
    assert modified["top0"] == dt.datetime(2024, 3, 1, 10, 0, tzinfo=dt.UTC)

    # Eight untrashed items at the top (five exports, a folder, a photo, a Google Doc),
    # two per page.
    top_pages = list_requests_for(drive, FOLDER_ID)
    assert [page.get("pageToken") for page in top_pages] == [None, "2", "4", "6"]
    assert all("trashed = false" in page["q"] for page in top_pages)
    assert all("md5Checksum" in page["fields"] for page in top_pages)
    assert len(list_requests_for(drive, "kisumu")) == 1
    assert len(list_requests_for(drive, "kisumu-2024")) == 1


def test_listing_skips_non_exports(drive: FakeDrive, drive_settings: Settings):
    add_folder_tree(drive)
    drive.items["trash1"].parents.append("kisumu")

    names = {
        f.name for f in DriveSource.from_url(drive_settings.source, drive_settings).list_files()
    }

    assert "WhatsApp Chat old.txt" not in names
    assert "IMG-20240105.jpg" not in names
    assert "Notes.txt" not in names
    assert "Other project.txt" not in names


def test_listing_checks_trashed_label(drive: FakeDrive, drive_settings: Settings):
    # The query excludes trashed files, and the source also checks labels.trashed.
    add_folder_tree(drive)
    drive.honour_trashed_query = False

    names = {
        f.name for f in DriveSource.from_url(drive_settings.source, drive_settings).list_files()
    }

    assert "WhatsApp Chat old.txt" not in names
    assert len(names) == 7


def test_listing_without_subfolders(drive: FakeDrive, drive_settings: Settings):
    add_folder_tree(drive)
    flat = drive_settings.model_copy(update={"gdrive_recursive": False})

    keys = {f.key for f in DriveSource.from_url(flat.source, flat).list_files()}

    assert keys == {f"top{i}" for i in range(5)}
    assert list_requests_for(drive, "kisumu") == []


def test_listing_skips_file_without_md5(
    drive: FakeDrive, drive_settings: Settings, caplog: pytest.LogCaptureFixture
):
    add_folder_tree(drive)
    drive.items["top3"].has_md5 = False

    keys = {f.key for f in DriveSource.from_url(drive_settings.source, drive_settings).list_files()}

    assert "top3" not in keys
    assert "no md5Checksum" in caplog.text


def test_fetch_returns_whole_content(drive: FakeDrive, drive_settings: Settings):
    exports = add_folder_tree(drive)
    source = DriveSource.from_url(drive_settings.source, drive_settings)

    contents = {f.key: source.fetch(f) for f in source.list_files()}

    assert contents == {key: item.content for key, item in exports.items()}
    media = drive.of_kind("media")
    assert sorted(r.path.rsplit("/", 1)[1] for r in media) == sorted(exports)
    assert all(r.query["alt"] == "media" for r in media)


def test_open_source_opens_drive_folder(drive: FakeDrive, drive_settings: Settings):
    add_folder_tree(drive)

    source = open_source(f"gdrive://{FOLDER_ID}", drive_settings)

    assert isinstance(source, DriveSource)
    assert source.url == f"gdrive://{FOLDER_ID}"
    assert SERVICE_ACCOUNT in source.account


@pytest.mark.parametrize("url", ["gdrive://", "gdrive://abc'def", "gdrive://a b"])
def test_malformed_folder_url_raises_config_error(drive_settings: Settings, url: str):
    with pytest.raises(ConfigError, match="gdrive://<folder id>"):
        DriveSource.from_url(url, drive_settings)


def test_second_sync_downloads_only_changed_files(drive: FakeDrive, drive_settings: Settings):
    # What the sync does with a source: fetch a file when its (key, checksum) is new.
    add_folder_tree(drive)
    source = DriveSource.from_url(drive_settings.source, drive_settings)
    stored: set[tuple[str, str]] = set()

    def sync_once() -> list[str]:
        fetched = []
        for file in source.list_files():
            if (file.key, file.checksum) not in stored:
                source.fetch(file)
                stored.add((file.key, file.checksum))
                fetched.append(file.key)
        return sorted(fetched)

    first = sync_once()
    drive.items["top1"].content += chat(1, "appended")
    drive.items["top1"].modified = "2024-05-01T09:00:00.000Z"
    drive.add(
        DriveItem("new1", "WhatsApp Chat with Cohort 9.txt", ["kisumu"], content=chat(2, "n"))
    )
    media_before = len(drive.of_kind("media"))
    second = sync_once()

    assert len(first) == 7
    assert second == ["new1", "top1"]
    downloaded = [r.path.rsplit("/", 1)[1] for r in drive.of_kind("media")[media_before:]]
    assert sorted(downloaded) == ["new1", "top1"]


def test_listing_retries_after_429(drive: FakeDrive, drive_settings: Settings):
    add_folder_tree(drive)
    drive.faults.append(Fault("list", status=429, reason="rateLimitExceeded"))

    files = DriveSource.from_url(drive_settings.source, drive_settings).list_files()

    assert len(files) == 7
    first_page = [r for r in drive.of_kind("list") if "pageToken" not in r.query]
    assert [r.status for r in first_page][:2] == [429, 200]
    assert first_page[0].query["q"] == first_page[1].query["q"]


def test_download_retries_after_500(drive: FakeDrive, drive_settings: Settings):
    exports = add_folder_tree(drive)
    drive.faults.append(Fault("media", status=500, file_id="top2"))
    source = DriveSource.from_url(drive_settings.source, drive_settings)
    file = next(f for f in source.list_files() if f.key == "top2")

    assert source.fetch(file) == exports["top2"].content
    assert [r.status for r in drive.of_kind("media")] == [500, 206]


def test_download_retries_user_rate_limit_403(drive: FakeDrive, drive_settings: Settings):
    exports = add_folder_tree(drive)
    drive.faults.append(Fault("media", status=403, reason="userRateLimitExceeded"))
    source = DriveSource.from_url(drive_settings.source, drive_settings)
    file = next(f for f in source.list_files() if f.key == "top0")

    assert source.fetch(file) == exports["top0"].content
    assert [r.status for r in drive.of_kind("media")] == [403, 206]


def test_download_retries_html_error_page(drive: FakeDrive, drive_settings: Settings):
    # Google's front end returns some 502 errors as an HTML page, which PyDrive2 cannot parse.
    exports = add_folder_tree(drive)
    drive.faults.append(
        Fault("media", status=502, body=b"<html>Bad Gateway</html>", content_type="text/html")
    )
    source = DriveSource.from_url(drive_settings.source, drive_settings)
    file = next(f for f in source.list_files() if f.key == "top0")

    assert source.fetch(file) == exports["top0"].content
    assert [r.status for r in drive.of_kind("media")] == [502, 206]


def test_retry_waits_grow_exponentially(drive: FakeDrive, drive_settings: Settings):
    add_folder_tree(drive)
    drive.faults.append(Fault("media", status=503, times=3))
    patient = drive_settings.model_copy(update={"gdrive_backoff_seconds": 1.0})
    waits: list[float] = []
    source = DriveSource(FOLDER_ID, patient, sleep=waits.append)
    file = next(f for f in source.list_files() if f.key == "top0")

    source.fetch(file)

    assert len(waits) == 3
    for wait, base in zip(waits, [1.0, 2.0, 4.0], strict=True):
        assert base <= wait <= base + 1.0


def test_download_gives_up_after_max_attempts(drive: FakeDrive, drive_settings: Settings):
    add_folder_tree(drive)
    drive.faults.append(Fault("media", status=503, times=100))
    limited = drive_settings.model_copy(update={"gdrive_max_attempts": 3})
    source = DriveSource.from_url(limited.source, limited)
    file = next(f for f in source.list_files() if f.key == "top0")

    with pytest.raises(SourceError, match=r"HTTP 503.*gave up after 3 attempts"):
        source.fetch(file)
    assert len(drive.of_kind("media")) == 3


def test_cut_short_download_is_retried(drive: FakeDrive, drive_settings: Settings):
    exports = add_folder_tree(drive)
    drive.faults.append(Fault("media", truncate=True, file_id="top4"))
    source = DriveSource.from_url(drive_settings.source, drive_settings)
    file = next(f for f in source.list_files() if f.key == "top4")

    assert source.fetch(file) == exports["top4"].content
    assert len(drive.of_kind("media")) == 2


def test_cut_short_download_is_never_returned(drive: FakeDrive, drive_settings: Settings):
    add_folder_tree(drive)
    drive.faults.append(Fault("media", truncate=True, times=100))
    limited = drive_settings.model_copy(update={"gdrive_max_attempts": 2})
    source = DriveSource.from_url(limited.source, limited)
    file = next(f for f in source.list_files() if f.key == "top4")

    with pytest.raises(SourceError, match=r"received \d+ of \d+ bytes.*nothing from it"):
        source.fetch(file)


def test_changed_content_fails_md5_check(drive: FakeDrive, drive_settings: Settings):
    add_folder_tree(drive)
    source = DriveSource.from_url(drive_settings.source, drive_settings)
    file = next(f for f in source.list_files() if f.key == "top0")
    same_length = bytes(reversed(drive.items["top0"].content))
    drive.items["top0"].content = same_length

    with pytest.raises(SourceError, match=f"Drive listed {file.checksum}"):
        source.fetch(file)


def test_oversized_export_not_downloaded(drive: FakeDrive, drive_settings: Settings):
    add_folder_tree(drive)
    small = drive_settings.model_copy(update={"max_export_bytes": 16})
    source = DriveSource.from_url(small.source, small)
    file = next(f for f in source.list_files() if f.key == "top0")

    with pytest.raises(ExportTooLargeError, match="TAFITI_MAX_EXPORT_BYTES=16"):
        source.fetch(file)
    assert drive.of_kind("media") == []


def test_401_raises_credentials_error(drive: FakeDrive, drive_settings: Settings):
    add_folder_tree(drive)
    drive.faults.append(Fault("get", status=401, reason="authError", times=100))
    source = DriveSource.from_url(drive_settings.source, drive_settings)

    with pytest.raises(CredentialsError) as raised:
        source.list_files()

    message = str(raised.value)
    assert "HTTP 401" in message
    assert str(drive_settings.gdrive_service_account_file) in message
    # oauth2client (4.1.3, transport.py) gets a new token after a 401 and repeats the
    # request, twice at most; the source itself does not retry a 401.
    assert [r.status for r in drive.of_kind("get")] == [401, 401, 401]
    assert len(drive.of_kind("token")) == 3


def test_403_names_service_account(drive: FakeDrive, drive_settings: Settings):
    add_folder_tree(drive)
    drive.faults.append(Fault("get", status=403, reason="insufficientFilePermissions"))
    source = DriveSource.from_url(drive_settings.source, drive_settings)

    with pytest.raises(CredentialsError) as raised:
        source.list_files()

    message = str(raised.value)
    assert "HTTP 403 insufficientFilePermissions" in message
    assert f"shared with {SERVICE_ACCOUNT}" in message
    assert len(drive.of_kind("get")) == 1


def test_403_api_not_enabled_says_so(drive: FakeDrive, drive_settings: Settings):
    add_folder_tree(drive)
    drive.faults.append(Fault("list", status=403, reason="accessNotConfigured"))
    source = DriveSource.from_url(drive_settings.source, drive_settings)

    with pytest.raises(CredentialsError, match="Enable the Google Drive API"):
        source.list_files()


def test_unknown_folder_raises_source_error(drive: FakeDrive, drive_settings: Settings):
    add_folder_tree(drive)
    source = DriveSource.from_url("gdrive://no-such-folder", drive_settings)

    with pytest.raises(SourceError, match=r"not found on Google Drive \(HTTP 404"):
        source.list_files()


def test_file_id_as_folder_raises_source_error(drive: FakeDrive, drive_settings: Settings):
    add_folder_tree(drive)
    source = DriveSource.from_url("gdrive://top0", drive_settings)

    with pytest.raises(SourceError, match="is not a folder"):
        source.list_files()


def test_missing_key_file_raises_credentials_error(drive_settings: Settings, tmp_path: Path):
    missing = tmp_path / "secrets" / "nobody-service-account.json"
    broken = drive_settings.model_copy(update={"gdrive_service_account_file": missing})

    with pytest.raises(CredentialsError) as raised:
        DriveSource.from_url(broken.source, broken)

    message = str(raised.value)
    assert f"TAFITI_GDRIVE_SERVICE_ACCOUNT_FILE={missing}" in message
    assert "not found" in message
    assert "Add key" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "cannot read the key file as JSON"),
        (json.dumps({"installed": {"client_id": "x"}}), "not a service account key"),
        (json.dumps({"type": "service_account", "client_email": "a@b"}), "no private_key"),
        (
            json.dumps({"type": "service_account", "client_email": "a@b", "private_key": "x"}),
            "invalid service account key",
        ),
    ],
)
def test_invalid_key_file_raises_credentials_error(
    drive_settings: Settings, key_file: Path, content: str, expected: str
):
    key_file.write_text(content)

    with pytest.raises(CredentialsError, match=expected):
        DriveSource.from_url(drive_settings.source, drive_settings)


def test_rejected_key_raises_credentials_error(drive: FakeDrive, drive_settings: Settings):
    add_folder_tree(drive)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    drive.service_account_keys[SERVICE_ACCOUNT] = other_key.public_key()
    source = DriveSource.from_url(drive_settings.source, drive_settings)

    with pytest.raises(CredentialsError, match="invalid_grant") as raised:
        source.list_files()
    assert str(drive_settings.gdrive_service_account_file) in str(raised.value)
    assert drive.of_kind("get") == []


def test_no_credentials_names_both_ways(drive_settings: Settings, tmp_path: Path):
    unset = drive_settings.model_copy(
        update={
            "gdrive_service_account_file": None,
            "gdrive_credentials_file": tmp_path / "secrets" / "mycreds.txt",
        }
    )

    with pytest.raises(CredentialsError) as raised:
        DriveSource.from_url(unset.source, unset)

    message = str(raised.value)
    assert "TAFITI_GDRIVE_SERVICE_ACCOUNT_FILE is not set" in message
    assert f"TAFITI_GDRIVE_CREDENTIALS_FILE={tmp_path / 'secrets' / 'mycreds.txt'}" in message
    assert "`tafiti drive auth`" in message


@pytest.fixture()
def user_settings(drive_settings: Settings, tmp_path: Path) -> Settings:
    return drive_settings.model_copy(
        update={
            "gdrive_service_account_file": None,
            "gdrive_credentials_file": tmp_path / "secrets" / "mycreds.txt",
        }
    )


def test_expired_token_refreshed_and_saved(drive: FakeDrive, user_settings: Settings):
    exports = add_folder_tree(drive)
    drive.refresh_tokens.add(REFRESH_TOKEN)
    saved_user_credentials(user_settings.gdrive_credentials_file, drive, expired=True)

    source = DriveSource.from_url(user_settings.source, user_settings)
    files = source.list_files()

    assert len(files) == len(exports)
    tokens = drive.of_kind("token")
    assert [r.form["grant_type"] for r in tokens] == ["refresh_token"]
    assert tokens[0].form["refresh_token"] == REFRESH_TOKEN
    saved = json.loads(user_settings.gdrive_credentials_file.read_text())
    assert saved["refresh_token"] == REFRESH_TOKEN
    assert drive.of_kind("list")[0].authorization == f"Bearer {saved['access_token']}"
    new_expiry = dt.datetime.fromisoformat(saved["token_expiry"])
    assert new_expiry > dt.datetime.now(dt.UTC)


def test_valid_token_not_refreshed(drive: FakeDrive, user_settings: Settings):
    add_folder_tree(drive)
    saved_user_credentials(user_settings.gdrive_credentials_file, drive, expired=False)

    DriveSource.from_url(user_settings.source, user_settings).list_files()

    assert drive.of_kind("token") == []


def test_revoked_token_mentions_testing_status(drive: FakeDrive, user_settings: Settings):
    add_folder_tree(drive)
    saved_user_credentials(user_settings.gdrive_credentials_file, drive, expired=True)

    with pytest.raises(CredentialsError) as raised:
        DriveSource.from_url(user_settings.source, user_settings)

    message = str(raised.value)
    assert "invalid_grant" in message
    assert "`tafiti drive auth`" in message
    assert "7 days" in message
    assert len(drive.of_kind("token")) == 1


def test_credentials_without_refresh_token_rejected(drive: FakeDrive, user_settings: Settings):
    saved_user_credentials(
        user_settings.gdrive_credentials_file, drive, expired=False, refresh_token=None
    )

    with pytest.raises(CredentialsError, match="have no refresh_token"):
        DriveSource.from_url(user_settings.source, user_settings)


def test_key_file_as_user_credentials_rejected(user_settings: Settings, key_file: Path):
    user_settings.gdrive_credentials_file.write_text(key_file.read_text())

    with pytest.raises(CredentialsError, match="not OAuth credentials saved by"):
        DriveSource.from_url(user_settings.source, user_settings)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def act_as_browser(port: int, code: str) -> threading.Thread:
    """Send Google's redirect with ``code`` to the sign-in server once it listens."""

    def redirect() -> None:
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
                    connection.sendall(f"GET /?code={code} HTTP/1.0\r\n\r\n".encode())
                    while connection.recv(4096):
                        pass  # read the whole page, so the server's write does not fail
                    return
            except OSError:
                time.sleep(0.05)

    thread = threading.Thread(target=redirect, daemon=True)
    thread.start()
    return thread


def write_client_secrets(path: Path, drive: FakeDrive) -> Path:
    """Write an OAuth client file shaped like the one Google offers for a Desktop app."""
    client = {
        "client_id": CLIENT_ID,
        "client_secret": "test-secret",
        "auth_uri": f"{drive.base_url}/auth",
        "token_uri": drive.token_uri,
        "redirect_uris": ["http://localhost"],
    }
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"installed": client}))
    return path


def test_drive_auth_command_saves_credentials(
    drive: FakeDrive, user_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from tafiti.cli import main

    monkeypatch.delenv("GDRIVE_NON_INTERACTIVE", raising=False)
    client_secrets = write_client_secrets(tmp_path / "secrets" / "client_secrets.json", drive)
    drive.authorization_codes["code-from-google"] = REFRESH_TOKEN
    credentials_file = user_settings.gdrive_credentials_file
    port = free_port()
    browser = act_as_browser(port, "code-from-google")

    result = CliRunner().invoke(
        main,
        [
            "drive",
            "auth",
            "--client-secrets",
            str(client_secrets),
            "--credentials",
            str(credentials_file),
            "--port",
            str(port),
            "--no-browser",
        ],
    )
    browser.join(timeout=10)

    assert result.exit_code == 0, result.output
    assert f"redirect_uri=http%3A%2F%2Flocalhost%3A{port}%2F" in result.output
    assert "Traceback" not in result.output
    saved = json.loads(credentials_file.read_text())
    assert saved["refresh_token"] == REFRESH_TOKEN
    assert saved["token_uri"] == drive.token_uri
    assert stat.S_IMODE(os.stat(credentials_file).st_mode) == 0o600
    exchange = drive.of_kind("token")
    assert [r.form["grant_type"] for r in exchange] == ["authorization_code"]
    assert exchange[0].form["redirect_uri"] == f"http://localhost:{port}/"

    add_folder_tree(drive)
    assert len(DriveSource.from_url(user_settings.source, user_settings).list_files()) == 7


def test_drive_auth_without_client_file_explains(tmp_path: Path, settings: Settings):
    from tafiti.cli import main

    missing = tmp_path / "secrets" / "client_secrets.json"
    result = CliRunner().invoke(
        main, ["drive", "auth", "--client-secrets", str(missing), "--no-browser"]
    )

    assert result.exit_code == 1
    assert f"TAFITI_GDRIVE_CLIENT_SECRETS_FILE={missing}: OAuth client file not found" in (
        result.output
    )
    assert "Desktop app" in result.output


def expire_access_token(source: DriveSource) -> None:
    """Make the source's access token look an hour old, as in a sync that runs long."""
    credentials = source._login.auth.credentials
    credentials.token_expiry = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(
        minutes=1
    )


def test_user_token_expiring_mid_sync_is_refreshed(drive: FakeDrive, user_settings: Settings):
    exports = add_folder_tree(drive)
    drive.refresh_tokens.add(REFRESH_TOKEN)
    saved_user_credentials(user_settings.gdrive_credentials_file, drive, expired=False)
    source = DriveSource.from_url(user_settings.source, user_settings)
    file = source.list_files()[0]

    expire_access_token(source)
    content = source.fetch(file)

    assert content == exports[file.key].content
    assert [r.form["grant_type"] for r in drive.of_kind("token")] == ["refresh_token"]
    saved = json.loads(user_settings.gdrive_credentials_file.read_text())
    assert drive.of_kind("media")[-1].authorization == f"Bearer {saved['access_token']}"


def test_service_token_expiring_mid_sync_is_renewed(drive: FakeDrive, drive_settings: Settings):
    exports = add_folder_tree(drive)
    source = DriveSource.from_url(drive_settings.source, drive_settings)
    file = source.list_files()[0]

    expire_access_token(source)
    content = source.fetch(file)

    assert content == exports[file.key].content
    tokens = drive.of_kind("token")
    assert len(tokens) == 2
    assert drive.of_kind("media")[-1].authorization != drive.of_kind("list")[0].authorization


@pytest.fixture()
def sample(drive_settings: Settings, tmp_path: Path) -> tuple[Path, dict]:
    """The generator's sample exports in a local folder, with its manifest."""
    from tafiti.generate import write_sample

    folder = tmp_path / "local-exports"
    manifest = write_sample(folder, drive_settings.groups_file)
    return folder, manifest


def upload(drive: FakeDrive, folder: Path, names: list[str]) -> dict[str, str]:
    """Put the named exports on the fake Drive, zips in a subfolder; return name -> file id."""
    drive.add(DriveItem(FOLDER_ID, "Tafiti exports", ["root"], FOLDER))
    drive.add(DriveItem("zips", "Zipped", [FOLDER_ID], FOLDER))
    ids = {}
    for number, name in enumerate(names):
        zipped = name.endswith(".zip")
        item = DriveItem(
            f"export{number}",
            name,
            ["zips" if zipped else FOLDER_ID],
            "application/zip" if zipped else "text/plain",
            content=(folder / name).read_bytes(),
        )
        ids[name] = drive.add(item).id
    return ids


def stored_records(engine) -> tuple[Counter, Counter]:
    """Every stored message and event, as comparable tuples."""
    from sqlalchemy import select

    from tafiti.store.models import Event, Group, Message, Participant

    with engine.connect() as connection:
        messages = connection.execute(
            select(
                Group.name,
                Participant.name,
                Message.timestamp,
                Message.kind,
                Message.text,
                Message.attachment,
                Message.deleted,
            )
            .join(Group, Message.group_id == Group.id)
            .join(Participant, Message.participant_id == Participant.id)
        ).all()
        events = connection.execute(
            select(Group.name, Event.timestamp, Event.type, Event.text, Event.actor).join(
                Group, Event.group_id == Group.id
            )
        ).all()
    return Counter(map(tuple, messages)), Counter(map(tuple, events))


def sync_into(source, database: Path, settings: Settings):
    from tafiti.store.db import create_database_engine, upgrade
    from tafiti.store.sync import sync_source

    engine = create_database_engine(f"sqlite:///{database}")
    upgrade(engine)
    return engine, sync_source(source, engine, settings)


def test_drive_sync_equals_local_sync(
    drive: FakeDrive, drive_settings: Settings, sample: tuple[Path, dict], tmp_path: Path
):
    from tafiti.sources import LocalFolderSource

    folder, manifest = sample
    upload(drive, folder, sorted(manifest["files"]))

    local_engine, local_summary = sync_into(
        LocalFolderSource(folder), tmp_path / "local.sqlite", drive_settings
    )
    drive_engine, drive_summary = sync_into(
        DriveSource.from_url(drive_settings.source, drive_settings),
        tmp_path / "drive.sqlite",
        drive_settings,
    )
    local_messages, local_events = stored_records(local_engine)
    drive_messages, drive_events = stored_records(drive_engine)
    local_engine.dispose()
    drive_engine.dispose()

    assert drive_summary.failed == 0, drive_summary.errors
    assert drive_summary.imported == len(manifest["files"])
    assert drive_messages == local_messages
    assert drive_events == local_events
    per_group = Counter(group for group, *_ in drive_messages.elements())
    assert per_group == {name: group["messages"] for name, group in manifest["groups"].items()}
    assert local_summary.imported == drive_summary.imported


def test_second_drive_sync_downloads_only_changes(
    drive: FakeDrive, drive_settings: Settings, sample: tuple[Path, dict], tmp_path: Path
):
    folder, manifest = sample
    later_export = "WhatsApp Chat with Duka Bora C7 - Nakuru.txt"
    changed_export = "WhatsApp Chat with Salon & Kinyozi Mentors.txt"
    first_names = sorted(name for name in manifest["files"] if name != later_export)
    ids = upload(drive, folder, first_names)
    source = DriveSource.from_url(drive_settings.source, drive_settings)
    engine, first = sync_into(source, tmp_path / "drive.sqlite", drive_settings)
    media_before = len(drive.of_kind("media"))

    lines = (folder / changed_export).read_bytes().splitlines(keepends=True)
    drive.items[ids[changed_export]].content = b"".join(lines[: len(lines) // 2])
    drive.items[ids[changed_export]].modified = "2024-06-01T12:00:00.000Z"
    drive.add(
        DriveItem("later", later_export, [FOLDER_ID], content=(folder / later_export).read_bytes())
    )
    from tafiti.store.sync import sync_source

    second = sync_source(source, engine, drive_settings)
    engine.dispose()

    assert first.imported == len(first_names)
    assert second.imported == 2
    assert second.skipped == len(first_names) - 1
    assert second.failed == 0, second.errors
    downloaded = {r.path.rsplit("/", 1)[1] for r in drive.of_kind("media")[media_before:]}
    assert downloaded == {"later", ids[changed_export]}


def test_drive_auth_with_busy_port_explains(
    drive: FakeDrive, tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    from tafiti.cli import main

    monkeypatch.delenv("GDRIVE_NON_INTERACTIVE", raising=False)
    client_secrets = write_client_secrets(tmp_path / "secrets" / "client_secrets.json", drive)
    with socket.socket() as busy:
        busy.bind(("localhost", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            main,
            ["drive", "auth", "--client-secrets", str(client_secrets)]
            + ["--port", str(port), "--no-browser"],
        )

    assert result.exit_code == 1
    assert f"no local port was free (local ports tried: {port}; choose others with --port)" in (
        result.output
    )
    assert drive.of_kind("token") == []


def test_drive_list_command_prints_exports(
    drive: FakeDrive, drive_settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    from tafiti.cli import main

    exports = add_folder_tree(drive)
    environment = {
        "TAFITI_SOURCE": drive_settings.source,
        "TAFITI_GDRIVE_SERVICE_ACCOUNT_FILE": str(drive_settings.gdrive_service_account_file),
        "TAFITI_GDRIVE_API_ENDPOINT": drive.api_endpoint,
        "TAFITI_GDRIVE_BACKOFF_SECONDS": "0",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    result = CliRunner().invoke(main, ["drive", "list"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "2024-04-02 08:30" in next(line for line in lines if "(sub1)" in line)
    for key, item in exports.items():
        assert f"{item.title}  ({key})" in result.output
    assert lines[-1] == f"7 export files, read as service account {SERVICE_ACCOUNT} (key " + (
        f"{drive_settings.gdrive_service_account_file})"
    )


def test_invalid_modified_date_is_dropped(
    drive: FakeDrive, drive_settings: Settings, caplog: pytest.LogCaptureFixture
):
    add_folder_tree(drive)
    drive.items["top2"].modified = "last Tuesday"

    files = DriveSource.from_url(drive_settings.source, drive_settings).list_files()

    top2 = next(f for f in files if f.key == "top2")
    assert top2.modified is None
    assert "invalid modifiedDate 'last Tuesday'" in caplog.text


def test_403_for_user_asks_to_share_folder(drive: FakeDrive, user_settings: Settings):
    add_folder_tree(drive)
    saved_user_credentials(user_settings.gdrive_credentials_file, drive, expired=False)
    drive.faults.append(Fault("get", status=403, reason="insufficientFilePermissions"))
    source = DriveSource.from_url(user_settings.source, user_settings)

    with pytest.raises(CredentialsError) as raised:
        source.list_files()

    message = str(raised.value)
    assert f"the Google account in {user_settings.gdrive_credentials_file}" in message
    assert "shared with the Google account that ran `tafiti drive auth`" in message
