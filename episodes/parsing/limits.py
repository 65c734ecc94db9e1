"""What every transcript line and time must keep to, whether read from a file or typed in the editor.

The parser and the admin's transcript editor both check through these
functions, so both refuse the same things in the same words.
"""

import re

from episodes.parsing.types import N_, Quantity, TranscriptError

# The longest broadcast an episode can be: every start and end is at most this.
MAX_MS = 24 * 3600 * 1000
# A 24-hour broadcast at one line a second is 86,400 lines; a 10 MB transcript of 86,000 lines must import.
MAX_LINES = 100_000
# A long paragraph of speech fits many times over; a whole file glued onto one line does not.
MAX_LINE_CHARS = 10_000

# C0 controls other than tab, line feed, vertical tab, form feed and carriage return (whitespace in text).
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


def check_characters(text: str, line: int | None = None) -> None:
    """Refuse NUL bytes and control characters, naming the line (counted from `line`) they are on."""
    match = CONTROL.search(text)
    if match is None:
        return
    at = line + text.count("\n", 0, match.start()) if line else None
    if match[0] == "\x00":
        raise TranscriptError(N_("NUL byte: this looks like binary data, not transcript text"), at)
    message = N_("control character %(code)s: this looks like binary data, not transcript text")
    raise TranscriptError(message, at, code=f"{ord(match[0]):#04x}")


def check_line_length(text: str, line: int | None = None) -> None:
    if len(text) > MAX_LINE_CHARS:
        message = N_("line too long: %(length)s characters (at most %(max)s per line)")
        raise TranscriptError(message, line, length=Quantity(len(text)), max=Quantity(MAX_LINE_CHARS))


def check_line_count(count: int, line: int | None = None) -> None:
    """`count` lines in one episode; `line` is where the one past the limit is."""
    if count > MAX_LINES:
        raise TranscriptError(N_("too many lines: at most %(max)s per episode"), line, max=Quantity(MAX_LINES))


def check_line_text(text: str, line: int | None = None) -> None:
    """One transcript line's text, as the file import and the editor both require it."""
    check_characters(text, line)
    check_line_length(text, line)
