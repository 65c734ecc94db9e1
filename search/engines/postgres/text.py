"""What the PostgreSQL engine stores and asks, as text PostgreSQL reads verbatim. Pure: no Django.

The terms are ours (`search.analysis`), never PostgreSQL's parser or dictionaries: a moment's
document is a `tsvector` literal of its terms with their positions, a query a `tsquery`
literal of the same terms, so that matching and highlighting agree with the Whoosh engine.

A moment's own terms have weight A; the next line's first BRIDGE_TERMS terms follow at the
next positions with weight B. Every single term and the first term of every phrase must be
of weight A: a phrase may run into the next line, and lands on the line where it begins.

The line's words as said, folded but not stemmed, are there too for prefixes, with weight C,
each at its own term's position and marked (`=quantique`, where the term is `quantiqu`): a
prefix is then PostgreSQL's own prefix match, `'=quan':*C`, which the GIN index answers for
every word it covers with no list of words to expand first. The mark keeps words and terms
apart: without it a phrase's next terms, which have no weight (`<-> 'parti'`), would match a
word that is another word's term (`parti`, the term of `partis`), and `ts_rank`, which ignores
a query's weights, would count a word that is its own term (`capteur`) twice in a word search.
Over 41 copies of the sample (16,728 moments) the words took the documents from 3.9 to 6.8 MB
and the GIN index, freshly built, from 0.94 to 1.71 MB; `quan*` (1,845 moments) took 16 ms.

Repeats, for ranking without ranking every match (`Classes`): a line that says a term twice
has `~term`, three times `~~term`; two of its words that start alike, the letters they share
(`~=quan` for "quand" and "quantique", `~=quantique` for "quantique" twice), from
MIN_PREFIX_CHARS letters on. They have no position and no query but `Classes`' asks for them.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from os.path import commonprefix

from search.analysis import BRIDGE_TERMS, common_pairs
from search.plan import AllOf, AnyOf, Node, Prefix, Terms, Without
from search.query import MIN_PREFIX_CHARS

# PostgreSQL refuses a lexeme of 2 KB or more; a query (200 characters at most) never
# holds such a term, so leaving it out of a document loses no match.
MAX_LEXEME_BYTES = 2046
# Marks a word as said (weight C) apart from the terms: no term starts with it.
WORD_MARK = "="
# Marks a term or the start of words said more than once in a line (`repeats`).
REPEAT_MARK = "~"
# Marks two terms said one after the other (`pairs`).
PAIR_MARK = "+"
# What PostgreSQL keeps of a tsvector: 256 positions per lexeme, and 1 MB of lexemes and positions.
MAX_POSITIONS = 256
MAX_TSVECTOR_BYTES = 1_048_575


def lexeme(term: str) -> str:
    """A term quoted for a tsvector or tsquery literal (`aujourd'hui` -> `'aujourd''hui'`)."""
    if "'" in term or "\\" in term:
        term = term.replace("\\", "\\\\").replace("'", "''")
    return f"'{term}'"


def document(own: list[str], following: list[str], words: list[str]) -> str:
    """The tsvector literal of a moment: its own terms, then the start of the next line, and
    its own words folded (`words`, one per term of `own`) at their terms' positions."""
    bridge = following[:BRIDGE_TERMS]
    marked = [WORD_MARK + word for word in words]
    repeated = repeats(own, words) + pairs(own, bridge)
    # At most 4 bytes a character, and 5 more a lexeme (its position, and its own count and
    # alignment when it is new): PostgreSQL's count, as `_long_document` makes it.
    every = [*own, *bridge, *marked, *repeated]
    if sum(map(len, every)) * 4 + len(every) * 5 > MAX_TSVECTOR_BYTES:
        return _long_document(own, bridge, marked, repeated)
    if _plain(every):
        # As below, without quoting or checking each lexeme: 2.5x as fast, for nearly every line.
        entries = [f"'{term}':{position}A" for position, term in enumerate(own, 1)]
        entries += [f"'{term}':{position}B" for position, term in enumerate(bridge, len(own) + 1)]
        entries += [f"'{word}':{position}C" for position, word in enumerate(marked, 1)]
        entries += [f"'{mark}'" for mark in repeated]
        return " ".join(entries)
    entries = [f"{lexeme(term)}:{position}A" for position, term in enumerate(own, 1) if fits(term)]
    entries += [f"{lexeme(term)}:{position}B" for position, term in enumerate(bridge, len(own) + 1) if fits(term)]
    entries += [f"{lexeme(word)}:{position}C" for position, word in enumerate(marked, 1) if fits(word)]
    entries += [lexeme(mark) for mark in repeated if fits(mark)]
    return " ".join(entries)


