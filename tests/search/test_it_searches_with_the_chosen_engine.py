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
from django.utils.module_loading import import_string

from search.apps import DATABASE_URLS
from search.engines import Engine
from search.engines.postgres.text import document
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
