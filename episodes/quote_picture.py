"""A shared passage as a picture (1200 × 630 PNG, the size link previews show): the words, who
says them, the show, the date and the times, drawn with the DejaVu Sans shipped in
episodes/fonts/ (its licence beside it). Pure: a card in, PNG bytes out; `cached_picture`
keeps each one on disk under the hash of what it shows, so it is drawn once.

Text a font cannot draw (a character it lacks, a right-to-left script Pillow's basic layout
cannot shape, a word wider than the picture) is never drawn as boxes: the card becomes a plain
one, the episode's title and the times.
"""

import hashlib
import io
import os
import tempfile
import unicodedata
from contextlib import suppress
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

FONTS = Path(__file__).resolve().parent / "fonts"
WIDTH, HEIGHT = 1200, 630
MARGIN = 72
INK, MUTED, ACCENT, PAPER = "#1d1d1f", "#4f5056", "#0b57d0", "#ffffff"
# The quote's sizes, largest first: the first at which it fits whole, else the last, cut.
QUOTE_SIZES = (56, 48, 42, 36)
# The quote's box: between the top margin and the speaker's line.
QUOTE_TOP, QUOTE_BOTTOM = 140, 450
# Drawn again when this changes (it is part of each picture's key).
VERSION = "1"
NBSP = "\u00a0"


@dataclass(frozen=True)
class QuoteCard:
    """What a picture shows; each field is text as the page shows it."""

    quote: str
    speaker: str
    title: str
    show: str
    date: str
    times: str
    site: str

    @property
    def key(self) -> str:
        said = "\x1f".join([VERSION, *asdict(self).values()])
        return hashlib.sha256(said.encode()).hexdigest()[:32]

    @property
    def footer(self) -> str:
        return " · ".join(part for part in (self.show, self.date, self.times) if part)