def pairs(own: list[str], bridge: list[str]) -> list[str]:
    """A line's marks of two common terms in a row (`common_pairs`), `+a+b`, from its own first
    term to the next line's first: a phrase of such words, which begins in the line, asks for its
    first two terms so (`tsquery`), and the index answers with the lines where they follow each
    other, not with every line that says both. At 10,000 episodes counting 10,001 lines of
    "faut est" rechecked 225,956 lines that say both words, not in a row (435 ms); with its
    pair, its first 20 and its count took 40 ms (bench/explain_postgres.py)."""
    return sorted({pair_mark(first, second) for first, second in common_pairs(own + bridge[:1])})


def pair_mark(first: str, second: str) -> str:
    return f"{PAIR_MARK}{first}{PAIR_MARK}{second}"


def repeats(own: list[str], words: list[str]) -> list[str]:
    """A line's marks of repeats: `~t` for a term said at least twice, `~~t` three times; `~=p`
    for the longest start `p` (MIN_PREFIX_CHARS letters or more) that two of its words share.

    Two of the words start with the letters of a prefix exactly when two neighbours do once the
    words are sorted (the words that start so are next to each other), so the starts shared by
    neighbours are all a prefix needs: `'~=quan':*` finds every line with two words in "quan"."""
    counts = Counter(own)
    marks = {REPEAT_MARK + term for term, count in counts.items() if count >= 2}
    marks |= {2 * REPEAT_MARK + term for term, count in counts.items() if count >= 3}
    ordered = sorted(words)
    for word, following in pairwise(ordered):
        if word[:MIN_PREFIX_CHARS] != following[:MIN_PREFIX_CHARS]:
            continue  # most neighbours: 3x as fast as finding the start they share first
        shared = len(commonprefix([word, following]))  # noqa: RUF071 (words, not paths)
        if shared >= MIN_PREFIX_CHARS:
            marks.add(REPEAT_MARK + WORD_MARK + word[:shared])
    return sorted(marks)


def _long_document(own: list[str], bridge: list[str], marked: list[str], repeated: list[str]) -> str:
    """A line whose lexemes, repeats counted, may be more than PostgreSQL reads in a tsvector
    (it counts every lexeme written): a line of a million characters, `encore` 142,857 times,
    went over once its words were there as well as its terms. Each lexeme once, with the first
    MAX_POSITIONS positions that PostgreSQL keeps, and as many lexemes as fit, terms first, the
    marks (`repeats`, `pairs`) last: such a line may lose some, and then rank or match less.

    Only for such lines: it takes twice as long (10.8 against 4.6 ms for the sample's 432 lines)."""
    positions: dict[str, list[str]] = {}
    for weight, first, lexemes in (("A", 1, own), ("B", len(own) + 1, bridge), ("C", 1, marked)):
        for position, item in enumerate(lexemes, first):
            known = positions.setdefault(item, [])
            if len(known) < MAX_POSITIONS:
                known.append(f"{position}{weight}")
    positions.update((mark, []) for mark in repeated if mark not in positions)
    entries, size = [], 0
    for item, where in positions.items():
        # As PostgreSQL counts a tsvector: the lexeme, aligned to 2 bytes, its count of positions and each position.
        size += len(item.encode()) + 1 + 2 + 2 * len(where)
        if size > MAX_TSVECTOR_BYTES:
            break
        if fits(item):
            entries.append(f"{lexeme(item)}:{','.join(where)}" if where else lexeme(item))
    return " ".join(entries)


