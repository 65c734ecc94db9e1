"""The Whoosh engine: the moments in a Whoosh index folder on this machine.

The index is Haystack's, through our backend (`whoosh_backend`: schema, locked writes,
builds swapped in whole); it follows the database through index jobs that a worker
does after each change commits (`search.indexing`). So the archive is one machine:
the index folder, and the workers beside it.

Only this module and its `whoosh_*` helpers import Whoosh.
"""

import datetime
import gc
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from whoosh import query as wq
from whoosh import sorting
from whoosh.collectors import TimeLimit
from whoosh.matching import Matcher
from whoosh.searching import Searcher

from episodes.models import Episode
from search import indexing
from search.engines import Advance, Filters, Hits, Matches, StoredMoment, allowed_episodes, not_told
from search.engines.whoosh_deadline import deadline, stop_if_out_of_time
from search.engines.whoosh_schema import BRIDGE_TERMS, bridge_term
from search.indexing import search_backend
from search.plan import AllOf, AnyOf, Compiled, Node, Prefix, Terms, Without
from search.search_indexes import moment_documents, moments
from search.spelling import Vocabulary, closest_said_word

_gc_pause_lock = threading.Lock()
_searches_pausing_gc = 0
# Index segment id -> segment and episode of each of its documents, and its words.
_segments_by_leaf: dict[str, array] = {}
_episodes_by_leaf: dict[str, array] = {}
_vocabulary_by_leaf: dict[str, Vocabulary] = {}
# One thread reads an index segment for these caches while the others wait for it: otherwise a
# worker's four threads, each on its first search, read the same 600,000 documents at once.
_reading_leaves = threading.Lock()
T = TypeVar("T")
# Postings read between two looks at the clock in a term-by-term ranking.
CLOCK_EVERY = 4096


class WhooshEngine:
    def find(self, compiled: Compiled, filters: Filters, *, seconds: float) -> Matches:
        with search_backend().searcher() as searcher, deadline(seconds), _garbage_collection_paused():
            query = whoosh_query(compiled.query, prefix_expander(searcher))
            terms = _union_terms(query)
            if terms is not None and not filters.episode and _sorting(filters.sort) is None:
                docnums, timed_out = _ranked_union(searcher, terms)
            else:
                docnums, timed_out = _collected(searcher, query, filters)
            segments, episodes = segment_ids(searcher), episode_ids(searcher)
            hits = Hits(map(segments.__getitem__, docnums), map(episodes.__getitem__, docnums))
        allowed = allowed_episodes(filters)
        return Matches(hits=hits if allowed is None else hits.of(allowed), timed_out=timed_out)

    def count(self, compiled: Compiled) -> int:
        with search_backend().searcher() as searcher:
            return len(searcher.search(whoosh_query(compiled.query, prefix_expander(searcher)), limit=None))

    def is_said(self, word: str) -> bool:
        with search_backend().searcher() as searcher:
            return _said_in(searcher)(word)

    def closest_said(self, word: str) -> str | None:
        with search_backend().searcher() as searcher:
            return closest_said_word(word, _vocabularies(searcher), _said_in(searcher))

    def episodes_changed(self, *episode_ids: int) -> None:
        indexing.request_jobs(*episode_ids)

    def replace_episodes(self, episode_ids: list[int]) -> int:
        documents = list(moment_documents(moments().filter(episode_id__in=episode_ids)))
        search_backend().replace_episodes(episode_ids, documents)
        return len(documents)

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
            segment_ids(searcher), episode_ids(searcher), _vocabularies(searcher)


def _told(documents: Iterable[dict[str, Any]], advance: Advance) -> Iterator[dict[str, Any]]:
    for document in documents:
        yield document
        advance(1)


