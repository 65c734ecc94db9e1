"""Every test gets its own empty index: what one test indexed never answers another's searches.

The two tests run in this order; the second would see the first's 408 moments if the
index were shared (the rows are rolled back, the documents would stay).
"""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.conftest import moments_held

pytestmark = pytest.mark.django_db


def documents_in_index() -> int:
    return len(moments_held())


def test_it_indexes_the_sample_in_a_rolled_back_test():
    call_command("load_sample", stdout=StringIO())
    assert documents_in_index() == 408


def test_the_next_test_starts_from_an_empty_index(client):
    assert documents_in_index() == 0
    assert client.get("/api/search/", {"q": "quantique"}).json()["count"] == 0
