"""The sample exports in ``data/exports``, their manifest and ``data/groups.yml``.

Five invented training-cohort groups, in the formats staff send in: Android
exports in British and US English and in Portuguese, and iOS zips with and
without media. One group is exported twice, before its rename and again later,
and the second file repeats all of the first one's history. An iOS group is
renamed too, so its system lines carry the new name from the first line on.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tafiti.generate.export import Window, write_manifest, write_windows
from tafiti.generate.formats import export_format
from tafiti.generate.manifest import Tally, add_totals, new_manifest
from tafiti.generate.simulate import GroupSpec, simulate, staff_names

log = logging.getLogger(__name__)

SAMPLE_SEED = 2024


@dataclass(frozen=True)
class SampleGroup:
    """One group of the sample set: what to simulate, how to export it, its metadata.

    ``export_dates`` are the days the group was exported, each export holding
    every message before that day; ``None`` exports the whole history.
    """

    spec: GroupSpec
    format: str
    cohort: str
    programme: str
    timezone: str
    zipped: bool = False
    export_dates: tuple[date | None, ...] = (None,)


SAMPLE_GROUPS = (
    SampleGroup(
        spec=GroupSpec(
            name="Duka Bora Cohort 7",
            start=datetime(2024, 1, 8, 8, 42, 13),
            messages=1450,
            days=84,
            training_days=63,
            languages={"en": 0.55, "sw": 0.45},
            members=42,
            facilitators=("Lucy Wambui", "Dennis Kiprono"),
            advisor="Mercy Achieng (Advisor)",
            renames=((24, "Duka Bora C7 - Nakuru"),),
            silences=((38, 9),),
            number_changes=1,
        ),
        format="android",
        cohort="C7",
        programme="Duka Bora retail skills",
        timezone="Africa/Nairobi",
        export_dates=(date(2024, 1, 29), None),
    ),
    SampleGroup(
        spec=GroupSpec(
            name="Mama Biashara Thika",
            start=datetime(2024, 9, 2, 19, 5, 41),
            messages=900,
            days=70,
            training_days=56,
            languages={"en": 0.5, "sw": 0.5},
            members=30,
            facilitators=("Esther Nyambura",),
            advisor="Caroline Wekesa",
            session_weekdays=(0, 3),
            session_hour=18,
            silences=((30, 7),),
            attach_last=160,
        ),
        format="ios",
        cohort="Thika 2024-B",
        programme="Mama Biashara women traders",
        timezone="Africa/Nairobi",
        zipped=True,
    ),
    SampleGroup(
        spec=GroupSpec(
            name="Salon & Kinyozi Mentors",
            start=datetime(2024, 6, 3, 7, 58, 2),
            messages=750,
            days=90,
            training_days=56,
            languages={"en": 0.8, "sw": 0.2},
            members=26,
            facilitators=("Faith Chebet", "Brian Omondi"),
            silences=((63, 12),),
            exporter="creator",
        ),
        format="android-us",
        cohort="Mentors 2024",
        programme="Salon and barbershop mentorship",
        timezone="Africa/Nairobi",
    ),
    SampleGroup(
        spec=GroupSpec(
            name="VKB Cohort 2",
            start=datetime(2025, 2, 10, 9, 12, 55),
            messages=800,
            days=75,
            training_days=60,
            languages={"sw": 0.8, "en": 0.2},
            members=34,
            facilitators=("Baraka Mwangi",),
            advisor="Halima Said",
            renames=((9, "Vijana Kilimo Biashara 2"),),
            session_weekdays=(2,),
            session_hour=14,
            exporter="creator",
        ),
        format="ios",
        cohort="VKB2",
        programme="Vijana Kilimo Biashara youth agribusiness",
        timezone="Africa/Nairobi",
        zipped=True,
    ),
    SampleGroup(
        spec=GroupSpec(
            name="Formação Negócios Nampula C3",
            start=datetime(2024, 3, 4, 9, 3, 0),
            messages=520,
            days=60,
            training_days=45,
            country="mz",
            languages={"pt": 1.0},
            members=24,
            facilitators=("Celeste Muianga",),
            advisor="Paulo Nhantumbo",
            session_weekdays=(1,),
            session_hour=9,
        ),
        format="android-pt",
        cohort="C3",
        programme="Formação de Negócios Nampula",
        timezone="Africa/Maputo",
    ),
)


def write_sample(
    directory: Path, groups_file: Path | None = None, seed: int = SAMPLE_SEED
) -> dict[str, Any]:
    """Write the sample exports, ``manifest.json`` and the group metadata file.

    Files that an earlier sample manifest in ``directory`` listed, and this one
    does not, are deleted. No other file in ``directory`` is touched.
    """
    directory.mkdir(parents=True, exist_ok=True)
    previous = _listed_files(directory / "manifest.json")
    manifest = new_manifest(
        "Sample WhatsApp exports of invented training-cohort groups, written by "
        "`tafiti generate --sample`; every name and number is made up.",
        seed,
    )

    for index, group in enumerate(SAMPLE_GROUPS):
        _write_group(directory, group, seed + index, manifest)
    add_totals(manifest)
    write_manifest(manifest, directory / "manifest.json")

    for stale in sorted(previous - set(manifest["files"])):
        (directory / stale).unlink(missing_ok=True)
        log.info("deleted %s, no longer part of the sample", stale)
    if groups_file is not None:
        write_groups_file(groups_file, manifest)
    return manifest


def _listed_files(path: Path) -> set[str]:
    if not path.is_file():
        return set()
    try:
        return set(json.loads(path.read_text(encoding="utf-8")).get("files", {}))
    except (ValueError, AttributeError):
        return set()


def _write_group(directory: Path, group: SampleGroup, seed: int, manifest: dict[str, Any]) -> None:
    spec = group.spec
    fmt = export_format(group.format)
    windows = [
        Window(directory / fmt.export_file_name(name, group.zipped), 1, last, zipped=group.zipped)
        for last, name in _export_cuts(spec, seed, group.export_dates)
    ]
    union = write_windows(spec, seed, fmt, windows)

    files = []
    for window in windows:
        key = window.path.relative_to(directory).as_posix()
        manifest["files"][key] = file_entry(window, fmt, union)
        files.append(key)
        log.info("wrote %s (%d messages)", key, window.tally.messages)

    entry = group_entry(union, files, fmt, spec, seed)
    entry.update(
        cohort=group.cohort,
        programme=group.programme,
        timezone=group.timezone,
        start_date=spec.start.date().isoformat(),
    )
    manifest["groups"][entry["name"]] = entry


def _export_cuts(
    spec: GroupSpec, seed: int, export_dates: tuple[date | None, ...]
) -> list[tuple[int, str]]:
    """Return the last message number and the group's name of each export date."""
    cuts = []
    for export_date in export_dates:
        last, name = 0, spec.name
        for item in simulate(spec, seed):
            if export_date is not None and item.timestamp.date() >= export_date:
                break
            if item.kind != "event":
                last = item.number
            elif item.event == "subject_changed" and item.new_name:
                name = item.new_name
        cuts.append((last, name))
    return cuts


