"""Haystack's Whoosh backend with French analysis and serialised, all-or-nothing writes.

What changes from the stock backend, and why:
- the schema is `search.engines.whoosh.schema.moment_schema()`: French analysis instead of the
  English stemmer, and only the columns that searching needs;
- every write takes an exclusive lock beside the index folder, so web workers, the
  import command and `rebuild_index` queue instead of failing on Whoosh's single
  writer lock, and a write either commits whole or not at all;
- errors are raised, never logged and dropped (the stock SILENTLY_FAIL), so a
  caller knows when the index missed an update;
- `replace_episodes()` swaps episodes' moments in one commit: deletes, then one
  batched add, never a per-segment update;
- a commit merges only small segments, a few at a time (`merge_small_segments`), never
  Whoosh's default, which merged whole archives;
- the index folder (PATH) is a symbolic link to the current build. `rebuild()`
  and `clear()` build a new one aside and swap the link in one rename, so a search
  always answers, from the previous index until the new one is complete, and a
  killed rebuild leaves the previous index untouched;
- a rebuild writes in ARCHIVE_INDEX_PROCS processes, one segment each, whose
  processes end with it however it ends.
"""

import fcntl
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import chain, islice
from pathlib import Path
from typing import Any

from django.conf import settings
from haystack import connections
from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend
from haystack.exceptions import SearchBackendError
from haystack.utils import get_identifier
from whoosh import scoring
from whoosh.filedb.filestore import FileStorage
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.reading import SegmentReader
from whoosh.searching import Searcher
from whoosh.writing import IndexWriter

from search.engines.whoosh.deadline import DeadlineSearcher
from search.engines.whoosh.documents import moment_documents, moments
from search.engines.whoosh.schema import SCHEMA_VERSION, moment_schema

log = logging.getLogger(__name__)

HAYSTACK_KEYS = {"id", "django_ct", "django_id"}
# Whoosh waits this long for its own lock; ours is taken first, so this is a safety net.
WHOOSH_LOCK_TIMEOUT = 60.0
_held = threading.local()
_thread_locks: dict[Path, threading.Lock] = {}
_thread_locks_guard = threading.Lock()
# Written in each build: an index from an older schema must be rebuilt (check_index says so).
SCHEMA_VERSION_FILE = "SCHEMA_VERSION"
# Above this many documents, a write is worth Whoosh's writer processes.
BULK_DOCUMENTS = 5_000
# A commit merges segments of fewer documents than this, once there are SMALL_SEGMENTS of them,
# into one of at most this many. Merging is Whoosh's slowest write: 1,339 documents/s (two
# 28,000-document segments, load 5), against ~4,600 lines/s for a whole import. Its default
# policy (MERGE_SMALL) merges every segment under a Fibonacci bound of their count, the largest
# too: a 10,000-episode folder import, two 30,000-document segments a commit, merged 747,500
# documents in its 13th commit and stalled there (1,180 lines/s by 2,200 episodes), and the
# bound grows until a commit merges the whole archive.
MERGED_SEGMENT_MAX_DOCUMENTS = 50_000
SMALL_SEGMENTS = 10
# Columns a search sorts on (search.moments._sorting).
SORTED_COLUMNS = ("air_date", "start_ms")
# Builds kept beside the current one: the previous, for searchers still reading it.
KEPT_BUILDS = 1


