"""The search engine seam: what an engine owes the archive, and which engine it uses.

An engine finds the moments that a compiled query (`search.plan`) matches, ranked,
within a time limit; it answers spelling questions from the words of published lines;
and it keeps its own copy of the moments in step with the database. Everything else
(rows, neighbours, highlights, grouping, pages) is shared, in `search.moments`.

The archive's engine is chosen once, by `settings.ARCHIVE_SEARCH_ENGINE`.
"""

import datetime
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple, Protocol, TypeVar

from django.conf import settings
from django.db.models import QuerySet
from django.utils.module_loading import import_string

from episodes.models import Episode, Person, Segment
from search.plan import Compiled
from smarttech.progress import Advance, not_told

T = TypeVar("T")


@dataclass(frozen=True)
class Filters:
    show: str = ""
    person: str = ""
    # A person's slug: the lines they speak (`spoken_lines`).
    speaker: str = ""
    episode: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    sort: str = "relevance"


class Hit(NamedTuple):
    """A matching moment: its segment, and its episode."""

    segment_id: int
    episode_id: int


# Counts are exact up to this many moments; past it a search says "more than 10,000"
# (as Elasticsearch's track_total_hits does): counting every match of a common word at
# 10,000 episodes (430,000 moments) cost more than the rest of the page.
COUNT_LIMIT = 10_000
# A ranked answer reads at least this many moments (a page of the API), which cost no more.
TOP_AT_LEAST = 20


@dataclass(frozen=True)
class Count:
    """How many moments match: exactly, or (`exact` False) more than `moments`."""

    moments: int
    exact: bool = True


@dataclass(frozen=True)
class EpisodeBest:
    """One episode's best moments (best or newest first) and how many it has in all."""

    hits: list[Hit]
    total: int


