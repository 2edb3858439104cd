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
from tafiti.generate.formats import FORMAT_NAMES as GENERATED_FORMATS

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
    # Prefect's client logs every API call at INFO; only its problems matter here.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)


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
    settings = configure(
        source=source, database_url=database_url, reports_dir=reports_dir, timezone=timezone
    )
    if settings.sentry_dsn:
        from tafiti.monitoring import init_sentry

        try:
            init_sentry(settings)
        except TafitiError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)


@main.command("run")
@click.option("--force", is_flag=True, help="Re-render every report, changed or not.")
@_friendly_errors
def run_command(force: bool) -> None:
    """Sync the export source into the database, then publish the HTML reports.

    Exits with status 2 when some export files or reports failed; the others
    are still imported and published.
    """
    from flows.pipeline import pipeline_flow

    result = pipeline_flow(force=force)
    _print_sync_summary(result["sync"])
    _print_publish_summary(result["publish"])
    _exit_on_failures(result["sync"].get("failed", 0) + _publish_failures(result["publish"]))


@main.command("sync")
@_friendly_errors
def sync_command() -> None:
    """Import new or changed exports from the source (TAFITI_SOURCE) into the database.

    Exits with status 2 when some export files failed; the others are still imported.
    """
    from flows.sync import sync_flow

    summary = sync_flow()
    _print_sync_summary(summary)
    _exit_on_failures(summary.get("failed", 0))


