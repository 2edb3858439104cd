"""System lines, media markers and deleted notices in each supported app language."""

from __future__ import annotations

import pytest

from tafiti.parsing import parse_text

# Each test runs with the parser's C module and with its Python steps.
pytestmark = pytest.mark.usefixtures("column_code")

# language: (joined, added, left, removed, subject_changed, media, attachment, deleted)
# Each event line is written with the names Ana (actor) and Bo / Cy (people).
LINES = {
    "en": (
        "Bo joined using this group's invite link",
        "Ana added Bo and Cy",
        "Bo left",
        "Ana removed Bo",
        'Ana changed the subject from "Old" to "New"',
        "<Media omitted>",
        "IMG-20240101-WA0001.jpg (file attached)",
        "This message was deleted",
    ),
    "sw": (
        "Bo alijiunga kwa kutumia kiungo cha mwaliko cha kikundi hiki",
        "Ana aliongeza Bo na Cy",
        "Bo aliondoka",
        "Ana alimwondoa Bo",
        'Ana alibadilisha jina kutoka "Old" hadi "New"',
        "<Media imeachwa>",
        "IMG-20240101-WA0001.jpg (faili imeambatishwa)",
        "Ujumbe huu ulifutwa",
    ),
    "pt": (
        "Bo entrou usando o link do grupo",
        "Ana adicionou Bo e Cy",
        "Bo saiu",
        "Ana removeu Bo",
        'Ana mudou o nome de "Old" para "New"',
        "<Arquivo de mídia oculto>",
        "IMG-20240101-WA0001.jpg (arquivo anexado)",
        "Mensagem apagada",
    ),
    "es": (
        "Bo se unió usando el enlace de invitación de este grupo",
        "Ana añadió a Bo y Cy",
        "Bo salió del grupo",
        "Ana eliminó a Bo",
        'Ana cambió el asunto de "Old" a "New"',
        "<Multimedia omitido>",
        "IMG-20240101-WA0001.jpg (archivo adjunto)",
        "Se eliminó este mensaje.",
    ),
    "fr": (
        "Bo a rejoint ce groupe via le lien d'invitation",
        "Ana a ajouté Bo et Cy",
        "Bo est parti",
        "Ana a retiré Bo",
        'Ana a modifié le sujet de "Old" à "New"',
        "<Médias omis>",
        "IMG-20240101-WA0001.jpg (fichier joint)",
        "Ce message a été supprimé",
    ),
    "de": (
        "Bo ist der Gruppe über den Einladungslink beigetreten",
        "Ana hat Bo und Cy hinzugefügt",
        "Bo hat die Gruppe verlassen",
        "Ana hat Bo entfernt",
        'Ana hat den Betreff von "Old" zu "New" geändert',
        "<Medien ausgeschlossen>",
        "IMG-20240101-WA0001.jpg (Datei angehängt)",
        "Diese Nachricht wurde gelöscht",
    ),
}


def _parse(language: str):
    joined, added, left, removed, subject, media, attachment, deleted = LINES[language]
    text = "".join(
        f"0{day}/02/2024, 10:00 - {line}\n"
        for day, line in enumerate(
            [
                joined,
                added,
                left,
                removed,
                subject,
                f"Cy: {media}",
                f"Cy: {attachment}\nA caption",
                f"Cy: {deleted}",
                "Cy: 13th is the day",
            ],
            start=1,
        )
    )
    return parse_text(text.replace("010/", "10/"), f"{language}.txt").records


@pytest.mark.parametrize("language", sorted(LINES))
def test_membership_events(language: str) -> None:
    records = _parse(language)

    assert [(r.kind, r.event) for r in records[:4]] == [
        ("event", "joined"),
        ("event", "added"),
        ("event", "left"),
        ("event", "removed"),
    ]
    assert records[0].people == ("Bo",)
    assert (records[1].actor, records[1].people) == ("Ana", ("Bo", "Cy"))
    assert records[2].people == ("Bo",)
    assert (records[3].actor, records[3].people) == ("Ana", ("Bo",))


@pytest.mark.parametrize("language", sorted(LINES))
def test_subject_changed(language: str) -> None:
    event = _parse(language)[4]

    assert (event.kind, event.event) == ("event", "subject_changed")
    assert (event.actor, event.old_name, event.new_name) == ("Ana", "Old", "New")


@pytest.mark.parametrize("language", sorted(LINES))
def test_media_placeholder(language: str) -> None:
    record = _parse(language)[5]

    assert (record.kind, record.author, record.attachment) == ("media", "Cy", None)


@pytest.mark.parametrize("language", sorted(LINES))
def test_attachment_with_caption(language: str) -> None:
    record = _parse(language)[6]

    assert (record.kind, record.author) == ("media", "Cy")
    assert record.attachment == "IMG-20240101-WA0001.jpg"
    assert record.text.endswith("\nA caption")


@pytest.mark.parametrize("language", sorted(LINES))
def test_deleted_notice(language: str) -> None:
    records = _parse(language)

    assert (records[7].kind, records[7].author) == ("deleted", "Cy")
    assert records[8].kind == "message"
