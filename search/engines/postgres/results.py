"""The results of a PostgreSQL search: each answer one SQL statement, ranked and limited in the
database, within what is left of the search's time limit."""

from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import OperationalError, connection, models, transaction
from django.db.models import BooleanField, F, FloatField, Max, Min, QuerySet, Sum, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from psycopg.errors import QueryCanceled

from episodes.models import Segment
from search.engines import (
    Count,
    EpisodeBest,
    Filters,
    Hit,
    Results,
    allowed_episodes,
    filtered_episode,
    spoken_lines,
)
from search.engines.postgres.text import Classes, classes
from search.models import EpisodeTerm, SearchMoment, SpokenWord
from search.plan import AnyOf, Node, Prefix, Terms

T = TypeVar("T")
# Ranking: only a moment's own terms (weight A) count, not the next line's (B), and its own words
# (C) as much as its terms: a prefix ranks by the words it matched, as a word by its term; a word
# search never matches a C entry (`search.engines.postgres.text`). Order {D,C,B,A}.
RANK_WEIGHTS = "{0,1,0,1}"
# A search cancelled at its limit still shows moments, as the Whoosh engine shows those found by
# then: the ranked statement has the limit but this share of it, and when it is cancelled the
# first FALLBACK_MOMENTS moments the index gives, unranked, are read in the time left (at 1,000
# episodes a cold common word, 51,000 rows not yet in shared buffers, took 715 ms and would
# otherwise show nothing; the first 200 of them take a few milliseconds).
FALLBACK_SHARE = 0.2
FALLBACK_MOMENTS = 200
# A word said in fewer moments is ranked in one statement, every match (which counts them too):
# 29,097 moments took 91 ms at 10,000 episodes, so a few thousand take a few milliseconds;
# its classes would take a statement each.
RANK_EVERY_MATCH_UNDER = 5_000
# Memory for the search's sort, local to it: a common word's 51,000 moments at 1,000 episodes
# sort in 4.7 MB, which the default 4 MB sent to disk (an external merge, 38 ms more).
SEARCH_WORK_MEM = "32MB"


def _within(seconds: float, search: Any) -> tuple[Any, bool]:
    """`search()`'s result, or (None, True) when PostgreSQL cancelled it after `seconds`.

    The limit (and the sort's memory) is set LOCAL in a savepoint (or a transaction) that is always rolled back: it
    never outlives the search, in the caller's transaction or the connection.
    """
    with transaction.atomic():
        try:
            with connection.cursor() as cursor:
                # No JIT: compiling a search's expressions took 50 ms of a 1,172 ms ranking at
                # 10,000 episodes, and the statements that a page asks are short.
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true), set_config('work_mem', %s, true),"
                    " set_config('jit', 'off', true)",
                    [f"{max(1, int(seconds * 1000))}ms", SEARCH_WORK_MEM],
                )
            return search(), False
        except OperationalError as error:
            if not isinstance(error.__cause__, QueryCanceled):
                raise
            return None, True
        finally:
            transaction.set_rollback(True)


