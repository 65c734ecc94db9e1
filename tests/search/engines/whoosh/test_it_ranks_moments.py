"""How Whoosh ranks and reads: its TF-IDF scorer and ranking equal to Whoosh's own, its union
matcher, partial results at the time limit from the deadline inside its matchers, and the
per-segment arrays read once, when a web worker starts and again after a change."""

import datetime
import threading
import time

import pytest
from whoosh import query as wq

from episodes.models import Segment
from search.engines.whoosh.backend import MomentWeighting, search_backend
from search.engines.whoosh.engine import prefix_expander, whoosh_query
from search.indexing import reindex_episode
from search.moments import Filters, find_moments
from tests.search.probes import segments


def test_whoosh_ranks_with_tf_idf(sample_episode):
    with search_backend().searcher() as searcher:
        assert isinstance(searcher.weighting, MomentWeighting)


def test_a_search_with_a_limit_on_either_of_two_words_ends(sample_episode):
    # Whoosh 2.7's block-quality skipping loops for ever on some `a OR b` with TF-IDF.
    either = wq.Or([wq.Term("text", "quantiqu"), wq.Term("text", "souverainet")])
    found: list[int] = []

    def search() -> None:
        with search_backend().searcher() as searcher:
            found.append(len(searcher.search(either, limit=5).top_n))

    thread = threading.Thread(target=search, daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the search never ended"
    assert found == [5]


@pytest.mark.parametrize(
    "text",
    [
        "quantique",
        "quanti*",
        "souveraineté",
        "données",
        # ANDs and phrases, read as sets of postings (a stem as its words as said) and lines read back.
        "quantique ordinateur",
        "il est",
        "données de la",
        "données OR quantique de",
        '"il y a des"',
        '"de la souveraineté"',
    ],
)
def test_words_are_ranked_as_whoosh_ranks_them(sample_episode, text):
    before = segments(find_moments(text, Filters()))
    # Re-indexed: the first build's documents stay in the index, marked deleted.
    reindex_episode(sample_episode.pk)
    found = find_moments(text, Filters())
    with search_backend().searcher() as searcher:
        assert searcher.reader().has_deletions()
        query = whoosh_query(found.compiled.query, prefix_expander(searcher))
        ranked = searcher.search(query, limit=None).items()
        whoosh = [int(searcher.stored_fields(docnum)["django_id"]) for docnum, _score in ranked]
    assert len(whoosh) > 1
    assert segments(found) == whoosh == before


class LookingClock:
    """A clock that counts its readings and, once `stop_after` were made, jumps an hour on."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.looks, self.stop_after = 0, stop_after

    def monotonic(self) -> float:
        self.looks += 1
        late = self.stop_after is not None and self.looks > self.stop_after
        return time.monotonic() + (3600 if late else 0)


@pytest.mark.parametrize(
    ("q", "sort"),
    [
        # Two words ANDed: their postings read as sets, a block at a time.
        ("de la", "newest"),
        ("de la", "relevance"),
        # A word without another: through Whoosh's matchers, a posting at a time.
        ("de -quantique", "newest"),
        # Words ORed, ranked: read term by term, so cut with those read by then.
        ("de OR la OR le OR et", "relevance"),
    ],
)
def test_a_search_cut_short_shows_what_it_found_by_then(sample_episode, monkeypatch, q, sort):
    """Cut halfway through (by the clock's readings), a search says so and shows moments it
    found, fewer than the whole search finds. The sample, three times over: postings of
    several blocks."""
    from episodes.services import import_transcript
    from search.engines.whoosh import deadline as whoosh_deadline
    from search.engines.whoosh import matching
    from tests.conftest import SAMPLE, index_now

    for day in (1, 2, 3):
        import_transcript(
            data=SAMPLE.read_bytes(), filename=f"copy{day}.txt", show="Copie", air_date=datetime.date(2024, 1, day)
        )
    index_now()
    search_backend().index.optimize()  # one index segment: none comes out whole before the cut
    with search_backend().searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) == 1
    clock = LookingClock()
    monkeypatch.setattr(whoosh_deadline, "time", clock)
    # Term by term, the clock is read every 16 postings, not 4,096: a small index is cut too.
    monkeypatch.setattr(matching, "CLOCK_EVERY", 16)
    full = find_moments(q, Filters(sort=sort))
    looks = clock.looks
    found_in_full = set(segments(full))
    assert looks > 4 and not full.timed_out

    monkeypatch.setattr(whoosh_deadline, "time", LookingClock(stop_after=looks // 2))
    partial = find_moments(q, Filters(sort=sort))
    assert partial.timed_out
    assert 0 < partial.count < full.count
    assert set(segments(partial)) < found_in_full


def test_threads_searching_at_once_read_each_index_segment_once(sample_episode, monkeypatch):
    """A web worker's threads on their first searches: one reads a segment, the others wait for it."""
    import time

    from search.engines.whoosh import leaves

    reads: list[str] = []
    real = leaves._leaf_episodes

    def slow_read(leaf):
        reads.append(leaf.segment().segment_id())
        time.sleep(0.05)  # long enough for the other threads to arrive meanwhile
        return real(leaf)

    monkeypatch.setattr(leaves, "_leaf_episodes", slow_read)
    monkeypatch.setattr(leaves, "_episodes_by_leaf", {})
    monkeypatch.setattr(leaves, "_whole_arrays", {})
    found: list[int] = []

    def search() -> None:
        with search_backend().searcher() as searcher:
            found.append(len(leaves.episode_ids(searcher)))

    threads = [threading.Thread(target=search) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == [Segment.objects.count()] * 4
    assert len(reads) == len(set(reads)) > 0


def test_a_web_worker_reads_the_index_as_it_starts_not_on_its_first_searches(sample_episode, monkeypatch):
    from search.engines.whoosh import leaves
    from smarttech.gunicorn import post_worker_init

    for cache in ("_episodes_by_leaf", "_segments_by_leaf", "_vocabulary_by_leaf", "_whole_arrays"):
        monkeypatch.setattr(leaves, cache, {})
    post_worker_init(worker=None)

    def no_reading(leaf):
        raise AssertionError("a first search read an index segment")

    for build in ("_leaf_episodes", "_leaf_segments", "_leaf_vocabulary"):
        monkeypatch.setattr(leaves, build, no_reading)
    assert find_moments("quantique", Filters()).count == 22
    assert find_moments("quantiqe", Filters()).suggestion == "quantique"


def test_the_whole_index_arrays_are_joined_once_and_again_after_a_change(sample_episode, monkeypatch):
    from search.engines.whoosh import leaves
    from search.indexing import reindex_episode

    monkeypatch.setattr(leaves, "_whole_arrays", {})
    with search_backend().searcher() as searcher:
        first = leaves.episode_ids(searcher)
        assert leaves.episode_ids(searcher) is first  # kept, not joined again
    reindex_episode(sample_episode.pk)  # a new segment, the old one's documents deleted
    with search_backend().searcher() as searcher:
        again = leaves.episode_ids(searcher)
        assert again is not first and len(again) == searcher.doc_count_all()
    assert find_moments("quantique", Filters()).count == 22
