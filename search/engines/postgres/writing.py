"""Writing the PostgreSQL engine's rows: each published line's moment, each episode's words and
terms, and the words known to spelling suggestions, by COPY."""

from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice

from django.db import connection
from django.db.models import QuerySet

from episodes.models import Segment
from search.analysis import analyze, folded_word, said_and_terms
from search.engines import (
    Advance,
    not_told,
)
from search.engines.postgres.text import MAX_POSITIONS, document, fits
from search.models import EpisodeTerm, KnownWord, SearchMoment, SpokenWord

# Raised whenever what the rows hold changes: rows of another version ask for a rebuild.
# 2: the words folded, for prefixes (weight C); 3: the marks of repeats (`text.repeats`).
VERSION = 3
# Moments written per COPY while a whole archive or episode is written.
ROWS_PER_COPY = 5_000
# The suffix of the tables a rebuild writes aside before it swaps them in (`rebuilding`).
ASIDE = "_aside"
MOMENT_COLUMNS = (
    "segment_id",
    "episode_id",
    "position",
    "start_ms",
    "end_ms",
    "air_date",
    "text",
    "document",
    "version",
)


def _write(segments: QuerySet[Segment], advance: Advance = not_told, *, suffix: str = "") -> int:
    """Insert the rows of these published segments' moments, episode by episode; how many moments.
    Into the tables named with `suffix` (a rebuild's, aside), or the live ones."""
    rows = segments.order_by("episode_id", "position").values_list(
        "pk", "episode_id", "position", "start_ms", "end_ms", "episode__air_date", "text", "next_text"
    )
    written = 0
    episodes = _EpisodeWords(suffix)
    iterator = rows.iterator(chunk_size=ROWS_PER_COPY)
    # Read a batch, then COPY it: the connection cannot read its cursor during a COPY.
    while batch := list(islice(iterator, ROWS_PER_COPY)):
        _copy(SearchMoment, MOMENT_COLUMNS, _moment_rows(batch, episodes), suffix)
        episodes.flush(keep=batch[-1][1])
        written += len(batch)
        advance(len(batch))
    episodes.flush()
    episodes.remember()
    return written


def _moment_rows(batch: list[tuple], episodes: "_EpisodeWords") -> Iterator[tuple]:
    """The moments' rows, each line analysed once: its terms are also the bridge of the line before.
    Made as COPY sends them, so that PostgreSQL writes some while the next are made: 5,932 ->
    6,765 lines/s importing 300 generated episodes (bench/import_speed.py)."""
    analysed: dict[int, tuple[list[str], list[str]]] = {}

    def analysis(index: int) -> tuple[list[str], list[str]]:
        if index not in analysed:
            analysed[index] = said_and_terms(batch[index][6])
        return analysed[index]

    for index, (pk, episode_id, position, start_ms, end_ms, air_date, text, after) in enumerate(batch):
        said, own = analysis(index)
        if not after:
            following = []
        elif index + 1 < len(batch) and batch[index + 1][6] == after:
            following = analysis(index + 1)[1]
        else:
            following = analyze(after)
        episodes.add(episode_id, said, own, start_ms)
        document_ = document(own, following, [folded_word(word) for word in said])
        yield (pk, episode_id, position, start_ms, end_ms, air_date, text, document_, VERSION)


class _EpisodeWords:
    """Each episode's spoken words, with how many moments say each, and its terms (`EpisodeTerm`),
    written once the episode's last moment has been read; and every word seen, for the known words."""

    def __init__(self, suffix: str = "") -> None:
        self.suffix = suffix
        self.words: dict[int, Counter] = {}
        # Per episode, per term: [moments, most times in one, start of the first].
        self.terms: dict[int, dict[str, list[int]]] = {}
        self.said: set[str] = set()

    def add(self, episode_id: int, said: list[str], own: list[str], start_ms: int) -> None:
        self.words.setdefault(episode_id, Counter()).update(set(said))
        terms = self.terms.setdefault(episode_id, {})
        for term, counted in Counter(own).items():
            times = min(counted, MAX_POSITIONS)  # as PostgreSQL keeps them, and ranks them
            known = terms.get(term)
            if known is None:
                terms[term] = [1, times, start_ms]
            else:
                known[0] += 1
                known[1] = max(known[1], times)
                known[2] = min(known[2], start_ms)

    def flush(self, keep: int | None = None) -> None:
        """Write every episode's rows but `keep`'s, whose moments may go on in the next batch."""
        done = [episode_id for episode_id in self.words if episode_id != keep]
        word_rows, term_rows = [], []
        for episode_id in done:
            words = self.words.pop(episode_id)
            self.said.update(words)
            # A btree index entry holds at most ~2.7 KB: longer words are left out, as from documents.
            word_rows += [(episode_id, word, count) for word, count in words.items() if fits(word)]
            terms = self.terms.pop(episode_id)
            term_rows += [(episode_id, term, *counts) for term, counts in terms.items() if fits(term)]
        _copy(SpokenWord, ("episode_id", "word", "moments"), word_rows, self.suffix)
        _copy(EpisodeTerm, ("episode_id", "term", "moments", "most", "first_ms"), term_rows, self.suffix)

    def remember(self) -> None:
        """Add the words seen that KnownWord does not have yet (see there)."""
        table = KnownWord._meta.db_table + self.suffix
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (word) SELECT new FROM unnest(%s::text[]) AS new"
                f" WHERE NOT EXISTS (SELECT FROM {table} WHERE word = new)",
                [sorted(filter(fits, self.said))],
            )


def _copy(model: type, columns: tuple[str, ...], rows: Iterable[tuple], suffix: str = "") -> None:
    """COPY these rows in: the fastest way in, with PostgreSQL reading each tsvector literal as it is."""
    names, table = ", ".join(columns), model._meta.db_table + suffix
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
