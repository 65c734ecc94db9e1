"""How a transcript's lines read as paragraphs. Pure: no Django.

A file that names its speakers gets a paragraph per turn. Speech recognition names
nobody and cuts lines every few seconds, so without speakers a paragraph ends at a
pause, or at a sentence's end once it is long enough to read as one.
"""

from collections.abc import Sequence
from typing import Protocol, TypeVar

# A silence this long between two lines is a new turn or a new topic, most often.
PAUSE_MS = 2000
# Past this many characters a paragraph ends with its sentence (about five lines on a phone)...
SENTENCE_CHARS = 350
# ...and past this many, whatever the punctuation says: recognisers sometimes write none.
MAX_CHARS = 900
# In a conversation a question is answered by someone else: it ends a paragraph already
# this long (a short one, "Bonjour Marc. Vous allez bien ?", stays with what follows).
QUESTION_CHARS = 120
SENTENCE_ENDS = (".", "!", "?", "…", "»", '"')


class Spoken(Protocol):
    """A line as this module reads it (a Segment, or the episode page's Line around one)."""

    @property
    def start_ms(self) -> int: ...

    @property
    def end_ms(self) -> int: ...

    @property
    def text(self) -> str: ...

    @property
    def speaker(self) -> str: ...


LineT = TypeVar("LineT", bound=Spoken)


def paragraphs(lines: Sequence[LineT]) -> list[list[LineT]]:
    """The lines, in order, cut into paragraphs; every line is in exactly one."""
    by_speaker = any(line.speaker for line in lines)
    groups: list[list[LineT]] = []
    length = 0
    for index, line in enumerate(lines):
        if index == 0 or starts_paragraph(lines[index - 1], line, length, by_speaker=by_speaker):
            groups.append([])
            length = 0
        groups[-1].append(line)
        length += len(line.text)
    return groups


def starts_paragraph(previous: Spoken, line: Spoken, length: int, *, by_speaker: bool) -> bool:
    """Whether `line` opens a paragraph after `previous`, which ends one `length` characters long."""
    if by_speaker and line.speaker != previous.speaker:
        return True
    if line.start_ms - previous.end_ms >= PAUSE_MS or length >= MAX_CHARS:
        return True
    said = previous.text.rstrip()
    if said.endswith(SENTENCE_ENDS) and length >= SENTENCE_CHARS:
        return True
    # With speakers known, a question does not tell a turn: the speaker already does.
    return not by_speaker and said.endswith("?") and length >= QUESTION_CHARS
