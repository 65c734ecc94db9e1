"""What sharing and search engines read of an episode page: the link preview's title and
description, the citation to paste and its forms, and the schema.org JSON-LD."""

import json
from collections.abc import Sequence

from django.conf import settings
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from episodes.episode_page import EpisodePage, shorten
from episodes.media import PlayerKind
from episodes.models import Chapter, Episode, ShowKind
from episodes.quote_picture import QuoteCard
from episodes.templatetags.archive import long_date

# json_script's escapes, for a <script type="application/ld+json">.
JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
# Link previews quote a line up to this many characters, the JSON-LD transcript each line
# up to that many: a 5 MB line would otherwise be repeated in five places.
QUOTE_CHARS = 200
LD_LINE_CHARS = 1000


def share_text(page: EpisodePage) -> tuple[str, str]:
    """Title and description for link previews: the quoted line or range when one is shared,
    with its times and who says it when the transcript knows."""
    episode, quote = page.episode, page.quote
    if quote:
        title = f"« {quote.text(120)} » — {episode.title} ({quote.times})"
        said = quote.text(QUOTE_CHARS)
        if len(quote.speakers) > 1:
            said = _turns(quote)
        elif quote.speakers:
            said = _("%(speaker)s: %(quote)s") % {"speaker": quote.speakers[0], "quote": said}
        return title, f"{quote.times} · {episode.show.name} · {said}"
    return episode.title, shorten(episode.description or f"{episode.show.name}, {long_date(episode.air_date)}", 300)


def citation(page: EpisodePage, url: str) -> str:
    """The page's quote (else the episode) as a reference to paste: who, what, the show, the episode,
    its date, when in it, and the link."""
    quote = page.quote
    if quote is None:
        return citation_form(page.episode, url=url)
    if len(quote.speakers) > 1:
        # Each one's words apart: "A : « … » B : « … »", never all the words given to both.
        return citation_form(page.episode, url=url, turns=_turns(quote), times=quote.times)
    speaker = _speakers(quote.speakers)
    return citation_form(page.episode, url=url, quote=quote.text(QUOTE_CHARS), times=quote.times, speaker=speaker)


def _turns(quote) -> str:
    """Each speaker's words of the quote, in turn: `A : « … » B : « … »`."""
    return " ".join(turn_form(speaker, said) for speaker, said in quote.turns(QUOTE_CHARS))


def turn_form(speaker: str, quote: str) -> str:
    """One speaker's words in a citation of several: `A : « … »`, or `« … »` for lines nobody is named for."""
    if speaker:
        return _("%(speaker)s: “%(quote)s”") % {"speaker": speaker, "quote": quote}
    return _("“%(quote)s”") % {"quote": quote}


def citation_form(
    episode: Episode, *, url: str, quote: str = "", times: str = "", speaker: str = "", turns: str = ""
) -> str:
    """A citation as archives give one. The script fills the same form, made with `{quote}`-like
    placeholders, when the visitor picks another moment or range: both write it alike."""
    parts = {
        "show": episode.show.name,
        "title": episode.title,
        "date": long_date(episode.air_date),
        "url": url,
        "quote": quote,
        "times": times,
        "speaker": speaker,
        "turns": turns,
    }
    if not times:
        return _("%(show)s, “%(title)s”, %(date)s. %(url)s") % parts
    if turns:
        return _("%(turns)s, %(show)s, “%(title)s”, %(date)s, %(times)s. %(url)s") % parts
    if speaker:
        return _("%(speaker)s, “%(quote)s”, %(show)s, “%(title)s”, %(date)s, %(times)s. %(url)s") % parts
    return _("“%(quote)s”, %(show)s, “%(title)s”, %(date)s, %(times)s. %(url)s") % parts


def citation_forms(episode: Episode) -> dict[str, str]:
    """The forms of a citation of this episode the script fills: with a speaker, and without."""
    placeholders = {"url": "{url}", "quote": "{quote}", "times": "{times}"}
    return {
        "said": citation_form(episode, speaker="{speaker}", **placeholders),
        "unsaid": citation_form(episode, **placeholders),
        "several": citation_form(episode, turns="{turns}", url="{url}", times="{times}"),
        "turn": turn_form("{speaker}", "{quote}"),
        "unnamed_turn": turn_form("", "{quote}"),
        "and": _("and"),
    }


def _speakers(names: list[str]) -> str:
    """`A`, `A and B`, `A, B and C`; the script joins them the same way (with the word `and` given)."""
    return str(get_text_list(names, _("and")))


# schema.org's episode and series types, by the show's kind.
SCHEMA_TYPES = {
    ShowKind.PODCAST: ("PodcastEpisode", "PodcastSeries"),
    ShowKind.TV: ("TVEpisode", "TVSeries"),
    ShowKind.RADIO: ("RadioEpisode", "RadioSeries"),
}
MEDIA_OBJECTS = {PlayerKind.AUDIO: "AudioObject", PlayerKind.VIDEO: "VideoObject"}
VIDEO_PLAYERS = {PlayerKind.VIDEO, PlayerKind.YOUTUBE, PlayerKind.DAILYMOTION, PlayerKind.VIMEO}


