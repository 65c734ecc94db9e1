"""The PostgreSQL engine: the moments in the archive's own database, searched with its full-text search.

Each published line is a row (`search.models.SearchMoment`) whose `tsvector` holds the terms
of our own French analysis and its words folded, for prefixes (`search.engines.postgres.text`),
with a GIN index; each episode also has its spoken words (spelling suggestions).

The rows are written in the transaction of the change itself (`episodes_changed`): a
committed import is searchable on every server at once, a rolled-back one never was, and
no index worker or job is needed. Replacing an episode deletes its rows and inserts them
anew, under a per-episode lock; a rebuild writes its rows aside and swaps them in
(`rebuilding`), so that changes wait only for the swap.
"""

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, Max, Min, Sum
from django.db.models.expressions import RawSQL
from django.db.models.signals import pre_delete

from episodes.models import Episode, Segment
from search.engines import (
    Advance,
    Filters,
    NoResults,
    Results,
    StoredMoment,
    not_told,
)
from search.engines.postgres.rebuilding import note_changes, rebuild_aside
from search.engines.postgres.results import PostgresResults, _matching
from search.engines.postgres.text import tsquery
from search.engines.postgres.writing import VERSION, _write
from search.models import EpisodeTerm, KnownWord, SearchMoment, SpokenWord
from search.plan import Compiled
from search.spelling import SAME_FIRST_LETTERS, Vocabulary, closest_said_word, near_words

# Advisory locks (two-key form): (LOCKS, 0) is taken shared by every change and exclusively
# by a rebuild as it starts and as it swaps its tables in; (EPISODE_LOCKS, id) serialises the
# changes of one episode.
LOCKS, EPISODE_LOCKS = 0x5EA7C400, 0x5EA7C401


class PostgresEngine:
    label = "PostgreSQL"
    database_vendor = "postgresql"
    # Its rows are written in the change's own transaction: no worker, and several imports at
    # once, since the server takes several writers.
    needs_worker = False
    imports_in_parallel = True
    uses_haystack = False

    def ready(self) -> None:
        pre_delete.connect(_lock_before_delete, sender=Episode, dispatch_uid="search.engines.postgres")

    def find(self, compiled: Compiled, filters: Filters, *, seconds: float) -> Results:
        query = tsquery(compiled.query)
        if query is None or seconds <= 0:
            return NoResults(timed_out=query is not None)
        return PostgresResults(query, filters, seconds, compiled.query)

    def count(self, compiled: Compiled) -> int:
        query = tsquery(compiled.query)
        return _matching(query).count() if query is not None else 0

    def is_said(self, word: str) -> bool:
        return SpokenWord.objects.filter(word=word).exists()

    def closest_said(self, word: str) -> str | None:
        """Candidates from the trigram index of known words (pg_trgm), those near enough kept,
        then counted in SpokenWord: a word no published line says any more has no count and
        is left out, and the rest are ranked as the Whoosh engine ranks them (`search.spelling`)."""
        known = (
            KnownWord.objects.filter(word__startswith=word[:SAME_FIRST_LETTERS])
            .filter(RawSQL("word %% %s", [word], output_field=BooleanField()))
            .values_list("word", flat=True)
            .distinct()
        )
        near = near_words(word, known)
        if not near:
            return None
        counts = SpokenWord.objects.filter(word__in=near).values("word").annotate(said=Sum("moments"))
        return closest_said_word(word, [Vocabulary.of(counts.values_list("word", "said"))], lambda candidate: True)

    def episodes_changed(self, *episode_ids: int) -> None:
        self.replace_episodes(list(episode_ids))

    def replace_episodes(self, episode_ids: list[int]) -> int:
        with transaction.atomic():
            lock_episodes(episode_ids)
            for model in (SearchMoment, SpokenWord, EpisodeTerm):
                model.objects.filter(episode_id__in=episode_ids).delete()
            return _write(Segment.objects.published().with_next_text().filter(episode_id__in=episode_ids))

    def rebuild(self, advance: Advance = not_told) -> int:
        return rebuild_aside(LOCKS, advance)

    def is_current(self) -> bool:
        versions = SearchMoment.objects.aggregate(lowest=Min("version"), highest=Max("version"))
        return versions["lowest"] in (None, VERSION) and versions["highest"] in (None, VERSION)

    def episodes_held(self) -> set[int]:
        return set(SearchMoment.objects.values_list("episode_id", flat=True).distinct())

    def stored_moments(self, episode_id: int) -> dict[int, StoredMoment]:
        rows = SearchMoment.objects.filter(episode_id=episode_id)
        return {
            pk: StoredMoment(text, start_ms, end_ms, day)
            for pk, text, start_ms, end_ms, day in rows.values_list("pk", "text", "start_ms", "end_ms", "air_date")
        }

    def spelling_words(self) -> set[str]:
        return set(SpokenWord.objects.values_list("word", flat=True).distinct())

    def warm(self) -> None:
        """Nothing to read: the moments live in the database, whose server keeps them in memory."""


def lock_episodes(episode_ids: Iterable[int]) -> None:
    """This transaction's turn to write these episodes' rows, in id order (no deadlock between two)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s::int, 0)", [LOCKS])
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s::int, key) FROM"
            " (SELECT DISTINCT (unnest(%s::bigint[]) %% 2147483647)::int AS key ORDER BY key) AS keys",
            [EPISODE_LOCKS, list(episode_ids)],
        )
    note_changes(list(episode_ids))


def _lock_before_delete(sender: type[Episode], instance: Episode, **kwargs: Any) -> None:
    # Deleting an episode deletes its rows (CASCADE) before the change tells the engine: take
    # its locks first, or a rebuild waiting on those rows and this waiting on its lock deadlock.
    lock_episodes([instance.pk])
