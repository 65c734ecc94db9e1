"""The episode page's transcript as HTML, built in Python: its paragraphs, each line a moment
with its link, and each speaker a link to their page."""

from html import escape
from urllib.parse import quote

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from episodes.episode_page import EpisodePage, Line, Quote
from episodes.models import Person, name_key


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
