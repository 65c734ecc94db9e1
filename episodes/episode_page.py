"""What the episode page shows: the transcript with the moment asked for, the search
matches, the player cued there, and what sharing and search engines read."""

import json
from dataclasses import dataclass, field
from functools import cached_property
from html import escape
from itertools import takewhile
from urllib.parse import quote

from django.db.models import Q
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from episodes.media import Player, player_for
from episodes.models import Episode, Person, Segment, name_key
from episodes.paragraphs import paragraphs
from episodes.parsing.timestamps import format_timestamp, parse_time_range, parse_timestamp
from episodes.templatetags.archive import long_date
from search.moments import EpisodeMatches, episode_matches

# json_script's escapes, for a <script type="application/ld+json">.
JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
# A longer transcript is shown this many lines at a time: 100,000 lines would make a page
# of tens of megabytes. Every line stays reachable: its ?t= link opens the part holding it.
PART_LINES = 1000
# Link previews quote a line up to this many characters, the JSON-LD transcript each line
# up to that many: a 5 MB line would otherwise be repeated in five places.
QUOTE_CHARS = 200
LD_LINE_CHARS = 1000
# Up to this many matches are looked up by id; databases cap the parameters of a query.
MATCHES_BY_ID = 500
TIMELINE_TICKS = 1000
TAP_WIDTH = 76


@dataclass
class Line:
    segment: Segment
    highlighted: SafeString | None = None
    is_current: bool = False
    anchor: str = ""  # the line's id on the page: t-32, then t-32-2 for the next line said in that second
    quoted: bool = False  # one of the lines of the range `?t=754-790`

    # What episodes.paragraphs reads.
    @property
    def start_ms(self) -> int:
        return self.segment.start_ms

    @property
    def end_ms(self) -> int:
        return self.segment.end_ms

    @property
    def text(self) -> str:
        return self.segment.text

    @property
    def speaker(self) -> str:
        return self.segment.speaker


@dataclass
class Quote:
    """What a shared link quotes: the line of `?t=754`, or every line of the range `?t=754-790`
    from the line said at its start to the last one starting in its end's second."""

    lines: list[Line]
    start_seconds: int
    end_seconds: int | None = None  # None: one moment
    anchor: str = ""  # one moment: the line's id when it is not the first said in its second

    @property
    def is_range(self) -> bool:
        return self.end_seconds is not None

    @property
    def link(self) -> str:
        """The query (and fragment) that opens the page on this quote."""
        if self.end_seconds is not None:
            return f"?t={self.start_seconds}-{self.end_seconds}"
        return f"?t={self.start_seconds}" + (f"#{self.anchor}" if self.anchor else "")

    @property
    def times(self) -> str:
        """`12:34`, or `12:34–13:10` for a range of more than one second."""
        start = format_timestamp(self.start_seconds * 1000)
        if self.end_seconds is None or self.end_seconds == self.start_seconds:
            return start
        return f"{start}–{format_timestamp(self.end_seconds * 1000)}"

    @property
    def speakers(self) -> list[str]:
        """Who says the lines, each once, in the order they speak; none when the transcript does not say."""
        return list(dict.fromkeys(line.speaker for line in self.lines if line.speaker))

    def text(self, limit: int) -> str:
        """The lines' text joined, at most `limit` characters; only the lines needed are joined."""
        said, length = [], 0
        for line in self.lines:
            said.append(line.text)
            length += len(line.text) + 1
            if length > limit:
                break
        return _shorten(" ".join(said), limit)


@dataclass(frozen=True, slots=True)
class MatchedLine:
    """A match of a long transcript, shown or not: the count, the timeline and the links
    to the next and previous match need only its time, and a Segment costs 15 µs to make."""

    start_ms: int

    @property
    def start_seconds(self) -> int:
        return self.start_ms // 1000

    @property
    def timestamp(self) -> str:
        return format_timestamp(self.start_ms)


@dataclass
class Part:
    """The lines shown: the whole transcript, or one part of a long one."""

    segments: list[Segment]
    total: int
    current: Segment | None = None
    first: int = 0  # position of the part's first line
    earlier: Segment | None = None  # the first line of the part before
    later: Segment | None = None  # the first line of the part after

    @property
    def is_whole(self) -> bool:
        return self.total <= PART_LINES

    @property
    def last(self) -> int:
        """Number of the part's last line, counted from 1 (the few lines of the next part
        shown because they share the moment's second are not counted)."""
        return min(self.first + PART_LINES, self.total)


