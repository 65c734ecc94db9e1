"""How the Whoosh engine reads a query's matches fast: an AND as sets of postings, a block at a
time; an OR term by term; a phrase on the lines its pairs find. Each stops at the search's deadline."""

import bisect
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, islice
from typing import Any

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.collectors import TimeLimit
from whoosh.matching import FilterMatcher, Matcher
from whoosh.searching import Searcher

from search.analysis import said_and_terms
from search.engines import (
    COUNT_LIMIT,
)
from search.engines.whoosh.deadline import stop_if_out_of_time
from search.engines.whoosh.leaves import FoldedForms, _folded_forms
from search.engines.whoosh.queries import _PhraseInPairs

# Postings read between two looks at the clock in a term-by-term ranking.
CLOCK_EVERY = 4096


def _matches(searcher: Searcher, query: wq.Query, scored: bool) -> Iterator[tuple[int, float]]:
    """(docnum, score) of every match, segment by segment of the index, in docnum order
    within each; the score is 0 when not `scored`."""
    forms = _folded_forms(searcher) if _read_apart(query) else None
    for leaf, offset in searcher.leaf_searchers():
        yield from _leaf_matches(leaf, query, offset, scored, forms)


def _leaf_matches(
    leaf: Searcher, query: wq.Query, offset: int, scored: bool, forms: FoldedForms | None = None
) -> Iterator[tuple[int, float]]:
    terms = _union_terms(query) if scored else None
    if terms is not None:
        yield from _union_scores(leaf, terms, offset)
        return
    all_of = _intersected_terms(query)
    if all_of is not None:
        yield from _intersection_scores(leaf, all_of, offset, scored, forms)
        return
    if isinstance(query, _PhraseInPairs):
        yield from _phrase_in_pairs(leaf, query, offset, scored)
        return
    if _plain_or(query) and _read_apart(query):
        # A phrase: within a line, or across the end of one (ANDs of `tail` and `head` terms).
        yield from _summed(_leaf_matches(leaf, part, offset, scored, forms) for part in query.subqueries)
        return
    matcher = query.matcher(leaf, leaf.boolean_context() if not scored else leaf.context())
    while matcher.is_active():
        yield matcher.id() + offset, matcher.score() if scored else 0.0
        matcher.next()


def _read_apart(query: wq.Query) -> bool:
    """Whether the query (or one of its parts, when it is an OR) is read as sets of postings."""
    if _plain_or(query):
        return any(_read_apart(part) for part in query.subqueries)
    return isinstance(query, _PhraseInPairs) or _intersected_terms(query) is not None


def _phrase_in_pairs(
    leaf: Searcher, phrase: "_PhraseInPairs", offset: int, scored: bool
) -> Iterator[tuple[int, float]]:
    """The lines of one index segment that say the phrase: those with all its pairs (read as
    sets, `_intersection_scores`), whose own words, read back from the line stored, follow
    each other; scored as Whoosh scores a phrase ANDed with its pairs.

    Whoosh's phrase moves each word's postings to each candidate, reading the block headers of
    the common words one by one: at 10,000 episodes the whole search for "le des Alain" (pairs of
    136,129 and 4,951 lines, 176 moments) took 298 ms so and 112 ms so."""
    words, parent = list(phrase.words), leaf.get_parent()
    idf = {word: parent.idf("text", word) for word in words} if scored else {}
    reader, width = leaf.reader(), len(words)
    for steps, (docnum, score) in enumerate(_intersection_scores(leaf, phrase.pairs, 0, scored)):
        if not steps % 64:
            stop_if_out_of_time()
        terms = said_and_terms(reader.stored_fields(docnum)["text"])[1]
        if any(terms[at : at + width] == words for at in range(len(terms) - width + 1)):
            yield docnum + offset, score + sum(terms.count(word) * idf[word] for word in words) if scored else 0.0


def _summed(parts: Iterable[Iterator[tuple[int, float]]]) -> Iterator[tuple[int, float]]:
    """The documents of any of the parts, their scores summed (as Whoosh's union scores them),
    in docnum order; at the time limit, some of those found so far, then TimeLimit."""
    scores: dict[int, float] = {}
    get = scores.get
    try:
        for part in parts:
            for docnum, score in part:
                scores[docnum] = get(docnum, 0.0) + score
    except TimeLimit:
        # Past the deadline: as many as a count needs to say "more than", unsorted (sorting and
        # ranking two million took 225 ms more).
        yield from islice(scores.items(), COUNT_LIMIT + 1)
        raise
    yield from ((docnum, scores[docnum]) for docnum in sorted(scores))


