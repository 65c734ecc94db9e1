"""The Whoosh schema of a moment (one transcript segment). Pure: Whoosh only.

Display data (titles, neighbours) comes from the database at query time, so the
index holds only what searching, filtering and sorting need.
"""

from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema

from search.analysis import french_analyzer, spelling_analyzer

# How many terms on each side of a segment boundary a phrase may span.
BRIDGE_TERMS = 8
# Ends the last terms of a segment (`tail`) and starts the first of the next (`head`),
# so a phrase matched across them must touch the boundary.
BOUNDARY = "|"


def moment_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        django_ct=ID(stored=True),
        django_id=ID(stored=True),
        text=TEXT(analyzer=french_analyzer(), stored=True, phrase=True),
        spell=TEXT(analyzer=spelling_analyzer(), phrase=False),
        tail=TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=True),
        head=TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=True),
        episode=ID(stored=True, sortable=True),
        show=ID,
        people=KEYWORD(commas=True),
        # Date ranges filter on air_date; start_ms only sorts and end_ms is only read back,
        # so they index one term per value instead of eight (30 % faster indexing).
        air_date=NUMERIC(int, bits=32, stored=True, sortable=True, shift_step=8),
        start_ms=NUMERIC(int, bits=32, stored=True, sortable=True, shift_step=32),
        end_ms=NUMERIC(int, bits=32, stored=True, shift_step=32),
    )


def tail_terms(terms: list[str]) -> str:
    return " ".join([*terms[-BRIDGE_TERMS:], BOUNDARY])


def head_terms(terms: list[str]) -> str:
    return " ".join([BOUNDARY, *terms[:BRIDGE_TERMS]])
