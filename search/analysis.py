"""French text analysis for the index and for queries. Pure: Whoosh only, no Django.

One chain serves both sides, so a word typed and a word said always meet:

    "L'ordinateur quantique, NIS2 et les micro-ondes"
    -> ordin quantiqu nis 2 et le micro ond

- words are runs of letters, or runs of digits: `NIS2`, `NIS 2` and `NIS-2` all give
  `nis 2`, and a query word that gives several tokens is searched as a phrase;
  hyphens split the same way, so `micro-ondes` and `micro ondes` meet;
- elisions go (`l'`, `d'`, `qu'`, `jusqu'`...), `aujourd'hui` stays whole;
- case and accents are folded *before* stemming, so `defense` and `défense`,
  typed or said, stem alike (`defens`);
- the French Snowball stemmer joins plurals and close forms (`capteurs` -> `capteur`).
  No stop words are removed: phrases like "Charles de Gaulle" keep every word.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    Token,
)
from whoosh.lang.stopwords import stoplists
from whoosh.support.charset import accent_map

WORDS = r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+"
# Whoosh's accent map leaves ligatures, which French writes (cœur, œuvre).
FOLDING = {**accent_map, ord("œ"): "oe", ord("æ"): "ae", ord("ß"): "ss"}
ELISION = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’](?=[^\W\d_])", re.IGNORECASE)


class ElisionFilter(Filter):
    """`l'ordinateur` -> `ordinateur`; other apostrophes become `'`."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = ELISION.sub("", token.text).replace("’", "'")
            yield token


@cache
def french_analyzer() -> Analyzer:
    return (
        RegexTokenizer(WORDS)
        | ElisionFilter()
        | LowercaseFilter()
        | CharsetFilter(FOLDING)
        | FrenchStemFilter(lang="fr", cachesize=100_000)
    )


class FrenchStemFilter(StemFilter):
    """Whoosh's stemmer with functools' cache, which threads may share (gunicorn runs several a
    worker): Whoosh's own cache (`lfu_cache`) evicts in Python, so two threads could each delete
    the same word (a KeyError out of a search) or both miss its size and let it grow unbounded."""

    def clear(self) -> None:
        super().clear()
        if isinstance(self.cachesize, int) and self.cachesize > 1:
            self._stem = lru_cache(maxsize=self.cachesize)(self._stem.__wrapped__)


@cache
def spelling_analyzer() -> Analyzer:
    """Words as said, lowercased, accents kept: what a spelling suggestion offers."""
    return RegexTokenizer(WORDS) | ElisionFilter() | LowercaseFilter()


@cache
def folding_analyzer() -> Analyzer:
    """Folded but not stemmed: for prefixes, which a stemmer would cut short."""
    return RegexTokenizer(WORDS) | ElisionFilter() | LowercaseFilter() | CharsetFilter(FOLDING)


def analyze(text: str) -> list[str]:
    """The index terms of a text, in order."""
    return list(_analyzed(text))


@lru_cache(maxsize=8192)
def _analyzed(text: str) -> tuple[str, ...]:
    # Indexing reads each line twice (its own terms, and as the next line of the one
    # before), and queries repeat: a small cache spares the analyzer both times.
    return tuple(token.text for token in french_analyzer()(text))


def said_and_terms(text: str) -> tuple[list[str], list[str]]:
    """The words of a text as said (`spelling_analyzer`) and its index terms (`analyze`), in one pass.

    The French chain is the spelling chain then folding and stemming, word by word: writing a
    line's search rows analysed it twice over otherwise (a third of the PostgreSQL engine's rebuild).
    The chains' filters work word by word, so each word found is put through them once and
    remembered, not each token through Whoosh's generators: 33 -> 8 µs a line of the sample.
    """
    said = [_said_word(word) for word in _WORD.findall(text)]
    return said, [_term_of_said(word) for word in said]


# The spelling chain's tokenizer (`RegexTokenizer` matches as Whoosh compiles them).
_WORD = re.compile(WORDS)


@lru_cache(maxsize=100_000)
def _said_word(word: str) -> str:
    """A word as the tokenizer finds it -> as said, through the rest of `spelling_analyzer`'s filters."""
    tokens = iter([Token(text=word)])
    for step in spelling_analyzer().items[1:]:
        tokens = step(tokens)
    return next(tokens).text