def draw(card: QuoteCard) -> bytes:
    """The card as PNG bytes; its text also in the file's `Description` (for tools that read it)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    canvas = ImageDraw.Draw(image)
    canvas.rectangle([0, 0, 15, HEIGHT], fill=ACCENT)
    lines = quote_lines(card.quote)
    if lines is None:
        _draw_plain(canvas, card)
    else:
        lines_font = _font(lines[0])
        canvas.text((MARGIN - 4, QUOTE_TOP - 12), "«", font=_font(96, bold=True), fill=ACCENT, anchor="ls")
        y = QUOTE_TOP
        for line in lines[1]:
            canvas.text((MARGIN, y), line, font=lines_font, fill=INK)
            y += round(lines[0] * 1.3)
    if card.speaker:
        speaker = _fit(card.speaker, 36, bold=True)
        canvas.text((MARGIN, QUOTE_BOTTOM + 2), speaker, font=_font(36, bold=True), fill=INK)
    canvas.line([MARGIN, HEIGHT - 106, WIDTH - MARGIN, HEIGHT - 106], fill="#d9d9de", width=2)
    canvas.text((MARGIN, HEIGHT - 84), _fit(card.footer, 30), font=_font(30), fill=MUTED)
    if card.site:
        site = _fit(card.site, 26, bold=True, width=WIDTH // 3)
        canvas.text((WIDTH - MARGIN, HEIGHT - 40), site, font=_font(26, bold=True), fill=ACCENT, anchor="rs")
    info = PngInfo()
    info.add_itxt("Description", described(card))
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def described(card: QuoteCard) -> str:
    if not drawable(card.quote):
        return f"{card.title} — {card.footer}"
    who = f"{card.speaker} : " if card.speaker else ""
    return f"{who}« {card.quote} » — {card.footer}"


def quote_lines(quote: str) -> tuple[int, list[str]] | None:
    """The quote wrapped in its box: the size and the lines (the last cut with « … » when it
    does not fit at the smallest size); None when it cannot be drawn (see the module's docstring)."""
    quote = " ".join(quote.split())
    if not quote or not drawable(quote):
        return None
    for size in QUOTE_SIZES:
        lines = _wrap(f"{quote}{NBSP}»", size)
        if lines is None:
            return None
        if len(lines) <= _room(size):
            return size, lines
    size = QUOTE_SIZES[-1]
    kept = lines[: _room(size)]
    kept[-1] = _ellipsis(kept[-1], size)
    return size, kept


def drawable(text: str) -> bool:
    return all(_has_glyph(char) for char in set(unicodedata.normalize("NFC", text)))


def cached_picture(card: QuoteCard, folder: Path, keep: int = 10_000) -> Path:
    """The card's PNG in `folder`, drawn the first time it is asked for; written whole (a
    temporary file renamed), so a server reading it never sees half a picture. Past `keep`
    pictures, the least recently read are deleted (see `prune`)."""
    path = folder / f"{card.key}.png"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    data = draw(card)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as temporary:
        temporary.write(data)
    os.replace(temporary.name, path)
    prune(folder, keep)
    return path


def prune(folder: Path, keep: int) -> int:
    """Past `keep` pictures, delete the least recently read down to nine tenths of it (so that
    not every new picture prunes); how many. Counted at each new picture only: listing 10,000
    files takes a few milliseconds beside the 20 to 33 a drawing takes."""
    pictures = [entry for entry in os.scandir(folder) if entry.name.endswith(".png")]
    if len(pictures) <= keep:
        return 0
    pictures.sort(key=_last_read)
    gone = pictures[: len(pictures) - keep * 9 // 10]
    for entry in gone:
        with suppress(FileNotFoundError):  # another server pruned it first
            os.remove(entry.path)
    return len(gone)


def _last_read(entry: os.DirEntry) -> float:
    try:
        return entry.stat().st_atime
    except FileNotFoundError:
        return 0.0


def _draw_plain(canvas: ImageDraw.ImageDraw, card: QuoteCard) -> None:
    title = card.title if drawable(card.title) else card.show
    lines = _wrap(title, 56) or [card.show]
    y = QUOTE_TOP + 40
    for line in lines[:3]:
        canvas.text((MARGIN, y), line, font=_font(56, bold=True), fill=INK)
        y += 74


def _room(size: int) -> int:
    return (QUOTE_BOTTOM - QUOTE_TOP) // round(size * 1.3)


def _wrap(text: str, size: int) -> list[str] | None:
    """Words in lines no wider than the box; None when one word alone is wider."""
    font, width = _font(size), WIDTH - 2 * MARGIN
    lines: list[str] = []
    for word in text.split(" "):
        if font.getlength(word) > width:
            return None
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _ellipsis(line: str, size: int) -> str:
    font, width = _font(size), WIDTH - 2 * MARGIN
    words = line.removesuffix(f"{NBSP}»").split(" ")
    while words and font.getlength(" ".join(words) + f"…{NBSP}»") > width:
        words.pop()
    return " ".join(words).rstrip(",;:.") + f"…{NBSP}»"


def _fit(text: str, size: int, *, bold: bool = False, width: int = WIDTH - 2 * MARGIN) -> str:
    """One line, cut with « … » when wider than `width`; what the font cannot draw left out."""
    text = "".join(char for char in text if _has_glyph(char))
    font = _font(size, bold=bold)
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


@cache
def _font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


@cache
def _has_glyph(char: str) -> bool:
    """Whether DejaVu Sans draws this character as itself, not as its box for missing ones,
    and in a left-to-right script (Pillow's basic layout does not shape Arabic or Hebrew)."""
    if char.isspace():
        return True
    if unicodedata.bidirectional(char) in ("R", "AL", "AN") or unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
        return False
    return _shape(char) != _shape("\U0010fffd")


@cache
def _shape(char: str) -> bytes:
    image = Image.new("L", (64, 64))
    ImageDraw.Draw(image).text((8, 8), char, font=_font(32), fill=255)
    return image.tobytes()
