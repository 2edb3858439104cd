"""Language guesses on hand-written chat lines in English, Swahili and Portuguese."""

from __future__ import annotations

import pytest

from tafiti.language import detect_language, detect_languages, load_language_markers

ENGLISH = [
    "Good morning everyone, the training starts at 9",
    "Thank you so much for the session today",
    "Where can I buy the stock for my shop?",
    "I have sent the photos of my products",
    "Please remind me what time the meeting is tomorrow",
    "My customers want to pay later, what should I do?",
    "Thanks, understood",
    "Congratulations to all of you for finishing the module",
    "How do I keep records of my sales?",
    "The link is not opening on my phone",
]
SWAHILI = [
    "Habari za asubuhi wote",
    "Asante sana mwalimu",
    "Training ni saa ngapi kesho?",
    "Nimeelewa, nitajaribu leo",
    "Bei ya unga imepanda sana wiki hii",
    "Wateja wangu wanataka kulipa baadaye",
    "Karibuni wote kwenye kikundi",
    "Tutakutana wapi jumamosi?",
    "Mimi sijapata ujumbe wa jana",
    "Sawa, tutaonana kesho",
]
PORTUGUESE = [
    "Bom dia a todos",
    "Muito obrigado pela formação de hoje",
    "Onde posso comprar o produto mais barato?",
    "Os meus clientes querem pagar depois",
    "A reunião é amanhã às nove horas",
    "Não consegui abrir o link no meu telefone",
    "Boa tarde pessoal, tudo bem?",
    "Enviei as fotos da minha loja",
    "Quanto custa o transporte para Maputo?",
    "Parabéns a todos pelo trabalho desta semana",
]
OTHER = [
    "",
    "   ",
    "👍👍👍",
    "😂",
    "ok",
    "Hmm",
    "12345",
    "https://example.org/training/module-3",
    "<Media omitted>",
    "image omitted",
    "+254 712 345 678",
    "@Amina",
]


def test_detect_languages_accuracy_on_hand_written_lines() -> None:
    texts = ENGLISH + SWAHILI + PORTUGUESE
    expected = ["en"] * len(ENGLISH) + ["sw"] * len(SWAHILI) + ["pt"] * len(PORTUGUESE)

    guesses = detect_languages(texts)

    wrong = [(t, e, g) for t, e, g in zip(texts, expected, guesses, strict=True) if e != g]
    assert len(wrong) <= 1, wrong


@pytest.mark.parametrize("text", OTHER)
def test_detect_language_other_for_no_words(text: str) -> None:
    assert detect_language(text) == "other"


def test_detect_languages_keeps_order_and_length() -> None:
    guesses = detect_languages(["Asante sana", "", "Thank you very much", "Obrigado a todos"])

    assert guesses == ["sw", "other", "en", "pt"]


def test_markers_drop_words_shared_between_languages() -> None:
    markers = load_language_markers()

    assert "na" not in markers  # Swahili "and", Portuguese "in the"
    assert "no" not in markers  # English and Portuguese
    assert markers["kwa"] == "sw"
    assert markers["the"] == "en"
    assert markers["você"] == "pt"


def test_url_and_mention_do_not_decide_language() -> None:
    assert detect_language("Asante sana https://example.org/the/and/of") == "sw"
    assert detect_language("@Peter obrigado pela ajuda") == "pt"


def test_detect_languages_on_generator_texts() -> None:
    """The sample generator's message texts, labelled by language by their author."""
    import re

    from tafiti.generate import content

    labelled = [
        (language, re.sub(r"\{\w+\}", "", text))
        for by_language in content.TEXTS.values()
        for language, texts in by_language.items()
        for text in texts
        if re.search(r"[^\W\d_]{3}", text)
    ]

    guesses = detect_languages([text for _, text in labelled])

    right = sum(guess == language for (language, _), guess in zip(labelled, guesses, strict=True))
    assert len(labelled) >= 100
    assert right / len(labelled) >= 0.9
