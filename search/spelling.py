"""Spelling suggestions: the closest word that some published line says. Pure: no Django, no index.

An engine hands over its vocabularies (words with how many moments say each, deleted ones
possibly included) and a way to ask whether a word is still said by a published moment.
Candidates are ranked nearest first, then most said; the first one still said wins, so a
word whose only lines were unpublished, deleted or corrected is never offered.

Distances are computed by rapidfuzz (C++), bucketed by first letter, where Whoosh's reader
corrector computed a Python Damerau-Levenshtein for every word sharing the first letter: a
misspelled query went from 90 ms median (260 ms at worst) to 7.7 ms, full request, at 1,000
episodes (bench/run.py).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

MAX_DISTANCE = 2
# Misspellings rarely touch the first letter; requiring it keeps candidates few and relevant.
SAME_FIRST_LETTERS = 1
# Candidates checked against the published lines before giving up.
MAX_CHECKED = 20


@dataclass
class Vocabulary:
    """Words of one part of an index, by first letter, with how many moments say each."""

    words: dict[str, list[str]] = field(default_factory=dict)
    counts: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, counted: Iterable[tuple[str, int]]) -> "Vocabulary":
        vocabulary = cls()
        for word, count in counted:
            key = word[:SAME_FIRST_LETTERS]
            vocabulary.words.setdefault(key, []).append(word)
            vocabulary.counts.setdefault(key, []).append(count)
        return vocabulary

    def all_words(self) -> list[str]:
        return [word for words in self.words.values() for word in words]


def near_words(word: str, candidates: Iterable[str]) -> list[str]:
    """The candidates close enough to `word` to be offered for it (itself excepted)."""
    return [candidate for candidate, _distance, _index in _near(word, list(candidates))]


def _near(word: str, candidates: Sequence[str]) -> Iterable[tuple[str, int, int]]:
    """(candidate, distance, its index in `candidates`) for each candidate within reach, `word` excepted."""
    matches = process.extract(
        word, candidates, scorer=DamerauLevenshtein.distance, score_cutoff=MAX_DISTANCE, limit=None
    )
    return (match for match in matches if match[0] != word)


def closest_said_word(word: str, vocabularies: Iterable[Vocabulary], is_said: Callable[[str], bool]) -> str | None:
    """The nearest word (then the most said) that is not `word` and that `is_said` confirms."""
    key = word[:SAME_FIRST_LETTERS]
    ranks: dict[str, tuple[int, int]] = {}
    for vocabulary in vocabularies:
        for candidate, distance, index in _near(word, vocabulary.words.get(key, ())):
            _, said = ranks.get(candidate, (distance, 0))
            ranks[candidate] = (distance, said - vocabulary.counts[key][index])
    for candidate in sorted(ranks, key=lambda candidate: (*ranks[candidate], candidate))[:MAX_CHECKED]:
        if is_said(candidate):
            return candidate
    return None
