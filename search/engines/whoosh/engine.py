"""The Whoosh engine: the moments in a Whoosh index folder on this machine.

The index is Haystack's, through our backend (`search.engines.whoosh.backend`: schema, locked writes,
builds swapped in whole); it follows the database through index jobs that a worker
does after each change commits (`search.indexing`). So the archive is one machine:
the index folder, and the workers beside it.

Only this module and its `whoosh_*` helpers import Whoosh.
"""

import bisect
import datetime
import heapq
import math
import threading
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cached_property
from itertools import accumulate, islice
from typing import Any, TypeVar

from django.db import models
from whoosh import query as wq
from whoosh import sorting
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.collectors import TimeLimit
from whoosh.fields import Schema
from whoosh.matching import FilterMatcher, IntersectionMatcher, Matcher, NullMatcher
from whoosh.query.spans import SpanNear2, SpanWrappingMatcher
from whoosh.searching import Searcher
from whoosh.util import make_binary_tree

from episodes.models import Segment
from search import indexing
from search.analysis import said_and_terms, stem_of_folded
from search.engines import (
    COUNT_LIMIT,
    Advance,
    Count,
    EpisodeBest,
    Filters,
    Hit,
    NoResults,
    Results,
    StoredMoment,
    allowed_episodes,
    filtered_episode,
    not_told,
    spoken_lines,
)
from search.engines.whoosh.backend import search_backend
from search.engines.whoosh.deadline import deadline, stop_if_out_of_time
from search.engines.whoosh.documents import moment_documents, moments
from search.engines.whoosh.schema import BRIDGE_TERMS, bridge_term, pair_terms
from search.models import IndexJob
from search.plan import AllOf, AnyOf, Compiled, Node, Prefix, Terms, Without
from search.spelling import Vocabulary, closest_said_word

# Index segment id -> segment and episode of each of its documents, and its words.
_segments_by_leaf: dict[str, array] = {}
_episodes_by_leaf: dict[str, array] = {}
_vocabulary_by_leaf: dict[str, Vocabulary] = {}
# A stem of `text` -> the words of `folded` that it stems, for every index segment read so far
# (`_folded_forms`).
FoldedForms = dict[str, tuple[str, ...]]
_forms: FoldedForms = {}
_forms_read: set[str] = set()
# One thread reads an index segment for these caches while the others wait for it: otherwise a
# worker's four threads, each on its first search, read the same 600,000 documents at once.
_reading_leaves = threading.Lock()
T = TypeVar("T")
# Postings read between two looks at the clock in a term-by-term ranking.
CLOCK_EVERY = 4096
# Episodes whose documents are read in one query when replacing them.
EPISODES_PER_QUERY = 100
# The speakers of the lines found are counted in SQL, this many lines a statement.
LINES_PER_QUERY = 5_000
# Grouping the moments by episode keeps each one's best this many, as many as a page of groups
# shows (search.moments.MOMENTS_PER_EPISODE): the page's episodes then need no pass of their own.
# That pass narrowed the query to them in the index, which had Whoosh list every line of the
# page's ten episodes first. At 1,000 episodes the engine's part of the results page of the
# mix's rare words (1,400 moments each) went from 53 % to 23 %, and the page, with the other
# cuts made beside this one, from 106 to 51 ms p50 (bench/request_cost.py, load average 8-10).
BEST_KEPT = 3


