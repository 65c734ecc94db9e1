"""Finding moments: a query and filters in, ordered hits and display rows out."""

import datetime
import gc
import re
import threading
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import reduce
from itertools import compress
from operator import or_
from typing import Any, NamedTuple, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.utils.safestring import SafeString, mark_safe
from whoosh import query as wq
from whoosh import sorting
from whoosh.collectors import TimeLimit
from whoosh.matching import Matcher
from whoosh.searching import Searcher

from episodes.models import Episode, Person, Segment
from search.analysis import WORDS, analyze, spelling_analyzer
from search.deadline import deadline, stop_if_out_of_time
from search.engine import Compiled, Glossary, compile_query
from search.highlight import highlight
from search.indexing import search_backend
from search.models import GlossaryEntry, IndexJob
from search.query import Kind, ParsedQuery, parse_query
from search.spelling import Vocabulary, closest_said_word

# No query may hold a worker longer than this; what was found by then is shown.
TIME_LIMIT_SECONDS = 1.0
# The engine stops this much earlier, leaving time to rank, count and build the page.
ENGINE_TIME_LIMIT_SECONDS = 0.7 * TIME_LIMIT_SECONDS
# Fewer results than this and a spelling suggestion is offered.
FEW_RESULTS = 3
EPISODES_PER_PAGE = 10
MOMENTS_PER_EPISODE = 3
MOMENTS_PER_PAGE = 20
_gc_pause_lock = threading.Lock()
_searches_pausing_gc = 0
# Index segment id -> episode of each of its documents (see episode_ids()), and its words.
_episodes_by_segment: dict[str, array] = {}
_vocabulary_by_segment: dict[str, Vocabulary] = {}
T = TypeVar("T")
# Postings read between two looks at the clock in a term-by-term ranking.
CLOCK_EVERY = 4096


@dataclass(frozen=True)
class Filters:
    show: str = ""
    person: str = ""
    episode: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    sort: str = "relevance"


class Hit(NamedTuple):
    """A matching moment: its document in the index, and its episode."""

    docnum: int
    episode_id: int


class Hits(Sequence[Hit]):
    """The matching moments in rank order, as two arrays: documents and their episodes.

    Counting and grouping them run at C speed and only the hits a page shows become
    objects. A search cut short at its time limit can hold 190,000 hits at 1,000
    episodes: a Hit per hit, then grouping them one by one, cost 0.5 s after the
    engine had stopped, which put the request past its time limit.
    """

    def __init__(self, docnums: Iterable[int] = (), episodes: Iterable[int] = ()) -> None:
        self.docnums = array("i", docnums)
        self.episodes = array("i", episodes)

    def __len__(self) -> int:
        return len(self.docnums)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return list(map(Hit, self.docnums[index], self.episodes[index]))
        return Hit(self.docnums[index], self.episodes[index])

    def episode_count(self) -> int:
        return len(set(self.episodes))

    def by_episode(self) -> list[int]:
        """The episodes, in the order of their best hit."""
        return list(dict.fromkeys(self.episodes))

    def of_episodes(self, episodes: set[int], most: int) -> tuple[dict[int, list[Hit]], Counter]:
        """The best `most` hits of each of these episodes, and how many hits each has."""
        counts = Counter(self.episodes)
        wanted = sum(min(counts[episode], most) for episode in episodes)
        best: dict[int, list[Hit]] = {episode: [] for episode in episodes}
        for docnum, episode in zip(self.docnums, self.episodes, strict=True):
            if not wanted:
                break
            if episode in best and len(best[episode]) < most:
                best[episode].append(Hit(docnum, episode))
                wanted -= 1
        return best, counts


@dataclass
class Found:
    query: str
    parsed: ParsedQuery
    hits: Hits = field(default_factory=Hits)
    compiled: Compiled | None = None
    suggestion: str | None = None
    timed_out: bool = False
    searcher: Searcher | None = field(default=None, repr=False)
    _segment_ids: dict[int, int] = field(default_factory=dict, repr=False)

    @property
    def count(self) -> int:
        return len(self.hits)

    @property
    def episode_count(self) -> int:
        return self.hits.episode_count()

    def segment_id(self, hit: Hit) -> int:
        """Read from the stored fields, so only for the hits shown: for all of them,
        it cost more than the search itself for common words."""
        if hit.docnum not in self._segment_ids:
            self._segment_ids[hit.docnum] = int(self.searcher.stored_fields(hit.docnum)["django_id"])
        return self._segment_ids[hit.docnum]


