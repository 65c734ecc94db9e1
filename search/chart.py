"""Topics over time, counted: moments by month, the chart's bars, people ranked, topic slugs.

Pure: no database and no search. The counts come from the hits a search already has (their
episode ids) and the air dates of the published episodes, so the results page's strip costs
no second search; `search.topics` asks the database for those and hands them here.
"""

import datetime
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from django.utils.text import slugify

Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class MonthCount:
    month: datetime.date  # its first day
    moments: int = 0
    episodes: int = 0


@dataclass(frozen=True)
class Mentions:
    """How often something is said, month by month: every month of the span, zeros included."""

    months: tuple[MonthCount, ...] = ()
    # False when the search stopped at its time limit: the figures count what it found by then.
    complete: bool = True

    @property
    def moments(self) -> int:
        return sum(month.moments for month in self.months)

    @property
    def episodes(self) -> int:
        return sum(month.episodes for month in self.months)

    @property
    def most(self) -> int:
        """The most moments of one month (the chart's height)."""
        return max((month.moments for month in self.months), default=0)

    @property
    def first(self) -> datetime.date | None:
        """The first month something is said."""
        return next((month.month for month in self.months if month.moments), None)

    @property
    def last(self) -> datetime.date | None:
        return next((month.month for month in reversed(self.months) if month.moments), None)


def count_by_month(
    per_episode: Mapping[int, int],
    air_dates: Mapping[int, datetime.date],
    *,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    complete: bool = True,
) -> Mentions:
    """The moments of each episode (`per_episode`), counted by the month the episode aired.

    `air_dates` holds every published episode: the months run from the first to the last
    of them (the archive's span, narrowed to `start`-`end` when given), and an episode
    that is not there (a draft, an unpublished one) counts for nothing.
    """
    if not air_dates:
        return Mentions(complete=complete)
    first, last = _month(min(air_dates.values())), _month(max(air_dates.values()))
    first = max(first, _month(start)) if start else first
    last = min(last, _month(end)) if end else last
    moments: Counter[datetime.date] = Counter()
    episodes: Counter[datetime.date] = Counter()
    for episode, count in per_episode.items():
        aired = air_dates.get(episode)
        if aired is not None and count:
            moments[_month(aired)] += count
            episodes[_month(aired)] += 1
    months = tuple(MonthCount(month, moments[month], episodes[month]) for month in _months(first, last))
    return Mentions(months=months, complete=complete)


@dataclass(frozen=True)
class Bar:
    """A month's bar: across in percent of the chart's width, up and down in pixels."""

    count: MonthCount
    left: float
    width: float
    top: float
    height: float

    @property
    def x(self) -> str:
        # Formatted here: a template would write French decimals ("12,5") into the SVG.
        return f"{self.left:.3f}%"

    @property
    def x_width(self) -> str:
        return f"{self.width:.3f}%"

    @property
    def y(self) -> str:
        return f"{self.top:.1f}"

    @property
    def y_height(self) -> str:
        return f"{self.height:.1f}"


@dataclass(frozen=True)
class Tick:
    """A month named under the chart, at the middle of its bar (the ends aligned inwards)."""

    month: datetime.date
    center: float
    anchor: str

    @property
    def x(self) -> str:
        return f"{self.center:.3f}%"


# Of each month's slot, the bar takes this much, and at most this part of the chart's width
# (a month or two drawn as a block across the page read as a box, not as bars).
BAR_SHARE = 0.7
WIDEST_BAR = 8.0
# A month said at all is drawn at least this high (px), however small beside the busiest one.
LEAST_VISIBLE = 2.0