def _stored(doc: dict[str, Any]) -> StoredMoment:
    day = doc["air_date"]
    air_date = datetime.date(day // 10_000, day // 100 % 100, day % 100)
    return StoredMoment(doc["text"], doc["start_ms"], doc.get("end_ms"), air_date)


def engine() -> WhooshEngine:
    return WhooshEngine()


def whoosh_query(node: Node, expand_prefix: Callable[[str], Iterable[str]]) -> wq.Query:
    """The Whoosh query of a plan's tree."""
    match node:
        case Terms(terms=(term,)):
            return wq.Term("text", term)
        case Terms(terms=terms):
            return wq.Or([wq.Phrase("text", list(terms)), *_across_lines(terms)])
        case Prefix(prefix=prefix):
            # Every word, not Whoosh's Prefix query: terms ORed are ranked term by term (_ranked_union);
            # `quan*` over 41 copies of the sample (1,845 moments) took 2.5 ms.
            words = list(expand_prefix(prefix))
            return wq.Or([wq.Term("folded", word) for word in words]) if words else wq.NullQuery
        case AnyOf(parts=parts):
            return wq.Or([whoosh_query(part, expand_prefix) for part in parts])
        case AllOf(parts=parts):
            return wq.And([whoosh_query(part, expand_prefix) for part in parts])
        case Without(wanted=wanted, excluded=excluded):
            return wq.AndNot(
                whoosh_query(wanted, expand_prefix), wq.Or([whoosh_query(part, expand_prefix) for part in excluded])
            )
    raise TypeError(node)


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


def _collected(searcher: Searcher, query: wq.Query, filters: Filters) -> tuple[list[int], bool]:
    """Any query, any order, through Whoosh's own matchers and collector."""
    if filters.episode:
        # One episode: the index narrows best. In the query, not as a collector filter:
        # Whoosh's TimeLimitCollector bypasses a FilterCollector it wraps.
        episode_id = Episode.objects.filter(slug=filters.episode).values_list("pk", flat=True).first()
        query = wq.And([query, wq.ConstantScoreQuery(wq.Term("episode", str(episode_id or 0)))])
    # Not Whoosh's TimeLimitCollector, which looks at the clock only when a document
    # matches: the searcher's postings stop at the deadline (whoosh_deadline).
    collector = searcher.collector(limit=None, sortedby=_sorting(filters.sort))
    timed_out = False
    try:
        searcher.search_with_collector(query, collector)
    except TimeLimit:
        timed_out = True
    return [docnum for docnum, _score in collector.results().items()], timed_out


def _union_terms(query: wq.Query) -> list[wq.Term] | None:
    """The terms of a query that is one word or either of several, as most are."""
    if isinstance(query, wq.Term) and query.boost == 1:
        return [query]
    if type(query) is wq.Or and query.boost == 1 and not query.scale and not query.minmatch:
        parts = [_union_terms(sub) for sub in query.subqueries]
        return None if None in parts else [term for part in parts for term in part]
    return None


def _ranked_union(searcher: Searcher, terms: list[wq.Term]) -> tuple[list[int], bool]:
    """The documents with any of the terms, ranked as Whoosh's collector ranks them.

    The sum of each term's TF-IDF (MomentWeighting), then archive order; read term by
    term, not through Whoosh's union matcher, which goes document by document through
    a tree of matchers: 59 -> 28 ms for a 35,000-moment prefix at 1,000 episodes.
    """
    scores: dict[int, float] = {}
    timed_out = False
    try:
        for leaf, offset in searcher.reader().leaf_readers():
            for term in terms:
                if (term.fieldname, term.text) in leaf:
                    idf = searcher.idf(term.fieldname, term.text)
                    _add_scores(scores, leaf.postings(term.fieldname, term.text), offset, idf)
    except TimeLimit:
        timed_out = True
    # Sorting is stable: equal scores stay in archive order.
    return sorted(sorted(scores), key=scores.__getitem__, reverse=True), timed_out


def _add_scores(scores: dict[int, float], postings: Matcher, offset: int, idf: float) -> None:
    stop_if_out_of_time()
    get = scores.get
    steps = 0
    while postings.is_active():
        docnum = postings.id() + offset
        scores[docnum] = get(docnum, 0.0) + postings.weight() * idf
        postings.next()
        steps += 1
        if not steps % CLOCK_EVERY:
            stop_if_out_of_time()


@contextmanager
def _garbage_collection_paused() -> Iterator[None]:
    """No cyclic garbage collection while a search makes its many short-lived tuples.

    Each would otherwise trigger collections that walk the whole heap: 50 of the 130 ms
    of a 40,000-hit search at 1,000 episodes. Counted, because the switch is the
    process's and other threads may be searching too; what they free is freed anyway
    (reference counting), cycles wait until the last search ends.
    """
    global _searches_pausing_gc
    with _gc_pause_lock:
        _searches_pausing_gc += 1
        gc.disable()
    try:
        yield
    finally:
        with _gc_pause_lock:
            _searches_pausing_gc -= 1
            if not _searches_pausing_gc:
                gc.enable()


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
    return _combined(_per_leaf(searcher, _episodes_by_leaf, _leaf_episodes))


def segment_ids(searcher: Searcher) -> array:
    """The segment (transcript line) of every document, by document number, from its column."""
    return _combined(_per_leaf(searcher, _segments_by_leaf, _leaf_segments))


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


def _leaf_vocabulary(leaf) -> Vocabulary:
    return Vocabulary.of((term.decode(), info.doc_frequency()) for term, info in leaf.iter_field("spell"))


def _said_in(searcher: Searcher) -> Callable[[str], bool]:
    """Whether a word is in a moment of the index that is not deleted."""
    leaves = [leaf for leaf, _offset in searcher.reader().leaf_readers()]

    def said(word: str) -> bool:
        return any(("spell", word) in leaf and leaf.postings("spell", word).is_active() for leaf in leaves)

    return said
