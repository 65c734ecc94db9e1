"""The search engine follows every change to the database: the Whoosh index through the job
queue and its worker, the PostgreSQL engine in the change's own transaction."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from episodes.forms import moment_text
from episodes.models import Episode, Segment
from episodes.services import edit_segment, import_transcript, set_published
from search import indexing
from search.engines.whoosh.backend import FrenchWhooshSearchBackend
from search.indexing import process_index_jobs
from search.models import IndexJob
from search.moments import Filters, find_moments, flat_page
from tests.conftest import SAMPLE, index_now, moments_held


def indexed(episode_id: int | None = None) -> list[int]:
    """The segment ids the engine holds (for one episode, or all)."""
    return moments_held(episode_id)


def published_segment_ids() -> list[int]:
    return sorted(Segment.objects.filter(episode__is_published=True).values_list("pk", flat=True))


def edited(sample: bytes) -> bytes:
    """The sample with one line changed (28:18)."""
    return sample.replace(b"Excellente journ\xc3\xa9e.", b"Belle soir\xc3\xa9e.")


def found(client, q: str) -> list[str]:
    return [r["timestamp"] for r in client.get("/api/search/", {"q": q}).json()["results"]]


def listed(client, q: str) -> tuple[int, list[str]]:
    """The count a search says, and the moments it lists on all its pages."""
    body = client.get("/api/search/", {"q": q}).json()
    results = body["results"]
    for number in range(2, body["pages"] + 1):
        results += client.get("/api/search/", {"q": q, "page": number}).json()["results"]
    return body["count"], sorted(result["url"] for result in results)


def test_load_sample_returns_once_the_sample_is_searchable(sample_episode):
    assert indexed() == published_segment_ids()
    assert len(indexed()) == 408
    assert not IndexJob.objects.exists()


@pytest.mark.whoosh("the index worker")
def test_a_change_waits_in_the_queue_until_the_worker_indexes_it(client, sample_episode):
    segment = sample_episode.segments.get(start_ms=531_000)
    edit_segment(segment=segment, text="Le porte-avions Richelieu.")
    assert list(IndexJob.objects.values_list("episode_id", flat=True)) == [sample_episode.pk]
    assert found(client, "Richelieu") == []
    index_now()
    assert found(client, "Richelieu") == ["08:51"]
    assert found(client, '"Charles de Gaulle"') == []
    assert not IndexJob.objects.exists()


def test_a_reimport_leaves_no_stale_moment(client, sample_episode, sample_bytes):
    edited = sample_bytes.replace(b"Excellente journ\xc3\xa9e.", b"Belle soir\xc3\xa9e quinquennale.")
    import_transcript(data=edited, filename="smart-tech-2025-06-19.txt")
    index_now()
    assert indexed() == published_segment_ids()
    assert found(client, "quinquennale") == ["28:18"]
    assert found(client, '"Excellente journée"') == []


def test_unpublishing_removes_every_moment_and_publishing_brings_them_back(client, sample_episode):
    set_published([sample_episode], False)
    index_now()
    assert indexed() == [] and found(client, "quantique") == []
    set_published([sample_episode], True)
    index_now()
    assert len(indexed()) == 408


def test_a_deleted_episode_leaves_the_results(admin_client, sample_episode):
    admin_client.post(f"/admin/episodes/episode/{sample_episode.pk}/delete/", {"post": "yes"})
    assert not Episode.objects.exists()
    index_now()
    assert indexed() == [] and found(admin_client, "quantique") == []


def test_a_line_deleted_in_the_admin_leaves_the_results(admin_client, sample_episode):
    segment = sample_episode.segments.get(start_ms=531_000)
    admin_client.post(f"/admin/episodes/segment/{segment.pk}/delete/", {"post": "yes"})
    index_now()
    assert found(admin_client, '"Charles de Gaulle"') == []
    assert indexed() == published_segment_ids()


def test_a_line_corrected_in_the_admin_reaches_search(admin_client, sample_episode):
    segment = sample_episode.segments.get(start_ms=531_000)
    # The admin's line form reads times as staff type them.
    form = {"episode": sample_episode.pk, "position": segment.position, "start_ms": "08:51"}
    form |= {"end_ms": moment_text(segment.end_ms), "text": "Le porte-avions Richelieu.", "speaker": ""}
    response = admin_client.post(f"/admin/episodes/segment/{segment.pk}/change/", form)
    assert response.status_code == 302
    index_now()
    assert found(admin_client, "Richelieu") == ["08:51"]


def unpublished(episode) -> dict:
    """The admin's form for the episode as it is, unpublished, its people removed."""
    return {
        "show": episode.show_id,
        "title": episode.title,
        "air_date": episode.air_date.isoformat(),
        "description": episode.description,
        "media_url": "",
        "is_published": "",
        "appearances-TOTAL_FORMS": "0",
        "appearances-INITIAL_FORMS": "0",
    }