class FrenchWhooshSearchBackend(WhooshSearchBackend):
    def build_schema(self, fields: dict) -> tuple[str, Any]:
        schema = moment_schema()
        given = {field.index_fieldname for field in fields.values()}
        expected = set(schema.names()) - HAYSTACK_KEYS
        if given != expected:
            raise SearchBackendError(f"index fields {sorted(given)} differ from the schema's {sorted(expected)}")
        return "text", schema

    @property
    def lock_path(self) -> Path:
        # Beside the folder, not in it: rebuilding deletes the folder.
        return Path(f"{os.path.normpath(self.path)}.lock")

    @contextmanager
    def locked(self) -> Iterator[None]:
        """The index's write lock, across threads and processes; released even by kill -9.

        A POSIX record lock (lockf), not flock: it belongs to this process alone, so the
        writer processes a rebuild forks do not inherit it and cannot keep it after we
        die. Such a lock does not exclude the threads of one process from each other: a
        thread lock per path does. Re-entrant within a thread.
        """
        if getattr(_held, "depth", 0):
            _held.depth += 1
            try:
                yield
            finally:
                _held.depth -= 1
            return
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        with _thread_lock(self.lock_path), open(self.lock_path, "a") as lock:
            fcntl.lockf(lock, fcntl.LOCK_EX)
            _held.depth = 1
            try:
                yield
            finally:
                _held.depth = 0
                fcntl.lockf(lock, fcntl.LOCK_UN)

    def setup(self) -> None:
        # Two first writers on an empty index would each create one: create it under the lock.
        if not os.path.exists(self.path):
            with self.locked():
                if not os.path.exists(self.path):
                    self._swap_in(self._new_build())
        super().setup()

    @contextmanager
    def writing(self, *, bulk: bool = False) -> Iterator[IndexWriter]:
        """A Whoosh writer that no other process or thread has at the same time."""
        with self.locked():
            if not self.setup_complete or not os.path.exists(self.path):
                self.setup()
            self.index = self.index.refresh()
            memory = settings.ARCHIVE_INDEX_MEMORY_MB
            procs = settings.ARCHIVE_INDEX_PROCS if bulk else 1
            writer = bulk_writer(self.index, procs, memory, timeout=WHOOSH_LOCK_TIMEOUT)
            try:
                yield writer
            except BaseException:
                _cancel(writer)
                raise
            writer.commit(mergetype=merge_small_segments)
            self.index = self.index.refresh()

    def rebuild(self, documents: Iterable[dict[str, Any]]) -> int:
        """Index these documents into a new build, then make it the index in one swap."""
        with self.locked():
            build = self._new_build()
            index = FileStorage(str(build)).open_index(schema=moment_schema())
            writer = bulk_writer(index, settings.ARCHIVE_INDEX_PROCS, settings.ARCHIVE_INDEX_MEMORY_MB)
            count = 0
            try:
                for doc in documents:
                    writer.add_document(**doc)
                    count += 1
            except BaseException:
                _cancel(writer)
                shutil.rmtree(build, ignore_errors=True)
                raise
            writer.commit()
            written = FileStorage(str(build)).open_index().doc_count_all()
            if written != count:
                # Whoosh drops the segment of a writer process that died, without a word.
                shutil.rmtree(build, ignore_errors=True)
                raise SearchBackendError(f"the rebuild wrote {written} of {count} moments; the index is unchanged")
            self._swap_in(build)
            self.setup()
            return count

    def update(self, index: Any, iterable: Iterable[Any], commit: bool = True) -> None:
        """Haystack's update (its update_index command): these segments' documents, built
        episode by episode as for a rebuild, each replacing its previous version."""
        wanted = {str(segment.pk): segment.episode_id for segment in iterable}
        episodes = moments().filter(episode_id__in=set(wanted.values()))
        documents = [doc for doc in moment_documents(episodes) if doc["django_id"] in wanted]
        if not documents:
            return
        with self.writing() as writer:
            for doc in documents:
                writer.update_document(**doc)

    def remove(self, obj_or_string: Any, commit: bool = True) -> None:
        with self.writing() as writer:
            writer.delete_by_term("id", get_identifier(obj_or_string))

    def clear(self, models: list | None = None, commit: bool = True) -> None:
        # The index holds one model only: clearing it for any model empties it.
        self.rebuild([])

    def replace_episodes(self, episode_ids: list[int], documents: Iterable[dict[str, Any]]) -> int:
        """Replace these episodes' moments by `documents`, read as they come; how many were written."""
        documents = iter(documents)
        first = list(islice(documents, BULK_DOCUMENTS + 1))
        count = 0
        with self.writing(bulk=len(first) > BULK_DOCUMENTS) as writer:
            # One searcher for every delete: each delete_by_term() would open every segment again.
            with writer.searcher() as searcher:
                for episode_id in episode_ids:
                    writer.delete_by_term("episode", str(episode_id), searcher=searcher)
            for doc in chain(first, documents):
                writer.add_document(**doc)
                count += 1
        return count

    def _new_build(self) -> Path:
        """A new, empty index folder beside PATH."""
        base = os.path.normpath(self.path)
        build = Path(f"{base}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}")
        build.mkdir(parents=True)
        FileStorage(str(build)).create_index(moment_schema())
        (build / SCHEMA_VERSION_FILE).write_text(f"{SCHEMA_VERSION}\n")
        return build

    def schema_is_current(self) -> bool:
        """Whether the index was built with this version's schema (else it needs a rebuild)."""
        try:
            return (Path(self.path) / SCHEMA_VERSION_FILE).read_text().strip() == str(SCHEMA_VERSION)
        except OSError:
            return False

    def _swap_in(self, build: Path) -> None:
        """Point PATH at `build` in one atomic rename, then drop builds no longer needed."""
        base = Path(os.path.normpath(self.path))
        if base.exists() and not base.is_symlink():
            # An index from before builds were swapped: moved aside once.
            base.rename(f"{base}-{time.strftime('%Y%m%d-%H%M%S')}-legacy")
        link = base.with_name(f".{base.name}.{os.getpid()}.link")
        link.unlink(missing_ok=True)
        link.symlink_to(build.name)
        os.replace(link, base)
        builds = sorted(base.parent.glob(f"{base.name}-*"), key=lambda path: path.stat().st_mtime)
        for old in [b for b in builds if b.name != build.name][: -KEPT_BUILDS or None]:
            shutil.rmtree(old, ignore_errors=True)

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """The searcher of the current index, kept open across requests.

        Opening one reads every segment's metadata, which at archive scale costs more
        than most searches; it is reopened only when the index changed (a commit, or
        a rebuild swapped in). The backend is per thread, and so is its searcher.
        """
        build = os.path.realpath(self.path)
        cached = getattr(self, "_searcher", None)
        if cached is None or self._searcher_build != build or not os.path.exists(build):
            if cached is not None:
                cached.close()
            self.setup()
            cached, self._searcher_build = _searcher(self.index), build
        elif not cached.up_to_date():
            # A whole new searcher, not Searcher.refresh(): refresh() shares segment readers
            # with the old one and, along a chain of refreshes, closes some of them twice
            # (ReaderClosed under concurrent writes). The old searcher is not closed here:
            # hits of the current request may still read from it; it goes with them.
            self.index = self.index.refresh()
            cached = _searcher(self.index)
        self._searcher = cached
        yield cached