class Results(ABC):
    """What a search finds, asked lazily: each answer is computed by the engine when a page
    first asks for it, within what is left of the search's time limit, and kept.

    No answer holds every matching moment in Python: a page of hits, one number per
    episode (its moments, its rank), or one per speaker. An answer cut short at the time
    limit gives what was found by then and sets `timed_out`.
    """

    # Counts are exact up to this many moments (COUNT_LIMIT).
    count_limit = COUNT_LIMIT

    def __init__(self, seconds: float, episode_id: int | None = None) -> None:
        self.deadline = time.monotonic() + seconds
        # The episode the search is restricted to (Filters.episode), if any.
        self.episode_id = episode_id
        self.timed_out = False
        self._kept: dict[tuple, Any] = {}

    def seconds_left(self) -> float:
        return self.deadline - time.monotonic()

    def _once(self, key: tuple, compute: Callable[[], T]) -> T:
        if key not in self._kept:
            self._kept[key] = compute()
        return self._kept[key]

    def top(self, k: int) -> list[Hit]:
        """The first `k` moments, best (or newest) first."""
        known = [key[1] for key in self._kept if key[0] == "top" and key[1] >= k]
        if known:
            return self._kept[("top", min(known))][:k]
        # Ranking the first three costs a pass over every match, as ranking the first page
        # does: read a page at once ("il qui" at 1,000 episodes: two passes took 610 ms).
        asked = max(k, TOP_AT_LEAST)
        hits = self._top(asked)
        self.kept_top(hits, asked)
        return hits[:k]

    def fewer_than(self, moments: int) -> bool:
        """Whether fewer moments than this match, asked of what the page reads anyway: one
        episode's moments for a search within it (its page), else the first page of moments."""
        if self.episode_id is not None:
            return len(self.in_episode(self.episode_id)) < moments
        return len(self.top(moments)) < moments

    def kept_top(self, hits: list[Hit], asked: int) -> None:
        """Keep the first `asked` moments an answer read (all of them when fewer came)."""
        self._kept[("top", asked if len(hits) == asked else sys.maxsize)] = hits

    def capped(self, moments: int, *, exact: bool = True) -> Count:
        """`moments` as a count: exact up to the count limit, "more than" it past it."""
        return Count(min(moments, self.count_limit), exact=exact and moments <= self.count_limit)

    def counted_along(self, moments: int) -> None:
        """What an answer that went through every match found: the count, if none is kept yet;
        when cut at the time limit, at least what it found by then (a count of its own would
        have no time left, and say 0)."""
        if ("count",) not in self._kept:
            self._kept[("count",)] = self.capped(moments, exact=not self.timed_out)

    def count(self) -> Count:
        return self._once(("count",), self._count_moments)

    def _count_moments(self) -> Count:
        if self.episode_id is not None:
            # A search within one episode (its page) counts the moments it marks there anyway.
            return self.capped(len(self.in_episode(self.episode_id)), exact=not self.timed_out)
        if ("groups",) in self._kept and not self.timed_out:
            return self.capped(sum(self.per_episode().values()))
        return self._count()

    def ranked_episodes(self) -> list[int]:
        """Every episode with a moment found, in the order of its best moment."""
        best = self._groups_once()[1]
        return sorted(best, key=best.__getitem__)

    def per_episode(self) -> dict[int, int]:
        """How many moments each episode has."""
        return self._groups_once()[0]

    def _groups_once(self) -> tuple[dict[int, int], dict[int, tuple]]:
        return self._once(("groups",), self._groups)

    def best_in(self, episode_ids: Iterable[int], most: int) -> dict[int, EpisodeBest]:
        """The best `most` moments of each of these episodes, and how many each has."""
        episodes = tuple(sorted(set(episode_ids)))
        return self._once(("best", episodes, most), lambda: self._best_in(episodes, most) if episodes else {})

    def in_episode(self, episode_id: int) -> set[int]:
        """The segments of every moment found in one episode."""
        return self._once(("in", episode_id), lambda: self._in_episode(episode_id))

    def speakers(self) -> dict[str, int]:
        """How many of the lines found each speaker (as the file names them) says."""
        return self._once(("speakers",), self._speakers)

    @abstractmethod
    def _top(self, k: int) -> list[Hit]: ...

    @abstractmethod
    def _count(self) -> Count: ...

    @abstractmethod
    def _groups(self) -> tuple[dict[int, int], dict[int, tuple]]:
        """Moments per episode, and each episode's best moment's sort key (smallest first), in one pass."""

    @abstractmethod
    def _best_in(self, episode_ids: tuple[int, ...], most: int) -> dict[int, EpisodeBest]: ...

    @abstractmethod
    def _in_episode(self, episode_id: int) -> set[int]: ...

    @abstractmethod
    def _speakers(self) -> dict[str, int]: ...


class NoResults(Results):
    """What a search for nothing finds."""

    def __init__(self, timed_out: bool = False) -> None:
        super().__init__(0)
        self.timed_out = timed_out

    def _top(self, k: int) -> list[Hit]:
        return []

    def _count(self) -> Count:
        return Count(0)

    def _groups(self) -> tuple[dict[int, int], dict[int, tuple]]:
        return {}, {}

    def _best_in(self, episode_ids: tuple[int, ...], most: int) -> dict[int, EpisodeBest]:
        return {}

    def _in_episode(self, episode_id: int) -> set[int]:
        return set()

    def _speakers(self) -> dict[str, int]:
        return {}


@dataclass
class StoredMoment:
    """A moment as an engine holds it, to compare with its row (`check_index`)."""

    text: str
    start_ms: int
    end_ms: int
    air_date: datetime.date


