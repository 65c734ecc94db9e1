"""The engine is chosen by ARCHIVE_SEARCH_ENGINE; what the PostgreSQL engine stores and asks."""

import inspect
import os
import subprocess
import sys
from io import StringIO
from typing import get_type_hints

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils.module_loading import import_string

from search.apps import DATABASE_URLS
from search.engines import Engine
from search.engines.postgres.text import document, lexeme, tsquery
from search.plan import AllOf, AnyOf, Prefix, Terms, Without
from tests.conftest import REPO


def test_the_postgres_engine_refuses_to_start_on_sqlite(tmp_path):
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(tmp_path), "ARCHIVE_SEARCH_ENGINE": "postgres"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ARCHIVE_SEARCH_ENGINE=postgres" in result.stderr and "DATABASE_URL" in result.stderr


def test_an_unknown_engine_is_refused(tmp_path):
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(tmp_path), "ARCHIVE_SEARCH_ENGINE": "solr"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "expected whoosh or postgres" in result.stderr


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


@pytest.mark.postgres("what a tsvector holds")
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


@pytest.mark.postgres("statement_timeout")
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


def test_whoosh_pairs_a_common_term_with_any_other_and_postgresql_only_two_common_terms():
    from search.engines.whoosh.schema import pair_terms

    # Whoosh reads postings in Python: "de quantique" asks for its pair, not for every line with "de".
    assert pair_terms(["il", "est", "quantiqu", "ordin", "de"]) == ["il+est", "est+quantiqu", "ordin+de"]
    assert document(["il", "est", "quantiqu"], [], ["il", "est", "quantique"]).endswith("'+il+est'")


@pytest.mark.parametrize("name", list(settings.ARCHIVE_SEARCH_ENGINES))
def test_every_engine_declares_and_does_all_that_the_archive_asks_of_an_engine(name):
    engine_class = import_string(settings.ARCHIVE_SEARCH_ENGINES[name])
    for attribute, kind in get_type_hints(Engine).items():
        assert isinstance(getattr(engine_class, attribute), kind), f"{name} declares no {attribute}: {kind}"
    asked = {key: value for key, value in vars(Engine).items() if inspect.isfunction(value) and key[0] != "_"}
    for method, protocol in asked.items():
        assert inspect.signature(getattr(engine_class, method)) == inspect.signature(protocol), method
    assert engine_class.database_vendor in (None, *DATABASE_URLS)


@pytest.mark.parametrize("name", list(settings.ARCHIVE_SEARCH_ENGINES))
def test_the_index_worker_says_whether_the_engine_needs_it(name, settings):
    settings.ARCHIVE_SEARCH_ENGINE = name
    if import_string(settings.ARCHIVE_SEARCH_ENGINES[name]).needs_worker:
        out = StringIO()
        call_command("index_worker", "--needed", stdout=out)
        assert "needs an index worker" in out.getvalue()
    else:
        with pytest.raises(CommandError, match="needs no index worker"):
            call_command("index_worker", "--needed")
