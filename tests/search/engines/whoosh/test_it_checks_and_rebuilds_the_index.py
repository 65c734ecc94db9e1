"""Rebuilding the Whoosh index: into a new folder while searches read the previous one,
in one or two writer processes, none left behind when one fails; segment files read without
copying; documents of analysed words; an index from before pairs."""

import multiprocessing
import threading
import time
from io import StringIO

import pytest
from django.core.management import call_command
from haystack.exceptions import SearchBackendError

from search.engines.whoosh.backend import search_backend
from search.engines.whoosh.documents import moment_documents, moments
from search.moments import Filters, find_moments
from tests.search.probes import check


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


def test_rebuild_index_keeps_one_previous_build_and_drops_older_ones(sample_episode, search_index):
    for _ in range(3):
        call_command("rebuild_index", "--noinput", stdout=StringIO())
    builds = sorted(p.name for p in search_index.parent.glob(f"{search_index.name}-*"))
    assert len(builds) == 2
    assert search_index.is_symlink() and search_index.resolve().name in builds
    assert check().strip() == "The index and the database agree."


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


def test_a_writer_process_that_dies_fails_the_rebuild_instead_of_dropping_its_moments(sample_episode, settings):
    settings.ARCHIVE_INDEX_PROCS = 2
    documents = list(moment_documents(moments()))
    documents[250]["start_ms"] = "not a number"  # only the writer process that gets it fails

    with pytest.raises(SearchBackendError, match=r"wrote \d+ of 408 moments; the index is unchanged"):
        search_backend().rebuild(documents)
    assert multiprocessing.active_children() == []
    assert find_moments("quantique", Filters()).count == 22
    assert check().strip() == "The index and the database agree."


def test_index_segments_are_separate_files_that_searchers_read_without_copying(sample_episode, search_index):
    # A compound segment file is copied into every searcher's memory (230 MB at 1,000 episodes).
    assert list(search_index.resolve().glob("*.pst")) and not list(search_index.resolve().glob("*.seg"))
    call_command("rebuild_index", "--noinput", stdout=StringIO())
    assert list(search_index.resolve().glob("*.pst")) and not list(search_index.resolve().glob("*.seg"))
    assert find_moments("quantique", Filters()).count == 22


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