class WhooshEngine:
    label = "Whoosh"
    database_vendor = None  # any: the index is a folder beside the database
    # Changes reach the index through the index worker, after their transaction commits
    # (`search.indexing`), one writer at a time.
    needs_worker = True
    imports_in_parallel = False
    uses_haystack = True

    def ready(self) -> None:
        """Nothing: the index is opened when first used."""

    def find(self, compiled: Compiled, filters: Filters, *, seconds: float) -> Results:
        if seconds <= 0:
            return NoResults(timed_out=True)
        return WhooshResults(compiled, filters, seconds)

    def count(self, compiled: Compiled) -> int:
        with search_backend().searcher() as searcher:
            return len(
                searcher.search(whoosh_query(compiled.query, prefix_expander(searcher), searcher.schema), limit=None)
            )

    def is_said(self, word: str) -> bool:
        with search_backend().searcher() as searcher:
            return _said_in(searcher)(word)

    def closest_said(self, word: str) -> str | None:
        with search_backend().searcher() as searcher:
            return closest_said_word(word, _vocabularies(searcher), _said_in(searcher))

    def episodes_changed(self, *episode_ids: int) -> None:
        indexing.request_jobs(*episode_ids)

    def replace_episodes(self, episode_ids: list[int]) -> int:
        return search_backend().replace_episodes(episode_ids, _documents_of(episode_ids))

    def rebuild(self, advance: Advance = not_told) -> int:
        return search_backend().rebuild(_told(moment_documents(moments()), advance))

    def is_current(self) -> bool:
        return search_backend().schema_is_current()

    def episodes_held(self) -> set[int]:
        with search_backend().searcher() as searcher:
            return {int(term) for term in searcher.reader().lexicon("episode")}

    def stored_moments(self, episode_id: int) -> dict[int, StoredMoment]:
        with search_backend().searcher() as searcher:
            documents = searcher.documents(episode=str(episode_id))
            return {int(doc["django_id"]): _stored(doc) for doc in documents}

    def spelling_words(self) -> set[str]:
        with search_backend().searcher() as searcher:
            said = _said_in(searcher)
            # Words of deleted moments stay in a segment's lexicon until it is merged away.
            return {word for vocabulary in _vocabularies(searcher) for word in vocabulary.all_words() if said(word)}

    def warm(self) -> None:
        # At 1,000 episodes a worker's first search read 0.97 s of episode ids and its first
        # suggestion 0.26 s of words; under load, on 2 cores, that request took 4 to 5 s.
        with search_backend().searcher() as searcher:
            segment_ids(searcher), episode_ids(searcher), _vocabularies(searcher), _folded_forms(searcher)


