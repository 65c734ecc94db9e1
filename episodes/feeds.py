"""RSS 2.0 feeds of published episodes, with the Podcasting 2.0 namespace: the archive's and each show's."""

import datetime
import re
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Enclosure, Rss201rev2Feed
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from episodes.media import player_for
from episodes.models import Appearance, Chapter, Episode, EpisodeQuerySet, Person, Segment, Show, name_key
from episodes.parsing.types import Role

# Newest first; podcast apps read the latest episodes, and the archive's pages hold the rest.
FEED_ITEMS = 50
PODCAST_NAMESPACE = "https://podcastindex.org/namespace/1.0"
# The language the shows speak, not the visitor's: the transcripts are French whatever the page's language.
TRANSCRIPT_LANGUAGE = "fr"
TRANSCRIPT_TYPES = {"srt": "application/x-subrip", "vtt": "text/vtt", "json": "application/json"}
# SRT and WebVTT are written as captions (episodes/exports.py): players may show them as such.
CAPTION_TYPES = {"application/x-subrip", "text/vtt"}
# Podcasting 2.0 JSON chapters' own media type.
CHAPTERS_TYPE = "application/json+chapters"
# Who speaks in a transcript without being in the episode's description: a guest, for the
# Podcasting 2.0 taxonomy (whose default role, when none is given, is host).
SPEAKER_ROLE = "guest"
# What XML 1.0 cannot hold (Django's writer refuses control characters with an error, a 500).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """Text an XML document can hold: titles, descriptions and media URLs are typed by hand (and
    Django's writer checks the text of elements, not their attributes)."""
    return NOT_XML.sub("", text)


class PodcastFeed(Rss201rev2Feed):
    """RSS 2.0 with `<podcast:person>` and `<podcast:transcript>` in each item."""

    def rss_attributes(self) -> dict[str, str]:
        return {**super().rss_attributes(), "xmlns:podcast": PODCAST_NAMESPACE}

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        # The item's link is absolute (the syndication view adds the site): the other links follow it.
        for role, name, path in item["people"]:
            attrs = {"role": role, **({"href": urljoin(item["link"], path)} if path else {})}
            handler.addQuickElement("podcast:person", xml_text(name), attrs)
        for path, media_type in item["transcripts"]:
            attrs = {"url": urljoin(item["link"], path), "type": media_type, "language": TRANSCRIPT_LANGUAGE}
            if media_type in CAPTION_TYPES:
                attrs["rel"] = "captions"
            handler.addQuickElement("podcast:transcript", attrs=attrs)
        if item["chapters"]:
            attrs = {"url": urljoin(item["link"], item["chapters"]), "type": CHAPTERS_TYPE}
            handler.addQuickElement("podcast:chapters", attrs=attrs)


class ArchiveFeed(Feed):
    feed_type = PodcastFeed

    def title(self) -> str:
        return xml_text(settings.ARCHIVE_SITE_NAME or _("Broadcast archive"))

    def link(self) -> str:
        return reverse("episodes:home")

    def description(self) -> str:
        return _("The latest episodes, each with its transcript.")

    def items(self) -> EpisodeQuerySet:
        return latest(Episode.objects.published())

    def item_title(self, episode: Episode) -> str:
        return xml_text(episode.title)

    def item_description(self, episode: Episode) -> str:
        return xml_text(episode_description(episode))

    def item_pubdate(self, episode: Episode) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(episode.air_date, datetime.time()))

    def item_enclosures(self, episode: Episode) -> list[Enclosure]:
        player = player_for(episode.media_url)
        if not player or not player.is_file:
            return []  # A YouTube page or another site's page is no file a podcast app can play.
        # The archive does not know the file's size; 0 is what feeds write then.
        return [Enclosure(xml_text(player.url), "0", player.media_type)]

    def item_extra_kwargs(self, episode: Episode) -> dict[str, list[tuple[str, ...]]]:
        people = [(a.role, a.person.name, a.person.get_absolute_url()) for a in episode.appearances.all()]
        people += [(SPEAKER_ROLE, name, path) for name, path in episode.other_speakers]
        transcripts = [
            (reverse("episodes:transcript", args=[episode.slug, fmt]), media_type)
            for fmt, media_type in TRANSCRIPT_TYPES.items()
        ]
        chapters = reverse("episodes:chapters", args=[episode.slug]) if episode.has_chapters else ""
        return {"people": people, "transcripts": transcripts, "chapters": chapters}


class ShowFeed(ArchiveFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Show:
        # Visitors' rules whoever asks: a feed is public, so a show of drafts has none.
        return get_object_or_404(Show.objects.on_air(), slug=slug)

    def title(self, show: Show) -> str:
        return xml_text(show.name)

    def link(self, show: Show) -> str:
        return show.get_absolute_url()

    def description(self, show: Show) -> str:
        return xml_text(_("The latest episodes of %(show)s, each with its transcript.") % {"show": show.name})

    def items(self, show: Show) -> EpisodeQuerySet:
        return latest(Episode.objects.published().filter(show=show))


def latest(episodes: EpisodeQuerySet) -> list[Episode]:
    appearances = Prefetch("appearances", Appearance.objects.select_related("person"))
    episodes = episodes.select_related("show").prefetch_related(appearances)
    episodes = episodes.annotate(has_chapters=Exists(Chapter.objects.filter(episode=OuterRef("pk"))))
    latest = list(episodes.order_by("-air_date", "-pk")[:FEED_ITEMS])
    _add_other_speakers(latest)
    return latest


def _add_other_speakers(episodes: list[Episode]) -> None:
    """Gives each episode `other_speakers`: (name, page path or None) of each person who speaks
    in its transcript and is not in its description, as the transcript or the person's page
    names them. Two queries for the whole feed."""
    speakers = Segment.objects.filter(episode__in=episodes).exclude(speaker="").order_by()
    names: dict[int, set[str]] = {}
    for episode_id, name in speakers.values_list("episode", "speaker").distinct():
        names.setdefault(episode_id, set()).add(name)
    people = Person.objects.on_air().speaking_as({name for said in names.values() for name in said})
    for episode in episodes:
        described = {appearance.person_id for appearance in episode.appearances.all()}
        others: dict[object, tuple[str, str | None]] = {}
        for name in sorted(names.get(episode.pk, ())):
            person = people.get(name)
            if person is None:
                others.setdefault(name_key(name), (name, None))
            elif person.pk not in described:
                others.setdefault(person.pk, (person.name, person.get_absolute_url()))
        episode.other_speakers = list(others.values())


def episode_description(episode: Episode) -> str:
    """The episode's description, then who presents it and who the guests are, as plain text."""
    appearances = list(episode.appearances.all())
    hosts = [a.person.name for a in appearances if a.role == Role.HOST]
    guests = [_guest(a) for a in appearances if a.role == Role.GUEST]
    paragraphs = [episode.description]
    if hosts:
        label = ngettext("Host: %(names)s.", "Hosts: %(names)s.", len(hosts))
        paragraphs.append(label % {"names": ", ".join(hosts)})
    if guests:
        label = ngettext("Guest: %(names)s.", "Guests: %(names)s.", len(guests))
        paragraphs.append(label % {"names": "; ".join(guests)})
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)


def _guest(appearance: Appearance) -> str:
    about = ", ".join(part for part in (appearance.title, appearance.organisation) if part)
    return f"{appearance.person.name} ({about})" if about else appearance.person.name