def json_ld(page: EpisodePage, request: HttpRequest, chapters: Sequence[Chapter] = ()) -> SafeString:
    """schema.org data for the episode, with its transcript, the shared moment or passage as a
    Clip, then its chapters as Clips (what search engines show as an episode's key moments)."""
    episode = page.episode
    people = [a for a in episode.appearances.all()]
    episode_type, series_type = SCHEMA_TYPES.get(episode.show.kind, SCHEMA_TYPES[ShowKind.PODCAST])
    data = {
        "@context": "https://schema.org",
        "@type": episode_type,
        "name": episode.title,
        "url": request.build_absolute_uri(episode.get_absolute_url()),
        "datePublished": episode.air_date.isoformat(),
        "duration": _iso_duration(episode.duration_ms),
        "description": episode.description,
        "partOfSeries": {
            "@type": series_type,
            "name": episode.show.name,
            "url": request.build_absolute_uri(episode.show.get_absolute_url()),
        },
        "inLanguage": "fr",
        "creator": [_person(a, request) for a in people if a.role == "host"],
        "contributor": [_person(a, request) for a in people if a.role == "guest"],
        # The lines shown: a long transcript's JSON-LD holds only its part.
        "transcript": "\n".join(
            f"{line.segment.timestamp} {shorten(line.segment.text, LD_LINE_CHARS)}" for line in page.lines
        ),
    }
    if page.player:
        media = {"@type": MEDIA_OBJECTS.get(page.player.kind, "MediaObject"), "contentUrl": page.player.url}
        if page.player.media_type:
            media["encodingFormat"] = page.player.media_type
        data["associatedMedia"] = media
    data["hasPart"] = ([_clip(page, request)] if page.quote else []) + _chapter_clips(page, request, chapters)
    # Nothing empty: a search engine reads an empty description or creator as one given.
    data = {key: value for key, value in data.items() if value not in ("", [])}
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(JSON_ESCAPES))


def _clip(page: EpisodePage, request: HttpRequest) -> dict:
    """The shared moment or passage, in seconds from the start: from its first line's start to
    its last line's end (a second at least)."""
    quote = page.quote
    start = quote.lines[0].start_ms // 1000 if quote.lines else quote.start_seconds
    end = max([start + 1, *(-(-line.end_ms // 1000) for line in quote.lines)])
    return {
        "@type": "Clip",
        "name": f"{page.episode.title} ({quote.times})",
        "startOffset": start,
        "endOffset": end,
        "url": request.build_absolute_uri(page.episode.get_absolute_url() + quote.link.split("#")[0]),
    }


def _chapter_clips(page: EpisodePage, request: HttpRequest, chapters: Sequence[Chapter]) -> list[dict]:
    """Each chapter from its start to the next one's (the last to the episode's end)."""
    ends = [chapter.start_ms for chapter in chapters[1:]] + [page.episode.duration_ms]
    return [
        {
            "@type": "Clip",
            "name": chapter.title,
            "startOffset": chapter.start_seconds,
            "endOffset": max(-(-end // 1000), chapter.start_seconds + 1),
            "url": request.build_absolute_uri(chapter.get_absolute_url()),
        }
        for chapter, end in zip(chapters, ends, strict=True)
    ]


def og_type(page: EpisodePage) -> str:
    """OpenGraph's type for the page's media: a video (a file or a video site) is an episode of
    one; audio or no recording, a web page (OpenGraph has no audio episode)."""
    return "video.episode" if page.player and page.player.kind in VIDEO_PLAYERS else "website"


def _person(appearance, request: HttpRequest) -> dict:
    person = appearance.person
    data = {"@type": "Person", "name": person.name, "url": request.build_absolute_uri(person.get_absolute_url())}
    if appearance.title:
        data["jobTitle"] = appearance.title
    if appearance.organisation:
        data["affiliation"] = {"@type": "Organization", "name": appearance.organisation}
    return data


def _iso_duration(ms: int) -> str:
    seconds = ms // 1000
    return f"PT{seconds // 3600}H{seconds % 3600 // 60}M{seconds % 60}S"


# A picture holds about as many words as a long citation, in large type.
PICTURE_CHARS = 320


def quote_card(page: EpisodePage) -> QuoteCard | None:
    """What the shared quote's picture shows, as its citation says it; None without a quote."""
    quote, episode = page.quote, page.episode
    if quote is None:
        return None
    if len(quote.speakers) > 1:
        said, speaker = " ".join(f"{who} : {words}" for who, words in quote.turns(PICTURE_CHARS)), ""
    else:
        said, speaker = quote.text(PICTURE_CHARS), _speakers(quote.speakers)
    return QuoteCard(
        quote=said,
        speaker=speaker,
        title=episode.title,
        show=episode.show.name,
        date=long_date(episode.air_date),
        times=quote.times,
        site=settings.ARCHIVE_SITE_NAME or _("Broadcast archive"),
    )
