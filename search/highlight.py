"""Matched words in a line of transcript, marked. Pure: no Django.

The text is escaped first and only our own `<mark>` is added, so a transcript
holding `<script>` or `<img onerror=...>` shows as text. Words are marked when
their index term was searched alone or when the word itself, folded, starts with a
prefix searched (as the engines match prefixes), and phrases only where the whole
phrase stands (or where it starts at the end of the line, to go on in the next one).
Linear in the length of the text for a given query.
"""

from collections.abc import Callable, Iterable
from html import escape

from search.analysis import Span, spans


def highlight(
    text: str,
    marks_term: Callable[[str], bool],
    phrases: Iterable[tuple[str, ...]] = (),
    prefixes: Iterable[str] = (),
) -> str:
    """HTML for `text` with the matched words in <mark>; `prefixes` folded, as `search.plan.Prefix`."""
    words = spans(text)
    starts = tuple(prefixes)
    marked = {i for i, word in enumerate(words) if marks_term(word.term) or word.folded.startswith(starts)}
    for phrase in phrases:
        marked |= _phrase_positions([word.term for word in words], phrase)
    return _render(text, words, marked)


def _phrase_positions(terms: list[str], phrase: tuple[str, ...]) -> set[int]:
    size = len(phrase)
    found = set()
    for start in range(len(terms) - size + 1):
        if tuple(terms[start : start + size]) == phrase:
            found.update(range(start, start + size))
    # The phrase may begin at the end of this line and end in the next one.
    for size_here in range(min(size - 1, len(terms)), 0, -1):
        if tuple(terms[-size_here:]) == phrase[:size_here]:
            found.update(range(len(terms) - size_here, len(terms)))
            break
    return found


def _render(text: str, words: list[Span], marked: set[int]) -> str:
    pieces: list[str] = []
    position = 0
    for start, end in _runs(text, [words[index] for index in sorted(marked)]):
        pieces.append(escape(text[position:start]))
        pieces.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    pieces.append(escape(text[position:]))
    return "".join(pieces)


def _runs(text: str, words: list[Span]) -> list[tuple[int, int]]:
    """Marked words next to each other, apart only by spaces, make one mark: `NIS2`, `Charles de Gaulle`."""
    runs: list[tuple[int, int]] = []
    for word in words:
        if runs and not text[runs[-1][1] : word.start].strip():
            runs[-1] = (runs[-1][0], word.end)
        else:
            runs.append((word.start, word.end))
    return runs
