"""The Whoosh index follows every change through the job queue and its worker: jobs written
with the change, done after it commits, kept and retried when they fail, and searches that
stay right while a change waits for the worker or the worker writes."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from episodes.models import Episode, Segment
from episodes.services import edit_segment, import_transcript, set_published
from search import indexing
from search.engines.whoosh.backend import FrenchWhooshSearchBackend
from search.indexing import process_index_jobs
from search.models import IndexJob
from search.moments import Filters, find_moments
from tests.conftest import SAMPLE, index_now
from tests.search.probes import edited, found, indexed, listed, published_segment_ids, unpublished


def test_a_change_waits_in_the_queue_until_the_worker_indexes_it(client, sample_episode):
    segment = sample_episode.segments.get(start_ms=531_000)
    edit_segment(segment=segment, text="Le porte-avions Richelieu.")
    assert list(IndexJob.objects.values_list("episode_id", flat=True)) == [sample_episode.pk]
    assert found(client, "Richelieu") == []
    index_now()
    assert found(client, "Richelieu") == ["08:51"]
    assert found(client, '"Charles de Gaulle"') == []
    assert not IndexJob.objects.exists()


def test_an_episode_edited_in_the_admin_is_reindexed_once(admin_client, sample_episode):
    response = admin_client.post(f"/admin/episodes/episode/{sample_episode.pk}/change/", unpublished(sample_episode))
    assert response.status_code == 302
    assert list(IndexJob.objects.values_list("episode_id", flat=True)) == [sample_episode.pk]
    index_now()
    assert indexed() == [] and found(admin_client, "quantique") == []


def test_a_reimport_writes_one_job_and_deletes_its_changed_lines_in_one_query(sample_episode, sample_bytes):
    with CaptureQueriesContext(connection) as queries:
        import_transcript(data=edited(sample_bytes), filename="smart-tech-2025-06-19.txt")
    sql = [query["sql"] for query in queries.captured_queries]
    assert len([s for s in sql if "search_indexjob" in s]) == 1
    assert len([s for s in sql if s.startswith("DELETE") and "episodes_segment" in s]) == 1
    assert list(IndexJob.objects.values_list("episode_id", flat=True)) == [sample_episode.pk]


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


def test_the_worker_command_empties_the_queue(client, sample_episode):
    set_published([sample_episode], False)
    out = StringIO()
    call_command("index_worker", "--once", stdout=out)
    assert "indexed 1 episodes" in out.getvalue()
    assert indexed() == [] and not IndexJob.objects.exists()


def test_update_index_rebuilds_the_same_moments(client, sample_episode):
    Episode.objects.create(show=sample_episode.show, title="Brouillon", slug="b", air_date="2024-01-01")
    call_command("update_index", stdout=StringIO(), stderr=StringIO())
    assert indexed() == published_segment_ids()
    assert set(found(client, "NIS2")) == {"21:49", "21:50", "27:06"}


def test_clear_index_empties_it_and_search_still_answers(client, sample_episode):
    call_command("clear_index", interactive=False, stdout=StringIO())
    assert indexed() == []
    assert client.get("/search/", {"q": "quantique"}).status_code == 200


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


def sample_copies(folder, days: list[int]) -> None:
    """The sample as several episodes' files in `folder`, one per day of May 2025 given."""
    for number, day in enumerate(days):
        data = SAMPLE.read_bytes().replace(b"- 19/06/2025", f"- {day:02d}/05/2025".encode(), 1)
        (folder / f"copie-{number}.txt").write_bytes(data)


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
