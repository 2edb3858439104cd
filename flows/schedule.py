"""The schedule: ``tafiti serve`` registers the pipeline with a Prefect server and runs it.

Prefect 3 schedules runs only on a real server (``prefect server start``), not
on the temporary one it starts in-process, so serving needs ``PREFECT_API_URL``.
The deployment allows one pipeline run at a time across every ``tafiti serve``
process registered with that server: a scheduled run that would overlap a
running one is cancelled, and the next scheduled run picks up its work.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from datetime import timedelta

from tafiti.config import Settings
from tafiti.errors import ConfigError

log = logging.getLogger(__name__)

DEPLOYMENT_NAME = "scheduled"

_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Schedule:
    """A parsed ``TAFITI_SCHEDULE``: either a cron expression or an interval."""

    cron: str | None = None
    interval: timedelta | None = None

    def describe(self) -> str:
        if self.cron is not None:
            return f'cron "{self.cron}"'
        return f"every {self.interval}"


def parse_schedule(text: str) -> Schedule:
    """Parse a schedule: five cron fields ("0 * * * *") or an interval ("15m", "1h", "90").

    An interval is a whole number with an optional unit: s, m, h or d; no unit
    means seconds. Raises :class:`ConfigError` naming ``TAFITI_SCHEDULE``.
    """
    interval = _INTERVAL.match(text)
    if interval:
        seconds = int(interval.group(1)) * _UNIT_SECONDS[interval.group(2)]
        if seconds <= 0:
            raise ConfigError(f"TAFITI_SCHEDULE={text!r}: the interval must be longer than zero")
        return Schedule(interval=timedelta(seconds=seconds))

    from prefect.schedules import validate_cron_string

    cron = " ".join(text.split())
    if len(cron.split()) != 5:
        raise ConfigError(
            f"TAFITI_SCHEDULE={text!r} is neither a cron expression with five fields"
            ' ("0 * * * *") nor an interval ("15m", "1h", "3600")'
        )
    try:
        validate_cron_string(cron)
    except ValueError as error:
        raise ConfigError(
            f"TAFITI_SCHEDULE={text!r} is not a valid cron expression: {error}"
        ) from None
    return Schedule(cron=cron)


def check_prefect_server() -> str:
    """Return ``PREFECT_API_URL`` after checking that a Prefect server responds there.

    Raises :class:`ConfigError` when the variable is unset or the health check fails.
    """
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        raise ConfigError(
            "PREFECT_API_URL is not set: tafiti serve needs a Prefect server to schedule runs."
            " Start one with `prefect server start` and set"
            " PREFECT_API_URL=http://127.0.0.1:4200/api (docker-compose.yml runs one)"
        )
    with get_client(sync_client=True) as client:
        error = client.api_healthcheck()
    if error is not None:
        raise ConfigError(
            f"health check of the Prefect server at PREFECT_API_URL={url} failed ({error});"
            " start it with `prefect server start` or correct PREFECT_API_URL"
        )
    return url


def serve_pipeline(settings: Settings) -> None:
    """Register the pipeline on ``settings.schedule`` with the Prefect server and serve it.

    Prefect's runner executes each scheduled run in a subprocess. That subprocess
    reads tafiti's settings from the environment, so settings given on the
    command line are exported to it first.
    """
    schedule = parse_schedule(settings.schedule)
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        # The runner polls the server every few seconds; httpx logs each request at INFO.
        logging.getLogger("httpx").setLevel(logging.WARNING)
    url = check_prefect_server()
    _export_settings(settings)

    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron, Interval

    from flows.pipeline import pipeline_flow

    if schedule.cron is not None:
        prefect_schedule = Cron(schedule.cron, timezone=settings.timezone)
    else:
        prefect_schedule = Interval(schedule.interval, timezone=settings.timezone)

    log.info(
        "serving the pipeline on %s (%s) with the Prefect server at %s; stop with Ctrl-C",
        schedule.describe(),
        settings.timezone,
        url,
    )
    pipeline_flow.serve(
        name=DEPLOYMENT_NAME,
        schedule=prefect_schedule,
        paused=False,
        global_limit=ConcurrencyLimitConfig(
            limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
        ),
        limit=1,
        description="Sync the exports, then publish the reports whose data changed.",
        tags=["tafiti"],
        print_starting_message=False,
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    log.info("stopped serving the pipeline")


def _export_settings(settings: Settings) -> None:
    """Put settings that differ from the environment's into it, for the flow-run subprocesses."""
    from_environment = Settings()
    for name, value in settings:
        if value is None or value == getattr(from_environment, name):
            continue
        variable = "SENTRY_DSN" if name == "sentry_dsn" else f"TAFITI_{name.upper()}"
        os.environ[variable] = str(value)

    # tafiti's own log lines go where Prefect sends the run's logs: the console and the server.
    extra = os.environ.get("PREFECT_LOGGING_EXTRA_LOGGERS", "")
    if "tafiti" not in extra.split(","):
        os.environ["PREFECT_LOGGING_EXTRA_LOGGERS"] = ",".join(filter(None, [extra, "tafiti"]))