@main.command("report")
@click.option("--group", "groups", multiple=True, help="Group slug or name (repeatable).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="First day of the period.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last day of the period.")
@click.option("--force", is_flag=True, help="Re-render reports whose data did not change.")
@_friendly_errors
def report_command(groups: tuple[str, ...], since: Any, until: Any, force: bool) -> None:
    """Render the HTML reports (by default, of the groups whose data changed).

    Exits with status 2 when some reports failed; the others are still published.
    """
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
    _exit_on_failures(_publish_failures(result))


def _exit_on_failures(failures: int) -> None:
    """Exit with status 2 when the job finished but some files or reports failed."""
    if failures:
        sys.exit(2)


@main.command("serve")
@click.option(
    "--schedule",
    envvar="TAFITI_SCHEDULE",
    help='Cron expression or interval ("0 * * * *", "15m"); overrides TAFITI_SCHEDULE.',
)
@_friendly_errors
def serve_command(schedule: str | None) -> None:
    """Run the pipeline on the schedule TAFITI_SCHEDULE until stopped (Ctrl-C).

    \b
    TAFITI_SCHEDULE is either
      a cron expression, five fields:  "0 * * * *" (hourly), "30 6 * * 1-5"
      an interval, a number and a unit s, m, h or d:  "15m", "1h", "90s";
        a plain number is seconds ("3600")
    Cron times are read in TAFITI_TIMEZONE. The default is "0 * * * *".

    \b
    Runs are scheduled by a Prefect server, so PREFECT_API_URL must point at one
    (for example http://127.0.0.1:4200/api after `prefect server start`;
    docker-compose.yml runs one). The pipeline never runs twice at once: a
    scheduled run that would overlap a running one is cancelled. Each run's log
    (files imported, reports rendered, failures) goes to this console and to
    the Prefect server.
    """
    from flows.schedule import serve_pipeline
    from tafiti.config import get_settings

    settings = get_settings()
    if schedule:
        settings = settings.model_copy(update={"schedule": schedule})
    serve_pipeline(settings)


def _print_sync_summary(summary: dict[str, Any]) -> None:
    click.echo(
        "sync: {found} export file(s) found: {imported} imported, {skipped} unchanged, "
        "{failed} failed; {new_messages} new message(s), {new_events} new event(s)".format(
            **{
                key: summary.get(key, 0)
                for key in ("found", "imported", "skipped", "failed", "new_messages", "new_events")
            }
        )
    )
    for problem in summary.get("errors", []):
        click.echo(f"  failed: {problem}", err=True)
    if summary.get("imported", 0) == 0 and summary.get("failed", 0) == 0:
        click.echo("sync: nothing new to import")


def _publish_failures(summary: dict[str, Any]) -> int:
    """Count the failed renders of a publish summary, the overview's included."""
    overview = summary.get("overview")
    overview_failed = overview is not None and overview.get("status") != "rendered"
    return summary.get("failed", 0) + int(overview_failed)


def _print_publish_summary(summary: dict[str, Any]) -> None:
    overview = summary.get("overview")
    overview_status = "unchanged" if overview is None else overview.get("status")
    click.echo(
        f"reports: {summary['rendered']} rendered, {summary['failed']} failed; "
        f"overview {overview_status}; index: {summary['index']}"
    )
    failures = [*summary.get("groups", []), *([overview] if overview else [])]
    for result in failures:
        if result.get("status") != "rendered":
            click.echo(f"  failed: {result.get('name')}: {result.get('error')}", err=True)


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
    from tafiti.parsing import parse_file, parsed_to_json_text, summarize

    parsed = parse_file(file, default_date_order=date_order)
    if as_json:
        click.echo(parsed_to_json_text(parsed))
    else:
        click.echo(summarize(parsed))


@main.command("groups")
@click.option("--json", "as_json", is_flag=True, help="Print the groups as a JSON list.")
@_friendly_errors
def groups_command(as_json: bool) -> None:
    """List the stored groups with their message, event and participant counts."""
    from tafiti.store.db import get_engine
    from tafiti.store.queries import list_groups

    groups = list_groups(get_engine())
    if as_json:
        click.echo(json.dumps(groups, ensure_ascii=False, indent=1))
        return
    if not groups:
        click.echo("no groups stored yet; run `tafiti sync` first")
        return
    headers = ("slug", "name", "messages", "events", "participants", "first", "last")
    rows = [
        (
            group["slug"],
            group["name"],
            f"{group['messages']:,}",
            f"{group['events']:,}",
            f"{group['participants']:,}",
            (group["first"] or "-")[:16],
            (group["last"] or "-")[:16],
        )
        for group in groups
    ]
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    numeric = {2, 3, 4}
    for row in [headers, *rows]:
        cells = [
            str(cell).rjust(width) if i in numeric else str(cell).ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        click.echo("  ".join(cells).rstrip())


@main.group("db")
def db_group() -> None:
    """Manage the database schema (TAFITI_DATABASE_URL)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Alembic revision to reach.")
@_friendly_errors
def db_upgrade_command(revision: str) -> None:
    """Apply the schema migrations the database does not have yet."""
    from tafiti.config import get_settings
    from tafiti.store.db import create_database_engine, current_revision, upgrade

    engine = create_database_engine(get_settings().database_url)
    try:
        upgrade(engine, revision)
        current = current_revision(engine)
    finally:
        engine.dispose()
    where = engine.url.render_as_string(hide_password=True)
    click.echo(f"database {where} is at revision {current}")


@main.group("drive")
def drive_group() -> None:
    """Google Drive as the export source (TAFITI_SOURCE=gdrive://<folder id>)."""


@drive_group.command("auth")
@click.option(
    "--client-secrets",
    type=click.Path(dir_okay=False, path_type=Path),
    help="OAuth client file of a 'Desktop app' client "
    "[default: TAFITI_GDRIVE_CLIENT_SECRETS_FILE].",
)
@click.option(
    "--credentials",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File the credentials are saved to [default: TAFITI_GDRIVE_CREDENTIALS_FILE].",
)
@click.option(
    "--port",
    "ports",
    type=int,
    multiple=True,
    help="Local port for Google's redirect; repeatable, the first free one is used "
    "[default: 8080, then 8090].",
)
@click.option("--no-browser", is_flag=True, help="Print the sign-in address instead of opening it.")
@_friendly_errors
def drive_auth_command(
    client_secrets: Path | None, credentials: Path | None, ports: tuple[int, ...], no_browser: bool
) -> None:
    """Sign in to Google in a browser and save credentials for the Drive source.

    Run this on a machine with a browser, then copy the credentials file to the
    server. A service account needs no sign-in; see docs/google-drive.md.
    """
    from tafiti.config import get_settings
    from tafiti.sources.gdrive import authorize_user

    settings = get_settings()
    saved = authorize_user(
        client_secrets or settings.gdrive_client_secrets_file,
        credentials or settings.gdrive_credentials_file,
        ports=ports or (8080, 8090),
        open_browser=not no_browser,
        timeout_seconds=settings.gdrive_timeout_seconds,
    )
    click.echo(
        f"saved Google Drive credentials to {saved}; copy this file to the server and "
        "point TAFITI_GDRIVE_CREDENTIALS_FILE at it"
    )


@drive_group.command("list")
@_friendly_errors
def drive_list_command() -> None:
    """List the export files in the Drive folder TAFITI_SOURCE names."""
    from tafiti.config import get_settings
    from tafiti.sources.gdrive import DriveSource

    settings = get_settings()
    if not settings.source.startswith("gdrive://"):
        raise click.UsageError(f"TAFITI_SOURCE={settings.source!r} is not a gdrive:// URL")
    source = DriveSource.from_url(settings.source, settings)
    files = source.list_files()
    for file in files:
        modified = file.modified.strftime("%Y-%m-%d %H:%M") if file.modified else "-"
        size = f"{file.size:,}" if file.size is not None else "-"
        click.echo(f"{modified}  {size:>12}  {file.name}  ({file.key})")
    click.echo(f"{len(files)} export files, read as {source.account}")


@main.command("generate")
@click.option(
    "--sample",
    "sample_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Rewrite the sample exports and their manifest.json in this folder.",
)
@click.option(
    "--groups-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where --sample writes the group metadata [default: groups.yml beside the folder].",
)
@click.option("--messages", type=click.IntRange(min=1), help="Messages per export to write.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(GENERATED_FORMATS),
    default="android",
    show_default=True,
    help="Phone and language of the export: android (British English), android-us, "
    "android-pt (Portuguese), ios (British English), ios-us.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="File to write; with --exports above 1, the folder to write the exports into.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--zip", "zipped", is_flag=True, help="Write a zip (chat text plus media files).")
@click.option(
    "--exports",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Number of exports of the same group, each --messages long.",
)
@click.option(
    "--overlap",
    type=click.FloatRange(0.0, 1.0),
    default=0.9,
    show_default=True,
    help="Share of messages each export repeats from the previous one (with --exports).",
)
@_friendly_errors
def generate_command(
    sample_dir: Path | None,
    groups_file: Path | None,
    messages: int | None,
    fmt: str,
    out: Path | None,
    seed: int,
    zipped: bool,
    exports: int,
    overlap: float,
) -> None:
    """Write invented WhatsApp exports and a manifest of what they contain.

    \b
    tafiti generate --sample data/exports
        the sample groups, data/exports/manifest.json and data/groups.yml
    tafiti generate --messages 100000 --format ios --out big.txt
        one export, streamed to big.txt, and big.txt.manifest.json
    tafiti generate --messages 5000 --exports 100 --overlap 0.9 --out runs/
        100 overlapping exports of one group and runs/manifest.json
    """
    from tafiti import generate

    if sample_dir is not None:
        target = groups_file or sample_dir.parent / "groups.yml"
        manifest = generate.write_sample(sample_dir, target)
        totals = manifest["totals"]
        click.echo(
            f"wrote {totals['files']} exports of {totals['groups']} groups "
            f"({totals['messages']:,} messages) to {sample_dir}, "
            f"the manifest to {sample_dir / 'manifest.json'} and group metadata to {target}"
        )
        return

    if messages is None or out is None:
        raise click.UsageError("give --sample DIR, or --messages N and --out FILE")
    if exports > 1:
        manifest = generate.overlapping_exports(
            out, exports, messages, overlap, fmt, seed, zipped=zipped
        )
        where = out / "manifest.json"
    else:
        if zipped and out.suffix.lower() != ".zip":
            raise click.UsageError(f"--zip needs an --out file ending in .zip, got {out}")
        manifest = generate.write_export(out, messages, fmt, seed, zipped=zipped or None)
        where = out.with_name(out.name + ".manifest.json")
    totals = manifest["totals"]
    click.echo(
        f"wrote {totals['files']} export(s), {totals['messages']:,} distinct messages and "
        f"{totals['events']:,} events, to {out}; manifest: {where}"
    )


if __name__ == "__main__":
    main()