class Engine(Protocol):
    """What an engine declares and does (docs/engines.md has the checklist of a new one).

    The rest of the archive reads these declarations, never the engine's name: the settings and
    `SearchConfig.ready` (the database it needs), `bin/serve` and `bin/serve-production` (through
    `index_worker --needed`), the import command, and the tests."""

    # Its name in messages: "Whoosh".
    label: str
    # The only database it works with, as Django names it ("postgresql"); None: any.
    database_vendor: str | None
    # Whether changes reach it through the index worker (`manage.py index_worker`), which then
    # runs beside the web servers; False when it writes in the change's own transaction.
    needs_worker: bool
    # Whether several imports may write at once, each in its own process and transaction: a
    # folder import then runs one per core (`import_transcript`).
    imports_in_parallel: bool
    # Whether its index is Haystack's connection (`HAYSTACK_CONNECTIONS`): Haystack's
    # update_index and clear_index then work on it; other engines refuse them.
    uses_haystack: bool

    def ready(self) -> None:
        """Called once as Django starts, when this is the archive's engine (`SearchConfig.ready`)."""

    def find(self, compiled: Compiled, filters: Filters, *, seconds: float) -> Results:
        """The moments of published episodes that match, best (or newest) first, as lazy
        results whose answers together stop after `seconds` with what was found by then."""

    def count(self, compiled: Compiled) -> int:
        """How many moments match, however long it takes (for staff)."""

    def is_said(self, word: str) -> bool:
        """Whether a published line says this word (lowercased, accents kept)."""

    def closest_said(self, word: str) -> str | None:
        """The word published lines say that is nearest to this one, if one is near enough."""

    def episodes_changed(self, *episode_ids: int) -> None:
        """Called in the transaction that changed these episodes (their lines, their
        publication, their show or people): make their moments follow the change."""

    def replace_episodes(self, episode_ids: list[int]) -> int:
        """Hold exactly these episodes' published moments now; how many that is."""

    def rebuild(self, advance: Advance = not_told) -> int:
        """Hold exactly every published moment, built anew, telling `advance` as moments are
        written; how many that is."""

    def is_current(self) -> bool:
        """Whether the stored moments were built by this version of the archive."""

    def episodes_held(self) -> set[int]:
        """The episodes that have moments in the engine."""

    def stored_moments(self, episode_id: int) -> dict[int, StoredMoment]:
        """The moments the engine holds for an episode, by segment id."""

    def spelling_words(self) -> set[str]:
        """The words that spelling suggestions may offer."""

    def warm(self) -> None:
        """Read now what the first searches of a new web worker would read (called once per
        worker process as it starts, before it takes requests: `smarttech/gunicorn.py`)."""


def filtered_episode(filters: Filters) -> int | None:
    """The id of the episode the filters restrict a search to (0 when none has that slug)."""
    if not filters.episode:
        return None
    return Episode.objects.filter(slug=filters.episode).values_list("pk", flat=True).first() or 0


def allowed_episodes(filters: Filters) -> set[int] | None:
    """The published episodes that show, person and dates allow; None when they allow all.

    For the Whoosh engine, asked of the database and applied to the hits' episodes: a
    Whoosh date range expands into hundreds of terms (125 ms at 100 episodes), this costs ~1 ms.
    The PostgreSQL engine gives them to its query as a list of ids.
    """
    if not (filters.show or filters.person or filters.date_from or filters.date_to):
        return None
    episodes = Episode.objects.published()
    if filters.show:
        episodes = episodes.filter(show__slug=filters.show)
    if filters.person:
        episodes = episodes.filter(appearances__person__slug=filters.person)
    if filters.date_from:
        episodes = episodes.filter(air_date__gte=filters.date_from)
    if filters.date_to:
        episodes = episodes.filter(air_date__lte=filters.date_to)
    return set(episodes.values_list("pk", flat=True))


@cache
def _engine(name: str) -> Engine:
    return import_string(settings.ARCHIVE_SEARCH_ENGINES[name])()


def engine() -> Engine:
    """The engine the settings choose (`ARCHIVE_SEARCH_ENGINE`, a name of `ARCHIVE_SEARCH_ENGINES`)."""
    return _engine(settings.ARCHIVE_SEARCH_ENGINE)


def spoken_lines(filters: Filters) -> "QuerySet[Segment] | None":
    """The published lines the filter's speaker says (none when they are not on air); None
    without a speaker filter. Each engine narrows its matches to these."""
    if not filters.speaker:
        return None
    person = Person.objects.on_air().filter(slug=filters.speaker).first()
    if person is None:
        return Segment.objects.none()
    return Segment.objects.published().spoken_by(person)
