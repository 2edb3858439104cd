"""Parsing TAFITI_SCHEDULE and checking for a Prefect server before serving."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from flows.schedule import Schedule, check_prefect_server, parse_schedule
from tafiti.cli import main
from tafiti.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15m", Schedule(interval=timedelta(minutes=15))),
        ("1h", Schedule(interval=timedelta(hours=1))),
        ("90s", Schedule(interval=timedelta(seconds=90))),
        ("3600", Schedule(interval=timedelta(hours=1))),
        ("2d", Schedule(interval=timedelta(days=2))),
        (" 60 s ", Schedule(interval=timedelta(seconds=60))),
        ("0 * * * *", Schedule(cron="0 * * * *")),
        ("30  6 * * 1-5", Schedule(cron="30 6 * * 1-5")),
        ("*/15 * * * *", Schedule(cron="*/15 * * * *")),
    ],
)
def test_schedule_parses(text: str, expected: Schedule) -> None:
    assert parse_schedule(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0m", "longer than zero"),
        ("15 minutes", "neither a cron expression"),
        ("hourly", "neither a cron expression"),
        ("0 * * *", "neither a cron expression"),
        ("61 * * * *", "not a valid cron expression"),
        ("-5m", "neither a cron expression"),
    ],
)
def test_invalid_schedule_is_rejected(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        parse_schedule(text)

    assert "TAFITI_SCHEDULE" in str(raised.value)


def test_missing_prefect_api_url_is_rejected() -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        with pytest.raises(ConfigError, match="PREFECT_API_URL is not set"):
            check_prefect_server()


def test_unreachable_prefect_server_is_rejected() -> None:
    import socket

    from prefect.settings import PREFECT_API_URL, temporary_settings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api"

    with temporary_settings(updates={PREFECT_API_URL: url}):
        with pytest.raises(ConfigError, match=f"127.0.0.1:{port}/api failed"):
            check_prefect_server()


def test_serve_help_documents_schedule() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])

    assert result.exit_code == 0
    assert "TAFITI_SCHEDULE" in result.output
    assert '"0 * * * *"' in result.output
    assert '"15m"' in result.output
    assert "PREFECT_API_URL" in result.output


def test_serve_without_server_exits_with_message(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)

    result = CliRunner().invoke(main, ["serve", "--schedule", "15m"])

    assert result.exit_code == 1
    assert "PREFECT_API_URL is not set" in result.output