def _searcher(index: Any) -> Searcher:
    """A searcher that ranks moments our way and stops at the search's deadline.

    The column files a search reads later (stored fields, the columns sorted on) are opened
    now: segments are separate files, and a writer merging segments in another process
    deletes the old ones; a file opened before stays readable, one opened lazily after is
    gone ('NoneType' is not subscriptable, seen under concurrent imports).
    """
    searcher = DeadlineSearcher(index.reader(), fromindex=index, weighting=WEIGHTING)
    for leaf, _offset in searcher.reader().leaf_readers():
        if leaf.doc_count_all():
            leaf.stored_fields(0)
            for name in SORTED_COLUMNS:
                leaf.column_reader(name)
    return searcher


def _cancel(writer: IndexWriter) -> None:
    """Cancel a writer after a failure without hiding that failure behind the cancel's own."""
    try:
        writer.cancel()
    except Exception:
        log.warning("Cancelling the index writer failed too", exc_info=True)


def bulk_writer(index: Any, procs: int, memory_mb: int, **options: Any) -> IndexWriter:
    """A writer in `procs` processes, each with `memory_mb` to sort postings before spilling them.

    Segments are written as separate files, not Whoosh's default compound file: a
    searcher copies each part of a compound file it opens into its own memory (the
    whole postings, 230 MB at 1,000 episodes, in every web worker), while separate
    files are read through the shared page cache.
    """
    options = {"limitmb": memory_mb, "compound": False, **options}
    if procs > 1:
        # Each process writes its own segment: no final merge, which would sort everything again.
        return _ParentBoundMpWriter(index, procs=procs, multisegment=True, **options)
    return index.writer(**options)


