"""check_index, and rebuilding while the archive is in use."""

import itertools
import multiprocessing
import threading
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from haystack.exceptions import SearchBackendError

from episodes.models import Episode
from search.engines.whoosh.backend import search_backend
from search.engines.whoosh.documents import moment_documents, moments
from search.moments import Filters, find_moments
from tests.search.behind_the_index import add_orphan, built_by_an_older_version, drop_moment, say_word


def check(*args: str) -> str:
    out = StringIO()
    call_command("check_index", *args, stdout=out)
    return out.getvalue()


def test_check_index_says_when_index_and_database_agree(sample_episode):
    assert check().strip() == "The index and the database agree."


def test_check_index_reports_missing_stale_and_orphan_moments_and_exits_non_zero(sample_episode):
    segments = list(sample_episode.segments.order_by("position")[:3])
    sample_episode.segments.filter(pk=segments[0].pk).update(text="Changé dans le dos de l'index")
    drop_moment(segments[1])
    add_orphan(sample_episode.pk, 999999, "fantôme")
    with pytest.raises(CommandError, match="1 episodes differ"):
        check()
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("check_index", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "smart-tech-du-19-juin-2025: 1 missing, 1 stale, 1 orphan moments"
    # The line changed behind the index's back: its old words are still offered, its new ones not;
    # nor are the words only the line removed from the index says ("28 minutes ... débriefer les actus").
    assert "'studio'" in lines[1] and lines[1].endswith("6 words missing ['28', 'actus', 'dos', 'débriefer', 'index']")


def test_check_index_repair_brings_the_index_back_in_step(client, sample_episode):
    sample_episode.segments.filter(start_ms=531_000).update(text="Le porte-avions Richelieu.")
    Episode.objects.filter(pk=sample_episode.pk).update(is_published=False)
    assert "Repaired 1 episodes" in check("--repair")
    assert check().strip() == "The index and the database agree."
    assert client.get("/api/search/", {"q": "quantique"}).json()["count"] == 0


@pytest.mark.whoosh("a rebuild into a new index folder")
def test_a_search_answers_from_the_previous_index_during_a_rebuild(sample_episode):
    backend = search_backend()
    documents = list(moment_documents(moments()))
    started = threading.Event()

    def slowly():
        for number, doc in enumerate(documents):
            if number == 10:
                started.set()
            if number % 50 == 0:
                time.sleep(0.05)
            yield doc

    counts = []
    rebuild = threading.Thread(target=lambda: backend.rebuild(slowly()))
    rebuild.start()
    started.wait(5)
    while rebuild.is_alive():
        counts.append(find_moments("quantique", Filters()).count)
    rebuild.join()
    assert len(counts) > 3 and set(counts) == {22}
    assert find_moments("quantique", Filters()).count == 22


@pytest.mark.whoosh("index folder builds")
def test_rebuild_index_keeps_one_previous_build_and_drops_older_ones(sample_episode, search_index):
    for _ in range(3):
        call_command("rebuild_index", "--noinput", stdout=StringIO())
    builds = sorted(p.name for p in search_index.parent.glob(f"{search_index.name}-*"))
    assert len(builds) == 2
    assert search_index.is_symlink() and search_index.resolve().name in builds
    assert check().strip() == "The index and the database agree."


@pytest.mark.whoosh("writer processes")
@pytest.mark.parametrize("procs", [1, 2])
def test_a_rebuild_that_fails_midway_leaves_the_index_and_no_writer_process(sample_episode, settings, procs):
    settings.ARCHIVE_INDEX_PROCS = procs

    def failing():
        for number, doc in enumerate(moment_documents(moments())):
            if number == 300:
                raise RuntimeError("the database went away")
            yield doc

    with pytest.raises(RuntimeError, match="went away"):
        search_backend().rebuild(failing())
    assert multiprocessing.active_children() == []
    assert find_moments("quantique", Filters()).count == 22
    assert check().strip() == "The index and the database agree."


@pytest.mark.whoosh("writer processes")
def test_rebuild_index_in_two_processes_indexes_every_moment_once(sample_episode, settings):
    settings.ARCHIVE_INDEX_PROCS = 2
    out = StringIO()
    call_command("rebuild_index", "--noinput", stdout=out)
    assert out.getvalue().strip() == "Indexed 408 moments."
    with search_backend().searcher() as searcher:
        assert searcher.doc_count() == 408
        assert len(searcher.reader().leaf_readers()) == 2  # one segment per writer process
    assert find_moments("quantique", Filters()).count == 22
    assert check().strip() == "The index and the database agree."


@pytest.mark.whoosh("writer processes")
def test_a_writer_process_that_dies_fails_the_rebuild_instead_of_dropping_its_moments(sample_episode, settings):
    settings.ARCHIVE_INDEX_PROCS = 2
    documents = list(moment_documents(moments()))
    documents[250]["start_ms"] = "not a number"  # only the writer process that gets it fails

    with pytest.raises(SearchBackendError, match=r"wrote \d+ of 408 moments; the index is unchanged"):
        search_backend().rebuild(documents)
    assert multiprocessing.active_children() == []
    assert find_moments("quantique", Filters()).count == 22
    assert check().strip() == "The index and the database agree."


@pytest.mark.whoosh("index segment files")
def test_index_segments_are_separate_files_that_searchers_read_without_copying(sample_episode, search_index):
    # A compound segment file is copied into every searcher's memory (230 MB at 1,000 episodes).
    assert list(search_index.resolve().glob("*.pst")) and not list(search_index.resolve().glob("*.seg"))
    call_command("rebuild_index", "--noinput", stdout=StringIO())
    assert list(search_index.resolve().glob("*.pst")) and not list(search_index.resolve().glob("*.seg"))
    assert find_moments("quantique", Filters()).count == 22


def test_check_index_finds_an_index_from_an_older_version_and_repair_rebuilds_it(sample_episode, search_index):
    built_by_an_older_version(search_index)
    with pytest.raises(CommandError, match="built by an older version; run check_index --repair"):
        check()
    assert "Rebuilt the index from an older version: 408 moments." in check("--repair")
    assert check().strip() == "The index and the database agree."
    assert find_moments("quantique", Filters()).count == 22


def test_check_index_reports_a_spelling_dictionary_out_of_step_and_repair_mends_it(client, sample_episode):
    say_word(sample_episode.segments.order_by("position").first(), "zorglubification")
    assert client.get("/api/search/", {"q": "zorglubificaton"}).json()["suggestion"] == "zorglubification"
    out = StringIO()
    with pytest.raises(CommandError, match="spelling dictionary differs"):
        call_command("check_index", stdout=out)
    assert "spelling dictionary: 1 words no published line says ['zorglubification']" in out.getvalue()
    assert "agree" in check("--repair")
    assert check().strip() == "The index and the database agree."
    assert client.get("/api/search/", {"q": "zorglubificaton"}).json()["suggestion"] is None


@pytest.mark.postgres("a rebuild in one transaction")
def test_searches_answer_from_the_committed_moments_while_a_rebuild_writes(sample_episode, monkeypatch):
    from django.db import connection

    from search.engines import engine
    from search.engines.postgres import writing as postgres

    written, slow = threading.Event(), threading.Event()
    lines, real = itertools.count(1), postgres.said_and_terms

    def slowly(text):
        if next(lines) == 300:  # the rebuild has written 200 moments, not yet committed
            written.set()
            slow.wait(10)
        return real(text)

    monkeypatch.setattr(postgres, "ROWS_PER_COPY", 100)
    monkeypatch.setattr(postgres, "said_and_terms", slowly)

    def rebuild() -> None:
        try:
            engine().rebuild()
        finally:
            connection.close()

    thread = threading.Thread(target=rebuild)
    thread.start()
    assert written.wait(10)
    counts = [find_moments("quantique", Filters()).count for _ in range(5)]
    slow.set()
    thread.join()
    assert counts == [22] * 5
    assert find_moments("quantique", Filters()).count == 22
    assert check().strip() == "The index and the database agree."


@pytest.mark.postgres("a rebuild in one transaction")
def test_a_rebuild_that_fails_midway_leaves_the_moments_as_they_were(sample_episode, monkeypatch):
    from search.engines import engine
    from search.engines.postgres import writing as postgres

    lines, real = itertools.count(1), postgres.said_and_terms

    def failing(text):
        if next(lines) == 300:  # 200 moments written, not yet committed
            raise RuntimeError("the database went away")
        return real(text)

    monkeypatch.setattr(postgres, "ROWS_PER_COPY", 100)
    monkeypatch.setattr(postgres, "said_and_terms", failing)
    with pytest.raises(RuntimeError, match="went away"):
        engine().rebuild()
    monkeypatch.undo()
    assert find_moments("quantique", Filters()).count == 22
    assert check().strip() == "The index and the database agree."


@pytest.mark.whoosh("documents of words analysed before indexing")
def test_moments_given_as_analysed_words_index_as_their_texts_would(sample_episode, tmp_path):
    from whoosh.filedb.filestore import FileStorage

    from search.engines.whoosh.schema import moment_schema

    documents = list(moment_documents(moments()))
    as_texts = [
        {key: value for key, value in doc.items() if key != "_stored_text"}
        | {"text": doc["_stored_text"], "spell": doc["_stored_text"]}
        | {"tail": " ".join(doc["tail"]), "head": " ".join(doc["head"]), "pairs": " ".join(doc["pairs"])}
        for doc in documents
    ]

    def indexed(docs: list[dict], folder) -> tuple:
        folder.mkdir()
        index = FileStorage(str(folder)).create_index(moment_schema())
        with index.writer() as writer:
            for doc in docs:
                writer.add_document(**doc)
        reader = index.reader()
        postings = {
            (field, term): list(reader.postings(field, term).items_as("positions" if field == "text" else "frequency"))
            for field, term in reader.all_terms()
        }
        fields = ["text", "spell", "pairs", "tail", "head"]
        lengths = [[reader.doc_field_length(docnum, field) for field in fields] for docnum in range(len(docs))]
        return postings, lengths, list(reader.all_stored_fields())

    analysed = indexed(documents, tmp_path / "analysed")
    assert analysed == indexed(as_texts, tmp_path / "texts")
    assert {field for field, _term in analysed[0]} >= {"text", "spell", "pairs", "tail", "head"}
    assert analysed[2][0]["text"] == sample_episode.segments.order_by("position").first().text


@pytest.mark.whoosh("an index of schema 4, before pairs")
def test_an_index_from_before_pairs_still_finds_a_phrase_within_a_line_until_rebuilt(sample_episode, tmp_path):
    from whoosh.filedb.filestore import FileStorage

    from search.engines.whoosh.engine import prefix_expander, whoosh_query
    from search.engines.whoosh.schema import moment_schema
    from search.plan import Terms

    schema = moment_schema()
    schema.remove("pairs")
    index = FileStorage(str(tmp_path)).create_index(schema)
    with index.writer() as writer:
        for document in moment_documents(moments()):
            writer.add_document(**{key: value for key, value in document.items() if key != "pairs"})
    phrase = Terms(("charl", "de", "gaull"))
    with index.searcher() as searcher:
        old = {hit["django_id"] for hit in searcher.search(whoosh_query(phrase, prefix_expander(searcher), schema))}
    with search_backend().searcher() as searcher:
        current = whoosh_query(phrase, prefix_expander(searcher), searcher.schema)
        assert {hit["django_id"] for hit in searcher.search(current)} == old != set()


@pytest.mark.postgres("Haystack's index commands, on an engine whose index is not Haystack's")
@pytest.mark.parametrize("command, args", [("update_index", ["--age", "24"]), ("clear_index", ["--noinput"])])
def test_haystack_s_own_index_commands_say_what_to_run_instead_and_change_nothing(sample_episode, command, args):
    from search.moments import Filters, find_moments

    before = find_moments("quantique", Filters()).count
    with pytest.raises(CommandError, match=r"not in Haystack's index.*rebuild_index"):
        call_command(command, *args)
    assert find_moments("quantique", Filters()).count == before > 0