def _intersection_scores(
    leaf: Searcher, terms: list[wq.Term], offset: int, scored: bool, forms: FoldedForms | None = None
) -> Iterator[tuple[int, float]]:
    """The documents of one index segment with all the terms, with their scores summed (as
    Whoosh's intersection scores them), in docnum order.

    Whoosh's intersection leapfrogs its matchers a posting at a time, in Python: at 10,000
    episodes "quand tous" (340,000 and 258,000 moments) took 555 ms, most of it in half a
    million `skip_to`. Here the rarest term's postings are read a window at a time, and the
    other terms' blocks that hold one of its documents are matched against them as sets
    (`_Postings`). A stem of `text` is read as its words in `folded` (`forms`), whose blocks
    hold no positions: reading "quand" took 130 ms from `text` and 37 ms so. The whole search
    for "quand tous" took 132 ms. Each window's matches come out before the next is read: a search cut at its
    time limit shows them.
    """
    reader = leaf.reader()
    if any((term.fieldname, term.text) not in reader for term in terms):
        return
    terms = sorted(terms, key=lambda term: reader.doc_frequency(term.fieldname, term.text))
    parent = leaf.get_parent()
    idfs = [parent.idf(term.fieldname, term.text) if scored else 0.0 for term in terms]
    postings = [[_Postings(reader, said) for said in _said_as(term, forms)] for term in terms]
    for window in _windows(postings[0]):
        scores = {docnum: times * idfs[0] for docnum, times in window.items()}
        for others, idf in zip(postings[1:], idfs[1:], strict=True):
            wanted = sorted(scores)
            times: dict[int, float] = {}
            for other in others:
                for docnum, weight in other.weights_of(wanted):
                    times[docnum] = times.get(docnum, 0.0) + weight
            scores = {docnum: scores[docnum] + count * idf for docnum, count in times.items()}
        for docnum in sorted(scores):
            yield docnum + offset, scores[docnum]


def _said_as(term: wq.Term, forms: FoldedForms | None) -> list[wq.Term]:
    """A stem of `text` as its words in `folded`, when the index has them; any other term as it is."""
    said = forms.get(term.text) if forms is not None and term.fieldname == "text" else None
    return [wq.Term("folded", word) for word in said] if said else [term]


def _windows(postings: list["_Postings"]) -> Iterator[dict[int, float]]:
    """A term's documents (docnum -> times said), a window at a time in docnum order: a block
    of its postings; for a term read as several words, their blocks merged up to the lowest of
    their highest ids."""
    blocks = [iter(_nonempty(words.blocks())) for words in postings]
    current = {n: next(words, None) for n, words in enumerate(blocks)}
    current = {n: block for n, block in current.items() if block is not None}
    at = dict.fromkeys(current, 0)
    while current:
        upto = min(ids[-1] for ids, _weights in current.values())
        window: dict[int, float] = {}
        for n, (ids, weights) in list(current.items()):
            end = bisect.bisect_right(ids, upto, at[n])
            for docnum, weight in zip(ids[at[n] : end], weights[at[n] : end], strict=True):
                window[docnum] = window.get(docnum, 0.0) + weight
            at[n] = end
            if end == len(ids):
                following = next(blocks[n], None)
                if following is None:
                    del current[n]
                else:
                    current[n], at[n] = following, 0
        yield window


def _nonempty(
    blocks: Iterator[tuple[Sequence[int], Sequence[float]]],
) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    return (block for block in blocks if len(block[0]))