@dataclass
class Moment:
    segment: Segment
    highlighted: SafeString
    before: Segment | None = None
    after: Segment | None = None
    matched_variant: str | None = None


@dataclass
class EpisodeMoments:
    episode: Episode
    moments: list[Moment]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.moments)


@dataclass
class EpisodeMatches:
    """Where a search lands inside one episode: the matching segments, in time order."""

    found: Found
    segments: list[Segment]
    highlighted: dict[int, SafeString]

    def after(self, start_ms: int) -> Segment | None:
        return next((s for s in self.segments if s.start_ms > start_ms), None)

    def before(self, start_ms: int) -> Segment | None:
        return next((s for s in reversed(self.segments) if s.start_ms < start_ms), None)


def episode_matches(episode: Episode, segments: list[Segment], text: str) -> EpisodeMatches:
    """The segments of this episode that a search for `text` finds, marked."""
    found = find_moments(text, Filters(episode=episode.slug))
    hit_ids = {found.segment_id(hit) for hit in found.hits}
    matching = [segment for segment in segments if segment.pk in hit_ids]
    highlighted = {segment.pk: _highlighted(found.compiled, segment) for segment in matching}
    return EpisodeMatches(found=found, segments=matching, highlighted=highlighted)


def find_moments(text: str, filters: Filters) -> Found:
    found = Found(query=text, parsed=parse_query(text))
    if found.parsed.is_empty:
        return found
    with search_backend().searcher() as searcher, deadline(ENGINE_TIME_LIMIT_SECONDS):
        found.searcher = searcher
        found.compiled = compile_query(found.parsed, load_glossary(), _prefix_expander(searcher))
        if found.compiled is not None:
            _collect(searcher, found, filters)
        if found.count < FEW_RESULTS and not found.timed_out:
            found.suggestion = suggest(searcher, found)
    return found


def spelling_counts(spellings: list[str]) -> list[tuple[str, int]]:
    """How many moments say each spelling exactly (no glossary), for staff to see which ones occur."""
    with search_backend().searcher() as searcher:
        expand = _prefix_expander(searcher)
        counts = []
        for spelling in spellings:
            compiled = compile_query(parse_query(f'"{spelling}"'), Glossary(), expand)
            counts.append((spelling, len(searcher.search(compiled.query, limit=None)) if compiled else 0))
        return counts


def load_glossary() -> Glossary:
    groups = [entry.forms() for entry in GlossaryEntry.objects.all()]
    groups += [[person.name, *person.spellings()] for person in Person.objects.exclude(other_spellings="")]
    return Glossary(groups)


def grouped_page(found: Found, number: int | str | None) -> Page:
    """A page of episodes, best (or newest) first, each with its best moments."""
    page = Paginator(found.hits.by_episode(), EPISODES_PER_PAGE).get_page(number)
    best, counts = found.hits.of_episodes(set(page.object_list), MOMENTS_PER_EPISODE)
    shown = [hit for episode in page.object_list for hit in best[episode]]
    moments = {moment.segment.pk: moment for moment in build_moments(found, shown)}
    groups = (_episode_moments(found, best[episode], counts[episode], moments) for episode in page.object_list)
    page.object_list = [group for group in groups if group]
    return page


def flat_page(found: Found, number: int) -> Page:
    """A page of moments, in the order found (raises EmptyPage past the end)."""
    page = Paginator(found.hits, MOMENTS_PER_PAGE, allow_empty_first_page=True).page(number)
    page.object_list = build_moments(found, page.object_list)
    return page


def build_moments(found: Found, hits: Iterable[Hit]) -> list[Moment]:
    """Rows from the database for these hits, in the same order: published episodes only."""
    ids = [found.segment_id(hit) for hit in hits]
    rows = Segment.objects.filter(pk__in=ids, episode__is_published=True).select_related("episode__show")
    segments = {segment.pk: segment for segment in rows}
    neighbours = _neighbours(segments.values())
    moments = []
    for segment_id in ids:
        segment = segments.get(segment_id)
        if segment is None:
            continue  # deleted or unpublished since it was indexed
        moments.append(_moment(found.compiled, segment, neighbours))
    return moments


