from io import StringIO

import pytest
from django.core.management import call_command

from episodes.models import Episode, Person, Segment

pytestmark = pytest.mark.django_db


def load() -> str:
    out = StringIO()
    call_command("load_sample", stdout=out)
    return out.getvalue()


def test_it_loads_the_sample_shipped_in_the_repository():
    assert "SMART TECH du 19 juin 2025 (408 segments)" in load()
    episode = Episode.objects.published().get()
    assert episode.segments.count() == 408


def test_it_is_safe_to_run_twice():
    load()
    assert "already there" in load()
    assert (Episode.objects.count(), Segment.objects.count(), Person.objects.count()) == (1, 408, 5)