class _Postings:
    """One term's postings in one index segment, read forward a block at a time, deleted
    documents left out. Reads Whoosh 2.7's W3 blocks directly (W3LeafMatcher's `_data`, `_ids`,
    `_weights`, `_next_block`; the version is pinned), the ids' deltas added up by `accumulate`,
    not Whoosh's generator; a block whose highest id (in its header) is below the documents
    asked is passed over unread."""

    def __init__(self, reader: Any, term: wq.Term) -> None:
        postings = reader.postings(term.fieldname, term.text) if (term.fieldname, term.text) in reader else None
        self.matcher, self.deleted = postings, frozenset()
        if isinstance(postings, FilterMatcher):  # the segment has deleted documents
            self.matcher, self.deleted = postings.child, postings._ids
        self.inline: dict[int, float] | None = None
        if postings is not None and not isinstance(self.matcher, W3LeafMatcher):
            self.inline = {}  # a few postings, kept inline with the term
            while postings.is_active():
                self.inline[postings.id()] = postings.weight()
                postings.next()
        self.block: dict[int, float] | None = None

    def blocks(
        self, passed_over: Callable[[float], bool] = lambda best: False
    ) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
        """(ids, weights) of each block, but those that `passed_over(their highest weight)`,
        which are not read (the weight is in the block's header)."""
        if self.inline is not None:
            yield tuple(self.inline), tuple(self.inline.values())
            return
        matcher = self.matcher
        while matcher is not None and matcher.is_active():
            stop_if_out_of_time()
            if not passed_over(matcher.block_max_weight()):
                yield self._read()
            matcher._next_block()

    def weights_of(self, wanted: list[int]) -> Iterator[tuple[int, float]]:
        """(docnum, weight) of the wanted documents (sorted, none below those asked before) that have the term."""
        if self.inline is not None:
            yield from ((docnum, self.inline[docnum]) for docnum in sorted(self.inline.keys() & wanted))
            return
        matcher, at = self.matcher, 0
        while matcher is not None and at < len(wanted) and matcher.is_active():
            highest = matcher.block_max_id()
            if wanted[at] > highest:
                stop_if_out_of_time()
                matcher._next_block()
                self.block = None
                continue
            if self.block is None:
                self.block = dict(zip(*self._read(), strict=True))
            end = bisect.bisect_right(wanted, highest, at)
            block = self.block
            yield from ((docnum, block[docnum]) for docnum in sorted(block.keys() & wanted[at:end]))
            at = end

    def _read(self) -> tuple[Sequence[int], Sequence[float]]:
        matcher = self.matcher
        if matcher._ids is None:
            if matcher._data is None:
                matcher._read_data()
            ids = matcher._data[0]
            matcher._ids = ids if matcher._byteids else tuple(accumulate(ids))
        if matcher._weights is None:
            matcher._read_weights()
        ids, weights = matcher._ids, matcher._weights
        if self.deleted:
            kept = [n for n, docnum in enumerate(ids) if docnum not in self.deleted]
            ids, weights = [ids[n] for n in kept], [weights[n] for n in kept]
        return ids, weights


def _union_scores(leaf: Searcher, terms: list[wq.Term], offset: int) -> Iterator[tuple[int, float]]:
    """The documents of one index segment with any of the terms, with their scores.

    Read term by term, not through Whoosh's union matcher, which goes document by document
    through a tree of matchers: 59 -> 28 ms for a 35,000-moment prefix at 1,000 episodes.
    A single term needs no sums: its postings are read in order, as they come. Cut at the time
    limit, the documents of the terms read by then come out (`_summed`): at 10,000 episodes,
    twelve common words ORed said "0 moments" when cut, and now "more than 10,000".
    """
    reader = leaf.reader()
    present = [term for term in terms if (term.fieldname, term.text) in reader]
    parent = leaf.get_parent()
    every = [
        _postings_scores(reader.postings(term.fieldname, term.text), offset, parent.idf(term.fieldname, term.text))
        for term in present
    ]
    yield from every[0] if len(every) == 1 else _summed(every)


def _term_blocks(
    searcher: Searcher, term: wq.Term, idf: float, floor: Callable[[], float] = lambda: -math.inf
) -> Iterator[tuple[Sequence[int], Sequence[float], int]]:
    """(segment-local ids, weights, offset) of a term's posting blocks, but those whose best
    score is not above `floor()` (none of their documents could enter a full heap of the best):
    a block's highest weight is in its header, so they are passed over without reading them.

    Reads Whoosh 2.7's W3 blocks directly (`_Postings`). At 1,000 episodes "quantique" (33,819
    moments) took 41 ms through the generic matcher loop and 6 ms so; see bench/run.py.
    """
    for leaf, offset in searcher.reader().leaf_readers():
        if (term.fieldname, term.text) not in leaf:
            continue
        for ids, weights in _Postings(leaf, term).blocks(passed_over=lambda best: best * idf <= floor()):
            yield ids, weights, offset


def _postings_scores(postings: Matcher, offset: int, idf: float) -> Iterator[tuple[int, float]]:
    steps = 0
    while postings.is_active():
        yield postings.id() + offset, postings.weight() * idf
        postings.next()
        steps += 1
        if not steps % CLOCK_EVERY:
            stop_if_out_of_time()


def _intersected_terms(query: wq.Query) -> list[wq.Term] | None:
    """The terms of a query that is several words all at once."""
    if type(query) is wq.And and query.boost == 1:
        terms = query.subqueries
        if all(type(term) is wq.Term and term.boost == 1 for term in terms):
            return list(terms)
    return None


def _plain_or(query: wq.Query) -> bool:
    """Either of its parts, scored as their sum."""
    return type(query) is wq.Or and query.boost == 1 and not query.scale and not query.minmatch


def _union_terms(query: wq.Query) -> list[wq.Term] | None:
    """The terms of a query that is one word or either of several, as most are."""
    if isinstance(query, wq.Term) and query.boost == 1:
        return [query]
    if _plain_or(query):
        parts = [_union_terms(sub) for sub in query.subqueries]
        return None if None in parts else [term for part in parts for term in part]
    return None