@pytest.mark.whoosh("index jobs")
def test_an_episode_edited_in_the_admin_is_reindexed_once(admin_client, sample_episode):
    response = admin_client.post(f"/admin/episodes/episode/{sample_episode.pk}/change/", unpublished(sample_episode))
    assert response.status_code == 302
    assert list(IndexJob.objects.values_list("episode_id", flat=True)) == [sample_episode.pk]
    index_now()
    assert indexed() == [] and found(admin_client, "quantique") == []


@pytest.mark.whoosh("index jobs")
def test_a_reimport_writes_one_job_and_deletes_its_changed_lines_in_one_query(sample_episode, sample_bytes):
    with CaptureQueriesContext(connection) as queries:
        import_transcript(data=edited(sample_bytes), filename="smart-tech-2025-06-19.txt")
    sql = [query["sql"] for query in queries.captured_queries]
    assert len([s for s in sql if "search_indexjob" in s]) == 1
    assert len([s for s in sql if s.startswith("DELETE") and "episodes_segment" in s]) == 1
    assert list(IndexJob.objects.values_list("episode_id", flat=True)) == [sample_episode.pk]


def test_a_rolled_back_change_leaves_no_job_and_never_reaches_the_index(client, sample_episode):
    with pytest.raises(RuntimeError), transaction.atomic():
        edit_segment(segment=sample_episode.segments.get(start_ms=531_000), text="fantôme")
        raise RuntimeError("rollback")
    assert not IndexJob.objects.exists()
    index_now()
    assert found(client, "fantôme") == []
    assert indexed() == published_segment_ids()


def test_a_draft_import_is_never_indexed(client, transactional_db):
    srt = b"1\n00:00:01,000 --> 00:00:03,000\nBrouillon confidentiel.\n"
    import_transcript(data=srt, filename="x.srt", show="S", air_date=datetime.date(2024, 1, 1), published=False)
    index_now()
    assert indexed() == [] and found(client, "confidentiel") == []


@pytest.mark.whoosh("index jobs")
def test_a_failed_job_is_kept_with_its_error_and_retried_later(client, sample_episode, monkeypatch):
    sample_episode.segments.filter(start_ms=531_000).update(text="Richelieu")
    indexing.request_reindex(sample_episode.pk)

    def locked(episode_id):
        raise OSError("disk full")

    monkeypatch.setattr(indexing, "reindex_episode", locked)
    assert process_index_jobs() == indexing.Processed(done=0, failed=1)
    job = IndexJob.objects.get()
    assert (job.attempts, job.last_error) == (1, "OSError: disk full")
    assert process_index_jobs() == indexing.Processed()  # not due yet
    monkeypatch.undo()
    IndexJob.objects.update(not_before=None)
    assert process_index_jobs() == indexing.Processed(done=1)
    assert found(client, "Richelieu") == ["08:51"]


@pytest.mark.whoosh("index jobs")
def test_a_job_requested_again_while_indexing_stays_for_another_round(sample_episode, monkeypatch):
    real = indexing.reindex_episode
    indexing.request_reindex(sample_episode.pk)

    def meanwhile(episode_id):
        count = real(episode_id)
        indexing.request_reindex(episode_id)  # another change commits during indexing
        return count

    monkeypatch.setattr(indexing, "reindex_episode", meanwhile)
    process_index_jobs()
    assert IndexJob.objects.filter(episode_id=sample_episode.pk).exists()


@pytest.mark.whoosh("the index worker")
def test_the_worker_command_empties_the_queue(client, sample_episode):
    set_published([sample_episode], False)
    out = StringIO()
    call_command("index_worker", "--once", stdout=out)
    assert "indexed 1 episodes" in out.getvalue()
    assert indexed() == [] and not IndexJob.objects.exists()


def test_rebuild_index_rebuilds_the_published_moments(client, sample_episode):
    Episode.objects.create(show=sample_episode.show, title="Brouillon", slug="b", air_date="2024-01-01")
    call_command("rebuild_index", interactive=False, stdout=StringIO(), stderr=StringIO())
    assert indexed() == published_segment_ids()
    assert found(client, '"souveraineté qui était"') == ["13:58"]
    assert set(found(client, "NIS2")) == {"21:49", "21:50", "27:06"}


