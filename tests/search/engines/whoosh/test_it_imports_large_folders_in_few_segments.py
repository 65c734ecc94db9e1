"""A folder import writes the Whoosh index in large commits whose segments no later commit
merges again; small commits are merged a few at a time. Either way the index finds what a
rebuild finds, and a commit that fails midway leaves the index as it was, its jobs kept."""

from io import StringIO

import pytest
from django.core.management import call_command
from whoosh.filedb.filestore import FileStorage

from episodes.management.commands import import_transcript as command
from episodes.models import Episode, Segment
from search import indexing
from search.engines import engine
from search.engines.whoosh import backend as whoosh_backend
from search.engines.whoosh import engine as whoosh_engine
from search.engines.whoosh.backend import search_backend
from search.engines.whoosh.documents import moment_documents, moments
from search.models import IndexJob
from tests.conftest import SAMPLE, index_now, moments_held

QUERIES = ["quantique", "cyber*", '"Excellente journée"', "données -quantique"]
SAMPLE_LINES = 408


def sample_copies(folder, count: int) -> None:
    """The sample as `count` episodes' files in `folder`, one per day of May 2025."""
    for day in range(1, count + 1):
        data = SAMPLE.read_bytes().replace(b"- 19/06/2025", f"- {day:02d}/05/2025".encode(), 1)
        (folder / f"copie-{day}.txt").write_bytes(data)


def answers(client) -> dict[str, tuple[int, list[str]]]:
    """What the search API says for each query: the count, and the moments listed on all its
    pages (as a set: equal scores are ordered by where moments landed in the index)."""
    found = {}
    for q in QUERIES:
        body = client.get("/api/search/", {"q": q}).json()
        results = body["results"]
        for number in range(2, body["pages"] + 1):
            results += client.get("/api/search/", {"q": q, "page": number}).json()["results"]
        found[q] = (body["count"], sorted(result["url"] for result in results))
    return found


def segment_sizes() -> list[int]:
    return sorted(segment.doc_count_all() for segment in search_backend().index.refresh()._segments())


def index_commits() -> int:
    backend = search_backend()
    backend.setup()
    return backend.index.refresh().latest_generation()


def published_segment_ids() -> list[int]:
    return sorted(Segment.objects.filter(episode__is_published=True).values_list("pk", flat=True))


def test_a_folder_import_commits_many_episodes_at_once_and_finds_what_a_rebuild_finds(
    client, db, tmp_path, search_index, monkeypatch
):
    sample_copies(tmp_path, 5)
    # Two episodes a commit (the second goes past the size), written by the writer processes
    # as a large import is.
    monkeypatch.setattr(command, "moments_per_commit", lambda: 2 * SAMPLE_LINES - 1)
    monkeypatch.setattr(indexing, "moments_per_commit", lambda: 2 * SAMPLE_LINES - 1)
    monkeypatch.setattr(whoosh_backend, "BULK_DOCUMENTS", SAMPLE_LINES)
    monkeypatch.setattr(whoosh_backend, "SMALL_SEGMENTS", 100)

    commits_before = index_commits()
    call_command("import_transcript", str(tmp_path), stdout=StringIO(), stderr=StringIO())

    assert moments_held() == published_segment_ids() and not IndexJob.objects.exists()
    # Two commits of two episodes, each a segment per writer process, then the last episode's.
    assert index_commits() - commits_before == 3
    assert len(segment_sizes()) == 2 * min(2, whoosh_backend.settings.ARCHIVE_INDEX_PROCS) + 1
    imported = answers(client)
    assert imported["quantique"][0] == 5 * answers_in_the_sample(client)
    engine().rebuild()
    assert answers(client) == imported


def answers_in_the_sample(client) -> int:
    return client.get("/api/search/", {"q": "quantique", "episode": Episode.objects.first().slug}).json()["count"]