@dataclass(frozen=True)
class TimelineMark:
    """A match drawn on the timeline (0-1000 wide, drawn 8 wide), and the wider area that
    takes a tap on it: 76 of 1000 is 25 px on the 330 px timeline of a phone or the side panel."""

    match: Segment | MatchedLine
    position: float
    link: str

    @property
    def target_x(self) -> float:
        return min(max(self.position + 4 - TAP_WIDTH / 2, 0.0), 1000.0 - TAP_WIDTH)


@dataclass
class EpisodePage:
    episode: Episode
    lines: list[Line]
    current: Segment | None = None
    matches: EpisodeMatches | None = None
    player: Player | None = None
    query: str = ""
    match_positions: list[tuple[Segment | MatchedLine, float]] = field(default_factory=list)
    part: Part | None = None
    quote: Quote | None = None

    @property
    def start_seconds(self) -> int:
        return self.current.start_seconds if self.current else 0

    @property
    def source_url(self) -> str:
        """The broadcaster's page, when it is an http(s) address (the field takes others from the admin)."""
        url = self.episode.source_url
        return url if url.startswith(("https://", "http://")) else ""

    @property
    def paragraphs(self) -> list[list[Line]]:
        return paragraphs(self.lines)

    @property
    def previous_match_link(self) -> str:
        return self.match_link(self.previous_match) if self.previous_match else ""

    @property
    def next_match_link(self) -> str:
        return self.match_link(self.next_match) if self.next_match else ""

    @property
    def timeline_ticks(self) -> list["TimelineMark"]:
        return [TimelineMark(match, position, self.match_link(match)) for match, position in self.match_positions]

    @cached_property
    def _match_anchors(self) -> dict[int, str]:
        """The ids of the matches shown, by start (matches of a long transcript are MatchedLines)."""
        anchors: dict[int, str] = {}
        for line in self.lines:
            if line.highlighted is not None:
                anchors.setdefault(line.start_ms, line.anchor)
        return anchors

    def match_link(self, match: Segment | MatchedLine) -> str:
        """?q=&t= of a match, to the line itself when it is shown (not the first of its second)."""
        anchor = self._match_anchors.get(match.start_ms) or f"t-{match.start_seconds}"
        return f"?q={quote(self.query)}&t={match.start_seconds}#{anchor}"

    @property
    def player_src(self) -> str:
        return self.player.src_at(self.current.start_ms if self.current else 0) if self.player else ""

    @property
    def next_match(self) -> Segment | None:
        return self.matches.after(self.current.start_ms if self.current else -1) if self.matches else None

    @property
    def previous_match(self) -> Segment | None:
        return self.matches.before(self.current.start_ms) if self.matches and self.current else None

    @property
    def match_before_part(self) -> Segment | MatchedLine | None:
        """The last match before the lines shown, for the script's "previous match"."""
        if not self.matches or not self.part or self.part.is_whole or not self.lines:
            return None
        return self.matches.before(self.lines[0].segment.start_ms)

    @property
    def match_after_part(self) -> Segment | MatchedLine | None:
        if not self.matches or not self.part or self.part.is_whole or not self.lines:
            return None
        return self.matches.after(self.lines[-1].segment.start_ms)

    @property
    def earlier_link(self) -> str:
        return self.part_link(self.part.earlier) if self.part and self.part.earlier else ""

    @property
    def later_link(self) -> str:
        return self.part_link(self.part.later) if self.part and self.part.later else ""

    def part_link(self, first: Segment) -> str:
        """?t= of the first second at which this line is being said, so its part opens."""
        seconds = -(-first.start_ms // 1000)
        search = f"&q={quote(self.query)}" if self.query else ""
        return f"?t={seconds}{search}#t-{seconds}"


def build_episode_page(episode: Episode, t: str, q: str) -> EpisodePage:
    """The page for `?t=` (a moment, or a range of them to quote) and `?q=`."""
    asked_range = parse_time_range(t)
    # A range opens where `?t=` of its start would.
    part = transcript_part(episode, str(asked_range[0] // 1000) if asked_range else t)
    matches = episode_matches(episode, part.segments, q) if q.strip() else None
    if matches and not part.is_whole:
        matches.segments = _every_match(episode, matches)
    highlighted = matches.highlighted if matches else {}
    # A range starts at the line said then, a match in that second or not.
    current = part.current if asked_range else _match_in_second(part.segments, part.current, highlighted)
    anchors = line_anchors([s.start_ms for s in part.segments])
    lines = [Line(s, highlighted.get(s.pk), s == current, a) for s, a in zip(part.segments, anchors, strict=True)]
    player = player_for(episode.media_url)
    page = EpisodePage(episode, lines, current, matches, player, q.strip(), part=part)
    page.match_positions = timeline(matches.segments if matches else [], episode.duration_ms)
    page.quote = quote_asked(page, asked_range[1] if asked_range else None)
    return page


def quote_asked(page: EpisodePage, end_ms: int | None) -> Quote | None:
    """The current line, or with `end_ms` the lines from it to the last starting in that
    second (marked `quoted`). A range past the last line ends there; a range running on into
    the next part of a long transcript keeps its end, within the episode."""
    at = next((i for i, line in enumerate(page.lines) if line.is_current), None)
    if at is None:
        return None
    first = page.lines[at]
    start = first.segment.start_seconds
    if end_ms is None:
        return Quote([first], start, anchor="" if first.anchor == f"t-{start}" else first.anchor)
    end = end_ms // 1000
    quoted = list(takewhile(lambda line: line.segment.start_seconds <= end, page.lines[at:]))
    for line in quoted:
        line.quoted = True
    runs_on = at + len(quoted) == len(page.lines) and page.part is not None and page.part.later is not None
    last = min(end, page.episode.duration_ms // 1000) if runs_on else quoted[-1].segment.start_seconds
    return Quote(quoted, start, max(last, start))


def _match_in_second(segments: list[Segment], current: Segment | None, matches: dict) -> Segment | None:
    """With a search, `?t=` means the match said in that second, when it is not the first line
    said in it: the link to a match of another part of a long transcript knows only its second."""
    if current is None or not matches or current.pk in matches:
        return current
    same_second = (s for s in segments if s.start_seconds == current.start_seconds and s.pk in matches)
    return next(same_second, current)


def line_anchors(starts_ms: list[int]) -> list[str]:
    """Ids for lines starting at these times: `t-32` for the first said in second 32 (where
    `?t=32` and `#t-32` land), `t-32-2`, `t-32-3`... for the next ones said in that second."""
    anchors = []
    said_in: dict[int, int] = {}
    for start_ms in starts_ms:
        second = start_ms // 1000
        said_in[second] = said_in.get(second, 0) + 1
        anchors.append(f"t-{second}" if said_in[second] == 1 else f"t-{second}-{said_in[second]}")
    return anchors


def timeline(matches: list, duration_ms: int) -> list[tuple[Segment | MatchedLine, float]]:
    """Where the matches fall, on a 0-992 scale (the timeline is an SVG, which needs no
    inline style). Past TIMELINE_TICKS matches, one tick per unit of the scale, the first
    match there: a word said 20,000 times draws under 1,000 ticks, not 20,000."""
    ticks = [(match, min(992.0, 1000 * match.start_ms / max(duration_ms, 1))) for match in matches]
    if len(ticks) <= TIMELINE_TICKS:
        return ticks
    by_unit = {}
    for match, position in ticks:
        by_unit.setdefault(int(position), (match, position))
    return list(by_unit.values())


def transcript_part(episode: Episode, t: str) -> Part:
    """All the lines, or for a long transcript the part holding the moment `t`.

    Parts are fixed: lines 0-999, 1000-1999... The lines said in the moment's second
    just after its part are shown too, since their links (?t=) lead there. Two queries
    for a short transcript (its last line, then all), three indexed ones for a long one.
    """
    # Positions run from 0 without gaps (see episodes.services); the last line says how many.
    last = episode.segments.order_by("-position").values_list("position", "end_ms").first()
    total, end_ms = (last[0] + 1, last[1]) if last else (0, 0)
    if total <= PART_LINES:
        segments = list(episode.segments.all())
        return Part(segments, total=total, current=current_segment(segments, t))
    ms = _moment_ms(t, end_ms)
    at = _position_at(episode, ms) if ms is not None else None
    first = (at or 0) // PART_LINES * PART_LINES
    end = first + PART_LINES
    # Times never go back along a transcript: the moment's second ends before this.
    next_second_ms = (ms // 1000 + 1) * 1000 if at is not None else 0
    in_part = Q(position__gte=first, position__lt=end)
    same_second = Q(position__gte=end, position__lt=end + PART_LINES, start_ms__lt=next_second_ms)
    edges = Q(position__in=[first - PART_LINES, end])
    rows = list(episode.segments.filter(in_part | same_second | edges))
    by_position = {segment.position: segment for segment in rows}
    shown = [s for s in rows if s.position >= first and (s.position < end or s.start_ms < next_second_ms)]
    return Part(
        shown,
        total=total,
        current=by_position.get(at),
        first=first,
        earlier=by_position.get(first - PART_LINES),
        later=by_position.get(end),
    )


def _moment_ms(t: str, end_ms: int) -> int | None:
    try:
        ms = parse_timestamp(t)
    except ValueError:
        return None
    return ms if ms <= end_ms else None


def _position_at(episode: Episode, ms: int) -> int | None:
    """Position of the first line said in the second of `ms`, else of the line being said
    then (times never go back along a transcript); see current_segment."""
    second = ms // 1000 * 1000
    in_second = episode.segments.filter(start_ms__gte=second, start_ms__lt=second + 1000)
    first = in_second.order_by("start_ms", "position").values_list("position", flat=True).first()
    if first is not None:
        return first
    earlier = episode.segments.filter(start_ms__lte=ms).order_by("-start_ms", "-position")
    return earlier.values_list("position", flat=True).first()


def _every_match(episode: Episode, matches: EpisodeMatches) -> list[MatchedLine]:
    """Every match of the episode, not only those of the part shown, in time order."""
    hit_ids = matches.found.results.in_episode(episode.pk)
    lines = episode.segments.order_by("start_ms", "position")
    if len(hit_ids) <= MATCHES_BY_ID:
        starts = lines.filter(pk__in=hit_ids).values_list("start_ms", flat=True)
    else:
        # Reading every line's time beats batches of ids: 30 ms for 20,000 lines, against
        # 0.3 s for 40 batches of 500.
        starts = (start for pk, start in lines.values_list("pk", "start_ms") if pk in hit_ids)
    return [MatchedLine(start) for start in starts]


def transcript_html(page: EpisodePage) -> SafeString:
    """The transcript as HTML paragraphs, each line in them its own moment.

    Built here rather than in a template loop: a 700-line episode renders in a few
    milliseconds instead of tens. Every text from the data goes through escape();
    the numbers are integers; highlighted lines were escaped by search.highlight.
    """
    search = escape(f"&q={quote(page.query)}") if page.query else ""
    people = {name_key(a.person.name): a.person for a in page.episode.appearances.all()}
    edges = _quote_edges(page.quote)
    blocks = []
    for paragraph in page.paragraphs:
        speaker = paragraph[0].speaker
        head = f'<p class="speaker">{_speaker_html(speaker, people)}</p>' if speaker else ""
        lines = " ".join(_line_html(line, search, edges) for line in paragraph)
        blocks.append(f'<div class="paragraph">{head}<p class="lines">{lines}</p></div>')
    return mark_safe("\n".join(blocks))


def quote_edge_labels() -> tuple[str, str]:
    """What a screen reader says where a quoted range starts and ends (the script says it too)."""
    return _("Start of the quote:"), _("End of the quote.")


def _quote_edges(quote: Quote | None) -> dict[int, tuple[str, str]]:
    """The first and last lines of a quoted range (by id), with the hidden words said before and after them."""
    if quote is None or not quote.is_range:
        return {}
    start, end = (f'<span class="quote-edge visually-hidden">{escape(label)}</span>' for label in quote_edge_labels())
    first, last = id(quote.lines[0]), id(quote.lines[-1])
    if first == last:
        return {first: (start, end)}
    return {first: (start, ""), last: ("", end)}


def _line_html(line: Line, search: str, edges: dict[int, tuple[str, str]] | None = None) -> str:
    segment = line.segment
    seconds = segment.start_seconds
    current = ' aria-current="time"' if line.is_current else ""
    before, after = (edges or {}).get(id(line), ("", ""))
    marks = [
        name
        for name, on in (
            ("current", line.is_current),
            ("match", line.highlighted is not None),
            ("quoted", line.quoted),
            ("quote-first", bool(before)),
            ("quote-last", bool(after)),
        )
        if on
    ]
    text = line.highlighted if line.highlighted is not None else escape(segment.text)
    return (
        f'<span id="{line.anchor}" class="{" ".join(["line", *marks])}" data-start="{segment.start_ms}" '
        f'data-end="{segment.end_ms}"{current}>{before}'
        f'<a class="timestamp" href="?t={seconds}{search}#{line.anchor}">{segment.timestamp}</a> '
        f'<span class="text">{text}</span>{after}</span>'
    )


def _speaker_html(speaker: str, people: dict[str, Person]) -> str:
    """The speaker's name, a link to their page when they are one of the episode's people."""
    person = people.get(name_key(speaker))
    if person is None:
        return escape(speaker)
    return f'<a href="{escape(person.get_absolute_url())}">{escape(speaker)}</a>'


def current_segment(segments: list[Segment], t: str) -> Segment | None:
    """The segment said at `?t=`; None for a missing, malformed or out-of-range time."""
    try:
        ms = parse_timestamp(t)
    except ValueError:
        return None
    if not segments or ms > segments[-1].end_ms:
        return None
    # Links give whole seconds: `?t=32` is the first line said in second 32 (the line `t-32`),
    # even when it starts at 32.4 s; without one, the line being said at that time.
    second = ms // 1000 * 1000
    said = None
    for segment in segments:
        if segment.start_ms >= second + 1000:
            break
        if segment.start_ms >= second:
            return segment
        said = segment
    return said


def share_text(page: EpisodePage) -> tuple[str, str]:
    """Title and description for link previews: the quoted line or range when one is shared,
    with its times and who says it when the transcript knows."""
    episode, quote = page.episode, page.quote
    if quote:
        title = f"« {quote.text(120)} » — {episode.title} ({quote.times})"
        said = quote.text(QUOTE_CHARS)
        if quote.speakers:
            said = _("%(speaker)s: %(quote)s") % {"speaker": _speakers(quote.speakers), "quote": said}
        return title, f"{quote.times} · {episode.show.name} · {said}"
    return episode.title, _shorten(episode.description or f"{episode.show.name}, {episode.air_date}", 300)


def citation(page: EpisodePage, url: str) -> str:
    """The page's quote (else the episode) as a reference to paste: who, what, the show, the episode,
    its date, when in it, and the link."""
    quote = page.quote
    if quote is None:
        return citation_form(page.episode, url=url)
    speaker = _speakers(quote.speakers)
    return citation_form(page.episode, url=url, quote=quote.text(QUOTE_CHARS), times=quote.times, speaker=speaker)


def citation_form(episode: Episode, *, url: str, quote: str = "", times: str = "", speaker: str = "") -> str:
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
    }
    if not times:
        return _("%(show)s, “%(title)s”, %(date)s. %(url)s") % parts
    if speaker:
        return _("%(speaker)s, “%(quote)s”, %(show)s, “%(title)s”, %(date)s, %(times)s. %(url)s") % parts
    return _("“%(quote)s”, %(show)s, “%(title)s”, %(date)s, %(times)s. %(url)s") % parts


def citation_forms(episode: Episode) -> dict[str, str]:
    """The forms of a citation of this episode the script fills: with a speaker, and without."""
    placeholders = {"url": "{url}", "quote": "{quote}", "times": "{times}"}
    return {
        "said": citation_form(episode, speaker="{speaker}", **placeholders),
        "unsaid": citation_form(episode, **placeholders),
        "and": _("and"),
    }


def _speakers(names: list[str]) -> str:
    """`A`, `A and B`, `A, B and C`; the script joins them the same way (with the word `and` given)."""
    return str(get_text_list(names, _("and")))


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
        # The lines shown: a long transcript's JSON-LD holds only its part.
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