@pytest.mark.whoosh("Haystack's update_index")
def test_update_index_rebuilds_the_same_moments(client, sample_episode):
    Episode.objects.create(show=sample_episode.show, title="Brouillon", slug="b", air_date="2024-01-01")
    call_command("update_index", stdout=StringIO(), stderr=StringIO())
    assert indexed() == published_segment_ids()
    assert set(found(client, "NIS2")) == {"21:49", "21:50", "27:06"}


@pytest.mark.whoosh("Haystack's clear_index")
def test_clear_index_empties_it_and_search_still_answers(client, sample_episode):
    call_command("clear_index", interactive=False, stdout=StringIO())
    assert indexed() == []
    assert client.get("/search/", {"q": "quantique"}).status_code == 200


@pytest.mark.whoosh("index jobs")
def test_many_jobs_are_done_in_one_commit_and_one_by_one_when_that_fails(sample_episode, monkeypatch):
    copies = []
    for day in (1, 2, 3):
        data = SAMPLE.read_bytes().replace(b"- 19/06/2025", f"- {day:02d}/05/2025".encode(), 1)
        copies.append(import_transcript(data=data, filename=f"copie-{day}.txt").episode.pk)
    commits = []
    real = indexing.reindex_episodes

    def failing_together(episode_ids):
        commits.append(len(episode_ids))
        if len(episode_ids) > 1:
            raise OSError("one of them is bad")
        return real(episode_ids)

    monkeypatch.setattr(indexing, "reindex_episodes", failing_together)
    assert process_index_jobs() == indexing.Processed(done=3)
    assert commits == [3, 1, 1, 1]
    monkeypatch.undo()
    assert indexed() == published_segment_ids() and len(indexed()) == 4 * 408

    Segment.objects.filter(episode_id__in=copies, start_ms=531_000).update(text="Richelieu")
    for pk in copies:
        indexing.request_reindex(pk)
    assert process_index_jobs() == indexing.Processed(done=3)
    assert find_moments("Richelieu", Filters()).count == 3


@pytest.mark.whoosh("the wait for the index worker")
def test_the_count_matches_the_moments_shown_while_a_reimport_waits_for_the_worker(
    client, sample_episode, sample_bytes
):
    import_transcript(data=edited(sample_bytes), filename="smart-tech-2025-06-19.txt")  # committed, not yet indexed
    count, moments = listed(client, "quantique")
    assert count == len(moments) == 22
    page = client.get("/search/", {"q": "quantique"})
    assert page.context["found"].count == sum(group.total for group in page.context["page"].object_list) == 22
    index_now()
    assert listed(client, "quantique") == (count, moments)


def test_an_unchanged_reimport_finds_the_same_moments_before_and_after_the_worker(client, sample_episode, sample_bytes):
    before = listed(client, "quantique")
    import_transcript(data=sample_bytes, filename="smart-tech-2025-06-19.txt")  # committed, not yet indexed
    assert listed(client, "quantique") == before
    index_now()
    assert listed(client, "quantique") == before
    assert before[0] == len(before[1]) == 22


@pytest.mark.whoosh("the index worker's write")
def test_an_unchanged_reimport_finds_the_same_moments_while_the_worker_writes(
    client, sample_episode, sample_bytes, monkeypatch
):
    before = listed(client, "quantique")
    import_transcript(data=sample_bytes, filename="smart-tech-2025-06-19.txt")
    during = []
    replace = FrenchWhooshSearchBackend.replace_episodes

    class SearchedMidway(list):
        """The documents, with a search once half of them are written (the old ones deleted)."""

        def __iter__(self):
            for number, document in enumerate(super().__iter__()):
                if number == len(self) // 2:
                    during.append(listed(client, "quantique"))
                yield document

    monkeypatch.setattr(
        FrenchWhooshSearchBackend,
        "replace_episodes",
        lambda backend, episode_ids, documents: replace(backend, episode_ids, SearchedMidway(documents)),
    )
    index_now()
    assert during == [before]
    assert listed(client, "quantique") == before


def test_a_page_built_as_a_reimport_commits_shows_every_moment_counted(sample_episode, sample_bytes):
    found = find_moments("quantique", Filters())
    import_transcript(data=sample_bytes, filename="smart-tech-2025-06-19.txt")  # between the search and its pages
    shown = flat_page(found, 1).object_list + flat_page(found, 2).object_list
    assert found.count == len(shown) == 22


def test_the_count_drops_an_unpublished_episode_before_the_worker_runs(client, sample_episode):
    set_published([sample_episode], False)
    assert client.get("/api/search/", {"q": "quantique"}).json()["count"] == 0


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