def _plain(lexemes: list[str]) -> bool:
    """Whether each of these lexemes fits and needs no quoting."""
    joined = "".join(lexemes)
    return "'" not in joined and "\\" not in joined and max(map(len, lexemes), default=0) * 4 <= MAX_LEXEME_BYTES


def fits(term: str) -> bool:
    """Whether PostgreSQL takes this term (a character is at most 4 bytes: most need no encoding)."""
    return len(term) * 4 <= MAX_LEXEME_BYTES or len(term.encode()) <= MAX_LEXEME_BYTES


def tsquery(node: Node) -> str | None:
    """The tsquery literal of a plan's tree; None when it can match nothing."""
    match node:
        case Terms(terms=(term,)):
            return f"{lexeme(term)}:A"
        case Terms(terms=(first, second, *rest)):
            phrase = " <-> ".join([f"{lexeme(first)}:A", lexeme(second), *map(lexeme, rest)])
            if not common_pairs([first, second]):
                return f"({phrase})"
            return f"(({phrase}) & {lexeme(pair_mark(first, second))})"
        case Prefix(prefix=prefix):
            return f"{lexeme(WORD_MARK + prefix)}:*C"
        case AnyOf(parts=parts):
            return _either(tsquery(part) for part in parts)
        case AllOf(parts=parts):
            wanted = [tsquery(part) for part in parts]
            return None if not wanted or None in wanted else "(" + " & ".join(wanted) + ")"
        case Without(wanted=wanted, excluded=excluded):
            kept = tsquery(wanted)
            dropped = _either(tsquery(part) for part in excluded)
            return kept if kept is None or dropped is None else f"({kept} & !{dropped})"
    raise TypeError(node)


def _either(parts: Iterable[str | None]) -> str | None:
    present = [part for part in parts if part is not None]
    return "(" + " | ".join(present) + ")" if present else None


@dataclass(frozen=True)
class Classes:
    """A query's matches in classes of rank, best first, that find the first k moments without
    ranking every match (`ts_rank` reads each match's document: 341,007 moments of "quantique" at
    10,000 episodes took 846 ms with every page in shared buffers).

    With no normalisation, `ts_rank` of a term, a prefix or terms and prefixes ORed is a sum, over
    the words they match in the line, of a value that grows with how many times each is said,
    divided by the query's size. So every line that says one of them once ranks the same, the
    lowest, and every other line ranks higher; for one term, each line that says it twice ranks
    the same, below those that say it three times or more. `ranked` asks for the best class, whose
    lines are ranked (the few that say it most); each of `tied` for the next ones, whose lines
    rank the same and come in the archive's order; the lines of no class come last, tied too.
    """

    ranked: str
    tied: tuple[str, ...] = ()


def classes(node: Node) -> Classes | None:
    """The classes of a query of one term, one prefix, or terms and prefixes ORed; None for others
    (phrases and words ANDed rank by how close the words are, not by a sum)."""
    match node:
        case Terms(terms=(term,)):
            return Classes(lexeme(2 * REPEAT_MARK + term), (lexeme(REPEAT_MARK + term),))
        case Prefix():
            return Classes(_twice(node))
        case AnyOf(parts=parts) if all(_counted(part) for part in parts):
            wanted = [tsquery(part) for part in parts]
            pairs = [f"{first} & {second}" for index, first in enumerate(wanted) for second in wanted[index + 1 :]]
            return Classes("(" + " | ".join([*map(_twice, parts), *(f"({pair})" for pair in pairs)]) + ")")
    return None


def _counted(node: Node) -> bool:
    return isinstance(node, Prefix) or (isinstance(node, Terms) and len(node.terms) == 1)


def _twice(node: Node) -> str:
    """The lines that say a term, or words of a prefix, twice or more."""
    match node:
        case Terms(terms=(term,)):
            return lexeme(REPEAT_MARK + term)
        case Prefix(prefix=prefix):
            return f"{lexeme(REPEAT_MARK + WORD_MARK + prefix)}:*"
    raise TypeError(node)
