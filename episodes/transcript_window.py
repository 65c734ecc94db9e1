"""The part of a transcript the episode page shows around a moment: the whole of a short one,
fixed parts of a long one, and the line said at `?t=`."""

from dataclasses import dataclass

from django.db.models import Q

from episodes.models import Episode, Segment
from episodes.parsing.timestamps import parse_timestamp

# A longer transcript is shown this many lines at a time: 100,000 lines would make a page
# of tens of megabytes. Every line stays reachable: its ?t= link opens the part holding it.
PART_LINES = 1000


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