class WhooshResults(Results):
    """Each answer one pass over the matching documents of the searcher the search began
    with, through Whoosh's matchers and the per-segment arrays of segment and episode ids.

    Ranked answers score every match (TF-IDF, summed over a moment's terms, then archive
    order) but keep only what they answer: a bounded heap of the best `k`, or one best
    moment and one count per episode. Counting does not score, and stops past its count limit.
    """

    def __init__(self, compiled: Compiled, filters: Filters, seconds: float) -> None:
        super().__init__(seconds, filtered_episode(filters))
        with search_backend().searcher() as searcher:
            self.searcher = searcher
        self.query = whoosh_query(compiled.query, prefix_expander(searcher), searcher.schema)
        if self.episode_id is not None:
            self.query = _in_episodes(self.query, [self.episode_id])
        self.newest = filters.sort == "newest"
        self.segments, self.episodes = segment_ids(searcher), episode_ids(searcher)
        # Filters by show, person, dates and speaker are asked of the database (a Whoosh date
        # range expands into hundreds of terms: 125 ms at 100 episodes, against ~1 ms).
        self.allowed = allowed_episodes(filters)
        spoken = spoken_lines(filters)
        self.spoken = None if spoken is None else set(spoken.values_list("pk", flat=True))
        self.lagging, self.present = _lagging()
        # Each episode's best keys, from the pass that grouped the moments (`_groups`).
        self.episode_tops: dict[int, list[tuple]] | None = None

    def _top(self, k: int) -> list[Hit]:
        term = self._single_term()
        if term is not None:
            return [self._hit(docnum) for docnum in self._best_of_term(term, k)]
        seen = 0

        def ranked() -> Iterator[tuple[tuple, int]]:
            nonlocal seen
            for docnum, score in self._passed(self.query, scored=not self.newest):
                seen += 1
                yield self._key(docnum, score), docnum

        hits = [self._hit(docnum) for _key, docnum in heapq.nsmallest(k, ranked())]
        # The pass went through every match: it counted them too.
        self.counted_along(seen)
        return hits

    def _single_term(self) -> wq.Term | None:
        """The query's one term, when it is one word ranked by relevance (most searches are)."""
        terms = _union_terms(self.query)
        return terms[0] if terms is not None and len(terms) == 1 and not self.newest else None

    def _term_matches(self, term: wq.Term) -> Iterator[tuple[int, float]]:
        """(docnum, score) of every document of one term that the filters keep, read a block at
        a time (see `_term_blocks`): 5x fewer steps than the generic matcher loop."""
        if (term.fieldname, term.text) not in self.searcher.reader():
            return  # nothing says it (and an empty index has no idf)
        keep, idf = self._keeps(), self.searcher.idf(term.fieldname, term.text)
        try:
            with deadline(self.seconds_left()):
                for ids, weights, offset in _term_blocks(self.searcher, term, idf):
                    for local, weight in zip(ids, weights, strict=True):
                        if keep is None or keep(local + offset):
                            yield local + offset, weight * idf
        except TimeLimit:
            self.timed_out = True

    def _best_of_term(self, term: wq.Term, k: int) -> list[int]:
        """The `k` best documents of one term, best first, reading its postings a block at a time.

        A block whose highest term frequency cannot beat the k-th best so far is skipped
        unread (Whoosh keeps each block's highest weight in its header); the others are
        read as arrays. Ties keep archive order: a later document never displaces an equal one.
        """
        if k <= 0 or (term.fieldname, term.text) not in self.searcher.reader():
            return []
        keep = self._keeps()
        heap: list[tuple[float, int]] = []  # (score, -docnum): the worst of the best on top
        idf = self.searcher.idf(term.fieldname, term.text)
        try:
            with deadline(self.seconds_left()):
                floor = lambda: heap[0][0] if len(heap) == k else -math.inf  # noqa: E731
                for ids, weights, offset in _term_blocks(self.searcher, term, idf, floor):
                    for docnum, weight in zip(ids, weights, strict=True):
                        entry = (weight * idf, -(docnum + offset))
                        if len(heap) == k and entry <= heap[0]:
                            continue
                        if keep is not None and not keep(docnum + offset):
                            continue
                        if len(heap) < k:
                            heapq.heappush(heap, entry)
                        else:
                            heapq.heapreplace(heap, entry)
        except TimeLimit:
            self.timed_out = True
        return [-docnum for _score, docnum in sorted(heap, reverse=True)]

    def _count(self) -> Count:
        moments = 0
        for _match in self._passed(self.query, scored=False):
            moments += 1
            if moments > self.count_limit:
                return Count(self.count_limit, exact=False)
        return Count(moments, exact=not self.timed_out)

    def _groups(self) -> tuple[dict[int, int], dict[int, tuple]]:
        """Also keeps each episode's best BEST_KEPT keys, which a page of groups asks next."""
        counts: dict[int, int] = {}
        tops: dict[int, list[tuple]] = {}
        episodes = self.episodes
        term = self._single_term()
        matches = self._passed(self.query, scored=not self.newest) if term is None else self._term_matches(term)
        for docnum, score in matches:
            episode = episodes[docnum]
            counts[episode] = counts.get(episode, 0) + 1
            key = self._key(docnum, score)
            kept = tops.get(episode)
            if kept is None:
                tops[episode] = [key]
            elif len(kept) < BEST_KEPT or key < kept[-1]:
                bisect.insort(kept, key)
                del kept[BEST_KEPT:]
        self.episode_tops = tops
        return counts, {episode: kept[0] for episode, kept in tops.items()}

    def _best_in(self, episode_ids: tuple[int, ...], most: int) -> dict[int, EpisodeBest]:
        if self.episode_tops is not None and most <= BEST_KEPT and not self.timed_out:
            counts = self.per_episode()
            return {
                episode: EpisodeBest([self._hit(key[-1]) for key in self.episode_tops[episode][:most]], counts[episode])
                for episode in episode_ids
                if episode in counts
            }
        heaps: dict[int, list] = {}
        for docnum, score in self._passed(_in_episodes(self.query, episode_ids)):
            heaps.setdefault(self.episodes[docnum], []).append((self._key(docnum, score), docnum))
        return {
            episode: EpisodeBest([self._hit(docnum) for _key, docnum in heapq.nsmallest(most, found)], len(found))
            for episode, found in heaps.items()
        }

    def _in_episode(self, episode_id: int) -> set[int]:
        query = _in_episodes(self.query, [episode_id])
        return {self.segments[docnum] for docnum, _score in self._passed(query, scored=False)}

    def _speakers(self) -> dict[str, int]:
        names: Counter[str] = Counter()
        segments = (self.segments[docnum] for docnum, _score in self._passed(self.query, scored=False))
        while batch := list(islice(segments, LINES_PER_QUERY)):
            lines = Segment.objects.published().filter(pk__in=batch).exclude(speaker="")
            names.update(
                dict(
                    lines.order_by()
                    .values("speaker")
                    .annotate(lines=models.Count("pk"))
                    .values_list("speaker", "lines")
                )
            )
        return dict(names)

    def _hit(self, docnum: int) -> Hit:
        return Hit(self.segments[docnum], self.episodes[docnum])

    def _key(self, docnum: int, score: float) -> tuple:
        """A moment's place in the order asked (smallest first): best score, or newest, then archive order."""
        if self.newest:
            return (-self._air_date(docnum), self._start_ms(docnum), docnum)
        return (-score, docnum)

    def _passed(self, query: wq.Query, *, scored: bool = True) -> Iterator:
        """(docnum, score) of each match the filters keep (the score 0 when not `scored`);
        ends early, setting `timed_out`, at the search's deadline."""
        keep = self._keeps()
        try:
            # No garbage-collector switch: pausing it for each search (50 of 130 ms once, at
            # 1,000 episodes) changed nothing measurable once ANDs were read as sets: ten heavy
            # searches at 10,000 episodes, 7,054 ms paused, 7,048 not (best of 3 each).
            with deadline(self.seconds_left()):
                for docnum, score in _matches(self.searcher, query, scored):
                    if keep is None or keep(docnum):
                        yield docnum, score
        except TimeLimit:
            self.timed_out = True

    def _keeps(self) -> Callable[[int], bool] | None:
        """Which documents count: those the filters allow, of lines still published."""
        allowed, spoken, episodes, segments = self.allowed, self.spoken, self.episodes, self.segments
        lagging, present = self.lagging, self.present
        tests: list[Callable[[int], bool]] = []
        if allowed is not None:
            tests.append(lambda docnum: episodes[docnum] in allowed)
        if spoken is not None:
            tests.append(lambda docnum: segments[docnum] in spoken)
        if lagging:
            tests.append(lambda docnum: episodes[docnum] not in lagging or segments[docnum] in present)
        if len(tests) < 2:
            return tests[0] if tests else None
        return lambda docnum: all(test(docnum) for test in tests)

    @cached_property
    def _air_date(self) -> Callable[[int], int]:
        return _column(self.searcher, "air_date")

    @cached_property
    def _start_ms(self) -> Callable[[int], int]:
        return _column(self.searcher, "start_ms")


