"""check_index, and rebuilding while the archive is in use."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from episodes.models import Episode
from search.moments import Filters, find_moments
from tests.search.behind_the_index import add_orphan, built_by_an_older_version, drop_moment, say_word
from tests.search.probes import check


def test_check_index_says_when_index_and_database_agree(sample_episode):
    assert check().strip() == "The index and the database agree."


def test_check_index_reports_missing_stale_and_orphan_moments_and_exits_non_zero(sample_episode):
    segments = list(sample_episode.segments.order_by("position")[:3])
    sample_episode.segments.filter(pk=segments[0].pk).update(text="Changé dans le dos de l'index")
    drop_moment(segments[1])
    add_orphan(sample_episode.pk, 999999, "fantôme")
    with pytest.raises(CommandError, match="1 episodes differ"):
        check()
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("check_index", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "smart-tech-du-19-juin-2025: 1 missing, 1 stale, 1 orphan moments"
    # The line changed behind the index's back: its old words are still offered, its new ones not;
    # nor are the words only the line removed from the index says ("28 minutes ... débriefer les actus").
    assert "'studio'" in lines[1] and lines[1].endswith("6 words missing ['28', 'actus', 'dos', 'débriefer', 'index']")


def test_check_index_repair_brings_the_index_back_in_step(client, sample_episode):
    sample_episode.segments.filter(start_ms=531_000).update(text="Le porte-avions Richelieu.")
    Episode.objects.filter(pk=sample_episode.pk).update(is_published=False)
    assert "Repaired 1 episodes" in check("--repair")
    assert check().strip() == "The index and the database agree."
    assert client.get("/api/search/", {"q": "quantique"}).json()["count"] == 0


def test_check_index_finds_an_index_from_an_older_version_and_repair_rebuilds_it(sample_episode, search_index):
    built_by_an_older_version(search_index)
    with pytest.raises(CommandError, match="built by an older version; run check_index --repair"):
        check()
    assert "Rebuilt the index from an older version: 408 moments." in check("--repair")
    assert check().strip() == "The index and the database agree."
    assert find_moments("quantique", Filters()).count == 22


def test_check_index_reports_a_spelling_dictionary_out_of_step_and_repair_mends_it(client, sample_episode):
    say_word(sample_episode.segments.order_by("position").first(), "zorglubification")
    assert client.get("/api/search/", {"q": "zorglubificaton"}).json()["suggestion"] == "zorglubification"
    out = StringIO()
    with pytest.raises(CommandError, match="spelling dictionary differs"):
        call_command("check_index", stdout=out)
    assert "spelling dictionary: 1 words no published line says ['zorglubification']" in out.getvalue()
    assert "agree" in check("--repair")
    assert check().strip() == "The index and the database agree."
    assert client.get("/api/search/", {"q": "zorglubificaton"}).json()["suggestion"] is None