def suggest(searcher: Searcher, found: Found) -> str | None:
    """The query with unknown words replaced by the closest ones that published lines say."""
    vocabularies = spelling_vocabularies(searcher)
    said = said_in(searcher)
    suggestion = found.query
    for group in found.parsed.groups:
        for clause in group:
            if clause.kind != Kind.WORD:
                continue
            for word in re.findall(WORDS, clause.text):
                spelled = [token.text for token in spelling_analyzer()(word)]
                if not spelled or word.isdigit() or said(spelled[0]):
                    continue
                closest = closest_said_word(spelled[0], vocabularies, said)
                if closest:
                    suggestion = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", closest, suggestion, count=1)
    return suggestion if suggestion != found.query else None


def spelling_vocabularies(searcher: Searcher) -> list[Vocabulary]:
    """The words of the `spell` field, per index segment, read once per segment.

    Deleted documents' words stay in a segment's lexicon until it is merged away:
    `said_in()` tells the words still said by a published moment.
    """
    return _per_segment(searcher, _vocabulary_by_segment, _segment_vocabulary)


def _segment_vocabulary(leaf) -> Vocabulary:
    return Vocabulary.of((term.decode(), info.doc_frequency()) for term, info in leaf.iter_field("spell"))


def said_in(searcher: Searcher) -> Callable[[str], bool]:
    """Whether a word is in a moment of the index that is not deleted."""
    leaves = [leaf for leaf, _offset in searcher.reader().leaf_readers()]

    def said(word: str) -> bool:
        return any(("spell", word) in leaf and leaf.postings("spell", word).is_active() for leaf in leaves)

    return said


def _collect(searcher: Searcher, found: Found, filters: Filters) -> None:
    terms = _union_terms(found.compiled.query)
    with _garbage_collection_paused():
        if terms is not None and not filters.episode and _sorting(filters.sort) is None:
            docnums = _ranked_union(searcher, terms, found)
        else:
            docnums = _collected(searcher, found, filters)
        hits = Hits(docnums, map(episode_ids(searcher).__getitem__, docnums))
    allowed = _allowed_episodes(filters)
    if allowed is not None:
        hits = _kept(hits, map(allowed.__contains__, hits.episodes))
    found.hits = _showable(found, hits)


def _kept(hits: Hits, keep: Iterable[bool]) -> Hits:
    keep = list(keep)
    return Hits(compress(hits.docnums, keep), compress(hits.episodes, keep))


def _showable(found: Found, hits: Hits) -> Hits:
    """The hits a page can show: those of episodes whose index lags behind the database
    (an index job waits: a re-import, an edit, an unpublish) are checked against its rows.

    Otherwise, between the commit and the worker's run, a re-imported episode's old
    moments were counted (82 for the sample) but could not be shown (their rows are gone).
    """
    lagging = set(IndexJob.objects.values_list("episode_id", flat=True))
    if lagging:
        lagging &= set(hits.episodes)
    if not lagging:
        return hits
    rows = Segment.objects.filter(episode_id__in=lagging, episode__is_published=True)
    present = set(rows.values_list("pk", flat=True))
    return _kept(hits, (hit.episode_id not in lagging or found.segment_id(hit) in present for hit in hits))


def _collected(searcher: Searcher, found: Found, filters: Filters) -> list[int]:
    """Any query, any order, through Whoosh's own matchers and collector."""
    query = found.compiled.query
    if filters.episode:
        # One episode: the index narrows best. In the query, not as a collector filter:
        # Whoosh's TimeLimitCollector bypasses a FilterCollector it wraps.
        episode_id = Episode.objects.filter(slug=filters.episode).values_list("pk", flat=True).first()
        query = wq.And([query, wq.ConstantScoreQuery(wq.Term("episode", str(episode_id or 0)))])
    # Not Whoosh's TimeLimitCollector, which looks at the clock only when a document
    # matches: the searcher's postings stop at the deadline (search.deadline).
    collector = searcher.collector(limit=None, sortedby=_sorting(filters.sort))
    try:
        searcher.search_with_collector(query, collector)
    except TimeLimit:
        found.timed_out = True
    return [docnum for docnum, _score in collector.results().items()]


def _union_terms(query: wq.Query) -> list[wq.Term] | None:
    """The terms of a query that is one word or either of several, as most are."""
    if isinstance(query, wq.Term) and query.boost == 1:
        return [query]
    if type(query) is wq.Or and query.boost == 1 and not query.scale and not query.minmatch:
        parts = [_union_terms(sub) for sub in query.subqueries]
        return None if None in parts else [term for part in parts for term in part]
    return None


