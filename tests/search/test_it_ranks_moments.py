"""Ranking over the sample episode: TF-IDF on the Whoosh engine, ts_rank on PostgreSQL."""

import datetime
import threading
import time

import pytest
from whoosh import query as wq

from episodes.models import Segment
from search import moments
from search.analysis import fold
from search.engines.whoosh.backend import MomentWeighting, search_backend
from search.engines.whoosh.engine import prefix_expander, whoosh_query
from search.indexing import reindex_episode
from search.moments import Filters, find_moments
from tests.conftest import every_hit


def segments(found) -> list[int]:
    return [hit.segment_id for hit in found.results.top(max(found.count, 1))]


@pytest.mark.whoosh("its scorer")
def test_whoosh_ranks_with_tf_idf(sample_episode):
    with search_backend().searcher() as searcher:
        assert isinstance(searcher.weighting, MomentWeighting)


def test_the_moment_that_says_the_word_most_comes_first(sample_episode):
    found = find_moments("quantique", Filters())
    texts = dict(Segment.objects.values_list("pk", "text"))
    said = [texts[hit.segment_id].lower().count("quantique") for hit in every_hit(found)]
    assert found.count == 22 and said[0] == max(said) > 1
    assert said == sorted(said, reverse=True)


def test_a_prefix_ranks_first_the_moment_that_says_its_words_most(sample_episode):
    found = find_moments("quanti*", Filters())
    texts = dict(Segment.objects.values_list("pk", "text"))
    said = [sum(word.startswith("quanti") for word in fold(texts[hit.segment_id])) for hit in every_hit(found)]
    assert said[0] == max(said) > 1


@pytest.mark.whoosh("its union matcher")
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


@pytest.mark.whoosh("ranking equal to Whoosh's own")
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


@pytest.mark.parametrize(
    "params",
    [
        {"q": "quanti*"},
        {"q": "de OR la OR le OR et OR est OR que"},
        {"q": '"de la" "de la" "de la" "de la"', "sort": "newest"},
        {"q": "de la le et est que pour une des les du en"},  # no line has them all
        {"q": '"souveraineté qui était"'},
        {"q": " ".join(["il-y-a-un"] * 12)},  # phrases of one word each, cut to twelve words
        {"q": "quantique", "person": "marc-kaplan"},
    ],
)
def test_every_kind_of_search_stops_at_its_time_limit_and_says_so(sample_episode, client, monkeypatch, params):
    """Every matcher stops at the deadline, not only when a document matches; here the
    deadline has passed before the first step, so nothing is found."""
    assert find_moments(params["q"], Filters()).count > 0 or "pour une" in params["q"]
    monkeypatch.setattr(moments, "ENGINE_TIME_LIMIT_SECONDS", -1.0)
    body = client.get("/api/search/", params).json()
    assert "timed_out" in body["notices"]
    assert body["count"] == 0 and body["results"] == []


def test_episodes_come_in_the_order_of_their_best_moment_each_with_its_best_three(sample_episode):
    """The results page groups the ranked moments by episode, without losing any."""
    from episodes.services import import_transcript
    from tests.conftest import index_now

    for day, says in enumerate([1, 4, 2, 1, 3, 1, 2, 5, 1, 1, 2], start=1):
        lines = "".join(f"[00:00:{n:02d}] Le calcul quantique, encore. {'quantique ' * (n % 3)}\n" for n in range(says))
        import_transcript(data=lines.encode(), filename=f"e{day}.txt", show="S", air_date=datetime.date(2024, 1, day))
    index_now()
    found = find_moments("quantique", Filters())
    expected: dict[int, list[int]] = {}
    for hit in every_hit(found):
        expected.setdefault(hit.episode_id, []).append(hit.segment_id)
    assert len(expected) == found.episode_count == 12
    pages = [moments.grouped_page(found, number) for number in (1, 2)]
    groups = [group for page in pages for group in page.object_list]
    assert [group.episode.pk for group in groups] == list(expected)
    for group in groups:
        ranked = expected[group.episode.pk]
        assert {moment.segment.pk for moment in group.moments} == set(ranked[:3])
        assert group.total == len(ranked) and group.more == len(ranked) - len(group.moments)


class LookingClock:
    """A clock that counts its readings and, once `stop_after` were made, jumps an hour on."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.looks, self.stop_after = 0, stop_after

    def monotonic(self) -> float:
        self.looks += 1
        late = self.stop_after is not None and self.looks > self.stop_after
        return time.monotonic() + (3600 if late else 0)


@pytest.mark.whoosh("partial results at the time limit, from the deadline inside Whoosh's matchers")
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


@pytest.mark.postgres("partial results at the time limit: a cancelled statement, then the first moments found")
def test_a_postgres_search_cut_short_shows_the_first_moments_the_index_gives(sample_episode, monkeypatch):
    from django.db import connection

    from search.engines.postgres import results as postgres

    full = find_moments('"de la"', Filters())
    found_in_full = set(segments(full))

    def slow(self, k):
        # The ranked statement runs into its limit, and PostgreSQL cancels it.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(10)")

    monkeypatch.setattr(postgres.PostgresResults, "_ranked", slow)
    partial = find_moments('"de la"', Filters())
    shown = segments(partial)
    assert partial.timed_out and not full.timed_out
    assert full.count > 20  # enough rows that sleeping through them passes the limit
    assert len(shown) == min(full.count, postgres.FALLBACK_MOMENTS)
    assert set(shown) <= found_in_full


@pytest.mark.whoosh("its per-segment arrays of episode ids")
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


@pytest.mark.whoosh("its per-segment arrays and spelling words, read when a web worker starts")
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


@pytest.mark.whoosh("its arrays of the whole index, kept while its segments stay")
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