class PostgresResults(Results):
    """Each answer one SQL statement over the matching rows (GROUP BY, window functions,
    LIMIT), cancelled by PostgreSQL at what is left of the time limit."""

    def __init__(self, query: str, filters: Filters, seconds: float, node: Node) -> None:
        super().__init__(seconds, filtered_episode(filters))
        self.query, self.sort = query, filters.sort
        self.classes = classes(node)
        self.filtered = _filtered(SearchMoment.objects.all(), filters)
        self.found = self.filtered.filter(_matches(query))
        # With no speaker, rows per episode that count matches: one term's count and episodes
        # come from its rows (`EpisodeTerm`), and a count past the limit may be known from one part.
        self.per_episode_rows: QuerySet[EpisodeTerm] | None = None
        self.counted_parts: list[QuerySet] = []
        if not filters.speaker:
            self.counted_parts = _counted_parts(node, lambda rows: self._in_filters(rows, filters))
        if isinstance(node, Terms) and self.counted_parts:
            self.per_episode_rows = self.counted_parts[0]
        if self.episode_id is not None:
            self.filtered = self.filtered.filter(episode_id=self.episode_id)
            self.found = self.found.filter(episode_id=self.episode_id)
        # Time kept for the fallback of a ranked answer that PostgreSQL cancelled.
        self.reserve = seconds * FALLBACK_SHARE

    def _answer(self, compute: Callable[[], T], fallback: Callable[[], T], *, reserve: bool = True) -> T:
        """`compute()` within the time left (but the fallback's reserve); when cancelled, `fallback()`."""
        seconds = self.seconds_left() - (self.reserve if reserve else 0)
        if seconds > 0:
            answer, cut = _within(seconds, compute)
            if not cut:
                return answer
        self.timed_out = True
        return fallback()

    def _top(self, k: int) -> list[Hit]:
        """The first k moments: the newest through the index of the archive's order, the best
        class by class when the query's rank allows it (`Classes`), else by ranking every match."""
        term_moments = self._term_moments()
        if term_moments == 0:
            return []  # a word no published line says: nothing to ask
        if self.sort == "newest":
            # Counted first: few matches are sorted, many read through the index in that order.
            moments = self._moments()
            if moments == 0:
                return []
            found = self._answer(lambda: self._newest(k, few=0 < moments <= RANK_EVERY_MATCH_UNDER), lambda: None)
        elif self.classes is not None and not 0 < term_moments <= RANK_EVERY_MATCH_UNDER:
            found = self._answer(lambda: self._by_class(self.classes, k), lambda: None)
        else:
            found = self._answer(lambda: self._ranked(k), lambda: None)
        if found is None:
            return self._first(k)
        return [Hit(segment_id, episode_id) for segment_id, episode_id in found]

    def _ranked(self, k: int) -> list[tuple[int, int]]:
        """The first `k` moments, every match ranked. The same statement counts them, so that a
        later count costs nothing. The matches are ranked in a fenced subquery (OFFSET 0), so
        that the count and the sort carry narrow rows, not documents: at 1,000 episodes
        "quantique" (33,819 moments) took 109 ms so, 127 ms ranked alone and 224 ms with
        COUNT(*) OVER () beside the rank; a phrase of two common words ("il qui", 3,169
        moments among 100,000 lines with both words) 176 ms, against 363 ms counted apart."""
        ranked = self.found.annotate(rank=_rank(self.query)).values("segment_id", "episode_id", "position", "rank")
        rows = _sorted_apart(ranked, "segment_id, episode_id, COUNT(*) OVER ()", "rank DESC, episode_id, position", k)
        self.counted_along(rows[0][2] if rows else 0)
        return [(segment_id, episode_id) for segment_id, episode_id, _total in rows]

    def _by_class(self, classes: Classes, k: int) -> list[tuple[int, int]]:
        """The first `k` moments class by class (`Classes`): the best class ranked, then each
        tied class in the archive's order, as far as k. At 10,000 episodes "quantique" reads
        the 366 lines that say it three times or more, then the first of those that say it
        twice in the archive's order: its first 20 and its count took 2.7 ms, against 846 ms
        ranking its 341,007 moments (bench/explain_postgres.py)."""
        # The best class's lines all match the query: the index is asked for the class alone,
        # and each of its lines checked against the query (ts_match_vq, which no index answers).
        # Asked for both, the index read every line of "quan*" (647,000) to keep 50,046: 241 ms.
        best = self.filtered.filter(_matches(classes.ranked)).filter(_checked(self.query))
        ranked = best.order_by(_rank(self.query).desc(), "episode_id", "position")
        rows = list(ranked.values_list("segment_id", "episode_id")[:k])
        above = classes.ranked
        for tied in (*classes.tied, None):
            if len(rows) >= k:
                break
            tie = self.found.exclude(_matches(above))
            if tied is not None:
                tie, above = tie.filter(_matches(tied)), f"{above} | {tied}"
            rows += tie.order_by("episode_id", "position").values_list("segment_id", "episode_id")[: k - len(rows)]
        return rows

    def _newest(self, k: int, *, few: bool) -> list[tuple[int, int]]:
        """The first `k` moments newest first: many through the index in that order, few from
        the matches sorted (in a fenced subquery, OFFSET 0: at 10,000 episodes PostgreSQL took
        twelve common phrases ANDed, which no line says, for many, and read the whole index
        in order for none until the time limit)."""
        if not few:
            # Known to be many, the matches are read in that order from the index, which the
            # planner may not see: it takes a phrase or words ANDed for a row or so and sorts
            # them all. At 10,000 episodes twelve "de la" ANDed (103,247 moments) took 529 ms
            # sorted, 8.6 ms read in order (bench/explain_postgres.py --sort newest).
            _read_in_index_order()
            ordered = self.found.order_by("-air_date", "start_ms", "episode_id", "position")
            return list(ordered.values_list("segment_id", "episode_id")[:k])
        rows = self.found.values("segment_id", "episode_id", "air_date", "start_ms", "position")
        return _sorted_apart(rows, "segment_id, episode_id", "air_date DESC, start_ms, episode_id, position", k)

    def _first(self, k: int) -> list[Hit]:
        """The first `k` moments as the index gives them, in the order asked: what a search
        cancelled at its limit shows (at 1,000 episodes a cold common word, 51,000 rows not
        yet in shared buffers, took 715 ms; its first 200 rows take a few milliseconds)."""
        columns = ("segment_id", "episode_id", "air_date", "start_ms", "position", "rank")
        first = self.found.annotate(rank=_rank(self.query)).values_list(*columns)[:k]
        rows, _cut = _within(max(self.seconds_left(), 0.001), lambda: list(first))
        if self.sort == "newest":
            ordered = sorted(rows or [], key=lambda row: (-row[2].toordinal(), row[3], row[1], row[4]))
        else:
            ordered = sorted(rows or [], key=lambda row: (-row[5], row[1], row[4]))
        return [Hit(row[0], row[1]) for row in ordered]

    def _first_episodes(self) -> Counter:
        """The moments per episode of the fallback's moments, in their order."""
        return Counter(hit.episode_id for hit in self.top(FALLBACK_MOMENTS))

    def _in_filters(self, rows: QuerySet[T], filters: Filters) -> QuerySet[T]:
        rows = _filtered_episodes(rows, filters)
        return rows if self.episode_id is None else rows.filter(episode_id=self.episode_id)

    def _term_moments(self) -> int:
        """How many moments match a search of one term, from its rows per episode; -1 for others."""
        if self.per_episode_rows is None:
            return -1
        return self._once(
            ("term moments",), lambda: self._answer(lambda: _moments_in(self.per_episode_rows), lambda: -1)
        )

    def _count(self) -> Count:
        moments = self._moments()
        if moments < 0:
            return Count(len(self.top(FALLBACK_MOMENTS)), exact=False)
        return self.capped(moments)

    def _moments(self) -> int:
        """How many moments match, up to one past the count limit; -1 when cut at the time limit."""
        return self._once(("moments",), self._moments_up_to_limit)

    def _moments_up_to_limit(self) -> int:
        if (moments := self._term_moments()) >= 0:
            return moments
        # A part whose lines are more than the limit (a prefix's commonest word, one of words
        # ORed): more than the limit match, counted from its rows per episode, not its moments
        # ("quan*" at 10,000 episodes: "quand" alone is said in 339,680 moments).
        at_least = self._answer(lambda: max(map(_moments_in, self.counted_parts), default=0), lambda: 0)
        if at_least > self.count_limit:
            return at_least
        # At most one row past the limit is read: COUNT(*) over a LIMIT subquery.
        counted = self.found.values("pk")[: self.count_limit + 1]
        # In the time left, reserve included: after a ranked statement was cancelled, a common
        # word's count still stops at 10,001 rows within it ("plus de 10 000", not "au moins 200").
        return self._answer(counted.count, lambda: -1, reserve=False)

    def _groups(self) -> tuple[dict[int, int], dict[int, tuple]]:
        """In one statement (one pass over the matching rows, where two took twice as long)."""
        if self.per_episode_rows is not None:
            return self._term_groups(self.per_episode_rows)
        groups = self.found.order_by().values("episode_id").annotate(moments=models.Count("*"))
        if self.sort == "newest":
            # An episode's first moment is its best: its air date, then its earliest line.
            groups = groups.annotate(day=Max("air_date"), first=Min("start_ms"))
            rows = groups.values_list("episode_id", "moments", "day", "first")
            key = lambda row: (-row[2].toordinal(), row[3], row[0])  # noqa: E731
        else:
            rows = groups.annotate(best=Max(_rank(self.query))).values_list("episode_id", "moments", "best")
            key = lambda row: (-row[2], row[0])  # noqa: E731
        found = self._answer(lambda: list(rows), lambda: None)
        if found is None:
            first = self._first_episodes()
            return dict(first), {episode: (place,) for place, episode in enumerate(first)}
        return {row[0]: row[1] for row in found}, {row[0]: key(row) for row in found}

    def _term_groups(self, rows: QuerySet[EpisodeTerm]) -> tuple[dict[int, int], dict[int, tuple]]:
        """A term's rows per episode: its moments there, and its best moment's key (the most times
        one moment says it ranks it, as `ts_rank` does; newest first, the episode's day and first)."""
        if self.sort == "newest":
            columns, key = ("episode__air_date", "first_ms"), lambda row: (-row[2].toordinal(), row[3], row[0])
        else:
            columns, key = ("most",), lambda row: (-row[2], row[0])
        found = self._answer(lambda: list(rows.values_list("episode_id", "moments", *columns)), lambda: None)
        if found is None:
            first = self._first_episodes()
            return dict(first), {episode: (place,) for place, episode in enumerate(first)}
        return {row[0]: row[1] for row in found}, {row[0]: key(row) for row in found}

    def _best_in(self, episode_ids: tuple[int, ...], most: int) -> dict[int, EpisodeBest]:
        if self.sort == "newest":
            order = [F("start_ms").asc(), F("position").asc()]
        else:
            order = [_rank(self.query).desc(), F("position").asc()]
        rows = (
            self.found.filter(episode_id__in=episode_ids)
            .annotate(
                n=Window(RowNumber(), partition_by=[F("episode_id")], order_by=order),
                total=Window(models.Count("*"), partition_by=[F("episode_id")]),
            )
            .filter(n__lte=most)
            .order_by("episode_id", "n")
            .values_list("segment_id", "episode_id", "total")
        )
        best: dict[int, EpisodeBest] = {}
        for segment_id, episode_id, total in self._answer(lambda: list(rows), list):
            best.setdefault(episode_id, EpisodeBest([], total)).hits.append(Hit(segment_id, episode_id))
        return best

    def _in_episode(self, episode_id: int) -> set[int]:
        segments = self.found.filter(episode_id=episode_id).values_list("segment_id", flat=True)
        return self._answer(lambda: set(segments), set)

    def _speakers(self) -> dict[str, int]:
        lines = Segment.objects.filter(pk__in=self.found.values("segment_id")).exclude(speaker="")
        per_name = lines.order_by().values("speaker").annotate(lines=models.Count("pk")).values_list("speaker", "lines")
        return self._answer(lambda: dict(per_name), dict)