def test_a_commit_that_fails_midway_leaves_the_index_as_it_was_and_its_jobs_for_the_worker(
    client, db, tmp_path, search_index, monkeypatch
):
    sample_copies(tmp_path, 1)
    call_command("import_transcript", str(tmp_path / "copie-1.txt"), stdout=StringIO(), stderr=StringIO())
    before = moments_held()
    sample_copies(tmp_path, 3)
    real = whoosh_engine.moment_documents

    def failing_midway(segments):
        for number, document in enumerate(real(segments)):
            if number == SAMPLE_LINES // 2:
                raise OSError("disk full")
            yield document

    monkeypatch.setattr(whoosh_engine, "moment_documents", failing_midway)
    # Written by the writer processes, as a large import is: they have half an episode when it fails.
    monkeypatch.setattr(whoosh_backend, "BULK_DOCUMENTS", SAMPLE_LINES // 4)
    call_command("import_transcript", str(tmp_path), stdout=StringIO(), stderr=StringIO())
    # The first file again (replaced in place), and two new episodes: three jobs left.
    assert Episode.objects.count() == 3 and IndexJob.objects.count() == 3
    assert moments_held() == before
    errors = [job.last_error for job in IndexJob.objects.all()]
    assert all("disk full" in error for error in errors), [error[-300:] for error in errors]

    monkeypatch.undo()
    IndexJob.objects.update(not_before=None)  # their retry is due
    index_now()
    assert moments_held() == published_segment_ids() and len(moments_held()) == 3 * SAMPLE_LINES


def test_small_segments_are_merged_a_few_at_a_time_and_large_ones_never(
    client, db, tmp_path, search_index, monkeypatch
):
    monkeypatch.setattr(whoosh_backend, "MERGED_SEGMENT_MAX_DOCUMENTS", 1_000)
    monkeypatch.setattr(whoosh_backend, "SMALL_SEGMENTS", 3)
    sample_copies(tmp_path, 7)
    files = sorted(tmp_path.glob("copie-*.txt"))
    call_command("import_transcript", *map(str, files[:3]), stdout=StringIO(), stderr=StringIO())
    large = search_backend().index.refresh()._segments()
    assert [segment.doc_count_all() for segment in large] == [3 * SAMPLE_LINES]

    for path in files[3:]:
        call_command("import_transcript", str(path), stdout=StringIO(), stderr=StringIO())

    # The fourth to sixth episodes made a segment each; at the seventh's commit, the two
    # smallest that fit in 1,000 documents were merged into its segment, the large one kept.
    assert segment_sizes() == [SAMPLE_LINES, 3 * SAMPLE_LINES, 3 * SAMPLE_LINES]
    segment_ids = {segment.segment_id() for segment in search_backend().index.refresh()._segments()}
    assert large[0].segment_id() in segment_ids
    assert moments_held() == published_segment_ids()
    merged = answers(client)
    engine().rebuild()
    assert answers(client) == merged


def test_a_writer_cancelled_while_its_processes_still_run_leaves_the_index_unlocked(
    db, tmp_path, search_index, monkeypatch, settings
):
    """The race behind a LockError seen under load: a writer process deleted a job file while the
    cancelled writer emptied its temporary folder, which raised before Whoosh's lock was released."""
    sample_copies(tmp_path, 1)
    call_command("import_transcript", str(tmp_path / "copie-1.txt"), stdout=StringIO(), stderr=StringIO())
    documents = list(moment_documents(moments()))
    settings.ARCHIVE_INDEX_PROCS = 2
    monkeypatch.setattr(whoosh_backend, "WHOOSH_LOCK_TIMEOUT", 1.0)
    backend = search_backend()
    real_clean = FileStorage.clean

    def vanished_midway(storage, *args, **kwargs):
        real_clean(storage, *args, **kwargs)
        raise FileNotFoundError(2, "No such file or directory", "1a2b3c.job")

    monkeypatch.setattr(FileStorage, "clean", vanished_midway)
    # The failure is what is raised, not the cancel's own.
    with pytest.raises(OSError, match="disk full"), backend.writing(bulk=True) as writer:
        for document in documents:  # batches of 100 go to the writer processes
            writer.add_document(**document)
        assert writer.tasks
        raise OSError("disk full")
    monkeypatch.undo()
    with backend.writing() as writer:  # at once: no LockError after WHOOSH_LOCK_TIMEOUT
        assert writer is not None
