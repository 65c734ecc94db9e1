"""The first moments of a search come in the same order whether every match is ranked or not.

The PostgreSQL engine finds the first moments of one word, one prefix or words ORed class by
class (`search.engines.postgres.text.Classes`): the lines that say it most, ranked; then those
that say it twice, then once, each class in the archive's order. On an archive where the word
is said once, twice, three and four times across episodes, every first k, page and sort must be
what ranking every match gives."""

import datetime

import pytest

from episodes.models import Episode, Segment
from episodes.services import import_transcript, set_published
from search.engines import Filters, engine
from search.engines.postgres.text import classes
from search.models import GlossaryEntry
from search.moments import find_moments
from tests.conftest import index_now

# A line for each way of saying the words: a word once, twice, three and four times, a prefix's
# words alike or not, two variants of a glossary term in one line, and lines with none.
LINES = [
    "On parle de quantique ce soir.",
    "Le quantique, encore le quantique.",
    "Quantique, quantique et quantique !",
    "Quand le calcul quantique arrive, quand ?",
    "Les ordinateurs quantiques et le quantique : quantique, quantique.",
    "Rien à voir ici.",
    "L'ordinateur et le calculateur, une machine.",
    "La directive sur la machine, encore la machine.",
    "Quantités et quantique.",
]


@pytest.fixture
def archive(db, search_index, monkeypatch):
    # Every word here is said in a few moments, which the engine would rank in one statement.
    monkeypatch.setattr("search.engines.postgres.results.RANK_EVERY_MATCH_UNDER", 0)
    GlossaryEntry.objects.create(term="ordinateur", variants="calculateur\nmachine")
    for number in range(6):
        # Each episode says the lines in another order, so that the archive's order matters.
        lines = LINES[number % len(LINES) :] + LINES[: number % len(LINES)]
        text = "\n".join(f"[00:{index:02d}:00] {line}" for index, line in enumerate(lines * 2))
        import_transcript(
            data=text.encode(),
            filename=f"episode-{number}.txt",
            show="Smart Tech",
            title=f"Épisode {number}",
            air_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=number % 3),
        )
    index_now()


QUERIES = ["quantique", "quan*", "quanti*", "ordinateur", "quantique OR directive", "quantique*"]


@pytest.mark.parametrize("q", QUERIES)
def test_the_first_moments_by_class_are_those_of_every_match_ranked(archive, q):
    found = find_moments(q, Filters())
    assert classes(found.compiled.query) is not None, "the query ranks by class"
    total = found.count
    assert total > 20
    every = _ranked_fully(found, Filters())
    assert len(every) == total
    for k in (1, 2, 3, 5, 8, 13, 21, total):
        assert find_moments(q, Filters()).results.top(k) == every[:k], f"the first {k}"


@pytest.mark.parametrize("q", ["quantique", "quan*", '"le quantique"', "quantique machine"])
def test_filters_and_the_newest_first_agree_with_every_match_sorted(archive, q):
    for filters in (Filters(date_from=datetime.date(2026, 1, 2)), Filters(episode="episode-2")):
        found = find_moments(q, filters)
        assert 0 < found.count < find_moments(q, Filters()).count
        assert found.results.top(found.count) == _ranked_fully(found, filters), filters
    newest = find_moments(q, Filters(sort="newest"))
    every = _ranked_fully(newest, Filters())
    assert newest.results.top(newest.count) == sorted(every, key=_newest_first)


def _newest_first(hit) -> tuple:
    segment = Segment.objects.select_related("episode").get(pk=hit.segment_id)
    return (-segment.episode.air_date.toordinal(), segment.start_ms, segment.episode_id, segment.position)


def test_the_lines_that_say_the_word_most_come_first_then_the_archive_order(archive):
    found = find_moments("quantique", Filters())
    hits = found.results.top(found.count)
    said = [_times(hit.segment_id) for hit in hits]
    assert said == sorted(said, reverse=True)
    assert said[0] == 4


def _times(segment_id: int) -> int:
    return Segment.objects.get(pk=segment_id).text.lower().count("quantique")


def _ranked_fully(found, filters: Filters) -> list:
    """Every match ranked, as the engine ranks a query with no classes."""
    results = engine().find(found.compiled, filters, seconds=60)
    results.classes = None
    return results.top(10_000)


@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(sort="newest"), Filters(date_from=datetime.date(2026, 1, 2)), Filters(episode="episode-2")],
)
def test_a_words_count_and_episodes_from_its_rows_per_episode_are_those_of_its_moments(archive, filters):
    found = find_moments("quantique", filters)
    assert found.results.per_episode_rows is not None, "one word counts from its rows per episode"
    from_moments = engine().find(found.compiled, filters, seconds=60)
    from_moments.per_episode_rows = None
    assert found.count == from_moments.count().moments > 0
    assert found.results.per_episode() == from_moments.per_episode()
    assert found.results.ranked_episodes() == from_moments.ranked_episodes()


def test_a_words_rows_per_episode_follow_a_reimport_an_unpublished_episode_and_a_deletion(archive):
    before = find_moments("quantique", Filters()).count
    episode = Episode.objects.get(slug="episode-1")
    set_published([episode], False)
    hidden = find_moments("quantique", Filters()).count
    assert hidden < before
    set_published([episode], True)
    assert find_moments("quantique", Filters()).count == before
    Episode.objects.get(slug="episode-2").delete()
    assert find_moments("quantique", Filters()).count == hidden
