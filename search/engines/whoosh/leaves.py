"""What the Whoosh engine keeps of each index segment (a leaf) for the process: every document's
segment and episode, the words said and their counts, the words each stem stands for. Read once
per leaf, by one thread at a time."""

import bisect
import threading
from array import array
from collections.abc import Callable
from typing import Any, TypeVar

from whoosh.searching import Searcher

from search.analysis import stem_of_folded
from search.spelling import Vocabulary

# Index segment id -> segment and episode of each of its documents, and its words.
_segments_by_leaf: dict[str, array] = {}
_episodes_by_leaf: dict[str, array] = {}
_vocabulary_by_leaf: dict[str, Vocabulary] = {}
# A stem of `text` -> the words of `folded` that it stems, for every index segment read so far
# (`_folded_forms`).
FoldedForms = dict[str, tuple[str, ...]]
_forms: FoldedForms = {}
_forms_read: set[str] = set()
# One thread reads an index segment for these caches while the others wait for it: otherwise a
# worker's four threads, each on its first search, read the same 600,000 documents at once.
_reading_leaves = threading.Lock()
T = TypeVar("T")


def _column(searcher: Searcher, name: str) -> Callable[[int], int]:
    """A sortable column's value by document number, across the index's segments."""
    readers = [(offset, leaf.column_reader(name)) for leaf, offset in searcher.reader().leaf_readers()]
    starts = [offset for offset, _reader in readers]

    def value(docnum: int) -> int:
        offset, reader = readers[bisect.bisect_right(starts, docnum) - 1]
        return reader[docnum - offset]

    return value


def episode_ids(searcher: Searcher) -> array:
    """The episode of every document of the searcher's index, by document number.

    Read from the `episode` terms' postings, once per index segment (segments never
    change but for deletions): reading a column hit by hit cost more than the search
    itself for common words (56 ms for 40,000 hits).
    """
    return _whole_index("episodes", searcher, _episodes_by_leaf, _leaf_episodes)


def segment_ids(searcher: Searcher) -> array:
    """The segment (transcript line) of every document, by document number, from its column."""
    return _whole_index("segments", searcher, _segments_by_leaf, _leaf_segments)


# The whole index's arrays, kept while its segments stay the same (a deletion changes no
# document number): joining 30 segments' 6,000,000 ids took 64 ms a search at 10,000 episodes.
_whole_arrays: dict[str, tuple[tuple, array]] = {}


def _whole_index(kind: str, searcher: Searcher, cache: dict[str, array], build: Callable[[Any], array]) -> array:
    leaves = searcher.reader().leaf_readers()
    key = tuple((leaf.segment().segment_id(), offset) for leaf, offset in leaves if leaf.segment())
    kept = _whole_arrays.get(kind)
    if kept is not None and kept[0] == key:
        return kept[1]
    whole = _combined(_per_leaf(searcher, cache, build))
    _whole_arrays[kind] = (key, whole)
    return whole


def _combined(parts: list[array]) -> array:
    combined = array("q")
    for part in parts:
        combined += part
    return combined


def _leaf_episodes(leaf) -> array:
    episodes = array("q", bytes(8 * leaf.doc_count_all()))
    for term in leaf.lexicon("episode"):
        episode = int(term)
        for docnum in leaf.postings("episode", term).all_ids():
            episodes[docnum] = episode
    return episodes


def _leaf_segments(leaf) -> array:
    if leaf.has_column("segment"):
        return array("q", leaf.column_reader("segment"))
    # An index of schema 2 (before the column): read once from the stored fields until rebuilt.
    return array("q", (int(leaf.stored_fields(docnum)["django_id"]) for docnum in range(leaf.doc_count_all())))


def _per_leaf(searcher: Searcher, cache: dict[str, T], build: Callable[[Any], T]) -> list[T]:
    """`build(leaf)` for each segment of the searcher's index, in order, kept while the segment lives."""
    leaves = searcher.reader().leaf_readers()
    current = {leaf.segment().segment_id(): (leaf, offset) for leaf, offset in leaves if leaf.segment()}
    for gone in cache.keys() - current.keys():
        cache.pop(gone, None)
    built = []
    for segment_id, (leaf, _offset) in sorted(current.items(), key=lambda item: item[1][1]):
        # Read once; another thread may drop it meanwhile (its searcher is newer than ours).
        value = cache.get(segment_id)
        if value is None:
            with _reading_leaves:
                value = cache.get(segment_id)
                if value is None:
                    value = cache[segment_id] = build(leaf)
        built.append(value)
    return built


def _vocabularies(searcher: Searcher) -> list[Vocabulary]:
    """The words of the `spell` field, per index segment, read once per segment.

    Deleted documents' words stay in a segment's lexicon until it is merged away:
    `_said_in()` tells the words still said by a published moment.
    """
    return _per_leaf(searcher, _vocabulary_by_leaf, _leaf_vocabulary)


def _folded_forms(searcher: Searcher) -> FoldedForms | None:
    """The words of `folded` that each stem of `text` stands for: its postings, without
    positions, are read 3.6 times faster (`_intersection_scores`). One map for the process, each
    index segment's words added once (150,000 words took 2 s to stem), none taken away: a word
    of a segment merged away only has no postings left. None for an index of schema 3 or
    before, which has no `folded`."""
    if "folded" not in searcher.schema:
        return None
    for leaf, _offset in searcher.reader().leaf_readers():
        segment = leaf.segment().segment_id() if leaf.segment() else None
        if segment is not None and segment in _forms_read:
            continue
        with _reading_leaves:
            if segment is None or segment not in _forms_read:
                _add_forms(leaf)
                if segment is not None:
                    _forms_read.add(segment)
    return _forms


def _add_forms(leaf) -> None:
    found: dict[str, list[str]] = {}
    for word in leaf.lexicon("folded"):
        word = word.decode()
        stem = stem_of_folded(word)
        if word not in _forms.get(stem, ()):
            found.setdefault(stem, list(_forms.get(stem, ()))).append(word)
    _forms.update((stem, tuple(words)) for stem, words in found.items())


def _leaf_vocabulary(leaf) -> Vocabulary:
    return Vocabulary.of((term.decode(), info.doc_frequency()) for term, info in leaf.iter_field("spell"))


def _said_in(searcher: Searcher) -> Callable[[str], bool]:
    """Whether a word is in a moment of the index that is not deleted."""
    leaves = [leaf for leaf, _offset in searcher.reader().leaf_readers()]

    def said(word: str) -> bool:
        return any(("spell", word) in leaf and leaf.postings("spell", word).is_active() for leaf in leaves)

    return said
