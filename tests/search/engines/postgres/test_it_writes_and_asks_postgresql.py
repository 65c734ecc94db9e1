"""What the PostgreSQL engine writes and asks: each line's document of terms, quoted as
PostgreSQL reads them verbatim, within what a tsvector holds; queries that start every word in
the line; the time limit as statement_timeout."""

import pytest
from django.db import connection

from search.engines.postgres.text import document, lexeme, tsquery
from search.plan import AllOf, AnyOf, Prefix, Terms, Without


def test_terms_are_quoted_as_postgresql_reads_them_verbatim():
    assert lexeme("aujourd'hui") == "'aujourd''hui'"
    assert lexeme("a\\b") == "'a\\\\b'"


def test_a_document_holds_its_own_terms_then_the_next_line_s_first_eight_then_its_words_and_pairs():
    next_line = [f"t{n}" for n in range(12)]
    assert document(["charl", "de", "gaull"], next_line, ["charles", "de", "gaulle"]) == (
        "'charl':1A 'de':2A 'gaull':3A "
        + " ".join(f"'t{n}':{n + 4}B" for n in range(8))
        + " '=charles':1C '=de':2C '=gaulle':3C"
    )
    # Two common terms in a row (`pairs`), up to the next line's first: not "charl de" nor "de gaull".
    assert document(["il", "est", "la"], ["de", "t1"], ["il", "est", "la"]).endswith(" '+est+la' '+il+est' '+la+de'")


def test_a_line_of_a_million_characters_writes_each_lexeme_once_with_the_positions_postgresql_keeps():
    literal = document(["encor"] * 142_857, [], ["encore"] * 142_857)
    assert literal.split(" ") == [
        # The marks of a word said more than once (`repeats`), without which it would rank as said
        # once, and of two terms in a row (`pairs`), without which no phrase would find it.
        "'encor':" + ",".join(f"{n}A" for n in range(1, 257)),
        "'=encore':" + ",".join(f"{n}C" for n in range(1, 257)),
        "'~=encore'",
        "'~encor'",
        "'~~encor'",
        "'+encor+encor'",
    ]


def test_a_line_of_more_distinct_lexemes_than_postgresql_reads_keeps_its_terms_first():
    terms = [f"{n:07d}" for n in range(60_000)]  # 720 KB as PostgreSQL counts them, and as much of words
    literal = document(terms, [], terms)
    assert f"'{terms[-1]}':60000A" in literal and "'=0000000':1C" in literal
    assert f"'={terms[-1]}'" not in literal


@pytest.mark.django_db
def test_postgresql_reads_the_document_of_a_line_of_a_million_characters():
    terms = [f"{n:07d}" for n in range(60_000)]
    with connection.cursor() as cursor:
        for literal in (document(["encor"] * 142_857, [], ["encore"] * 142_857), document(terms, [], terms)):
            cursor.execute("SELECT length(%s::text::tsvector)", [literal])
            assert cursor.fetchone()[0] == literal.count(" ") + 1


def test_a_query_starts_every_word_and_phrase_in_the_line_itself():
    query = Without(AllOf((Terms(("nis", "2")), AnyOf((Terms(("quantiqu",)), Prefix("cyb"))))), (Terms(("sfr",)),))
    assert tsquery(query) == "((('nis':A <-> '2') & ('quantiqu':A | '=cyb':*C)) & !('sfr':A))"
    # A phrase that starts with two common terms asks for their pair too.
    assert tsquery(Terms(("de", "la", "quantiqu"))) == "(('de':A <-> 'la' <-> 'quantiqu') & '+de+la')"


@pytest.mark.django_db
def test_the_time_limit_cancels_the_statement_and_never_outlives_the_search():
    """In the test's transaction, as in a request's: a limit set there would outlive the search."""
    from search.engines.postgres.results import _within

    def current() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return cursor.fetchone()[0]

    def sleep() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(5)")

    before = current()
    assert _within(0.05, sleep) == (None, True)
    assert current() == before
    assert _within(5, lambda: "done") == ("done", False)
    assert current() == before
