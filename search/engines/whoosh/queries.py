"""A planned search (`search.plan`) as a Whoosh query: terms, prefixes over the words as said,
phrases through their pairs and across the end of a line."""

from collections.abc import Callable, Iterable
from typing import Any

from whoosh import query as wq
from whoosh.fields import Schema
from whoosh.matching import IntersectionMatcher, Matcher, NullMatcher
from whoosh.query.spans import SpanNear2, SpanWrappingMatcher
from whoosh.searching import Searcher
from whoosh.util import make_binary_tree

from search.engines.whoosh.schema import BRIDGE_TERMS, bridge_term, pair_terms
from search.plan import AllOf, AnyOf, Node, Prefix, Terms, Without


def whoosh_query(node: Node, expand_prefix: Callable[[str], Iterable[str]], schema: Schema | None = None) -> wq.Query:
    """The Whoosh query of a plan's tree (for an index of this schema: one of schema 4, until it
    is rebuilt, has no pairs, and its phrases check the positions of every line with their words)."""
    pairs = schema is None or "pairs" in schema

    def query(node: Node) -> wq.Query:
        match node:
            case Terms(terms=(term,)):
                return wq.Term("text", term)
            case Terms(terms=terms):
                within = _within_line(terms) if pairs else wq.Phrase("text", list(terms))
                return wq.Or([within, *_across_lines(terms)])
            case Prefix(prefix=prefix):
                # Every word, not Whoosh's Prefix query: terms ORed are ranked term by term (_ranked_union);
                # `quan*` over 41 copies of the sample (1,845 moments) took 2.5 ms.
                words = list(expand_prefix(prefix))
                return wq.Or([wq.Term("folded", word) for word in words]) if words else wq.NullQuery
            case AnyOf(parts=parts):
                return wq.Or([query(part) for part in parts])
            case AllOf(parts=parts):
                return wq.And([query(part) for part in parts])
            case Without(wanted=wanted, excluded=excluded):
                return wq.AndNot(query(wanted), wq.Or([query(part) for part in excluded]))
        raise TypeError(node)

    return query(node)


def _within_line(terms: tuple[str, ...]) -> wq.Query:
    """A phrase within one line: its pairs of terms in a row with a common one (`pairs`), which two
    such words are exactly; and, unless it is one of them, the positions of its terms. At 1,000
    episodes "faut est" (1,050 moments) reached the time limit (600 ms) checking the positions
    of every line with both words and found none; with its pair, its first 20 and its count
    took 34 ms (load 3). A phrase of rarer words only is found through them."""
    pairs = [wq.Term("pairs", pair) for pair in pair_terms(list(terms))]
    if len(terms) == 2 and pairs:
        return pairs[0]
    return _PhraseInPairs(list(terms), pairs) if pairs else wq.Phrase("text", list(terms))


class _PhraseInPairs(wq.Phrase):
    """A phrase whose positions are checked only in the lines that hold its pairs. Whoosh's own
    phrase reads, from its first match on, every line with all its words (as `And([*pairs,
    Phrase])` did): at 10,000 episodes "ne accompagner Vous", whose pairs no line has, read the
    lines with "ne", "accompagner" and "vous" until the time limit (600 ms); through its pairs,
    the whole search took 113 ms and found its 3 moments (most of it the phrase across lines)."""

    def __init__(self, words: list[str], pairs: list[wq.Term]) -> None:
        super().__init__("text", words)
        self.pairs = pairs

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and self.pairs == getattr(other, "pairs", None)

    def __hash__(self) -> int:
        return hash((super().__hash__(), tuple(self.pairs)))

    def matcher(self, searcher: Searcher, context: Any = None) -> Matcher:
        pairs = [pair.matcher(searcher, context) for pair in self.pairs]
        reader = searcher.reader()
        if not all(pair.is_active() for pair in pairs) or not all(("text", w) in reader for w in self.words):
            return NullMatcher()
        words = [wq.Term("text", word).matcher(searcher, context) for word in self.words]
        return _SpansInPairs(words, pairs)


class _SpansInPairs(SpanNear2.SpanNear2Matcher):
    """Whoosh's phrase matcher, moved by its pairs: its words' postings are only skipped to the
    lines that hold every pair, and their positions checked there. Scored as the pairs and the
    words ANDed."""

    def __init__(self, words: list[Matcher], pairs: list[Matcher]) -> None:
        self.ms, self.pairs = words, pairs
        self.slop, self.ordered, self.mindist = 1, True, 1
        SpanWrappingMatcher.__init__(self, make_binary_tree(IntersectionMatcher, pairs))

    def copy(self) -> "_SpansInPairs":
        return _SpansInPairs([m.copy() for m in self.ms], [m.copy() for m in self.pairs])

    def _get_spans(self) -> list:
        line = self.child.id()
        for word in self.ms:
            if word.is_active() and word.id() < line:
                word.skip_to(line)
            if not word.is_active() or word.id() != line:
                return []
        return super()._get_spans()

    def score(self) -> float:
        return self.child.score() + sum(word.score() for word in self.ms)


def _across_lines(terms: tuple[str, ...]) -> Iterable[wq.Query]:
    """The phrase split at each point between the end of a line and the start of the next,
    through their `tail` and `head` terms: it lands on the line where it begins."""
    for split in range(1, len(terms)):
        before, after = list(terms[:split]), list(terms[split:])
        if len(before) <= BRIDGE_TERMS and len(after) <= BRIDGE_TERMS:
            ends = [wq.Term("tail", bridge_term(d, term)) for d, term in enumerate(reversed(before), 1)]
            starts = [wq.Term("head", bridge_term(d, term)) for d, term in enumerate(after, 1)]
            yield wq.And(ends + starts)


def prefix_expander(searcher: Searcher) -> Callable[[str], Iterable[str]]:
    """The words of the index that start with a prefix, however many. Those only deleted moments
    said stay in a segment's lexicon until it is merged away: they have no live postings, and
    with no cap they take no live word's place."""

    def expand(prefix: str) -> Iterable[str]:
        if "folded" not in searcher.schema:
            return  # an index of schema 3 or before, until rebuilt (check_index says so): no words to match
        for term in searcher.reader().expand_prefix("folded", prefix):
            yield term.decode() if isinstance(term, bytes) else term

    return expand