def _ranked_union(searcher: Searcher, terms: list[wq.Term], found: Found) -> list[int]:
    """The documents with any of the terms, ranked as Whoosh's collector ranks them.

    The sum of each term's TF-IDF (MomentWeighting), then archive order; read term by
    term, not through Whoosh's union matcher, which goes document by document through
    a tree of matchers: 59 -> 28 ms for a 35,000-moment prefix at 1,000 episodes.
    """
    scores: dict[int, float] = {}
    try:
        for leaf, offset in searcher.reader().leaf_readers():
            for term in terms:
                if (term.fieldname, term.text) in leaf:
                    idf = searcher.idf(term.fieldname, term.text)
                    _add_scores(scores, leaf.postings(term.fieldname, term.text), offset, idf)
    except TimeLimit:
        found.timed_out = True
    return _best_first(scores)


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


def _best_first(scores: dict[int, float]) -> list[int]:
    # Sorting is stable: equal scores stay in archive order.
    return sorted(sorted(scores), key=scores.__getitem__, reverse=True)


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


def _allowed_episodes(filters: Filters) -> set[int] | None:
    """The episodes that show, person and dates allow; None when they allow all.

    Asked of the database, then applied to the hits' episode column: a Whoosh date
    range expands into hundreds of terms (125 ms at 100 episodes), this costs ~1 ms.
    """
    if not (filters.show or filters.person or filters.date_from or filters.date_to):
        return None
    episodes = Episode.objects.published()
    if filters.show:
        episodes = episodes.filter(show__slug=filters.show)
    if filters.person:
        episodes = episodes.filter(appearances__person__slug=filters.person)
    if filters.date_from:
        episodes = episodes.filter(air_date__gte=filters.date_from)
    if filters.date_to:
        episodes = episodes.filter(air_date__lte=filters.date_to)
    return set(episodes.values_list("pk", flat=True))


def episode_ids(searcher: Searcher) -> array:
    """The episode of every document of the searcher's index, by document number.

    Read from the `episode` terms' postings, once per index segment (segments never
    change but for deletions): reading a column hit by hit cost more than the search
    itself for common words (56 ms for 40,000 hits).
    """
    combined = array("i")
    for episodes in _per_segment(searcher, _episodes_by_segment, _segment_episodes):
        combined += episodes
    return combined


def _per_segment(searcher: Searcher, cache: dict[str, T], build: Callable[[Any], T]) -> list[T]:
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
            value = cache[segment_id] = build(leaf)
        built.append(value)
    return built


def _segment_episodes(leaf) -> array:
    episodes = array("i", bytes(4 * leaf.doc_count_all()))
    for term in leaf.lexicon("episode"):
        episode = int(term)
        for docnum in leaf.postings("episode", term).all_ids():
            episodes[docnum] = episode
    return episodes


def _prefix_expander(searcher: Searcher):
    def expand(prefix: str) -> Iterable[str]:
        for term in searcher.reader().expand_prefix("text", prefix):
            yield term.decode() if isinstance(term, bytes) else term

    return expand


def _neighbours(segments: Iterable[Segment]) -> dict[tuple[int, int], Segment]:
    wanted = [Q(episode_id=s.episode_id, position__in=[s.position - 1, s.position + 1]) for s in segments]
    if not wanted:
        return {}
    return {(s.episode_id, s.position): s for s in Segment.objects.filter(reduce(or_, wanted))}


def _highlighted(compiled: Compiled | None, segment: Segment) -> SafeString:
    marks = compiled.marks if compiled else (lambda term: False)
    phrases = compiled.phrases if compiled else ()
    return mark_safe(highlight(segment.text, marks, phrases))


def _moment(compiled: Compiled | None, segment: Segment, neighbours: dict) -> Moment:
    return Moment(
        segment=segment,
        highlighted=_highlighted(compiled, segment),
        before=neighbours.get((segment.episode_id, segment.position - 1)),
        after=neighbours.get((segment.episode_id, segment.position + 1)),
        matched_variant=compiled.matched_variant(analyze(segment.text)) if compiled else None,
    )


def _episode_moments(found: Found, hits: list[Hit], total: int, moments: dict[int, Moment]) -> EpisodeMoments | None:
    shown = [found.segment_id(hit) for hit in hits]
    best = [moments[segment_id] for segment_id in shown if segment_id in moments]
    if not best:
        return None
    best.sort(key=lambda moment: moment.segment.start_ms)
    return EpisodeMoments(episode=best[0].segment.episode, moments=best, total=total)
