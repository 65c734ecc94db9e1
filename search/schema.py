"""The Whoosh schema of a moment (one transcript segment). Pure: Whoosh only.

Display data (titles, neighbours) comes from the database at query time, so the
index holds only what searching, filtering and sorting need.
"""

from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from search.analysis import french_analyzer, spelling_analyzer

# How many terms on each side of a segment boundary a phrase may span.
BRIDGE_TERMS = 8
# Ends the last terms of a segment (`tail`) and starts the first of the next (`head`),
# so a phrase matched across them must touch the boundary.
BOUNDARY = "|"


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
        text=TEXT(analyzer=french_analyzer(), stored=True, phrase=True),
        spell=TEXT(analyzer=spelling_analyzer(), phrase=False),
        tail=TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=True),
        head=TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=True),
        # Replacing an episode deletes by this term; hits read it from its column.
        episode=ID(stored=True, sortable=True),
        show=STORED,
        people=STORED,
        air_date=SortedNumber(int, bits=32, stored=True, sortable=True),
        start_ms=SortedNumber(int, bits=32, stored=True, sortable=True),
        end_ms=STORED,
    )


def tail_terms(terms: list[str]) -> str:
    return " ".join([*terms[-BRIDGE_TERMS:], BOUNDARY])


def head_terms(terms: list[str]) -> str:
    return " ".join([BOUNDARY, *terms[:BRIDGE_TERMS]])
