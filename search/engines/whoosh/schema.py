"""The Whoosh schema of a moment (one transcript line). Pure: Whoosh only.

Display data (titles, neighbours) comes from the database at query time, so the
index holds only what searching, filtering and sorting need.
"""

from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from search.analysis import BRIDGE_TERMS, folding_analyzer, french_analyzer, pairs_with_a_common_term, spelling_analyzer

# Raised whenever the documents or fields change: an index of another version is rebuilt.
# 2: boundary terms carry their distance; only searched fields indexed; separate files.
# 3: each document's segment id in a column, so hits are segments without reading stored fields.
# 4: the words folded but not stemmed (`folded`), which prefixes search.
# 5: each two terms in a row (`pairs`), which phrases search.
# 6: only the pairs with a common term (`search.analysis.pairs_with_a_common_term`), which an
#    index of schema 5 may lack (it was written for a while with both terms common).
SCHEMA_VERSION = 6


class SortedNumber(NUMERIC):
    """A number kept for sorting (a column) and reading back (stored), never searched.

    Not indexing it saves each document a term; filters by date go through the database.
    """

    indexed = False


def moment_schema() -> Schema:
    return Schema(
        # Haystack's keys: `id` finds a document to replace; the others are only read back.
        id=ID(stored=True, unique=True),
        django_ct=STORED,
        django_id=STORED,
        # The segment again, as a column: every hit's segment is read from it at once.
        segment=SortedNumber(int, bits=64, sortable=True),
        text=TEXT(analyzer=french_analyzer(), stored=True, phrase=True),
        spell=TEXT(analyzer=spelling_analyzer(), phrase=False),
        # The words as said, folded but not stemmed: a prefix expands over this field's words.
        folded=TEXT(analyzer=folding_analyzer(), phrase=False),
        # Each two terms in a row (`quantiqu+ordin`): a phrase within the line asks for its
        # pairs, not for every line that says its words, with a position check on each.
        pairs=TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=False),
        # A segment's last terms and the next one's first, each with its distance from
        # the boundary: a phrase across it is then a few exact terms, no position check.
        tail=TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=False),
        head=TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=False),
        # Replacing an episode deletes by this term; hits read it from its column.
        episode=ID(stored=True, sortable=True),
        show=STORED,
        people=STORED,
        air_date=SortedNumber(int, bits=32, stored=True, sortable=True),
        start_ms=SortedNumber(int, bits=32, stored=True, sortable=True),
        end_ms=STORED,
    )


def pair_terms(terms: list[str]) -> list[str]:
    """A line's terms two by two, one at least common (`pairs_with_a_common_term`), as the
    `pairs` field holds them."""
    return [pair_term(first, second) for first, second in pairs_with_a_common_term(terms)]


def pair_term(first: str, second: str) -> str:
    return f"{first}+{second}"


def bridge_term(distance: int, term: str) -> str:
    """A term at this distance from a segment boundary (1 = touching it)."""
    return f"{distance}:{term}"


def tail_terms(terms: list[str]) -> str:
    return " ".join(bridge_term(distance, term) for distance, term in enumerate(reversed(terms[-BRIDGE_TERMS:]), 1))


def head_terms(terms: list[str]) -> str:
    return " ".join(bridge_term(distance, term) for distance, term in enumerate(terms[:BRIDGE_TERMS], 1))
