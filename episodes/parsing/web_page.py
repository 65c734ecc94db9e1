"""A saved web page (HTML) of an episode, read as the lines the page-text parser reads.

The show's page puts each line's time and text in separate elements:

    <div class="transcript-line"><span class="time">00:31</span><p>Dorothée Décrope, bonjour.</p></div>

The page becomes the text a reader copies from it: one line per block (a paragraph, a
list item, a table row's cells), inline elements joined, `<br>` a space, entities decoded,
whitespace folded; an element that holds only a time is glued to the text after it. Scripts,
styles, navigation, the page's banner and footer, a cookie notice and the blocks after
"Recommandations" are not read. The lines then go through episodes/parsing/text.py, so a page
gives the same episode as its text; each line keeps the HTML line it came from, for messages.

bs4 with Python's own `html.parser`: forgiving with broken markup, no C library to build.
"""

import re
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass

from bs4 import BeautifulSoup
from bs4.element import PageElement, PreformattedString, Tag

from episodes.parsing import text
from episodes.parsing.timestamps import CLOCK, parse_timestamp
from episodes.parsing.types import N_, ParsedTranscript, ParseWarning, TranscriptError, TranscriptFormat

# An HTML document or fragment starts with a tag HTML has (after a doctype or comments).
HTML_START = re.compile(
    r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|main|article|section|div|p|span|"
    r"table|ul|ol|h[1-6])[\s>/]",
    re.I | re.S,
)
# How much of the start of a file HTML_START looks at: a doctype, a few comments.
START_CHARS = 4_000

NOT_READ = frozenset(
    ["script", "style", "noscript", "template", "head", "title", "nav", "svg", "iframe", "select", "textarea"]
)
# The page's own banner and footer; inside an article, main or section they belong to the episode.
PAGE_LEVEL = frozenset(["header", "footer", "aside"])
CONTENT = ("article", "main", "section")
# Cookie and consent notices: long text before the description, never the episode's.
NOTICE = re.compile(r"cookie|consent|gdpr|rgpd", re.I)
BLOCKS = frozenset(
    ["address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog", "div", "dl", "dt",
     "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup",
     "hr", "html", "li", "main", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
     "thead", "title", "tr", "ul"]
)  # fmt: skip
HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
BRACKETED_TIME = re.compile(r"\[[\d:.,]+\]")
# A chapter's title is a heading's first words.
MAX_HEADING_CHARS = 200


@dataclass
class PageLine:
    number: int  # the line of the HTML file where it starts
    text: str
    soft: bool = False  # began after a `<br>` (or a newline in `<pre>`)
    heading: bool = False  # the text of an `<h1>`…`<h6>`


def looks_like_html(content: str) -> bool:
    return bool(HTML_START.match(content[:START_CHARS]))


def parse_web_page(content: str) -> ParsedTranscript:
    lines, headings = _headings_apart(page_lines(content))
    texts = [line.text for line in lines]
    numbers = [line.number for line in lines]
    try:
        transcript = _parse_lines(texts)
    except TranscriptError as error:
        raise TranscriptError(error.template, _html_line(numbers, error.line), **error.params) from None
    transcript.format = TranscriptFormat.WEB_PAGE
    for segment in transcript.segments:
        segment.line = numbers[segment.line - 1]
    transcript.warnings = [
        ParseWarning(_html_line(numbers, warning.line), warning.template, warning.params)
        for warning in transcript.warnings
    ]
    transcript.headings = headings
    return transcript


def _headings_apart(lines: list[PageLine]) -> tuple[list[PageLine], list[tuple[int, str]]]:
    """The lines without the headings among the transcript's lines (after its first time), and
    those headings, each with the time of the line after it: a page's own chapters."""
    first = next((i for i, line in enumerate(lines) if _timestamped(line.text)), len(lines))
    kept: list[PageLine] = []
    headings: list[tuple[int, str]] = []
    waiting: list[str] = []
    for index, line in enumerate(lines):
        if index > first and line.heading and not _timestamped(line.text):
            waiting.append(line.text)
            continue
        if waiting and (match := text.GLUED.match(line.text) or text.BRACKETED.match(line.text)):
            with suppress(ValueError):
                headings.append((parse_timestamp(match["time"]), waiting[-1][:MAX_HEADING_CHARS]))
            waiting = []
        kept.append(line)
    return kept, headings


def page_lines(content: str) -> list[PageLine]:
    """The page's text, a line per block, as a reader sees it, each with the HTML line it starts on."""
    soup = BeautifulSoup(content, "html.parser")
    _drop_what_is_not_the_episode(soup)
    return _glue_times(_join_soft_lines(_block_lines(soup)))


def _parse_lines(texts: list[str]) -> ParsedTranscript:
    first = next((line for line in texts if _timestamped(line)), None)
    if first is None:
        raise TranscriptError(N_("no timestamps found in this web page: no line starts with a time like 00:00"))
    if text.BRACKETED.match(first):
        return text.parse_bracketed(texts)
    return text.parse_show_page(texts)


def _timestamped(line: str) -> bool:
    match = text.GLUED.match(line) or text.BRACKETED.match(line)
    return bool(match and match["text"].strip())


def _html_line(numbers: list[int], line: int | None) -> int | None:
    return numbers[line - 1] if line else None


