"""Topics (glossary entries said on air) and how often a search's words are said over time, from the database.

The glue between what a search's results answer (moments per episode, per speaker: each
counted by the engine) and `search.chart`, which counts: the results page's strip and the
topic pages. Published episodes only: a moment counts when its episode is among the published
episodes' air dates, and the people are those on air.
"""

import calendar
import datetime
import time
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext

from episodes.models import Appearance, Episode, Person, name_key
from search.chart import Chart, Mentions, chart, count_by_month, heard_by, ranked, topic_slugs
from search.engines import Filters
from search.models import GlossaryEntry
from search.moments import ENGINE_TIME_LIMIT_SECONDS, Found, find_moments

MOST_PEOPLE = 10
# A topic's count gets at least this long, even when the list's time is spent.
LEAST_SECONDS = 0.01
# The charts' plots, in pixels from the top of their SVG: a strip above the results, and a
# topic's chart with room above for its scale.
STRIP_TOP, STRIP_HEIGHT = 2, 40
CHART_TOP, CHART_HEIGHT = 24, 150


@dataclass(frozen=True)
class Topic:
    """A glossary term as a topic, with its address."""

    slug: str
    entry: GlossaryEntry

    @property
    def term(self) -> str:
        return self.entry.term

    @property
    def query(self) -> str:
        """Its search: the term as a phrase, which finds its variants too ("NIS2", "Nice 2")."""
        return '"{}"'.format(self.entry.term.replace('"', " "))


@dataclass(frozen=True)
class Voice:
    """A person who says or hears a topic: in how many moments, and episodes."""

    person: Person
    moments: int
    episodes: int = 0


def all_topics(entries: list[GlossaryEntry] | None = None) -> list[Topic]:
    """The glossary's terms as topics (of these entries when the caller read the whole glossary)."""
    entries = list(GlossaryEntry.objects.all()) if entries is None else entries
    slugs = topic_slugs((entry.pk, entry.term) for entry in entries)
    return [Topic(slugs[entry.pk], entry) for entry in entries]


def topic_by_slug(slug: str) -> Topic | None:
    return next((topic for topic in all_topics() if topic.slug == slug), None)


def topic_searched(found: Found) -> Topic | None:
    """The topic whose term is what was searched ("NIS2", "nis2", '"Scale AI"'), if any."""
    wanted = name_key(found.query.strip().strip('"'))
    return next((topic for topic in all_topics(found.glossary) if name_key(topic.term) == wanted), None)


def topics_said() -> list[tuple[Topic, Found]]:
    """The topics that published moments say, each with what its search finds.

    Together they get the time of one search: a term past it is counted for what its
    search found in the time left ("at least").
    """
    deadline = time.monotonic() + ENGINE_TIME_LIMIT_SECONDS
    said = []
    for topic in all_topics():
        seconds = max(deadline - time.monotonic(), LEAST_SECONDS)
        found = find_moments(topic.query, Filters(), seconds=seconds, suggesting=False)
        if found.count or found.timed_out:
            said.append((topic, found))
    return said


def mentions_over_time(found: Found, filters: Filters | None = None) -> Mentions:
    """How many of the moments found each month says, across the archive (or the filter's dates).

    From the moments per episode the engine counts, with one query: the published episodes' air dates, which
    give the archive's span and leave out any episode that is not published.
    """
    filters = filters or Filters()
    air_dates = dict(Episode.objects.published().order_by().values_list("pk", "air_date"))
    return count_by_month(
        found.results.per_episode(),
        air_dates,
        start=filters.date_from,
        end=filters.date_to,
        complete=not found.timed_out,
    )


def strip_of(found: Found, filters: Filters) -> Chart:
    """The results page's strip: what `found` says, month by month."""
    return chart(mentions_over_time(found, filters), top=STRIP_TOP, height=STRIP_HEIGHT)


def chart_of(found: Found) -> Chart:
    """A topic's chart."""
    return chart(mentions_over_time(found), top=CHART_TOP, height=CHART_HEIGHT)


