"""The search engine seam: what an engine owes the archive, and which engine it uses.

An engine finds the moments that a compiled query (`search.plan`) matches, ranked,
within a time limit; it answers spelling questions from the words of published lines;
and it keeps its own copy of the moments in step with the database. Everything else
(rows, neighbours, highlights, grouping, pages) is shared, in `search.moments`.

The archive's engine is chosen once, by `settings.ARCHIVE_SEARCH_ENGINE`.
"""

import datetime
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from itertools import compress
from typing import NamedTuple, Protocol

from django.conf import settings

from episodes.models import Episode
from search.plan import Compiled
from smarttech.progress import Advance, not_told

ENGINES = {"whoosh": "search.engines.whoosh", "postgres": "search.engines.postgres"}


@dataclass(frozen=True)
class Filters:
    show: str = ""
    person: str = ""
    # A person's slug: the lines they speak (applied to the hits, in `search.moments`).
    speaker: str = ""
    episode: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    sort: str = "relevance"


class Hit(NamedTuple):
    """A matching moment: its segment, and its episode."""

    segment_id: int
    episode_id: int


class Hits(Sequence[Hit]):
    """The matching moments in rank order, as two arrays: segments and their episodes.

    Counting and grouping them run at C speed and only the hits a page shows become
    objects. A search cut short at its time limit can hold 190,000 hits at 1,000
    episodes: a Hit per hit, then grouping them one by one, cost 0.3-0.5 s after the
    engine had stopped, which put the request past its time limit.
    """

    def __init__(self, segments: Iterable[int] = (), episodes: Iterable[int] = ()) -> None:
        self.segments = array("q", segments)
        self.episodes = array("q", episodes)

    def __len__(self) -> int:
        return len(self.segments)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return list(map(Hit, self.segments[index], self.episodes[index]))
        return Hit(self.segments[index], self.episodes[index])

    def of(self, episodes: set[int]) -> "Hits":
        """The hits of these episodes only."""
        return self._kept(list(map(episodes.__contains__, self.episodes)))

    def only(self, segments: set[int]) -> "Hits":
        """The hits of these segments only."""
        return self._kept(list(map(segments.__contains__, self.segments)))

    def without(self, segments: set[int]) -> "Hits":
        """The hits but those of these segments."""
        return self._kept([segment not in segments for segment in self.segments])

    def _kept(self, keep: list[bool]) -> "Hits":
        return Hits(compress(self.segments, keep), compress(self.episodes, keep))

    def episode_count(self) -> int:
        return len(set(self.episodes))

    def by_episode(self) -> list[int]:
        """The episodes, in the order of their best hit."""
        return list(dict.fromkeys(self.episodes))

    def of_episodes(self, episodes: set[int], most: int) -> tuple[dict[int, list[Hit]], Counter]:
        """The best `most` hits of each of these episodes, and how many hits each has."""
        counts = Counter(self.episodes)
        wanted = sum(min(counts[episode], most) for episode in episodes)
        best: dict[int, list[Hit]] = {episode: [] for episode in episodes}
        for segment, episode in zip(self.segments, self.episodes, strict=True):
            if not wanted:
                break
            if episode in best and len(best[episode]) < most:
                best[episode].append(Hit(segment, episode))
                wanted -= 1
        return best, counts


@dataclass
class Matches:
    """What an engine found: the hits, and whether the time limit cut the search short."""

    hits: Hits = field(default_factory=Hits)
    timed_out: bool = False


@dataclass
class StoredMoment:
    """A moment as an engine holds it, to compare with its row (`check_index`)."""

    text: str
    start_ms: int
    end_ms: int
    air_date: datetime.date


class Engine(Protocol):
    def find(self, compiled: Compiled, filters: Filters, *, seconds: float) -> Matches:
        """The moments of published episodes that match, best (or newest) first; stops after
        `seconds` with what was found by then."""

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
    return import_module(ENGINES[name]).engine()


def engine() -> Engine:
    """The engine the settings choose."""
    return _engine(settings.ARCHIVE_SEARCH_ENGINE)