def file_entry(window: Window, fmt: Any, union: Tally) -> dict[str, Any]:
    """Return the manifest entry of one export file."""
    entry: dict[str, Any] = {
        "group": union.summary()["name"],
        "format": fmt.name,
        "platform": fmt.platform,
        "date_order": fmt.date_order,
        "ui_language": fmt.language,
        "zip": window.zipped,
        "chat_file": fmt.chat_file_name(window.group_name) if window.zipped else None,
        "attachment_files": window.attachments,
        "first_message_number": window.first,
        "last_message_number": window.last,
    }
    entry.update(window.tally.summary())
    return entry


def group_entry(
    union: Tally, files: list[str], fmt: Any, spec: GroupSpec, seed: int
) -> dict[str, Any]:
    """Return the manifest entry of one group: its union counts plus metadata."""
    summary = union.summary()
    staff = staff_names(spec, seed)
    entry: dict[str, Any] = {
        "name": summary["name"],
        "files": files,
        "format": fmt.name,
        "ui_language": fmt.language,
        "languages": sorted(spec.languages, key=lambda language: -spec.languages[language]),
        "facilitators": staff["facilitators"],
        "advisor": staff["advisor"],
        "exporter": staff["exporter"],
    }
    entry.update(summary)
    return entry


GROUPS_FILE_HEADER = """\
# Group metadata: what researchers report by, for each WhatsApp group.
# Written by `tafiti generate --sample data/exports` for the sample exports;
# change the generator (tafiti/generate/sample.py), not this file.
#
# groups:                 a list, one entry per group
#   - name:               the group's current name (its latest subject)
#     exports:            export file names, or glob patterns, relative to the
#                         exports folder, that belong to this group whatever
#                         group name the file name carries
#     cohort:             the cohort label reports are grouped by
#     programme:          the training programme
#     advisor:            the business advisor following the group
#     facilitators:       a list of the group's facilitators
#     timezone:           IANA time zone of the group's phones; used to show
#                         and analyse times, never to identify messages
#     start_date:         the day the cohort started (YYYY-MM-DD)
#     aliases:            one person under several names: their name, then
#                         the list of other names they appear under (another
#                         phone's contact name, a new phone number)
"""


def write_groups_file(path: Path, manifest: dict[str, Any]) -> None:
    """Write the group metadata of the sample groups in ``manifest`` as YAML."""
    import yaml

    groups = []
    for entry in manifest["groups"].values():
        groups.append(
            {
                "name": entry["name"],
                "exports": list(entry["files"]),
                "cohort": entry["cohort"],
                "programme": entry["programme"],
                "advisor": entry["advisor"],
                "facilitators": entry["facilitators"],
                "timezone": entry["timezone"],
                "start_date": date.fromisoformat(entry["start_date"]),
                "aliases": entry["aliases"],
            }
        )
    text = yaml.safe_dump(
        {"groups": groups}, sort_keys=False, allow_unicode=True, default_flow_style=False
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(GROUPS_FILE_HEADER + "\n" + text, encoding="utf-8")
