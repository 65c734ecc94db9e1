"""What the episode page shows: the transcript with the moment asked for, the search
matches, the player cued there, and what sharing and search engines read."""

import json
from dataclasses import dataclass, field
from html import escape
from urllib.parse import quote

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from episodes.media import Player, player_for
from episodes.models import Episode, Segment
from episodes.parsing.timestamps import parse_timestamp
from search.moments import EpisodeMatches, episode_matches

# json_script's escapes, for a <script type="application/ld+json">.
JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
# Link previews quote a line up to this many characters, the JSON-LD transcript each line
# up to that many: a 5 MB line would otherwise be repeated in five places.
QUOTE_CHARS = 200
LD_LINE_CHARS = 1000


@dataclass
class Line:
    segment: Segment
    highlighted: SafeString | None = None
    is_current: bool = False


@dataclass
class EpisodePage:
    episode: Episode
    lines: list[Line]
    current: Segment | None = None
    matches: EpisodeMatches | None = None
    player: Player | None = None
    query: str = ""
    match_positions: list[tuple[Segment, float]] = field(default_factory=list)

    @property
    def start_seconds(self) -> int:
        return self.current.start_seconds if self.current else 0

    @property
    def player_src(self) -> str:
        return self.player.src_at(self.start_seconds) if self.player else ""

    @property
    def next_match(self) -> Segment | None:
        return self.matches.after(self.current.start_ms if self.current else -1) if self.matches else None

    @property
    def previous_match(self) -> Segment | None:
        return self.matches.before(self.current.start_ms) if self.matches and self.current else None


def build_episode_page(episode: Episode, t: str, q: str) -> EpisodePage:
    segments = list(episode.segments.all())
    current = current_segment(segments, t)
    matches = episode_matches(episode, segments, q) if q.strip() else None
    highlighted = matches.highlighted if matches else {}
    lines = [Line(s, highlighted.get(s.pk), s == current) for s in segments]
    page = EpisodePage(episode, lines, current, matches, player_for(episode.media_url), q.strip())
    duration = max(episode.duration_ms, 1)
    # Positions on a 0-992 scale: the timeline is an SVG, which needs no inline style.
    page.match_positions = [
        (s, min(992.0, 1000 * s.start_ms / duration)) for s in (matches.segments if matches else [])
    ]
    return page


def transcript_html(page: EpisodePage) -> SafeString:
    """Every line of the transcript as HTML.

    Built here rather than in a template loop: a 700-line episode renders in a few
    milliseconds instead of tens. Every text from the data goes through escape();
    the numbers are integers; highlighted lines were escaped by search.highlight.
    """
    search = escape(f"&q={quote(page.query)}") if page.query else ""
    link = escape(gettext("Link"))
    copy = gettext("Copy the link to %(time)s")
    rows = []
    for line in page.lines:
        segment = line.segment
        seconds, stamp = segment.start_seconds, segment.timestamp
        current = ' aria-current="time"' if line.is_current else ""
        classes = " ".join(name for name, on in (("current", line.is_current), ("match", line.highlighted)) if on)
        speaker = f'<span class="speaker">{escape(segment.speaker)} :</span> ' if segment.speaker else ""
        text = line.highlighted if line.highlighted is not None else escape(segment.text)
        rows.append(
            f'<li id="t-{seconds}" data-start="{segment.start_ms}" data-end="{segment.end_ms}"'
            f'{current} class="{classes}">'
            f'<a class="timestamp" href="?t={seconds}{search}#t-{seconds}">{stamp}</a> '
            f'<span class="text">{speaker}{text}</span> '
            f'<button type="button" class="copy-link" hidden data-seconds="{seconds}" '
            f'aria-label="{escape(copy % {"time": stamp})}">{link}</button></li>'
        )
    return mark_safe("\n".join(rows))


def current_segment(segments: list[Segment], t: str) -> Segment | None:
    """The segment said at `?t=`; None for a missing, malformed or out-of-range time."""
    try:
        ms = parse_timestamp(t)
    except ValueError:
        return None
    if not segments or ms > segments[-1].end_ms:
        return None
    return next((segment for segment in reversed(segments) if segment.start_ms <= ms), None)


def share_text(page: EpisodePage) -> tuple[str, str]:
    """Title and description for link previews: the quoted line when a moment is shared."""
    episode = page.episode
    if page.current:
        title = f"« {_shorten(page.current.text, 120)} » — {episode.title} ({page.current.timestamp})"
        return title, f"{page.current.timestamp} · {episode.show.name} · {_shorten(page.current.text, QUOTE_CHARS)}"
    return episode.title, _shorten(episode.description or f"{episode.show.name}, {episode.air_date}", 300)


def json_ld(page: EpisodePage, request: HttpRequest) -> SafeString:
    """schema.org data for the episode, with its transcript."""
    episode = page.episode
    people = [a for a in episode.appearances.all()]
    data = {
        "@context": "https://schema.org",
        "@type": "Episode",
        "name": episode.title,
        "url": request.build_absolute_uri(episode.get_absolute_url()),
        "datePublished": episode.air_date.isoformat(),
        "duration": _iso_duration(episode.duration_ms),
        "description": episode.description,
        "partOfSeries": {"@type": "CreativeWorkSeries", "name": episode.show.name},
        "inLanguage": "fr",
        "creator": [_person(a, request) for a in people if a.role == "host"],
        "contributor": [_person(a, request) for a in people if a.role == "guest"],
        "transcript": "\n".join(
            f"{line.segment.timestamp} {_shorten(line.segment.text, LD_LINE_CHARS)}" for line in page.lines
        ),
    }
    if page.player:
        data["associatedMedia"] = {"@type": "MediaObject", "contentUrl": page.player.url}
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(JSON_ESCAPES))


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


def _shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut after a word when one ends in the second half."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"
