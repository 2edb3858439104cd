"""Exports in a Google Drive folder, read with PyDrive2 (Drive API v2).

``gdrive://<folder id>`` opens the folder whose address is
``https://drive.google.com/drive/folders/<folder id>``. There are two ways to sign in:

- a service account key file (``TAFITI_GDRIVE_SERVICE_ACCOUNT_FILE``), recommended on
  servers because no browser is involved; the folder is shared with the service
  account's e-mail address;
- OAuth user credentials (``TAFITI_GDRIVE_CREDENTIALS_FILE``, ``mycreds.txt``), written
  once by ``tafiti drive auth`` on a machine with a browser and copied to the server.
  oauth2client refreshes an expired access token and writes it back to that file.

docs/google-drive.md explains both set-ups step by step.
"""

from __future__ import annotations

import hashlib
import http.client
import itertools
import json
import logging
import os
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import httplib2
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from oauth2client.client import AccessTokenRefreshError
from pydrive2.auth import AuthenticationError, AuthenticationRejected, GoogleAuth, RefreshError
from pydrive2.drive import GoogleDrive
from pydrive2.files import ApiRequestError, GoogleDriveFile
from pydrive2.settings import InvalidConfigError

from tafiti.errors import (
    ConfigError,
    CredentialsError,
    ExportTooLargeError,
    SourceError,
    TafitiError,
)
from tafiti.sources.base import EXPORT_SUFFIXES, Source, SourceFile

if TYPE_CHECKING:
    from tafiti.config import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

# Read-only access is enough to list and download, so `tafiti drive auth` requests only this.
SCOPE = "https://www.googleapis.com/auth/drive.readonly"
FOLDER_MIME_TYPE = "application/vnd.google-apps.folder"
GUIDE = "docs/google-drive.md"

_GOOGLE_APPS_MIME_PREFIX = "application/vnd.google-apps."
_FOLDER_ID = re.compile(r"[A-Za-z0-9_-]+")
_LIST_FIELDS = (
    "nextPageToken,"
    "items(id,title,mimeType,md5Checksum,modifiedDate,fileSize,labels/trashed,parents/id)"
)
_PAGE_SIZE = 1000  # the maximum maxResults of files.list in Drive API v2
_DOWNLOAD_CHUNK_BYTES = 8 * 1024 * 1024
_MAX_BACKOFF_SECONDS = 64.0
# Drive responds to an exceeded quota with 403 and one of these reasons, or with 429.
_RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_TRANSPORT_ERRORS = (httplib2.HttpLib2Error, http.client.HTTPException, OSError)

_SERVICE_ACCOUNT_SETTING = "TAFITI_GDRIVE_SERVICE_ACCOUNT_FILE"
_CREDENTIALS_SETTING = "TAFITI_GDRIVE_CREDENTIALS_FILE"


