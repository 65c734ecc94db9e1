"""The PostgreSQL engine writes its moments in the change's own transaction: searchable at once
by every server once committed, never when rolled back, with a lock per episode and a rebuild's
lock that keep concurrent edits in step."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from episodes.services import edit_segment, import_transcript
from search.models import IndexJob
from search.moments import Filters, find_moments
from tests.factories import make_episode
from tests.search.probes import edited, found, indexed, published_segment_ids, unpublished


def search_from_another_connection(q: str) -> int:
    """How many moments a search finds on another connection, as another server would."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def search() -> int:
        try:
            return find_moments(q, Filters()).count
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(search).result()


def test_a_committed_change_is_searchable_at_once_everywhere_without_a_job(client, sample_episode):
    edit_segment(segment=sample_episode.segments.get(start_ms=531_000), text="Le porte-avions Richelieu.")
    assert not IndexJob.objects.exists()
    assert found(client, "Richelieu") == ["08:51"]
    assert search_from_another_connection("Richelieu") == 1
    assert search_from_another_connection('"Charles de Gaulle"') == 0


def test_an_import_is_searchable_only_once_committed_and_never_when_rolled_back(transactional_db):
    srt = b"1\n00:00:01,000 --> 00:00:03,000\nLe hyperviseur quinquennal.\n"
    with pytest.raises(RuntimeError), transaction.atomic():
        import_transcript(data=srt, filename="x.srt", show="S", air_date=datetime.date(2024, 1, 1))
        assert find_moments("quinquennal", Filters()).count == 1  # in its own transaction
        assert search_from_another_connection("quinquennal") == 0  # not yet committed
        raise RuntimeError("rollback")
    assert find_moments("quinquennal", Filters()).count == 0
    assert search_from_another_connection("quinquennal") == 0
    import_transcript(data=srt, filename="x.srt", show="S", air_date=datetime.date(2024, 1, 1))
    assert search_from_another_connection("quinquennal") == 1
    assert indexed() == published_segment_ids()


def test_a_reimport_deletes_its_changed_lines_in_one_query_and_writes_no_job(sample_episode, sample_bytes):
    with CaptureQueriesContext(connection) as queries:
        import_transcript(data=edited(sample_bytes), filename="smart-tech-2025-06-19.txt")
    sql = [query["sql"] for query in queries.captured_queries]
    assert len([s for s in sql if s.startswith("DELETE") and "episodes_segment" in s]) == 1
    assert not IndexJob.objects.exists()
    assert indexed() == published_segment_ids()


def test_an_episode_unpublished_in_the_admin_leaves_search_at_once(admin_client, sample_episode):
    response = admin_client.post(f"/admin/episodes/episode/{sample_episode.pk}/change/", unpublished(sample_episode))
    assert response.status_code == 302
    assert indexed() == [] and found(admin_client, "quantique") == []
    assert not IndexJob.objects.exists()


def in_threads(*work) -> None:
    """Run each function in a thread of its own (its own database connection), and wait for all."""
    from concurrent.futures import ThreadPoolExecutor

    def run(function) -> None:
        try:
            function()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        for future in [pool.submit(run, function) for function in work]:
            future.result()


def test_lines_of_one_episode_edited_at_once_leave_it_in_step(client, sample_episode):
    lines = list(sample_episode.segments.order_by("position")[:20])

    def editor(first: int) -> None:
        for segment in lines[first::2]:
            edit_segment(segment=segment, text=f"Ligne corrigée numéro {segment.position}.")

    in_threads(lambda: editor(0), lambda: editor(1))
    assert indexed() == published_segment_ids()
    out = StringIO()
    call_command("check_index", stdout=out)
    assert out.getvalue().strip() == "The index and the database agree."
    assert find_moments('"ligne corrigée"', Filters()).count == 20


def test_changes_made_during_a_rebuild_neither_wait_nor_are_lost(client, sample_episode, monkeypatch):
    import itertools
    import threading
    import time

    from search.engines import engine
    from search.engines.postgres import writing as postgres

    written, go_on = threading.Event(), threading.Event()
    lines, real = itertools.count(1), postgres.said_and_terms

    def slowly(text):
        if next(lines) == 300:  # the rebuild is writing its rows aside
            written.set()
            assert go_on.wait(30)
        return real(text)

    monkeypatch.setattr(postgres, "ROWS_PER_COPY", 100)
    monkeypatch.setattr(postgres, "said_and_terms", slowly)
    segment = sample_episode.segments.get(start_ms=531_000)
    took = {}

    def edit_while_it_writes() -> None:
        assert written.wait(30)
        start = time.monotonic()
        edit_segment(segment=segment, text="Le porte-avions Richelieu.")
        took["edit"] = time.monotonic() - start
        # Searches meanwhile read the live rows: the edit at once, the rest as they were.
        took["found"] = found(client, "Richelieu"), find_moments("quantique", Filters()).count
        go_on.set()

    in_threads(engine().rebuild, edit_while_it_writes)
    assert took["edit"] < 5, "the edit waited for the rebuild"
    assert took["found"] == (["08:51"], 22)
    assert found(client, "Richelieu") == ["08:51"]  # written again into the rebuilt rows
    assert indexed() == published_segment_ids()
    out = StringIO()
    call_command("check_index", stdout=out)
    assert out.getvalue().strip() == "The index and the database agree."


def test_a_rebuild_keeps_the_tables_as_the_migrations_made_them(sample_episode):
    from search.engines import engine
    from search.engines.postgres.rebuilding import TABLES

    def schema() -> list:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
                " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid"
                " WHERE c.relname = ANY(%s) ORDER BY 1, 2",
                [TABLES],
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated"
                " FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
                [TABLES],
            )
            constraints = cursor.fetchall()
            # Autovacuum, switched off for the rebuild, is on again.
            cursor.execute("SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s) ORDER BY 1", [TABLES])
            return indexes + constraints + cursor.fetchall()

    before = schema()
    engine().rebuild()
    engine().rebuild()
    assert schema() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE %s", ["%\\_aside%"])
        assert cursor.fetchone()[0] == 0
    make_episode("Le quantique encore.")  # a known word takes the next id of its own sequence
    assert find_moments("quantique", Filters()).count == 23
