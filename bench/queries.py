"""The benchmark's query mix, drawn from the corpus with a seed: same corpus, same queries.

Each query is written three ways, meaning the same thing to each engine: the
product's search parameters, raw Whoosh's query-parser text and SQLite FTS5's MATCH
text. Pure: no Django (the filtered type's episodes are given by the caller).
"""

import collections
import datetime
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from search.analysis import WORDS, analyze, fold

TYPES = (
    "common word",
    "rare word",
    "two words",
    "phrase",
    "prefix",
    "misspelled",
    "glossary term",
    "filtered",
)
# Queries of each type but the glossary's, which has one per form of the glossary.
PER_TYPE = 13
LETTERS = re.compile(r"[^\W\d_]+")
# Rare words, least frequent first, among which a rare-word query is drawn.
RARE_POOL = 40
# The most frequent words of at least 5 letters are the common ones.
COMMON_POOL = 40


@dataclass(frozen=True)
class Query:
    type: str
    params: dict[str, str]  # the product's search parameters
    whoosh: str  # raw Whoosh's query-parser text
    fts5: str  # FTS5's MATCH text
    person: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    @property
    def text(self) -> str:
        filters = f" [person={self.person}, {self.date_from}..{self.date_to}]" if self.person else ""
        return self.params["q"] + filters


@dataclass(frozen=True)
class FilterEpisode:
    """An episode a filtered query may be built around: its date and guests' slugs."""

    air_date: datetime.date
    guests: tuple[str, ...]


@dataclass
class Corpus:
    """What the queries are drawn from: the corpus's lines and how often each word is said."""

    lines: list[list[str]]
    counts: collections.Counter = field(default_factory=collections.Counter)
    terms: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, paths: Iterable[Path], also_indexed: Iterable[str] = ()) -> "Corpus":
        """From these episode files (the first few: the same at every size, so is the mix).

        `also_indexed`: all other text the index holds, whose terms a misspelling must avoid.
        """
        lines = []
        for path in paths:
            for line in path.read_text(encoding="utf-8").splitlines()[2:]:
                words = re.findall(WORDS, re.sub(r"^[\d:]+", "", line))
                lines.append([word for word in words if LETTERS.fullmatch(word)])
        counts = collections.Counter(word.lower() for line in lines for word in line)
        terms = {term for word in counts for term in analyze(word)}
        terms |= {term for text in also_indexed for term in analyze(text)}
        return cls(lines=lines, counts=counts, terms=terms)


def query_mix(
    corpus: Corpus,
    glossary: Sequence[Sequence[str]],
    episodes: Sequence[FilterEpisode],
    rare_terms: Sequence[str],
    seed: int,
) -> list[Query]:
    """`glossary`: its groups of forms (a term and its variants); `rare_terms`: the
    corpus's planted rare terms, each a rare-word query."""
    rng = random.Random(seed)
    by_frequency = [word for word, _ in corpus.counts.most_common() if len(word) >= 5]
    common = by_frequency[:COMMON_POOL]
    rare = [word for word, _ in reversed(corpus.counts.most_common()) if len(word) >= 6][:RARE_POOL]
    long_lines = [line for line in corpus.lines if len([w for w in line if len(w) >= 4]) >= 2]
    mix = [_word("common word", word) for word in rng.sample(common, PER_TYPE)]
    mix += [_word("rare word", word) for word in rare_terms]
    mix += [_word("rare word", word) for word in rng.sample(rare, PER_TYPE - len(rare_terms))]
    mix += [_two_words(rng.choice(long_lines), rng) for _ in range(PER_TYPE)]
    mix += [_phrase(rng.choice(long_lines), rng) for _ in range(PER_TYPE)]
    mix += [_prefix(word, rng) for word in rng.sample([w for w in by_frequency if len(fold(w)[0]) >= 6], PER_TYPE)]
    mix += [_misspelled(word, corpus.terms, rng) for word in rng.sample(by_frequency[:200], PER_TYPE)]
    mix += [_glossary(form, group) for group in glossary for form in group]
    mix += [_filtered(rng.choice(common), rng.choice(episodes), len(episodes), rng) for _ in range(PER_TYPE)]
    return mix


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _word(kind: str, word: str) -> Query:
    return Query(kind, {"q": word}, word, _quoted(word))


def _two_words(line: list[str], rng: random.Random) -> Query:
    first, second = rng.sample(sorted({w for w in line if len(w) >= 4}), 2)
    return Query("two words", {"q": f"{first} {second}"}, f"{first} {second}", f"{_quoted(first)} {_quoted(second)}")


def _phrase(line: list[str], rng: random.Random) -> Query:
    size = min(len(line), rng.choice((2, 3)))
    start = rng.randrange(len(line) - size + 1)
    words = " ".join(line[start : start + size])
    return Query("phrase", {"q": f'"{words}"'}, f'"{words}"', _quoted(words))


def _prefix(word: str, rng: random.Random) -> Query:
    # Folded (no accents): the product folds a prefix, raw Whoosh's parser does not.
    prefix = fold(word)[0][: rng.choice((4, 5))] + "*"
    return Query("prefix", {"q": prefix}, prefix, prefix)


def _misspelled(word: str, indexed: set[str], rng: random.Random) -> Query:
    """The word with one letter changed (not the first two: a suggestion keeps the first)
    so that it is no term of the index: the product finds nothing and suggests the word."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    for _ in range(1_000):
        at = rng.randrange(2, len(word))
        typo = word[:at] + rng.choice(letters.replace(word[at], "")) + word[at + 1 :]
        if not set(analyze(typo)) & indexed:
            return _word("misspelled", typo)
    raise ValueError(f"no misspelling of {word!r} that the index does not hold")


def _glossary(form: str, group: Sequence[str]) -> Query:
    """A glossary form, which the product searches with the other forms of its group:
    raw Whoosh and FTS5 are given them all. Typed words must all be said (a form of one
    word that analyses to several, NIS2, is a phrase); the other forms are phrases."""
    others = [other for other in group if other != form]
    own_whoosh = f"({form})" if " " in form else f'"{form}"'
    own_fts5 = "(" + " ".join(map(_quoted, form.split())) + ")"
    whoosh = " OR ".join([own_whoosh, *(f'"{other}"' for other in others)])
    fts5 = " OR ".join([own_fts5, *map(_quoted, others)])
    return Query("glossary term", {"q": form}, whoosh, fts5)


def _filtered(word: str, episode: FilterEpisode, episodes: int, rng: random.Random) -> Query:
    """A word, by one of an episode's guests, within some days around it (a quarter of
    the archive at most, so that the filter leaves other episodes out)."""
    reach = max(0, episodes // 8)
    start = episode.air_date - datetime.timedelta(days=rng.randint(0, reach))
    end = episode.air_date + datetime.timedelta(days=rng.randint(0, reach))
    person = rng.choice(episode.guests)
    params = {"q": word, "person": person, "from": start.isoformat(), "to": end.isoformat()}
    return Query("filtered", params, word, _quoted(word), person=person, date_from=start, date_to=end)