class DriveSource(Source):
    """A Google Drive folder; each ``.txt`` or ``.zip`` file in it is one export.

    ``key`` is the Drive file id, ``checksum`` Drive's ``md5Checksum`` and
    ``modified`` its ``modifiedDate``, so the sync can tell unchanged files
    without downloading them.
    """

    scheme = "gdrive"

    def __init__(
        self,
        folder_id: str,
        settings: Settings,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.folder_id = folder_id
        self.settings = settings
        self._retry = RetryPolicy(
            max_attempts=settings.gdrive_max_attempts,
            backoff_seconds=settings.gdrive_backoff_seconds,
            sleep=sleep,
        )
        self._login = _sign_in(settings, self._retry)
        _use_endpoint(self._login.auth, settings.gdrive_api_endpoint)
        self._drive = GoogleDrive(self._login.auth)

    @classmethod
    def from_url(cls, url: str, settings: Settings | None = None) -> DriveSource:
        """Open ``gdrive://<folder id>`` and sign in with the credentials ``settings`` name."""
        from tafiti.config import get_settings

        return cls(_folder_id_from(url), settings or get_settings())

    @property
    def url(self) -> str:
        return f"gdrive://{self.folder_id}"

    @property
    def account(self) -> str:
        """Who the source signed in as, for messages."""
        return self._login.account

    def list_files(self) -> list[SourceFile]:
        self._check_folder()

        found: list[tuple[str, SourceFile]] = []
        seen_files: set[str] = set()
        seen_folders = {self.folder_id}
        pending = [(self.folder_id, "")]
        skipped = 0
        while pending:
            folder_id, folder_path = pending.pop(0)
            for item in self._list_folder(folder_id):
                path = f"{folder_path}{item.get('title', '')}"
                if item.get("mimeType") == FOLDER_MIME_TYPE:
                    if self.settings.gdrive_recursive and item["id"] not in seen_folders:
                        seen_folders.add(item["id"])
                        pending.append((item["id"], f"{path}/"))
                    continue
                if item["id"] in seen_files:
                    continue  # a file with several parents is listed under each of them
                seen_files.add(item["id"])
                file = self._source_file(item, path)
                if file is None:
                    skipped += 1
                else:
                    found.append((path, file))

        found.sort(key=lambda entry: (entry[0], entry[1].key))
        log.info(
            "listed %d export files in Drive folder %s (%d other files skipped)",
            len(found),
            self.folder_id,
            skipped,
        )
        return [file for _, file in found]

    def fetch(self, file: SourceFile) -> bytes:
        limit = self.settings.max_export_bytes
        if file.size is not None and file.size > limit:
            raise ExportTooLargeError(
                f"{file.size:,} bytes on Drive, over TAFITI_MAX_EXPORT_BYTES={limit:,}",
                filename=file.name,
            )
        content = self._call(f"download {file.name!r} ({file.key})", lambda: self._download(file))
        log.debug("downloaded %r (%s, %d bytes)", file.name, file.key, len(content))
        return content

    def _check_folder(self) -> None:
        folder = self._drive.CreateFile({"id": self.folder_id})
        self._call(
            f"read Drive folder {self.folder_id}",
            lambda: folder.FetchMetadata(fields="id,title,mimeType,labels/trashed"),
        )
        if folder.get("mimeType") != FOLDER_MIME_TYPE:
            raise SourceError(
                f"TAFITI_SOURCE={self.url}: {folder.get('title')!r} is not a folder "
                f"(its type is {folder.get('mimeType')}); use the id of the folder "
                "that holds the exports"
            )
        if folder.get("labels", {}).get("trashed"):
            raise SourceError(f"TAFITI_SOURCE={self.url}: the folder is in the Drive trash")

    def _list_folder(self, folder_id: str) -> list[GoogleDriveFile]:
        listing = self._drive.ListFile(
            {
                "q": f"'{folder_id}' in parents and trashed = false",
                "fields": _LIST_FIELDS,
                "maxResults": _PAGE_SIZE,
            }
        )
        items: list[GoogleDriveFile] = []
        for page_number in itertools.count(1):
            action = f"list Drive folder {folder_id} (page {page_number})"
            try:
                page = self._call(action, lambda: next(listing))
            except StopIteration:
                break
            items.extend(page)
        return items

    def _source_file(self, item: GoogleDriveFile, path: str) -> SourceFile | None:
        """Describe one listed Drive file, or return None if it is not an export."""
        title = item.get("title", "")
        mime_type = item.get("mimeType", "")
        if item.get("labels", {}).get("trashed"):
            log.debug("skipped %r (%s): in the trash", path, item["id"])
            return None
        if mime_type.startswith(_GOOGLE_APPS_MIME_PREFIX):
            log.debug(
                "skipped %r (%s): a Google %s, not an uploaded file", path, item["id"], mime_type
            )
            return None
        if Path(title).suffix.lower() not in EXPORT_SUFFIXES:
            log.debug("skipped %r (%s): not a .txt or .zip export", path, item["id"])
            return None
        checksum = item.get("md5Checksum")
        if not checksum:
            log.warning(
                "skipped %r (%s): Drive lists no md5Checksum for it, so changes cannot be detected",
                path,
                item["id"],
            )
            return None

        size = item.get("fileSize")
        return SourceFile(
            source=self.url,
            key=item["id"],
            name=title,
            size=int(size) if size is not None else None,
            modified=_parse_modified(item.get("modifiedDate"), path),
            checksum=checksum,
        )

    def _download(self, file: SourceFile) -> bytes:
        """Download ``file`` whole, checking its size and MD5 against the listing."""
        drive_file = self._drive.CreateFile({"id": file.key})
        stream = drive_file.GetContentIOBuffer(chunksize=_DOWNLOAD_CHUNK_BYTES)

        content = bytearray()
        digest = hashlib.md5(usedforsecurity=False)
        limit = self.settings.max_export_bytes
        for chunk in stream:
            content += chunk
            digest.update(chunk)
            if len(content) > limit:
                raise ExportTooLargeError(
                    f"more than TAFITI_MAX_EXPORT_BYTES={limit:,} bytes downloaded",
                    filename=file.name,
                )

        if file.size is not None and len(content) != file.size:
            raise _IncompleteDownload(f"received {len(content):,} of {file.size:,} bytes")
        if digest.hexdigest() != file.checksum:
            raise _IncompleteDownload(
                f"the MD5 of the {len(content):,} bytes received is {digest.hexdigest()}, "
                f"Drive listed {file.checksum}"
            )
        return bytes(content)

    def _call(self, action: str, operation: Callable[[], T]) -> T:
        return self._retry.run(operation, action=action, login=self._login)


def _parse_modified(value: str | None, path: str) -> datetime | None:
    """Parse Drive's RFC 3339 ``modifiedDate``, such as ``2024-03-01T10:00:00.000Z``."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        log.warning("%r: Drive listed an invalid modifiedDate %r; stored without one", path, value)
        return None


class _IncompleteDownload(Exception):
    """The bytes received do not match the size or MD5 that Drive listed."""


@dataclass(frozen=True)
class _Login:
    auth: GoogleAuth
    account: str  # who signed in, for messages
    fix: str  # what to do when Google rejects these credentials
    share_hint: str  # what to do when Drive denies these credentials access


def _folder_id_from(url: str) -> str:
    folder_id = url.removeprefix("gdrive://").strip("/")
    if not _FOLDER_ID.fullmatch(folder_id):
        raise ConfigError(
            f"TAFITI_SOURCE={url!r}: expected gdrive://<folder id>, where the id is the last "
            "part of the folder's address https://drive.google.com/drive/folders/<folder id>"
        )
    return folder_id


def _auth_settings(**settings: Any) -> dict[str, Any]:
    # Passing the settings dict keeps PyDrive2 from reading a settings.yaml in the current folder.
    return {"oauth_scope": [SCOPE], "save_credentials": False, **settings}


def _sign_in(settings: Settings, retry: RetryPolicy) -> _Login:
    if settings.gdrive_service_account_file is not None:
        return _sign_in_service_account(settings.gdrive_service_account_file, settings)
    return _sign_in_user(settings.gdrive_credentials_file, settings, retry)


def _sign_in_service_account(key_file: Path, settings: Settings) -> _Login:
    where = f"{_SERVICE_ACCOUNT_SETTING}={key_file}"
    if not key_file.is_file():
        raise CredentialsError(
            f"{where}: service account key file not found. Create a JSON key for the "
            "service account in the Google Cloud console (IAM & Admin > Service accounts > "
            f"Keys > Add key), save it at that path and share the Drive folder with the "
            f"service account's e-mail address; see {GUIDE}"
        )
    try:
        key = json.loads(key_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CredentialsError(f"{where}: cannot read the key file as JSON: {error}") from error
    if not isinstance(key, dict) or key.get("type") != "service_account":
        found = key.get("type") if isinstance(key, dict) else type(key).__name__
        raise CredentialsError(
            f"{where}: not a service account key (its type is {found!r}, expected "
            "'service_account'); an OAuth client file belongs in "
            "TAFITI_GDRIVE_CLIENT_SECRETS_FILE and is used by `tafiti drive auth`"
        )
    missing = [name for name in ("client_email", "private_key") if not key.get(name)]
    if missing:
        raise CredentialsError(f"{where}: the key has no {' or '.join(missing)}")

    auth = GoogleAuth(
        settings=_auth_settings(
            client_config_backend="service", service_config={"client_json_dict": key}
        ),
        http_timeout=settings.gdrive_timeout_seconds,
    )
    try:
        auth.ServiceAuth()
    # The key parser's error type depends on the crypto backend oauth2client found.
    except Exception as error:
        raise CredentialsError(f"{where}: invalid service account key: {error}") from error

    email = key["client_email"]
    return _Login(
        auth=auth,
        account=f"service account {email} (key {key_file})",
        fix=(
            f"Check that the key in {key_file} is not deleted or disabled in the Google Cloud "
            f"console and that the Drive folder is shared with {email}."
        ),
        share_hint=f"Check that the Drive folder is shared with {email}.",
    )


def _sign_in_user(credentials_file: Path, settings: Settings, retry: RetryPolicy) -> _Login:
    where = f"{_CREDENTIALS_SETTING}={credentials_file}"
    again = (
        "Run `tafiti drive auth` on a machine with a browser and copy the file it writes "
        f"to {credentials_file}"
    )
    if not credentials_file.is_file():
        raise CredentialsError(
            f"no Google Drive credentials: {_SERVICE_ACCOUNT_SETTING} is not set and "
            f"{where} does not exist. Set {_SERVICE_ACCOUNT_SETTING} to a service account "
            "key file (recommended on servers), or run `tafiti drive auth` on a machine with "
            f"a browser and copy the file it writes to {credentials_file}; see {GUIDE}"
        )
    if credentials_file.is_symlink():
        raise CredentialsError(
            f"{where}: oauth2client does not read credentials through a symbolic link; "
            "copy the file to that path instead"
        )
    saved = _read_saved_credentials(credentials_file, where, again)
    if not os.access(credentials_file, os.W_OK):
        raise CredentialsError(
            f"{where}: the file is not writable, so refreshed access tokens could not be "
            "saved; give the user running tafiti write access to it"
        )

    # PyDrive2 builds an OAuth flow before it refreshes a token that expires during a
    # sync, so it needs the client's id and secret. They come from the saved
    # credentials, because the server has no client_secrets.json.
    client_config = {
        "client_id": saved.get("client_id"),
        "client_secret": saved.get("client_secret"),
        "token_uri": saved.get("token_uri"),
        "revoke_uri": saved.get("revoke_uri"),
        "redirect_uri": "http://localhost",
    }
    auth = GoogleAuth(
        settings=_auth_settings(client_config_backend="settings", client_config=client_config),
        http_timeout=settings.gdrive_timeout_seconds,
    )
    auth.LoadCredentialsFile(str(credentials_file))
    login = _Login(
        auth=auth,
        account=f"the Google account in {credentials_file}",
        fix=f"{again}. {_TESTING_STATUS_HINT}",
        share_hint=(
            "Check that the Drive folder is shared with the Google account that ran "
            "`tafiti drive auth`."
        ),
    )
    if auth.access_token_expired:
        log.info("refreshing the expired Google access token in %s", credentials_file)
        retry.run(auth.Refresh, action="refresh the access token", login=login)
    auth.Authorize()
    return login


_TESTING_STATUS_HINT = (
    "If this happens every 7 days, the OAuth app is in Google's 'Testing' publishing status, "
    f"whose refresh tokens expire after 7 days: publish the app or use a service account ({GUIDE})."
)


def _read_saved_credentials(path: Path, where: str, again: str) -> dict[str, Any]:
    """Read OAuth user credentials saved by oauth2client; they must have a refresh token.

    oauth2client itself reads a file of another kind as "no credentials", or fails
    with a KeyError.
    """
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CredentialsError(f"{where}: cannot read the saved credentials: {error}") from error
    if not isinstance(saved, dict) or saved.get("_class") != "OAuth2Credentials":
        raise CredentialsError(
            f"{where}: not OAuth credentials saved by `tafiti drive auth` (a service account "
            f"key belongs in {_SERVICE_ACCOUNT_SETTING}). {again}"
        )
    missing = [
        name
        for name in ("refresh_token", "client_id", "client_secret", "token_uri")
        if not saved.get(name)
    ]
    if missing:
        raise CredentialsError(
            f"{where}: the saved credentials have no {' or '.join(missing)}. {again}"
        )
    return saved


def _use_endpoint(auth: GoogleAuth, endpoint: str | None) -> None:
    """Point the Drive service PyDrive2 built at ``endpoint`` (``TAFITI_GDRIVE_API_ENDPOINT``)."""
    if not endpoint:
        return
    # The same call PyDrive2's GoogleAuth.Authorize makes, plus the endpoint; it reads the
    # Drive v2 discovery document bundled with googleapiclient, so it makes no request.
    auth.service = build(
        "drive",
        "v2",
        http=auth.http,
        cache_discovery=False,
        static_discovery=True,
        client_options={"api_endpoint": endpoint},
    )


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to repeat a Drive request that failed for a passing reason.

    Rate limits (HTTP 429, or 403 with reason ``rateLimitExceeded`` or
    ``userRateLimitExceeded``), server errors (5xx), broken connections and
    incomplete downloads are retried. The wait starts at ``backoff_seconds``
    and doubles at each retry, plus up to ``backoff_seconds`` of random jitter.
    A longer ``Retry-After`` header wins. No wait exceeds 64 seconds.
    """

    max_attempts: int
    backoff_seconds: float
    sleep: Callable[[float], None] = time.sleep

    def run(self, operation: Callable[[], T], *, action: str, login: _Login) -> T:
        """Return what ``operation`` returns, retrying it as the class describes.

        An error that a retry cannot fix, and the last error after ``max_attempts``,
        is raised as a :class:`SourceError`. Rejected credentials raise a
        :class:`CredentialsError`. The message names ``action`` and the account.
        """
        for attempt in range(1, self.max_attempts + 1):
            try:
                return operation()
            except TafitiError:
                raise
            except Exception as error:
                failure = _describe_failure(error, action=action, login=login)
                if failure is None:
                    raise

            if not failure.retryable:
                raise failure.error
            if attempt == self.max_attempts:
                raise SourceError(f"{failure.error} (gave up after {attempt} attempts)")

            delay = self._delay(attempt, failure.retry_after)
            log.warning(
                "%s; retrying in %.1f s (attempt %d of %d)",
                failure.error,
                delay,
                attempt + 1,
                self.max_attempts,
            )
            self.sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")

    def _delay(self, attempt: int, retry_after: float) -> float:
        exponential = self.backoff_seconds * 2 ** (attempt - 1)
        jitter = random.uniform(0, self.backoff_seconds)
        return min(_MAX_BACKOFF_SECONDS, max(exponential, retry_after) + jitter)


@dataclass(frozen=True)
class _Failure:
    retryable: bool
    error: SourceError
    retry_after: float = 0.0


def _describe_failure(error: Exception, *, action: str, login: _Login) -> _Failure | None:
    """Classify ``error``; None means it is not a Drive, token or network failure."""
    if isinstance(error, AccessTokenRefreshError | RefreshError):
        return _describe_token_failure(error, login=login)
    if isinstance(error, _IncompleteDownload):
        return _Failure(
            retryable=True,
            error=SourceError(
                f"failed to {action}: {error}. The download was cut short or the file changed "
                "on Drive after it was listed; nothing from it was imported"
            ),
        )
    if isinstance(error, ApiRequestError):
        return _describe_http_failure(error.args[0], error.GetField("reason"), action, login)
    if isinstance(error, HttpError):
        return _describe_http_failure(error, "", action, login)
    if isinstance(error, ValueError) and (http_error := _http_error_behind(error)) is not None:
        # PyDrive2 parses every error body as JSON, so a non-JSON one (an HTML page
        # from a proxy or Google's front end) fails with this ValueError instead.
        return _describe_http_failure(http_error, "", action, login)
    if isinstance(error, _TRANSPORT_ERRORS):
        return _Failure(
            retryable=True,
            error=SourceError(f"failed to {action}: cannot reach Google: {error!r}"),
        )
    return None


def _http_error_behind(error: BaseException) -> HttpError | None:
    """Return the HttpError that was being handled when ``error`` was raised, if any."""
    context = error.__context__
    for _ in range(5):  # json raises JSONDecodeError while handling its own StopIteration
        if context is None or isinstance(context, HttpError):
            return context
        context = context.__context__
    return None


def _describe_http_failure(
    http_error: HttpError, reason: str, action: str, login: _Login
) -> _Failure:
    status = http_error.resp.status
    detail = f"HTTP {status}{f' {reason}' if reason else ''}: {_error_message(http_error)}"

    if status == 429 or status >= 500 or (status == 403 and reason in _RATE_LIMIT_REASONS):
        return _Failure(
            retryable=True,
            error=SourceError(f"failed to {action}: Google Drive responded with {detail}"),
            retry_after=_retry_after(http_error),
        )
    if status == 401:
        return _Failure(
            retryable=False,
            error=CredentialsError(
                f"Google Drive rejected the credentials of {login.account} in the request to "
                f"{action} ({detail}). {login.fix}"
            ),
        )
    if status == 403:
        hint = (
            "Enable the Google Drive API in the Cloud project of these credentials."
            if reason == "accessNotConfigured"
            else login.share_hint
        )
        return _Failure(
            retryable=False,
            error=CredentialsError(
                f"Google Drive denied {login.account} access in the request to {action} "
                f"({detail}). {hint}"
            ),
        )
    if status == 404:
        return _Failure(
            retryable=False,
            error=SourceError(
                f"failed to {action}: not found on Google Drive ({detail}). Check the folder id "
                f"in TAFITI_SOURCE and that the folder is shared with {login.account}"
            ),
        )
    return _Failure(
        retryable=False,
        error=SourceError(f"failed to {action}: Google Drive responded with {detail}"),
    )


def _describe_token_failure(error: Exception, *, login: _Login) -> _Failure:
    """Describe a failed access token request, which PyDrive2 may wrap in its RefreshError."""
    cause = error.__context__ if isinstance(error, RefreshError) else error
    status = getattr(cause, "status", None)
    if status is not None and (status == 429 or status >= 500):
        return _Failure(
            retryable=True,
            error=SourceError(f"Google's token endpoint responded with HTTP {status}: {error}"),
        )
    return _Failure(
        retryable=False,
        error=CredentialsError(
            f"Google rejected the credentials of {login.account} in an access token "
            f"request ({error}). {login.fix}"
        ),
    )


def _error_message(http_error: HttpError) -> str:
    try:
        body = json.loads(http_error.content.decode("utf-8"))
        return str(body["error"]["message"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return http_error.resp.reason or "no message"


def _retry_after(http_error: HttpError) -> float:
    value = http_error.resp.get("retry-after", "")
    return float(value) if value.isdigit() else 0.0


def authorize_user(
    client_secrets_file: Path,
    credentials_file: Path,
    *,
    ports: Sequence[int] = (8080, 8090),
    open_browser: bool = True,
    timeout_seconds: float = 60.0,
) -> Path:
    """Sign in with a browser and save OAuth user credentials to ``credentials_file``.

    Google's consent page redirects to a one-request web server on
    ``localhost`` at the first free port of ``ports``; Google no longer
    allows the flow where the user copies a code into the terminal. The
    saved credentials carry a refresh token, so a server can use them
    without a browser.
    """
    where = f"TAFITI_GDRIVE_CLIENT_SECRETS_FILE={client_secrets_file}"
    if not client_secrets_file.is_file():
        raise CredentialsError(
            f"{where}: OAuth client file not found. In the Google Cloud console create an "
            "OAuth client ID of type 'Desktop app', download its JSON and save it at that "
            f"path; see {GUIDE}"
        )

    auth = GoogleAuth(
        settings=_auth_settings(
            client_config_backend="file",
            client_config_file=str(client_secrets_file),
            get_refresh_token=True,
        ),
        http_timeout=timeout_seconds,
    )
    try:
        auth.LocalWebserverAuth(
            host_name="localhost", port_numbers=list(ports), launch_browser=open_browser
        )
    except InvalidConfigError as error:
        raise CredentialsError(
            f"{where}: not a valid OAuth client file ({error}); download the JSON of an "
            "OAuth client ID of type 'Desktop app'"
        ) from error
    except AuthenticationRejected as error:
        raise CredentialsError("Google sign-in was cancelled in the browser") from error
    except AuthenticationError as error:
        ports_text = ", ".join(str(port) for port in ports)
        raise CredentialsError(
            f"Google sign-in failed: {str(error) or 'no local port was free'} (local ports tried: "
            f"{ports_text}; choose others with --port)"
        ) from error

    if not auth.credentials.refresh_token:
        raise CredentialsError(
            "Google returned no refresh token, so the credentials would stop working within "
            "an hour; remove tafiti's access at https://myaccount.google.com/permissions "
            "and run `tafiti drive auth` again"
        )
    credentials_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    auth.SaveCredentialsFile(str(credentials_file))
    credentials_file.chmod(0o600)
    log.info("saved Google Drive credentials to %s", credentials_file)
    return credentials_file
