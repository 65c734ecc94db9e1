"""Correcting a transcript: services, and the admin editor with its history."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User

from episodes.models import Segment
from episodes.services import EditError, edit_segment, merge_with_next, split_segment
from tests.conftest import index_now


def line(episode, start_ms: int) -> Segment:
    return episode.segments.get(start_ms=start_ms)


def positions(episode) -> list[int]:
    return list(episode.segments.order_by("position").values_list("position", flat=True))


@pytest.fixture
def editor(client, sample_episode):
    client.force_login(User.objects.create_superuser("editor", "e@example.org", "pw"))
    return client


def edit_url(episode) -> str:
    return f"/admin/episodes/episode/{episode.pk}/transcript/"


def test_a_corrected_line_is_searchable_by_its_new_words(client, sample_episode):
    edit_segment(segment=line(sample_episode, 1_309_000), text="Vous pensez à NIS2, par exemple ?", speaker="Delphine")
    index_now()
    results = client.get("/api/search/", {"q": "NIS2"}).json()["results"]
    at_2149 = next(r for r in results if r["timestamp"] == "21:49")
    assert at_2149["matched_variant"] is None and "<mark>NIS2</mark>" in at_2149["highlighted"]
    assert line(sample_episode, 1_309_000).speaker == "Delphine"


def test_moving_a_line_moves_the_end_of_the_one_before(sample_episode):
    moved = edit_segment(segment=line(sample_episode, 1_309_000), text="Vous pensez à Nice 2 ?", start_ms=1_308_000)
    before = sample_episode.segments.get(position=moved.position - 1)
    assert (before.end_ms, moved.start_ms) == (1_308_000, 1_308_000)


def test_a_line_cannot_move_past_its_neighbours_or_lose_its_text(sample_episode):
    with pytest.raises(EditError, match="between the lines before and after"):
        edit_segment(segment=line(sample_episode, 1_309_000), text="x", start_ms=1_400_000)
    with pytest.raises(EditError, match="needs text"):
        edit_segment(segment=line(sample_episode, 1_309_000), text="   ")
    assert line(sample_episode, 1_309_000).text == "Vous pensez à Nice 2, par exemple ?"


def test_splitting_makes_two_lines_in_order(sample_episode):
    segment = line(sample_episode, 1_310_000)
    at = segment.text.index("c'est-à-dire")
    new = split_segment(segment=segment, at=at, start_ms=1_315_000)
    first = line(sample_episode, 1_310_000)
    assert first.text.endswith("principalement Nice 2,") and first.end_ms == 1_315_000
    assert new.text.startswith("c'est-à-dire") and new.position == first.position + 1
    assert positions(sample_episode) == list(range(409))


def test_merging_joins_a_line_with_the_next(sample_episode):
    merged = merge_with_next(segment=line(sample_episode, 1_309_000))
    assert merged.text.startswith("Vous pensez à Nice 2, par exemple ? On pense à Nice 2")
    assert merged.end_ms == 1_322_000
    assert positions(sample_episode) == list(range(407))
    with pytest.raises(EditError, match="last line"):
        merge_with_next(segment=sample_episode.segments.order_by("-position").first())


def test_the_editor_saves_a_correction_and_records_it_in_the_history(editor, sample_episode, client):
    segment = line(sample_episode, 1_309_000)
    response = editor.post(
        edit_url(sample_episode),
        {"segment": segment.pk, "action": "save", "start": "21:49", "speaker": "", "text": "Vous pensez à NIS2 ?"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#line-{segment.pk}")
    assert line(sample_episode, 1_309_000).text == "Vous pensez à NIS2 ?"
    entry = LogEntry.objects.get(object_id=str(sample_episode.pk))
    assert entry.user.username == "editor" and "Vous pensez à NIS2 ?" in entry.get_change_message()
    index_now()
    assert "NIS2" in client.get(f"{sample_episode.get_absolute_url()}?t=1309").content.decode()


def test_the_editor_splits_and_merges(editor, sample_episode):
    segment = line(sample_episode, 1_310_000)
    editor.post(
        edit_url(sample_episode),
        {"segment": segment.pk, "action": "split", "split_words": "c'est-à-dire", "split_start": "21:55"},
    )
    assert sample_episode.segments.count() == 409
    editor.post(edit_url(sample_episode), {"segment": segment.pk, "action": "merge"})
    assert sample_episode.segments.count() == 408
    assert LogEntry.objects.filter(object_id=str(sample_episode.pk)).count() == 2


def test_the_editor_explains_a_refused_correction(editor, sample_episode):
    segment = line(sample_episode, 1_309_000)
    response = editor.post(
        edit_url(sample_episode), {"segment": segment.pk, "action": "save", "start": "99:00", "text": "x"}, follow=True
    )
    assert "between the lines before and after" in response.content.decode()
    assert not LogEntry.objects.exists()


def test_the_editor_lists_lines_a_page_at_a_time(editor, sample_episode):
    page = editor.get(edit_url(sample_episode), {"page": 5}).content.decode()
    assert page.count('class="line-form"') == 8
    assert "Excellente journée." in page


def test_only_staff_who_may_change_episodes_reach_the_editor(client, sample_episode):
    client.force_login(User.objects.create_user("viewer", password="pw", is_staff=True))
    assert client.get(edit_url(sample_episode)).status_code == 403
    assert client.post(edit_url(sample_episode), {"segment": 1, "action": "merge"}).status_code == 403
