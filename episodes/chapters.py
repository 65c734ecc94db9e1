"""Chapters suggested from a transcript's own structure; pure: lines in, chapters out.

Three signs, strongest first:

- a web page's own headings (`<h2>` and the like among its lines), where they fall;
- a guest taking the floor: the first line a guest speaks, when the transcript names speakers;
  else the line where the host greets or turns to a guest by name or organisation ("Bonjour
  Marc.", "Dorothée, on en est où… ?", "Alain.", "je voulais interroger l'avocat"), names heard
  as speech recognition writes them ("Décrope" for Decrop);
- a topic of the glossary said again and again for the first time ("NIS2", said in three lines within three minutes).

The opening runs from 0 (a player's chapters start there); a sign within MIN_CHAPTER_MS of the
chapter before belongs to that chapter (the host greeting every guest in the first minute is the
opening, not four chapters).
"""

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# A chapter lasts at least this long; closer signs belong to the chapter before.
MIN_CHAPTER_MS = 90_000
# A glossary topic: said this many times within TOPIC_WINDOW_MS of its first time.
TOPIC_MENTIONS = 3
TOPIC_WINDOW_MS = 180_000
# A line that turns to someone is short, or a question, or a greeting.
ADDRESS_WORDS = 6
GREETINGS = frozenset(["bonjour", "bonsoir", "bienvenue", "salut", "hello"])
# How a host turns to someone: « je voulais interroger l'avocat », « je me tourne vers vous »,
# « je vous pose la question », « je vous donne la parole ».
TURNING = frozenset(["interroger", "interroge", "demander", "demande", "tourne", "question", "parole"])
# An organisation's words that name a kind of body, not this one (« cabinet Soris Avocats »: « avocats » calls him).
GENERIC = frozenset(
    ["cabinet", "groupe", "societe", "agence", "association", "fondation", "institut", "universite", "ministere"]
)
THANKS = frozenset(["merci", "remercie", "remercier", "revoir"])
# How alike a heard word and a name must be ("decrope" and "decrop": 0.92).
NAME_LIKENESS = 0.85
WORD = re.compile(r"\w+")
# The combining accents NFKD splits from their letters (a regular expression: 5 times a loop's speed).
ACCENTS = re.compile(r"[\u0300-\u036f]")


@dataclass(frozen=True)
class ChapterLine:
    start_ms: int
    text: str
    speaker: str = ""


@dataclass(frozen=True)
class Guest:
    name: str
    organisation: str = ""

    @property
    def title(self) -> str:
        return f"{self.name} ({self.organisation})" if self.organisation else self.name


@dataclass(frozen=True)
class SuggestedChapter:
    start_ms: int
    title: str


def suggest_chapters(
    lines: Sequence[ChapterLine],
    *,
    opening: str,
    guests: Sequence[Guest] = (),
    topics: Sequence[Sequence[str]] = (),
    headings: Sequence[tuple[int, str]] = (),
) -> list[SuggestedChapter]:
    """The opening, then a chapter at each sign (see the module's docstring), in time order.

    `topics` are the glossary's terms, each with its variants after it (`["NIS2", "Nice 2"]`).
    """
    if not lines:
        return []
    chapters = [SuggestedChapter(0, opening)]
    if headings:
        signs = [(at, title, title) for at, title in headings if title.strip()]
    else:
        signs = _guests_taking_the_floor(lines, guests) + _topics_first_said(lines, topics)
    given: set[str] = set()
    for at, title, who in sorted(signs):
        # A guest's or topic's first sign far enough from the chapter before; else its next one.
        if who not in given and at - chapters[-1].start_ms >= MIN_CHAPTER_MS:
            chapters.append(SuggestedChapter(at, " ".join(title.split())))
            given.add(who)
    return chapters


def _guests_taking_the_floor(lines: Sequence[ChapterLine], guests: Sequence[Guest]) -> list[tuple[int, str, str]]:
    """Each time a guest takes the floor: as a speaker when the transcript names speakers (the
    first line of each of their turns), else where the host turns to them by name."""
    by_speaker = any(line.speaker for line in lines)
    said = [_words(line.speaker if by_speaker else line.text) for line in lines]
    # Each distinct word compared with the names once, not each line's words again.
    by_initial: dict[str, set[str]] = {}
    for word in {word for words in said for word in words}:
        by_initial.setdefault(word[0], set()).add(word)
    signs = []
    for guest in guests:
        keys = _name_words(guest.name) + _organisation_words(guest.organisation)
        calls = {word for key in keys for word in by_initial.get(key[0], ()) if _heard_as(word, key)}
        previous: list[str] = []
        for line, words in zip(lines, said, strict=True):
            names = not calls.isdisjoint(words)
            if by_speaker:
                takes_floor = names and words != previous
                previous = words
            else:
                takes_floor = names and _addresses(line.text, words)
            if takes_floor:
                signs.append((line.start_ms, guest.title, guest.name))
    return signs


def _addresses(text: str, words: list[str]) -> bool:
    """A line that greets, introduces or questions someone (named in it), not one that thanks them."""
    if not THANKS.isdisjoint(words):
        return False
    if len(words) <= ADDRESS_WORDS or text.rstrip().endswith("?"):
        return True
    return not GREETINGS.isdisjoint(words) or not TURNING.isdisjoint(words)


def _topics_first_said(lines: Sequence[ChapterLine], topics: Sequence[Sequence[str]]) -> list[tuple[int, str, str]]:
    folded = [_fold(line.text) for line in lines]
    signs = []
    for forms in topics:
        patterns = [_phrase(form) for form in forms if form.strip()]
        said = [
            line.start_ms for line, text in zip(lines, folded, strict=True) if any(p.search(text) for p in patterns)
        ]
        if len(said) >= TOPIC_MENTIONS and said[TOPIC_MENTIONS - 1] - said[0] <= TOPIC_WINDOW_MS:
            signs.append((said[0], forms[0], forms[0]))
    return signs


def _heard_as(word: str, key: str) -> bool:
    """Whether speech recognition may have written this name's word so: "decrope" for "decrop"."""
    if word == key:
        return True
    if len(key) < 5 or abs(len(word) - len(key)) > 2 or word[0] != key[0]:  # heard with its first sound
        return False
    # Cheap bounds first, as difflib.get_close_matches does: the sample's 408 lines take 4 ms, not 56.
    matcher = difflib.SequenceMatcher(a=word, b=key)
    return matcher.quick_ratio() >= NAME_LIKENESS and matcher.ratio() >= NAME_LIKENESS


def _organisation_words(organisation: str) -> list[str]:
    """The words of an organisation a host may call its guest by (« l'avocat » for « Soris Avocats »)."""
    return [word for word in _words(organisation) if len(word) >= 5 and word not in GENERIC]


def _name_words(name: str) -> list[str]:
    """The words of a name that call its bearer: first and last name, not "de" or "Le"."""
    return [word for word in _words(name) if len(word) >= 3]


def _words(text: str) -> list[str]:
    return WORD.findall(_fold(text))


def _fold(text: str) -> str:
    """Lower case without accents: "Décrope" is "decrope"."""
    return ACCENTS.sub("", unicodedata.normalize("NFKD", text.casefold()))


def _phrase(form: str) -> re.Pattern[str]:
    return re.compile(r"\b" + r"\s+".join(re.escape(word) for word in _fold(form).split()) + r"\b")
