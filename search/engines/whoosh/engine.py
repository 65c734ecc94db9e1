"""The Whoosh engine: the moments in a Whoosh index folder on this machine, and the results of a search.

The index is Haystack's, through our backend (`search.engines.whoosh.backend`: schema, locked writes,
builds swapped in whole); it follows the database through index jobs that a worker
does after each change commits (`search.indexing`). So the archive is one machine:
the index folder, and the workers beside it.

Only the modules of this folder import Whoosh.
"""

import bisect
import datetime
import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from itertools import islice
from typing import Any

from django.db import models
from whoosh import query as wq
from whoosh import sorting
from whoosh.collectors import TimeLimit

from episodes.models import Segment
from search import indexing
from search.engines import (
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
from search.engines.whoosh.deadline import deadline
from search.engines.whoosh.documents import moment_documents, moments
from search.engines.whoosh.leaves import _column, _folded_forms, _said_in, _vocabularies, episode_ids, segment_ids
from search.engines.whoosh.matching import _matches, _term_blocks, _union_terms
from search.engines.whoosh.queries import prefix_expander, whoosh_query
from search.models import IndexJob
from search.plan import Compiled
from search.spelling import closest_said_word

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


def _sorting(sort: str) -> sorting.FacetType | None:
    if sort == "newest":
        return sorting.MultiFacet([sorting.FieldFacet("air_date", reverse=True), sorting.FieldFacet("start_ms")])
    return None
