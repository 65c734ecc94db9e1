"""How lines are grouped into paragraphs, and named on the page: pure functions, no database."""

from dataclasses import dataclass

from episodes.episode_page import line_anchors
from episodes.paragraphs import MAX_CHARS, PAUSE_MS, SENTENCE_CHARS, paragraphs


@dataclass
class Said:
    start_ms: int
    end_ms: int
    text: str
    speaker: str = ""


def said_one_after_another(texts: list[str], speakers: list[str] | None = None, gap_ms: int = 0) -> list[Said]:
    lines, at = [], 0
    for index, text in enumerate(texts):
        lines.append(Said(at, at + 3000, text, speakers[index] if speakers else ""))
        at += 3000 + gap_ms
    return lines


def texts(groups: list[list[Said]]) -> list[list[str]]:
    return [[line.text for line in group] for group in groups]


def test_a_paragraph_per_turn_when_speakers_are_named():
    lines = said_one_after_another(
        ["Bonjour.", "Bonjour Delphine.", "Merci d'être là.", "Avec plaisir."],
        speakers=["Delphine", "Marc", "Marc", "Delphine"],
    )
    assert texts(paragraphs(lines)) == [["Bonjour."], ["Bonjour Delphine.", "Merci d'être là."], ["Avec plaisir."]]


def test_without_speakers_a_pause_starts_a_paragraph():
    lines = said_one_after_another(["On commence.", "Puis on continue."])
    lines[1].start_ms = lines[0].end_ms + PAUSE_MS
    assert texts(paragraphs(lines)) == [["On commence."], ["Puis on continue."]]


def test_without_speakers_short_sentences_said_in_a_row_stay_together():
    lines = said_one_after_another(["Bonjour à tous.", "On va parler de cyber.", "Et de quantique."])
    assert len(paragraphs(lines)) == 1


def test_a_long_paragraph_ends_with_its_sentence():
    sentence = "Une phrase assez longue pour compter dans un paragraphe. "
    lines = said_one_after_another([sentence] * 20)
    groups = paragraphs(lines)
    assert len(groups) > 1
    for group in groups[:-1]:
        length = sum(len(line.text) for line in group)
        assert SENTENCE_CHARS <= length < SENTENCE_CHARS + len(sentence)


def test_a_paragraph_without_punctuation_is_still_cut():
    lines = said_one_after_another(["des mots sans point " * 5] * 30)
    assert all(sum(len(line.text) for line in group) < MAX_CHARS + 100 for group in paragraphs(lines))


def test_a_question_ends_a_paragraph_already_long_enough():
    asked = [
        "Vous êtes docteur en informatique, avec des travaux de recherche majeurs en cryptographie quantique.",
        "Que pensez-vous du campus ?",
        "Super.",
    ]
    lines = said_one_after_another(asked)
    assert texts(paragraphs(lines))[-1] == ["Super."]


def test_every_line_is_in_one_paragraph_in_order():
    lines = said_one_after_another([f"Ligne {i}." for i in range(200)], gap_ms=500)
    assert [line for group in paragraphs(lines) for line in group] == lines


def test_no_lines_no_paragraph():
    assert paragraphs([]) == []


def test_lines_said_in_the_same_second_get_their_own_ids():
    assert line_anchors([31_000, 32_000, 32_400, 32_900, 33_000]) == ["t-31", "t-32", "t-32-2", "t-32-3", "t-33"]