@lru_cache(maxsize=100_000)
def _term_of_said(word: str) -> str:
    """A word as said -> its index term, through the rest of `french_analyzer`'s filters."""
    return _rest_of_chain(word, spelling_analyzer(), french_analyzer())


# How many terms of the next line a moment holds, so that a phrase may run across the end of a
# line (each engine's bridge: Whoosh's `head`, PostgreSQL's document).
BRIDGE_TERMS = 8

# Words said so often that a line with two of them says nothing by itself: Snowball's French
# stop words (as Whoosh lists them) and the words of speech that come as often. A phrase of
# such words finds its lines through their pairs, which both engines store: PostgreSQL those of
# two common words (`common_pairs`), Whoosh those with one at least (`pairs_with_a_common_term`).
# A word added to it makes phrases ask for pairs that the lines stored before do not have: then
# the engines' documents must be rebuilt (raise PostgreSQL's VERSION and Whoosh's SCHEMA_VERSION).
# A word taken out needs nothing: stored lines keep pairs that no phrase asks for any more.
_SPOKEN = """
    ça cela ceci ceux celle celui cet cette voilà voici là ici alors donc ben bah bon euh hein quoi
    oui non si comme quand parce puisque aussi encore déjà toujours jamais rien tout tous toute
    toutes plus moins très trop peu beaucoup bien mal vraiment justement effectivement enfin
    aujourd'hui maintenant après avant depuis pendant entre sans sous chez vers autre autres
    fait faire faut va vais vont aller peut peuvent dit dire chose choses avoir être y a
"""
COMMON_WORDS = frozenset(stoplists["fr"]) | frozenset(_SPOKEN.split())


@cache
def common_terms() -> frozenset[str]:
    return frozenset(term for word in COMMON_WORDS for term in analyze(word))


def common_pairs(terms: list[str]) -> list[tuple[str, str]]:
    """Each two terms in a row that are both common: what a phrase of such words asks the index
    for, where the lines that say both words, not in a row, are too many to check one by one.
    A phrase with a rarer word is found through that word. Every pair was a rare key of the
    indexes: keeping only these took the import of 300 generated episodes (180,000 lines,
    bench/import_speed.py) from 6,765 to 8,943 lines/s on PostgreSQL, whose GIN index took
    7.5 s of it, and from 3,782 to 4,894 on Whoosh. Lucene's CommonGrams also pairs a common
    word with a rarer one: measured so, 6,527 lines/s on PostgreSQL, for phrases such as "de
    quantique" where the rarer word is in many lines (docs/search-at-scale.md, Pairs)."""
    common = common_terms()
    return [(first, second) for first, second in pairwise(terms) if first in common and second in common]


def pairs_with_a_common_term(terms: list[str]) -> list[tuple[str, str]]:
    """Each two terms in a row of which one at least is common, as Lucene's CommonGrams pairs
    them: the Whoosh engine's pairs. Whoosh reads postings in Python, so that a phrase of a
    common word and a rarer one, checked by positions, read the common word's postings block
    by block: at 10,000 episodes "et Covid" and "quantique et" reached the time limit (600 ms)
    with only the pairs of `common_pairs`."""
    common = common_terms()
    return [(first, second) for first, second in pairwise(terms) if first in common or second in common]


def fold(text: str) -> list[str]:
    return [token.text for token in folding_analyzer()(text)]


@lru_cache(maxsize=100_000)
def folded_word(said: str) -> str:
    """A word as said (`spelling_analyzer`) -> as a prefix matches it: `Défenses` -> `defenses`."""
    return _rest_of_chain(said, spelling_analyzer(), folding_analyzer())


@lru_cache(maxsize=100_000)
def stem_of_folded(word: str) -> str:
    return _rest_of_chain(word, folding_analyzer(), french_analyzer())


def _rest_of_chain(word: str, done: Analyzer, chain: Analyzer) -> str:
    """A word that went through the steps of `done`, through the rest of `chain`'s (`done`'s
    steps are the start of `chain`'s)."""
    tokens = iter([Token(text=word)])
    for step in chain.items[len(done.items) :]:
        tokens = step(tokens)
    return next(tokens).text


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    term: str
    # The word folded, not stemmed: what a prefix is compared with.
    folded: str


def spans(text: str) -> list[Span]:
    """Each word of the text with where it stands, the term it indexes as, and the word folded."""
    return [
        Span(t.startchar, t.endchar, stem_of_folded(t.text), t.text)
        for t in folding_analyzer()(text, chars=True, removestops=False)
    ]