def _drop_what_is_not_the_episode(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(True):
        if not _gone(tag) and _not_read(tag):
            tag.decompose()
    for heading in _trailer_headings(soup):
        if not _gone(heading):
            _drop_from(heading)


def _gone(tag: Tag) -> bool:
    """Whether the tag was decomposed with one around it. Not `tag.decomposed`: on a tag still
    there, that property looks for a child tag named `_decomposed` through the whole subtree
    (half the time of a 5,000-line page: 1.59 -> 0.77 s)."""
    return "_decomposed" in vars(tag)


def _not_read(tag: Tag) -> bool:
    if tag.name in NOT_READ or tag.has_attr("hidden") or tag.get("role") in ("navigation", "banner", "contentinfo"):
        return True
    if tag.name in PAGE_LEVEL:
        return tag.find_parent(CONTENT) is None
    if tag.name == "button":
        # A button that holds a time is the line's time (it plays from there); others are controls.
        return not CLOCK.fullmatch(tag.get_text(strip=True))
    if tag.name in ("html", "body", "main", "article"):
        return False  # `<body class="cookie-consent-given">` is still the page
    names = " ".join([tag.get("id") or "", *(tag.get("class") or [])])
    return bool(NOTICE.search(names))


def _trailer_headings(soup: BeautifulSoup) -> list[Tag]:
    """The blocks that say only "Recommandations" (or another of text.TRAILER's words), wrappers included."""
    headings = []
    for string in soup.find_all(string=_says_trailer):
        block = string.find_parent(BLOCKS)
        if block is None or not _says_trailer(block.get_text(" ", strip=True)):
            continue
        while block.parent is not None and _says_trailer(block.parent.get_text(" ", strip=True)):
            block = block.parent
        headings.append(block)
    return headings


def _says_trailer(string: str) -> bool:
    return not isinstance(string, PreformattedString) and bool(text.TRAILER.fullmatch(string.strip()))


def _drop_from(heading: Tag) -> None:
    """A "Recommandations" heading and what follows it, up to the next heading: other episodes, with their times."""
    for sibling in heading.find_next_siblings():
        if sibling.name in HEADINGS:
            break
        sibling.decompose()
    heading.decompose()


def _block_lines(soup: BeautifulSoup) -> list[PageLine]:
    lines = _Lines()
    number, in_pre = 1, 0
    for event, node in _walk(soup):
        if isinstance(node, Tag):
            number = node.sourceline if event == "enter" and node.sourceline else number
            in_pre += (1 if event == "enter" else -1) if node.name == "pre" else 0
            lines.in_heading += (1 if event == "enter" else -1) if node.name in HEADINGS else 0
            if node.name in BLOCKS or node.name == "pre":
                lines.end()
            elif node.name == "br" and event == "enter":
                lines.soft_break()
            continue
        if isinstance(node, PreformattedString):
            continue  # comments, the doctype, processing instructions
        string = str(node)
        if in_pre:
            for offset, piece in enumerate(string.split("\n")):
                if offset:
                    lines.soft_break()
                lines.add(piece, number + offset)
        else:
            lines.add(string, number)
        number += string.count("\n")
    lines.end()
    return lines.lines


def _walk(root: Tag) -> Iterator[tuple[str, PageElement]]:
    """("enter", tag), its content, ("leave", tag), in document order, with no recursion: pages nest deep."""
    stack: list[tuple[str, PageElement]] = [("enter", root)]
    while stack:
        event, node = stack.pop()
        yield event, node
        if event == "enter" and isinstance(node, Tag):
            stack.append(("leave", node))
            stack.extend(("enter", child) for child in reversed(node.contents))


class _Lines:
    """Text gathered into lines: a block ends one; a `<br>` starts a soft one (a space, unless a time follows)."""

    def __init__(self) -> None:
        self.lines: list[PageLine] = []
        self.current: PageLine | None = None
        self.soft_next = False
        self.in_heading = 0

    def add(self, string: str, number: int) -> None:
        if self.current is None:
            if not string.strip():
                return
            leading = string[: len(string) - len(string.lstrip())]
            self.current = PageLine(number + leading.count("\n"), "", soft=self.soft_next, heading=self.in_heading > 0)
        self.current.text += string.replace("\n", " ")

    def end(self) -> None:
        if self.current is not None:
            self.lines.append(self.current)
        self.current, self.soft_next = None, False

    def soft_break(self) -> None:
        if self.current is not None:
            self.end()
            self.soft_next = True


def _join_soft_lines(lines: list[PageLine]) -> list[PageLine]:
    """`<br>` is a space within a line, unless a time follows it: `00:00 Bonjour<br>00:05 Suite` is two lines."""
    joined: list[PageLine] = []
    for line in lines:
        line.text = " ".join(line.text.split())
        if line.soft and joined and not _starts_with_time(line.text):
            joined[-1].text = f"{joined[-1].text} {line.text}"
        elif line.text:
            joined.append(line)
    return joined


def _starts_with_time(line: str) -> bool:
    return bool(text.GLUED.match(line) or BRACKETED_TIME.match(line))


def _glue_times(lines: list[PageLine]) -> list[PageLine]:
    """A line that is only a time (an element of its own) takes the text of the line after it."""
    glued: list[PageLine] = []
    for line in lines:
        before = glued[-1] if glued else None
        if before and _only_a_time(before.text) and not _starts_with_time(line.text):
            before.text = f"{before.text} {line.text}"
        else:
            glued.append(line)
    return glued


def _only_a_time(line: str) -> bool:
    return bool(CLOCK.fullmatch(line) or BRACKETED_TIME.fullmatch(line))