def _lagging() -> tuple[set[int], set[int]]:
    """The episodes whose documents lag behind the database (an index job waits: a re-import,
    an edit, an unpublish), and the published lines they have now: only those are counted.

    Otherwise, between the commit and the worker's run, a re-imported episode's old
    moments were counted (82 for the sample) but could not be shown (their rows are gone).
    """
    lagging = set(IndexJob.objects.values_list("episode_id", flat=True))
    if not lagging:
        return set(), set()
    rows = Segment.objects.published().filter(episode_id__in=lagging)
    return lagging, set(rows.values_list("pk", flat=True))


def _in_episodes(query: wq.Query, episode_ids: Iterable[int]) -> wq.Query:
    """The query within these episodes: the index narrows best (in the query, not as a filter)."""
    episodes = [wq.Term("episode", str(episode)) for episode in episode_ids]
    return wq.And([query, wq.ConstantScoreQuery(wq.Or(episodes) if len(episodes) > 1 else episodes[0])])


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


def _column(searcher: Searcher, name: str) -> Callable[[int], int]:
    """A sortable column's value by document number, across the index's segments."""
    readers = [(offset, leaf.column_reader(name)) for leaf, offset in searcher.reader().leaf_readers()]
    starts = [offset for offset, _reader in readers]

    def value(docnum: int) -> int:
        offset, reader = readers[bisect.bisect_right(starts, docnum) - 1]
        return reader[docnum - offset]

    return value


def _documents_of(episode_ids: list[int]) -> Iterator[dict[str, Any]]:
    """These episodes' documents, read a few episodes a query (a bulk commit holds thousands)."""
    for start in range(0, len(episode_ids), EPISODES_PER_QUERY):
        yield from moment_documents(moments().filter(episode_id__in=episode_ids[start : start + EPISODES_PER_QUERY]))


def _told(documents: Iterable[dict[str, Any]], advance: Advance) -> Iterator[dict[str, Any]]:
    for document in documents:
        yield document
        advance(1)


