"""The search engine follows every change to the database, whichever engine searches:
reimports, publishing, deletions, the admin's edits, drafts and rebuilds. How each engine keeps
in step is tested in its own folder, tests/search/engines/NAME/."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from episodes.forms import moment_text
from episodes.models import Episode
from episodes.services import edit_segment, import_transcript, set_published
from search.models import IndexJob
from search.moments import Filters, find_moments, flat_page
from tests.conftest import index_now
from tests.factories import make_episode
from tests.search.probes import found, indexed, listed, published_segment_ids


def test_load_sample_returns_once_the_sample_is_searchable(transactional_db):
    call_command("load_sample", stdout=StringIO())
    assert indexed() == published_segment_ids()
    assert len(indexed()) == 408
    assert not IndexJob.objects.exists()


def test_a_reimport_leaves_no_stale_moment(client, sample_episode, sample_bytes):
    edited = sample_bytes.replace(b"Excellente journ\xc3\xa9e.", b"Belle soir\xc3\xa9e quinquennale.")
    import_transcript(data=edited, filename="smart-tech-2025-06-19.txt")
    index_now()
    assert indexed() == published_segment_ids()
    assert found(client, "quinquennale") == ["28:18"]
    assert found(client, '"Excellente journée"') == []


def test_unpublishing_removes_every_moment_and_publishing_brings_them_back(client, sample_episode):
    set_published([sample_episode], False)
    index_now()
    assert indexed() == [] and found(client, "quantique") == []
    set_published([sample_episode], True)
    index_now()
    assert len(indexed()) == 408


def test_a_deleted_episode_leaves_the_results(admin_client, sample_episode):
    admin_client.post(f"/admin/episodes/episode/{sample_episode.pk}/delete/", {"post": "yes"})
    assert not Episode.objects.exists()
    index_now()
    assert indexed() == [] and found(admin_client, "quantique") == []


def test_a_line_deleted_in_the_admin_leaves_the_results(admin_client, sample_episode):
    segment = sample_episode.segments.get(start_ms=531_000)
    admin_client.post(f"/admin/episodes/segment/{segment.pk}/delete/", {"post": "yes"})
    index_now()
    assert found(admin_client, '"Charles de Gaulle"') == []
    assert indexed() == published_segment_ids()


def test_a_line_corrected_in_the_admin_reaches_search(admin_client, sample_episode):
    segment = sample_episode.segments.get(start_ms=531_000)
    # The admin's line form reads times as staff type them.
    form = {"episode": sample_episode.pk, "position": segment.position, "start_ms": "08:51"}
    form |= {"end_ms": moment_text(segment.end_ms), "text": "Le porte-avions Richelieu.", "speaker": ""}
    response = admin_client.post(f"/admin/episodes/segment/{segment.pk}/change/", form)
    assert response.status_code == 302
    index_now()
    assert found(admin_client, "Richelieu") == ["08:51"]


def test_a_rolled_back_change_leaves_no_job_and_never_reaches_the_index(client, sample_episode):
    with pytest.raises(RuntimeError), transaction.atomic():
        edit_segment(segment=sample_episode.segments.get(start_ms=531_000), text="fantôme")
        raise RuntimeError("rollback")
    assert not IndexJob.objects.exists()
    index_now()
    assert found(client, "fantôme") == []
    assert indexed() == published_segment_ids()


def test_a_draft_import_is_never_indexed(client, transactional_db):
    make_episode("Brouillon confidentiel.", published=False)
    index_now()
    assert indexed() == [] and found(client, "confidentiel") == []


def test_rebuild_index_rebuilds_the_published_moments(client, sample_episode):
    Episode.objects.create(show=sample_episode.show, title="Brouillon", slug="b", air_date="2024-01-01")
    call_command("rebuild_index", interactive=False, stdout=StringIO(), stderr=StringIO())
    assert indexed() == published_segment_ids()
    assert found(client, '"souveraineté qui était"') == ["13:58"]
    assert set(found(client, "NIS2")) == {"21:49", "21:50", "27:06"}


def test_an_unchanged_reimport_finds_the_same_moments_before_and_after_the_worker(client, sample_episode, sample_bytes):
    before = listed(client, "quantique")
    import_transcript(data=sample_bytes, filename="smart-tech-2025-06-19.txt")  # committed, not yet indexed
    assert listed(client, "quantique") == before
    index_now()
    assert listed(client, "quantique") == before
    assert before[0] == len(before[1]) == 22


def test_a_page_built_as_a_reimport_commits_shows_every_moment_counted(sample_episode, sample_bytes):
    found = find_moments("quantique", Filters())
    import_transcript(data=sample_bytes, filename="smart-tech-2025-06-19.txt")  # between the search and its pages
    shown = flat_page(found, 1).object_list + flat_page(found, 2).object_list
    assert found.count == len(shown) == 22


def test_the_count_drops_an_unpublished_episode_before_the_worker_runs(client, sample_episode):
    set_published([sample_episode], False)
    assert client.get("/api/search/", {"q": "quantique"}).json()["count"] == 0
