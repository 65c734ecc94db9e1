"""A PostgreSQL search cut at its time limit: a cancelled statement, then the first moments
the index gives, and the page says the search was cut."""

from search.moments import Filters, find_moments
from tests.search.probes import segments


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