def merge_small_segments(writer: IndexWriter, segments: list) -> list:
    """The merge policy of every commit: once SMALL_SEGMENTS segments have fewer than
    MERGED_SEGMENT_MAX_DOCUMENTS documents, the smallest of them that fit in that many are
    merged into one; larger segments are kept as they are (big ones come whole from bulk
    commits, see search.indexing.moments_per_commit). So no commit merges more than
    MERGED_SEGMENT_MAX_DOCUMENTS documents. Deleted documents of a large segment stay
    until a rebuild."""
    small = sorted((s for s in segments if s.doc_count_all() < MERGED_SEGMENT_MAX_DOCUMENTS), key=_documents)
    if len(small) < SMALL_SEGMENTS:
        return segments
    merged = [small[0]]
    for segment in small[1:]:
        if sum(map(_documents, merged)) + segment.doc_count_all() > MERGED_SEGMENT_MAX_DOCUMENTS:
            break
        merged.append(segment)
    if len(merged) < 2:
        return segments
    for segment in merged:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if all(segment is not m for m in merged)]


def _documents(segment: Any) -> int:
    return segment.doc_count_all()


class _ParentBoundTask(SubWriterTask):
    """Whoosh's writer process, made to end with its parent.

    It waits on a queue that only the parent feeds: if the parent is killed, it
    would wait for ever, holding its memory.
    """

    parent = 0  # set before the fork, so a parent that dies at once is still noticed

    def run(self) -> None:
        threading.Thread(target=_exit_when_orphaned, args=(self.parent,), daemon=True).start()
        super().run()


class _ParentBoundMpWriter(MpWriter):
    def _new_task(self) -> SubWriterTask:
        task = _ParentBoundTask(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment
        )
        task.parent = os.getpid()
        self.tasks.append(task)
        task.start()
        return task

    def cancel(self) -> None:
        # MpWriter.cancel() flags its processes in this process's memory only: they would go on
        # reading and deleting job files in the temporary folder that cancel() empties, and one
        # deleted between its listing and its removal made cancel() raise before it released
        # Whoosh's lock, so that the next writer waited 60 s for a LockError (a test failed so
        # under load). The processes are stopped first, and the lock is released whatever happens.
        for task in self.tasks:
            task.terminate()
            task.join()
        try:
            super().cancel()
        finally:
            if self.writelock is not None and self.writelock.fd is not None:
                self.writelock.release()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


class MomentWeighting(scoring.TF_IDF):
    """How moments are ranked: TF-IDF, not Whoosh's default BM25F.

    A moment is one short line, so BM25's length normalisation changes little, while
    reading every hit's length doubled the cost of common words (127 -> 54 ms for
    40,000 hits at 1,000 episodes).
    """

    def scorer(self, searcher: Searcher, fieldname: str, text: bytes, qf: int = 1) -> scoring.BaseScorer:
        return _MomentScorer(1.0, searcher.get_parent().idf(fieldname, text))


class _MomentScorer(scoring.TF_IDFScorer):
    def supports_block_quality(self) -> bool:
        # With it, a search with a limit on `a OR b` loops for ever in Whoosh 2.7's
        # UnionMatcher.skip_to_quality (seen on a prefix query at 1,000 episodes).
        return False


WEIGHTING = MomentWeighting()


class FrenchWhooshEngine(WhooshEngine):
    backend = FrenchWhooshSearchBackend


def _thread_lock(path: Path) -> threading.Lock:
    with _thread_locks_guard:
        return _thread_locks.setdefault(path, threading.Lock())


def search_backend() -> FrenchWhooshSearchBackend:
    """The index of the Haystack connection (`HAYSTACK_CONNECTIONS["default"]`)."""
    return connections["default"].get_backend()
