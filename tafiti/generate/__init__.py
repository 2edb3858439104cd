"""Invented WhatsApp group exports with a manifest of what they contain.

The generator is an independent source of truth for tests and benchmarks: it
writes export text itself and imports nothing from ``tafiti.parsing``, and its
manifest counts the records it generated, not what a parser reads back.

* :func:`write_sample` writes the sample set of ``data/exports`` (five groups,
  Android and iOS, English, Swahili and Portuguese) with ``manifest.json`` and
  the group metadata file ``data/groups.yml``.
* :func:`write_export` writes one export of any size, streamed to the file,
  with its manifest.
* :func:`overlapping_exports` writes several exports of the same group whose
  histories overlap, as staff produce when they export a group again and again.

The same arguments and seed give byte-identical files on the same Python
version.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

from tafiti.generate.export import Window, write_manifest, write_windows
from tafiti.generate.formats import FORMAT_DESCRIPTIONS, FORMAT_NAMES, export_format
from tafiti.generate.manifest import add_totals, new_manifest
from tafiti.generate.sample import SAMPLE_GROUPS, SAMPLE_SEED, file_entry, group_entry, write_sample
from tafiti.generate.simulate import GroupSpec

__all__ = [
    "FORMAT_DESCRIPTIONS",
    "FORMAT_NAMES",
    "SAMPLE_GROUPS",
    "SAMPLE_SEED",
    "GroupSpec",
    "large_group_spec",
    "overlapping_exports",
    "write_export",
    "write_sample",
]

# Media among the last this many messages of a zip export have their files in
# the zip. Earlier media show as omitted, as when WhatsApp leaves old media out.
ATTACHED_MEDIA_WINDOW = 150


def large_group_spec(
    messages: int,
    fmt: str = "android",
    seed: int = 0,
    group_name: str | None = None,
    zipped: bool = False,
) -> GroupSpec:
    """Return a group sized for ``messages`` messages, for benchmarks.

    The group grows with the message count (15 to 250 members, up to 600
    messages a day), so a million messages span about five years.
    """
    if messages < 1:
        raise ValueError(f"messages must be at least 1, got {messages}")
    portuguese = export_format(fmt).language == "pt"
    per_day = min(600.0, max(25.0, messages / 45))
    days = max(30, math.ceil(messages / per_day))
    members = min(250, max(15, messages // 150))
    silences = tuple(
        (year * 365 + 352, 14) for year in range(days // 365 + 1) if year * 365 + 352 < days
    )
    if not silences and days > 60:
        silences = ((days // 2, 7),)
    return GroupSpec(
        name=group_name
        or (f"Formação Negócios {seed + 1}" if portuguese else f"Biashara Cohort {seed + 1}"),
        start=datetime(2022, 1, 10, 8, 30, 17),
        messages=messages,
        days=days,
        country="mz" if portuguese else "ke",
        languages={"pt": 1.0} if portuguese else {"en": 0.55, "sw": 0.45},
        members=members,
        training_days=days,
        silences=silences,
        late_joiners=0.4,
        join_window_days=max(1, int(days * 0.6)),
        leavers=0.1,
        spammers=1 + days // 365,
        number_changes=1 + members // 100,
        attach_last=ATTACHED_MEDIA_WINDOW if zipped else 0,
        # More sentences make most texts distinct, as they probably are in a real
        # group's chat beyond greetings and thanks.
        more_sentences=0.45,
    )


def write_export(
    path: Path | str,
    messages: int,
    fmt: str = "android",
    seed: int = 0,
    *,
    zipped: bool | None = None,
    group_name: str | None = None,
    manifest_path: Path | str | None = None,
) -> dict[str, Any]:
    """Write one export of ``messages`` messages to ``path`` and return its manifest.

    The text is streamed to the file, so memory does not grow with
    ``messages``. ``zipped`` defaults to whether ``path`` ends in ``.zip``.
    The manifest is also written to ``manifest_path`` (default: ``path`` plus
    ``.manifest.json``).
    """
    path = Path(path)
    manifest_file = Path(manifest_path) if manifest_path else _manifest_path_for(path)
    if zipped is None:
        zipped = path.suffix.lower() == ".zip"
    spec = large_group_spec(messages, fmt, seed, group_name, zipped)
    return _write_group_exports(
        spec, seed, fmt, [Window(path, 1, messages, zipped=zipped)], path.parent, manifest_file
    )


def overlapping_exports(
    directory: Path | str,
    exports: int,
    messages: int,
    overlap: float = 0.9,
    fmt: str = "android",
    seed: int = 0,
    *,
    zipped: bool = False,
    group_name: str | None = None,
) -> dict[str, Any]:
    """Write ``exports`` exports of one group, each of ``messages`` messages.

    Each export after the first starts ``(1 - overlap) * messages`` messages
    later than the previous one, so consecutive exports share ``overlap`` of
    their messages (``overlap=1.0`` writes the same history every time). Export
    ``k`` goes to ``directory/export-kkk/<WhatsApp's file name>``. The returned
    manifest (also written to ``directory/manifest.json``) has one entry per
    file and the group's counts over the union of all exports.
    """
    if exports < 1:
        raise ValueError(f"exports must be at least 1, got {exports}")
    if not 0.0 <= overlap <= 1.0:
        raise ValueError(f"overlap must be between 0 and 1, got {overlap}")
    directory = Path(directory)
    step = round(messages * (1.0 - overlap))
    total = messages + (exports - 1) * step
    spec = large_group_spec(total, fmt, seed, group_name, zipped)
    file_name = export_format(fmt).export_file_name(spec.name, zipped)
    windows = [
        Window(
            directory / f"export-{index + 1:03d}" / file_name,
            index * step + 1,
            index * step + messages,
            zipped=zipped or file_name.endswith(".zip"),
        )
        for index in range(exports)
    ]
    return _write_group_exports(spec, seed, fmt, windows, directory, directory / "manifest.json")


def _write_group_exports(
    spec: GroupSpec,
    seed: int,
    fmt_name: str,
    windows: list[Window],
    root: Path,
    manifest_file: Path,
) -> dict[str, Any]:
    fmt = export_format(fmt_name)
    union = write_windows(spec, seed, fmt, windows)
    manifest = new_manifest(
        f"Generated WhatsApp export(s) of one invented group ({fmt.name} format).", seed
    )
    files = []
    for window in windows:
        key = _relative(window.path, root)
        manifest["files"][key] = file_entry(window, fmt, union)
        files.append(key)
    entry = group_entry(union, files, fmt, spec, seed)
    manifest["groups"][entry["name"]] = entry
    add_totals(manifest)
    write_manifest(manifest, manifest_file)
    return manifest


def _manifest_path_for(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