def _read_in_index_order() -> None:
    """No bitmap or sequential scan for the rest of the search's statement (`_within` rolls the
    setting back with it): the planner's only way left to an order is an index in that order."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true)")


def _filtered(found: QuerySet[SearchMoment], filters: Filters) -> QuerySet[SearchMoment]:
    found = _filtered_episodes(found, filters)
    spoken = spoken_lines(filters)
    if spoken is not None:
        found = found.filter(segment_id__in=spoken.values("pk"))
    return found


def _counted_parts(node: Node, narrow: Callable[[QuerySet], QuerySet]) -> list[QuerySet]:
    """Rows per episode whose moments each count lines that match: for a term, exactly its
    matches; for a prefix, the lines of the said word it covers that most lines say (a word
    starting with the prefix's letters folds to a word that starts with them)."""
    match node:
        case Terms(terms=(term,)):
            return [narrow(EpisodeTerm.objects.filter(term=term))]
        case Prefix(prefix=prefix):
            # A range of the index of words, then the prefix: LIKE alone read every row (the
            # database's collation is not "C"), 155 ms for "quan*" at 10,000 episodes.
            after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            words = SpokenWord.objects.filter(word__gte=prefix, word__lt=after, word__startswith=prefix)
            words = narrow(words)
            return [words.values("word").annotate(said=Sum("moments")).order_by("-said").values("said")[:1]]
        case AnyOf(parts=parts):
            return [rows for part in parts for rows in _counted_parts(part, narrow)]
    return []


def _moments_in(rows: QuerySet) -> int:
    """How many moments these rows count: a term's sum, or the commonest word's lines."""
    if rows.model is EpisodeTerm and not rows.query.is_sliced:
        return rows.aggregate(moments=Sum("moments"))["moments"] or 0
    return next(iter(rows.values_list("said", flat=True)), 0)


def _filtered_episodes(rows: QuerySet[T], filters: Filters) -> QuerySet[T]:
    allowed = allowed_episodes(filters)
    if allowed is None:
        return rows
    # The episodes as a list of ids, not a subquery: PostgreSQL then knows how many rows
    # they hold and reads only theirs when they are few (a common word for one guest over
    # a year at 1,000 episodes: 207 -> 51 ms), or the word's rows when they are many.
    return rows.filter(RawSQL("episode_id = ANY(%s)", [sorted(allowed)], output_field=BooleanField()))


def _rank(query: str) -> RawSQL:
    return RawSQL("ts_rank(%s, document, %s::tsquery)", [RANK_WEIGHTS, query], output_field=FloatField())


def _matching(query: str) -> QuerySet[SearchMoment]:
    return SearchMoment.objects.filter(_matches(query))


def _sorted_apart(rows: QuerySet, select: str, order: str, k: int) -> list[tuple]:
    """`select` of the first `k` of these rows in `order`, the rows read in a fenced subquery
    (OFFSET 0), so that PostgreSQL reads every match, then sorts narrow rows, and never walks
    an index in that order hoping to meet matches soon."""
    try:
        inner, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a filter that allows nothing (a speaker not on air)
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select} FROM ({inner} OFFSET 0) AS found ORDER BY {order} LIMIT %s", [*params, k])
        return cursor.fetchall()


def _checked(query: str) -> RawSQL:
    """The query, checked line by line: the same match, which the planner takes to no index."""
    return RawSQL("ts_match_vq(document, %s::tsquery)", [query], output_field=BooleanField())


def _matches(query: str) -> RawSQL:
    return RawSQL("document @@ %s::tsquery", [query], output_field=BooleanField())
