"""What the episode page shows: the lines with the moment asked for, the quote of a shared
link, the search matches and their timeline, and the player cued there."""

from dataclasses import dataclass, field
from functools import cached_property
from itertools import takewhile
from urllib.parse import quote

from django.utils.safestring import SafeString

from episodes.media import Player, player_for
from episodes.models import Episode, Segment, StartsAt
from episodes.paragraphs import paragraphs
from episodes.parsing.timestamps import format_timestamp, parse_time_range
from episodes.transcript_window import Part, transcript_part
from search.moments import EpisodeMatches, episode_matches

# Up to this many matches are looked up by id; databases cap the parameters of a query.
MATCHES_BY_ID = 500
TIMELINE_TICKS = 1000
TAP_WIDTH = 76


@dataclass
class Line:
    segment: Segment
    highlighted: SafeString | None = None
    is_current: bool = False
    nth: int = 1  # its order among the lines said in its second
    quoted: bool = False  # one of the lines of the range `?t=754-790`

    @property
    def anchor(self) -> str:
        """The line's id on the page: t-32, then t-32-2 for the next line said in that second."""
        return line_anchor(self.segment.start_seconds, self.nth)

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
        # The line's id too: the link lands on it without a script.
        return f"?t={self.start_seconds}#{self.anchor or f't-{self.start_seconds}'}"

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
        return shorten(" ".join(said), limit)

    def turns(self, limit: int) -> list[tuple[str, str]]:
        """Who says what, in order (a speaker's lines in a row joined), at most `limit`
        characters of text in all: the turn that reaches it is cut, the ones after left out."""
        turns: list[tuple[str, list[str]]] = []
        for line in self.lines:
            if turns and turns[-1][0] == line.speaker:
                turns[-1][1].append(line.text)
            else:
                turns.append((line.speaker, [line.text]))
        said, left = [], limit
        for speaker, texts in turns:
            if left <= 1:
                break
            text = " ".join(texts)
            said.append((speaker, shorten(text, left)))
            left -= len(text) + 1
        return said


@dataclass(frozen=True, slots=True)
class MatchedLine(StartsAt):
    """A match of a long transcript, shown or not: the count, the timeline and the links
    to the next and previous match need only its time, and a Segment costs 15 µs to make."""

    start_ms: int


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
    def correction_query(self) -> str:
        """`?t=32&n=2` of the current line (its id `t-32-2`), for « Proposer une correction »."""
        line = next((line for line in self.lines if line.is_current), None)
        return line_query(line.segment.start_seconds, line.nth) if line else "?t=0"

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
    orders = line_orders([s.start_ms for s in part.segments])
    lines = [Line(s, highlighted.get(s.pk), s == current, n) for s, n in zip(part.segments, orders, strict=True)]
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
    return [line_anchor(ms // 1000, nth) for ms, nth in zip(starts_ms, line_orders(starts_ms), strict=True)]


def line_orders(starts_ms: list[int]) -> list[int]:
    """Each line's order among the lines said in its second: 1, then 2, 3... in the same second."""
    orders = []
    said_in: dict[int, int] = {}
    for start_ms in starts_ms:
        second = start_ms // 1000
        said_in[second] = said_in.get(second, 0) + 1
        orders.append(said_in[second])
    return orders


def line_anchor(second: int, nth: int = 1) -> str:
    """The id of the `nth` line said in that second: `t-32`, `t-32-2`."""
    return f"t-{second}" if nth == 1 else f"t-{second}-{nth}"


def line_query(second: int, nth: int = 1) -> str:
    """The address that names that line: `?t=32`, `?t=32&n=2` (« Proposer une correction »)."""
    return f"?t={second}" if nth == 1 else f"?t={second}&n={nth}"


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


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut after a word when one ends in the second half."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"
