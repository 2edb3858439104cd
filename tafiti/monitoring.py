"""Error reporting to Sentry, with chat content scrubbed before anything leaves the machine.

``init_sentry(settings)`` turns sentry-sdk on when ``SENTRY_DSN`` is set; the
CLI and the flows call it at start. ``report_failure(error, step=...)`` sends
one event for a file that failed to import or a report that failed to render,
tagged with the step and the export file or group.

Exports are research data about real people, so the events carry the error's
type, the stack of code frames and tags, and nothing read from an export:

- exception messages are replaced (they may quote a line of the chat);
- local variables are neither collected nor sent;
- log messages keep only their ``%``-template, never the arguments, and a
  message logged without arguments (it may be an f-string) is removed;
- ``extra``, ``request`` and ``user`` are dropped;
- anything left that looks like a phone number (``+`` then digits) is masked.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import sentry_sdk
from sentry_sdk.integrations.logging import LoggingIntegration
from sentry_sdk.utils import BadDsn

from tafiti.config import Settings, get_settings
from tafiti.errors import ConfigError

log = logging.getLogger(__name__)

REMOVED = "[removed]"

STEPS = ("sync", "render", "publish", "pipeline")

# "+" and at least 7 more digits, allowing the spaces, dots and dashes phones write.
_PHONE_NUMBER = re.compile(r"\+\s?\d(?:[\s.\-()]*\d){6,}")

# Breadcrumb categories whose data is a request line we wrote, never chat text.
_HTTP_CATEGORIES = {"httplib", "http", "httpx"}
_HTTP_DATA_KEYS = ("method", "status_code", "reason", "url")

_initialized_dsn: str | None = None


def init_sentry(settings: Settings) -> bool:
    """Start sentry-sdk with the scrubbers if ``settings.sentry_dsn`` is set.

    Returns whether Sentry is on. Calling it again with the same DSN does nothing,
    so every entry point (CLI, flow, Dask worker) may call it.
    """
    global _initialized_dsn
    dsn = settings.sentry_dsn
    if not dsn:
        return False
    if dsn == _initialized_dsn and sentry_sdk.get_client().is_active():
        return True

    from tafiti import __version__

    try:
        sentry_sdk.init(
            dsn=dsn,
            environment=settings.sentry_environment,
            release=f"tafiti@{__version__}",
            send_default_pii=False,
            include_local_variables=False,
            max_breadcrumbs=50,
            before_send=scrub_event,
            before_breadcrumb=scrub_breadcrumb,
            # Log records become breadcrumbs only: events come from report_failure
            # and uncaught exceptions, so one failure is one event.
            integrations=[LoggingIntegration(level=logging.INFO, event_level=None)],
        )
    except BadDsn as error:
        raise ConfigError(f"SENTRY_DSN is not a valid Sentry DSN: {error}") from None
    _initialized_dsn = dsn
    log.info("error reporting to Sentry is on (environment %s)", settings.sentry_environment)
    return True


def report_failure(
    error: BaseException,
    *,
    step: str,
    export_file: str | None = None,
    group: str | None = None,
) -> str | None:
    """Send ``error`` to Sentry as one event tagged with ``step`` and the file or group.

    ``step`` is one of :data:`STEPS` (``sync`` for a file that failed to import,
    ``render`` for a report that failed to render). Returns the event id, or
    ``None`` when no ``SENTRY_DSN`` is configured. Sentry is started from the
    process-wide settings if it is not on yet (in a Dask worker, for example).

    NOTE: the ``export_file`` tag is sent as given, with phone numbers masked.
    WhatsApp names an export after the chat, so a one-to-one chat's export
    carries the contact's name.
    """
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}; expected one of {', '.join(STEPS)}")
    if not sentry_sdk.get_client().is_active() and not init_sentry(get_settings()):
        return None

    with sentry_sdk.new_scope() as scope:
        scope.set_tag("step", step)
        if export_file is not None:
            scope.set_tag("export_file", export_file)
        if group is not None:
            scope.set_tag("group", group)
        scope.set_level("error")
        event_id = scope.capture_exception(error)

    # Flow runs and workers may exit right after a failure; send it now.
    sentry_sdk.flush(timeout=5)
    log.debug("reported %s failure to Sentry as event %s", step, event_id)
    return event_id


def scrub_event(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Remove chat content from an event before sentry-sdk sends it (``before_send``)."""
    for key in ("extra", "request", "user"):
        event.pop(key, None)
    if "message" in event:
        event["message"] = REMOVED

    error = hint.get("exc_info", (None, None, None))[1] if hint else None
    exceptions = event.get("exception", {}).get("values", [])
    for position, exception in enumerate(exceptions):
        outermost = position == len(exceptions) - 1
        exception["value"] = _safe_error_text(error if outermost else None)
        _drop_frame_variables(exception.get("stacktrace"))
    for thread in event.get("threads", {}).get("values", []):
        _drop_frame_variables(thread.get("stacktrace"))

    if "logentry" in event:
        event["logentry"] = _scrub_log_entry(event["logentry"])

    breadcrumbs = event.get("breadcrumbs", {})
    values = breadcrumbs.get("values", []) if isinstance(breadcrumbs, dict) else breadcrumbs
    scrubbed = [scrub_breadcrumb(crumb, {}) for crumb in values]
    kept = [crumb for crumb in scrubbed if crumb is not None]
    if isinstance(breadcrumbs, dict):
        breadcrumbs["values"] = kept
    elif breadcrumbs:
        event["breadcrumbs"] = kept

    return _mask_phone_numbers(event)


def scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """Keep a breadcrumb's kind, level, time and code-written text (``before_breadcrumb``)."""
    record = hint.get("log_record") if hint else None
    category = crumb.get("category")
    data = crumb.get("data") or {}

    if record is not None:
        crumb["message"] = _log_template(record.msg, record.args)
        crumb.pop("data", None)
    elif category in _HTTP_CATEGORIES:
        crumb["data"] = {key: data[key] for key in _HTTP_DATA_KEYS if key in data}
        crumb.pop("message", None)
    elif crumb.get("type") == "log":
        # A log breadcrumb seen again in before_send: its message was scrubbed on record.
        crumb.pop("data", None)
    else:
        crumb.pop("message", None)
        crumb.pop("data", None)
    return _mask_phone_numbers(crumb)


def _safe_error_text(error: BaseException | None) -> str:
    """Build the replacement for an exception message: only its line number, never its text."""
    line = getattr(error, "line", None)
    if isinstance(line, int):
        return f"{REMOVED} (line {line})"
    return REMOVED


def _drop_frame_variables(stacktrace: dict[str, Any] | None) -> None:
    for frame in (stacktrace or {}).get("frames", []):
        frame.pop("vars", None)


def _scrub_log_entry(entry: dict[str, Any]) -> dict[str, Any]:
    params = entry.get("params") or ()
    return {"message": _log_template(entry.get("message"), params)}


def _log_template(message: object, args: object) -> str:
    """Return the template of a log message with arguments, else REMOVED (it may embed data)."""
    if isinstance(message, str) and args:
        return message
    return REMOVED


def _mask_phone_numbers(value: Any) -> Any:
    if isinstance(value, str):
        return _PHONE_NUMBER.sub(REMOVED, value)
    if isinstance(value, dict):
        return {key: _mask_phone_numbers(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_phone_numbers(item) for item in value]
    return value