def bars(mentions: Mentions, *, top: float, height: float) -> list[Bar]:
    """The bars of a chart whose plot runs from `top` down `height` pixels, zero months included.

    Widths are percentages of the chart, heights pixels: the chart fills any width (390 px
    on a phone) with no viewBox, so its text is not scaled with it.
    """
    slot = 100 / len(mentions.months) if mentions.months else 0
    most = mentions.most or 1
    drawn = []
    for index, month in enumerate(mentions.months):
        tall = max(height * month.moments / most, LEAST_VISIBLE) if month.moments else 0.0
        width = min(slot * BAR_SHARE, WIDEST_BAR)
        drawn.append(Bar(month, index * slot + (slot - width) / 2, width, top + height - tall, tall))
    return drawn


def ticks(mentions: Mentions, *, most: int = 4) -> list[Tick]:
    """The months to name under the chart: at most `most`, the first and last among them,
    evenly spaced (four "janv. 2025" fit a 390 px screen)."""
    count = len(mentions.months)
    if not count:
        return []
    step = max((count - 1) / (most - 1), 1)
    chosen = sorted({round(k * step) for k in range(min(count, most))})
    slot = 100 / count
    return [Tick(mentions.months[i].month, (i + 0.5) * slot, _anchor(i, count, most)) for i in chosen]


def _anchor(index: int, count: int, most: int) -> str:
    # With few months even the end bars are wide enough to centre a name under them.
    if count <= most or 0 < index < count - 1:
        return "middle"
    return "start" if index == 0 else "end"


# Below a chart's plot: room for the months' names.
MONTH_NAMES_HEIGHT = 22


@dataclass(frozen=True)
class Chart:
    """A chart of mentions: its plot runs from `top` down to `base` (pixels from the SVG's top)."""

    mentions: Mentions
    bars: list[Bar]
    ticks: list[Tick]
    top: int
    base: int

    @property
    def names(self) -> int:
        """Where the months' names stand."""
        return self.base + MONTH_NAMES_HEIGHT - 5

    @property
    def height(self) -> int:
        return self.base + MONTH_NAMES_HEIGHT


def chart(mentions: Mentions, *, top: int, height: int) -> Chart:
    return Chart(mentions, bars(mentions, top=top, height=height), ticks(mentions), top, top + height)


def heard_by(appearances: Iterable[tuple[Key, int]], per_episode: Mapping[int, int]) -> dict[Key, tuple[int, int]]:
    """For each person of (person, episode) appearances: the moments said in their episodes
    and in how many of their episodes, for the episodes of `per_episode` only."""
    heard: dict[Key, tuple[int, int]] = {}
    for person, episode in set(appearances):
        said = per_episode.get(episode, 0)
        if said:
            moments, episodes = heard.get(person, (0, 0))
            heard[person] = (moments + said, episodes + 1)
    return heard


def ranked(counts: Mapping[Key, int], name: Mapping[Key, str], most: int) -> list[tuple[Key, int]]:
    """The `most` keys of highest counts, ties by name: the people who say or hear it most."""
    return sorted(counts.items(), key=lambda item: (-item[1], name[item[0]]))[:most]


def topic_slugs(terms: Iterable[tuple[int, str]]) -> dict[int, str]:
    """A slug for each glossary term, by entry id: the term slugified ("NIS2" -> "nis2").

    Terms that slugify alike ("NIS2", "NIS 2"... "nis-2") or to nothing: the oldest entry
    keeps the plain slug and the others add their id ("nis-2-14"), so a topic's address
    depends on its term and id alone, whatever entries are added later.
    """
    slugs: dict[int, str] = {}
    taken: set[str] = set()
    for entry, term in sorted(terms):
        plain = slugify(term) or "topic"
        slug = plain if plain not in taken and plain != "topic" else f"{plain}-{entry}"
        while slug in taken:
            slug = f"{slug}-{entry}"
        slugs[entry] = slug
        taken.add(slug)
    return slugs


def _month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _months(first: datetime.date, last: datetime.date) -> Iterable[datetime.date]:
    month = first
    while month <= last:
        yield month
        month = (month + datetime.timedelta(days=32)).replace(day=1)
