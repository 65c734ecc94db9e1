"""A web worker runs several threads (gunicorn's --threads): searches, highlights and the
analysis caches they share must answer in each thread as they do one at a time."""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connections
from whoosh.analysis import StemFilter

from search import analysis
from search.analysis import FrenchStemFilter, french_analyzer
from search.moments import Filters, find_moments, flat_page

QUERIES = ["quantique", "NIS2", "cyber*", '"ordinateur quantique"', "données -personnelles", "Kaplan", "sécurité", "IA"]


def answer(query: str) -> tuple:
    """What the results page shows of a search: the count, then each moment's line, highlighted."""
    try:
        found = find_moments(query, Filters())
        moments = flat_page(found, 1).object_list
        return found.count, [(moment.segment.pk, str(moment.highlighted)) for moment in moments]
    finally:
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()


def test_many_searches_and_highlights_at_once_in_threads_answer_as_one_at_a_time(sample_episode, transactional_db):
    expected = {query: answer(query) for query in QUERIES}
    assert all(count and moments for count, moments in expected.values())
    # Every cache of words starts empty: the threads fill them at once.
    french_analyzer().items[-1].clear()
    for cached in (analysis._analyzed, analysis._said_word, analysis._term_of_said, analysis.folded_word):
        cached.cache_clear()

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(answer, QUERIES * 6))

    assert answers == [expected[query] for query in QUERIES * 6]


def test_the_stemmer_s_cache_keeps_its_size_and_its_stems_when_threads_share_it():
    words = [f"ordinateur{number}s" for number in range(3_000)]
    stems = [StemFilter(lang="fr", cachesize=None)._stem(word) for word in words]
    shared = FrenchStemFilter(lang="fr", cachesize=16)
    found: list[list[str]] = []

    def stem_all() -> None:
        for _ in range(5):
            found.append([shared._stem(word) for word in words])

    threads = [threading.Thread(target=stem_all) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert found == [stems] * 40
    # Whoosh's own cache, shared so, held 3,000 words of its 16.
    assert shared._stem.cache_info().currsize <= 16
