"""A search as an RSS feed: the newest moments that match, for a reader or an alert to poll.

`/search/feed.xml` takes the results page's parameters and answers the 50 newest moments (the
episodes' air dates, newest first), each with its episode, time, speaker and the line with its
neighbours, linked to the moment. Drafts never: moments come from published episodes only, as
on the results page. An ETag (what the items say) and a Last-Modified (the newest episode's
change) let a poller ask again for a 304; a feed whose search was cut short at its time limit
has neither, and may not be cached.
"""

import dataclasses
import datetime
import hashlib

from django.http import HttpRequest
from django.utils import timezone
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.translation import gettext as _

from episodes.feeds import xml_text
from search.engines import Filters
from search.moments import Found, Moment, build_moments, find_moments

FEED_MOMENTS = 50


@dataclasses.dataclass(frozen=True)
class SearchFeed:
    body: bytes
    etag: str
    last_modified: datetime.datetime | None
    # False when the search stopped at its time limit (a worker's first search at scale may):
    # then the items are what it found by then, and no poller should keep them as the answer.
    complete: bool = True


def search_feed(request: HttpRequest, query: str, filters: Filters) -> SearchFeed:
    found = find_moments(query, dataclasses.replace(filters, sort="newest"), suggesting=False)
    moments = newest_moments(found)
    feed = Rss201rev2Feed(
        title=xml_text(_("“%(query)s” in the shows") % {"query": query}),
        link=request.build_absolute_uri(f"/search/?{request.GET.urlencode()}"),
        description=xml_text(_("The newest moments of the shows that say “%(query)s”.") % {"query": query}),
        language="fr",
        feed_url=request.build_absolute_uri(),
    )
    for moment in moments:
        _add_item(feed, request, moment)
    body = feed.writeString("utf-8").encode()
    said = "\n".join(f"{m.segment.pk}:{m.segment.speaker}:{m.segment.text}" for m in moments)
    etag = hashlib.sha256(f"{request.GET.urlencode()}\n{said}".encode()).hexdigest()[:32]
    changed = [m.segment.episode.updated_at for m in moments]
    return SearchFeed(body, etag, max(changed) if changed else None, complete=not found.timed_out)


def newest_moments(found: Found) -> list[Moment]:
    """The first FEED_MOMENTS moments found, newest episodes first."""
    return build_moments(found, found.results.top(FEED_MOMENTS))


def _add_item(feed: Rss201rev2Feed, request: HttpRequest, moment: Moment) -> None:
    segment, episode = moment.segment, moment.segment.episode
    # The moment's address (`?t=`) and its second's line, to land on without a script.
    link = request.build_absolute_uri(f"{segment.get_absolute_url()}#t-{segment.start_ms // 1000}")
    said = [line.text for line in (moment.before, segment, moment.after) if line is not None]
    speaker = moment.speaker.name if moment.speaker else segment.speaker
    title = f"{episode.title} — {segment.timestamp}" + (f" — {speaker}" if speaker else "")
    description = (f"{speaker} : " if speaker else "") + " ".join(said)
    aired = timezone.make_aware(datetime.datetime.combine(episode.air_date, datetime.time()))
    feed.add_item(
        title=xml_text(title),
        link=link,
        description=xml_text(description),
        unique_id=link,
        unique_id_is_permalink=True,
        pubdate=aired,
        categories=[xml_text(episode.show.name)],
    )