def _stored(doc: dict[str, Any]) -> StoredMoment:
    day = doc["air_date"]
    air_date = datetime.date(day // 10_000, day // 100 % 100, day % 100)
    return StoredMoment(doc["text"], doc["start_ms"], doc.get("end_ms"), air_date)


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


def _sorting(sort: str) -> sorting.FacetType | None:
    if sort == "newest":
        return sorting.MultiFacet([sorting.FieldFacet("air_date", reverse=True), sorting.FieldFacet("start_ms")])
    return None


def episode_ids(searcher: Searcher) -> array:
    """The episode of every document of the searcher's index, by document number.

    Read from the `episode` terms' postings, once per index segment (segments never
    change but for deletions): reading a column hit by hit cost more than the search
    itself for common words (56 ms for 40,000 hits).
    """
    return _whole_index("episodes", searcher, _episodes_by_leaf, _leaf_episodes)


def segment_ids(searcher: Searcher) -> array:
    """The segment (transcript line) of every document, by document number, from its column."""
    return _whole_index("segments", searcher, _segments_by_leaf, _leaf_segments)


# The whole index's arrays, kept while its segments stay the same (a deletion changes no
# document number): joining 30 segments' 6,000,000 ids took 64 ms a search at 10,000 episodes.
_whole_arrays: dict[str, tuple[tuple, array]] = {}


def _whole_index(kind: str, searcher: Searcher, cache: dict[str, array], build: Callable[[Any], array]) -> array:
    leaves = searcher.reader().leaf_readers()
    key = tuple((leaf.segment().segment_id(), offset) for leaf, offset in leaves if leaf.segment())
    kept = _whole_arrays.get(kind)
    if kept is not None and kept[0] == key:
        return kept[1]
    whole = _combined(_per_leaf(searcher, cache, build))
    _whole_arrays[kind] = (key, whole)
    return whole


def _combined(parts: list[array]) -> array:
    combined = array("q")
    for part in parts:
        combined += part
    return combined


def _leaf_episodes(leaf) -> array:
    episodes = array("q", bytes(8 * leaf.doc_count_all()))
    for term in leaf.lexicon("episode"):
        episode = int(term)
        for docnum in leaf.postings("episode", term).all_ids():
            episodes[docnum] = episode
    return episodes


def _leaf_segments(leaf) -> array:
    if leaf.has_column("segment"):
        return array("q", leaf.column_reader("segment"))
    # An index of schema 2 (before the column): read once from the stored fields until rebuilt.
    return array("q", (int(leaf.stored_fields(docnum)["django_id"]) for docnum in range(leaf.doc_count_all())))


def _per_leaf(searcher: Searcher, cache: dict[str, T], build: Callable[[Any], T]) -> list[T]:
    """`build(leaf)` for each segment of the searcher's index, in order, kept while the segment lives."""
    leaves = searcher.reader().leaf_readers()
    current = {leaf.segment().segment_id(): (leaf, offset) for leaf, offset in leaves if leaf.segment()}
    for gone in cache.keys() - current.keys():
        cache.pop(gone, None)
    built = []
    for segment_id, (leaf, _offset) in sorted(current.items(), key=lambda item: item[1][1]):
        # Read once; another thread may drop it meanwhile (its searcher is newer than ours).
        value = cache.get(segment_id)
        if value is None:
            with _reading_leaves:
                value = cache.get(segment_id)
                if value is None:
                    value = cache[segment_id] = build(leaf)
        built.append(value)
    return built


def _vocabularies(searcher: Searcher) -> list[Vocabulary]:
    """The words of the `spell` field, per index segment, read once per segment.

    Deleted documents' words stay in a segment's lexicon until it is merged away:
    `_said_in()` tells the words still said by a published moment.
    """
    return _per_leaf(searcher, _vocabulary_by_leaf, _leaf_vocabulary)


def _folded_forms(searcher: Searcher) -> FoldedForms | None:
    """The words of `folded` that each stem of `text` stands for: its postings, without
    positions, are read 3.6 times faster (`_intersection_scores`). One map for the process, each
    index segment's words added once (150,000 words took 2 s to stem), none taken away: a word
    of a segment merged away only has no postings left. None for an index of schema 3 or
    before, which has no `folded`."""
    if "folded" not in searcher.schema:
        return None
    for leaf, _offset in searcher.reader().leaf_readers():
        segment = leaf.segment().segment_id() if leaf.segment() else None
        if segment is not None and segment in _forms_read:
            continue
        with _reading_leaves:
            if segment is None or segment not in _forms_read:
                _add_forms(leaf)
                if segment is not None:
                    _forms_read.add(segment)
    return _forms


def _add_forms(leaf) -> None:
    found: dict[str, list[str]] = {}
    for word in leaf.lexicon("folded"):
        word = word.decode()
        stem = stem_of_folded(word)
        if word not in _forms.get(stem, ()):
            found.setdefault(stem, list(_forms.get(stem, ()))).append(word)
    _forms.update((stem, tuple(words)) for stem, words in found.items())


def _leaf_vocabulary(leaf) -> Vocabulary:
    return Vocabulary.of((term.decode(), info.doc_frequency()) for term, info in leaf.iter_field("spell"))


def _said_in(searcher: Searcher) -> Callable[[str], bool]:
    """Whether a word is in a moment of the index that is not deleted."""
    leaves = [leaf for leaf, _offset in searcher.reader().leaf_readers()]

    def said(word: str) -> bool:
        return any(("spell", word) in leaf and leaf.postings("spell", word).is_active() for leaf in leaves)

    return said