def bars_svg(chart: Chart, search_query: str = "") -> SafeString:
    """The chart's bars as SVG rectangles, each with its month and count.

    With `search_query` (the search's parameters, URL-encoded), each month said is a link to
    that month's moments, its value shown on hover or focus (`<title>`, and a label the CSS
    shows). Built here rather than in a template loop, as the transcript is: the strip of an
    archive of 66 months, bars and table rows, rendered in 22 ms through template loops and in
    2 ms so, with the months' names cached (on the shared 2-core machine). Every value is a
    number or a date formatted here.
    """
    return mark_safe("".join(_bar(bar, search_query) for bar in chart.bars))


def _bar(bar, search_query: str) -> str:
    count = bar.count
    rect = (
        f'<rect class="bar" x="{bar.x}" width="{bar.x_width}" y="{bar.y}" height="{bar.y_height}" '
        f'data-month="{count.month:%Y-%m}" data-moments="{count.moments}"/>'
    )
    if not search_query or not count.moments:
        return rect
    # The month's name as the table has it (cached, escaped); the rest is a number and our text.
    said = ngettext("%(month)s: %(shown)s moment", "%(month)s: %(shown)s moments", count.moments) % {
        "month": month_name(get_language(), count.month),
        "shown": grouped(count.moments),
    }
    last = count.month.replace(day=calendar.monthrange(count.month.year, count.month.month)[1])
    href = escape(f"{reverse('search:page')}?{search_query}&from={count.month:%Y-%m-%d}&to={last:%Y-%m-%d}")
    label = f'<text class="bar-value" x="{bar.x}" y="{max(bar.top - 4, 10):.0f}">{said}</text>'
    return f'<a href="{href}" aria-label="{said}"><title>{said}</title>{rect}{label}</a>'


def month_rows(chart: Chart) -> SafeString:
    """The same figures as table rows, for the months something is said: the month as the
    language names it, moments, episodes (the chart shows the silent months)."""
    return mark_safe(
        "\n".join(
            f'<tr><th scope="row"><time datetime="{month.month:%Y-%m}">'
            f"{month_name(get_language(), month.month)}</time></th>"
            f"<td>{grouped(month.moments)}</td><td>{grouped(month.episodes)}</td></tr>"
            for month in chart.mentions.months
            if month.moments
        )
    )


def grouped(number: int) -> str:
    """A count as the language writes it, thousands apart: `7 048`, `7,048`."""
    return number_format(number, force_grouping=True)


@lru_cache(maxsize=2_000)
def month_name(language: str | None, month: datetime.date) -> str:
    """The month as the language names it ("janvier 2025"), escaped: Django's date formatting
    took most of a table's time (~10 µs a month), and a month's name does not change."""
    return escape(date_format(month, "YEAR_MONTH_FORMAT"))


def speakers_of(found: Found, most: int = MOST_PEOPLE) -> list[Voice]:
    """The people on air who speak the lines found (as the file names the speaker: by name or
    another spelling), those with the most lines first."""
    names = found.results.speakers()
    people = Person.objects.on_air().speaking_as(names)
    lines_said: Counter[int] = Counter()
    for name, count in names.items():
        if name in people:
            lines_said[people[name].pk] += count
    by_id = {person.pk: person for person in people.values()}
    return [Voice(by_id[pk], count) for pk, count in ranked(lines_said, _names(by_id), most)]


def hearers_of(found: Found, most: int = MOST_PEOPLE) -> list[Voice]:
    """The people in the published episodes where it is said, those who heard it most first."""
    per_episode = found.results.per_episode()
    appearances = Appearance.objects.published().filter(episode_id__in=list(per_episode))
    heard = heard_by(appearances.values_list("person_id", "episode_id"), per_episode)
    people = Person.objects.in_bulk(list(heard))
    moments = {pk: said for pk, (said, _episodes) in heard.items()}
    return [Voice(people[pk], said, heard[pk][1]) for pk, said in ranked(moments, _names(people), most)]


def _names(people: dict[int, Person]) -> dict[int, str]:
    return {pk: person.name for pk, person in people.items()}