@pytest.mark.postgres("moments written in the change's own transaction")
def test_a_committed_change_is_searchable_at_once_everywhere_without_a_job(client, sample_episode):
    edit_segment(segment=sample_episode.segments.get(start_ms=531_000), text="Le porte-avions Richelieu.")
    assert not IndexJob.objects.exists()
    assert found(client, "Richelieu") == ["08:51"]
    assert search_from_another_connection("Richelieu") == 1
    assert search_from_another_connection('"Charles de Gaulle"') == 0


@pytest.mark.postgres("moments written in the change's own transaction")
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


@pytest.mark.postgres("moments written in the change's own transaction")
def test_a_reimport_deletes_its_changed_lines_in_one_query_and_writes_no_job(sample_episode, sample_bytes):
    with CaptureQueriesContext(connection) as queries:
        import_transcript(data=edited(sample_bytes), filename="smart-tech-2025-06-19.txt")
    sql = [query["sql"] for query in queries.captured_queries]
    assert len([s for s in sql if s.startswith("DELETE") and "episodes_segment" in s]) == 1
    assert not IndexJob.objects.exists()
    assert indexed() == published_segment_ids()


@pytest.mark.postgres("moments written in the change's own transaction")
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


@pytest.mark.postgres("a lock per episode")
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


@pytest.mark.postgres("a rebuild's lock")
def test_a_change_made_during_a_rebuild_waits_for_it_and_is_kept(client, sample_episode, monkeypatch):
    import itertools
    import threading
    import time

    from search.engines import engine
    from search.engines.postgres import writing as postgres

    written, go_on = threading.Event(), threading.Event()
    lines, real = itertools.count(1), postgres.said_and_terms

    def slowly(text):
        if next(lines) == 300:
            written.set()
            go_on.wait(30)
        return real(text)

    monkeypatch.setattr(postgres, "said_and_terms", slowly)
    segment = sample_episode.segments.get(start_ms=531_000)

    def release_once_the_edit_waits() -> None:
        assert written.wait(30)
        deadline = time.monotonic() + 30
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.01)
        go_on.set()

    def edit() -> None:
        assert written.wait(30)
        edit_segment(segment=segment, text="Le porte-avions Richelieu.")

    in_threads(engine().rebuild, edit, release_once_the_edit_waits)
    assert found(client, "Richelieu") == ["08:51"]
    assert indexed() == published_segment_ids()
    out = StringIO()
    call_command("check_index", stdout=out)
    assert out.getvalue().strip() == "The index and the database agree."


def sample_copies(folder, days: list[int]) -> None:
    """The sample as several episodes' files in `folder`, one per day of May 2025 given."""
    for number, day in enumerate(days):
        data = SAMPLE.read_bytes().replace(b"- 19/06/2025", f"- {day:02d}/05/2025".encode(), 1)
        (folder / f"copie-{number}.txt").write_bytes(data)


@pytest.mark.whoosh("index jobs of a folder import")
def test_a_folder_with_one_episode_twice_leaves_only_its_last_version_in_the_index(client, db, tmp_path, search_index):
    sample_copies(tmp_path, [1, 2, 1])
    (tmp_path / "copie-2.txt").write_bytes(
        (tmp_path / "copie-2.txt").read_bytes().replace(b"Excellente journ\xc3\xa9e.", b"Belle soir\xc3\xa9e.")
    )
    call_command("import_transcript", str(tmp_path), stdout=StringIO(), stderr=StringIO())
    assert Episode.objects.count() == 2
    assert indexed() == published_segment_ids() and not IndexJob.objects.exists()
    assert found(client, '"Belle soirée"') == ["28:18"]
    assert len(found(client, '"Excellente journée"')) == 1


@pytest.mark.whoosh("index jobs of a folder import")
def test_an_interrupted_folder_import_leaves_its_jobs_to_the_worker(client, db, tmp_path, search_index, monkeypatch):
    from episodes.management.commands import import_transcript as command

    sample_copies(tmp_path, [1, 2, 3])
    real = command.store_transcript

    def interrupted(transcript, **kwargs):
        if kwargs["filename"] == "copie-2.txt":
            raise KeyboardInterrupt
        return real(transcript, **kwargs)

    monkeypatch.setattr(command, "store_transcript", interrupted)
    with pytest.raises(KeyboardInterrupt):
        call_command("import_transcript", str(tmp_path), "--verbosity", "0", stdout=StringIO())
    assert Episode.objects.count() == 2 and IndexJob.objects.count() == 2 and indexed() == []
    index_now()
    assert indexed() == published_segment_ids() and len(indexed()) == 2 * 408
