"""The ``tafiti`` command line.

``run``, ``sync`` and ``report`` start the Prefect flows in ``flows/``, so an
interactive run and a scheduled one execute the same code. Errors a user can
cause are printed as one message, without a traceback, and exit with status 1.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from tafiti.config import configure
from tafiti.errors import TafitiError

log = logging.getLogger("tafiti")


def _friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Print a :class:`TafitiError` as one line on stderr and exit 1."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except TafitiError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)

    return wrapper


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(message)s",
        datefmt="%H:%M:%S",
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--source", envvar="TAFITI_SOURCE", help="Exports folder or gdrive://<folder id>.")
@click.option("--database-url", envvar="TAFITI_DATABASE_URL", help="SQLAlchemy database URL.")
@click.option(
    "--reports-dir",
    envvar="TAFITI_REPORTS_DIR",
    type=click.Path(path_type=Path),
    help="Folder the HTML reports are written to.",
)
@click.option("--timezone", envvar="TAFITI_TIMEZONE", help="Time zone of the exporting phones.")
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages too.")
def main(
    source: str | None,
    database_url: str | None,
    reports_dir: Path | None,
    timezone: str | None,
    verbose: bool,
) -> None:
    """Tafiti Chat Analysis: WhatsApp group exports to a database and HTML reports.

    Settings come from TAFITI_* environment variables and a .env file
    (see .env_sample); the options above override them.
    """
    _setup_logging(verbose)
    configure(
        source=source, database_url=database_url, reports_dir=reports_dir, timezone=timezone
    )


@main.command("run")
@click.option("--force", is_flag=True, help="Re-render every report, changed or not.")
@_friendly_errors
def run_command(force: bool) -> None:
    """Sync the export source into the database, then publish the HTML reports."""
    from flows.pipeline import pipeline_flow

    result = pipeline_flow(force=force)
    _print_sync_summary(result["sync"])
    _print_publish_summary(result["publish"])


@main.command("sync")
@_friendly_errors
def sync_command() -> None:
    """Import new or changed exports from the source into the database."""
    from flows.sync import sync_flow

    _print_sync_summary(sync_flow())


@main.command("report")
@click.option("--group", "groups", multiple=True, help="Group slug or name (repeatable).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="First day of the period.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last day of the period.")
@click.option("--force", is_flag=True, help="Re-render reports whose data did not change.")
@_friendly_errors
def report_command(groups: tuple[str, ...], since: Any, until: Any, force: bool) -> None:
    """Render the HTML reports (by default, of the groups whose data changed)."""
    from flows.publish import publish_flow
    from tafiti.store.db import get_engine
    from tafiti.store.queries import resolve_group_slugs

    slugs = resolve_group_slugs(get_engine(), list(groups)) if groups else None
    result = publish_flow(
        groups=slugs,
        since=since.date().isoformat() if since else None,
        until=until.date().isoformat() if until else None,
        force=force,
    )
    _print_publish_summary(result)


def _print_sync_summary(summary: dict[str, Any]) -> None:
    click.echo(
        "sync: {found} export file(s) found: {imported} imported, {skipped} unchanged, "
        "{failed} failed; {new_messages} new message(s), {new_events} new event(s)".format(
            **{key: summary.get(key, 0) for key in (
                "found", "imported", "skipped", "failed", "new_messages", "new_events"
            )}
        )
    )
    for problem in summary.get("errors", []):
        click.echo(f"  failed: {problem}", err=True)
    if summary.get("imported", 0) == 0 and summary.get("failed", 0) == 0:
        click.echo("sync: nothing new to import")


def _print_publish_summary(summary: dict[str, Any]) -> None:
    click.echo(
        f"reports: {summary['rendered']} rendered, {summary['failed']} failed; "
        f"index: {summary['index']}"
    )
    for result in summary.get("groups", []):
        if isinstance(result, dict) and result.get("status") != "rendered":
            click.echo(f"  failed: {result.get('slug')}: {result.get('error')}", err=True)


@main.command("parse")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON.")
@click.option(
    "--date-order",
    type=click.Choice(["DMY", "MDY", "YMD"]),
    help="Date order to use when the file itself does not decide it.",
)
@_friendly_errors
def parse_command(file: Path, as_json: bool, date_order: str | None) -> None:
    """Parse one export FILE (.txt or .zip) and print what it contains."""
    from tafiti.parsing import parse_file, parsed_to_json, summarize

    parsed = parse_file(file, default_date_order=date_order)
    if as_json:
        click.echo(json.dumps(parsed_to_json(parsed), ensure_ascii=False, indent=1))
    else:
        click.echo(summarize(parsed))


if __name__ == "__main__":
    main()
