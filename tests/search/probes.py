"""What tests read of the search as a user or an operator would: the moments the engine holds,
what the API lists on all its pages, the ids the engine ranks, what check_index says; the sample
with one line changed and the admin's form of an unpublished episode."""

from io import StringIO

from django.core.management import call_command

from episodes.models import Segment
from tests.conftest import moments_held


def indexed(episode_id: int | None = None) -> list[int]:
    """The segment ids the engine holds (for one episode, or all)."""
    return moments_held(episode_id)


def published_segment_ids() -> list[int]:
    return sorted(Segment.objects.published().values_list("pk", flat=True))


def edited(sample: bytes) -> bytes:
    """The sample with one line changed (28:18)."""
    return sample.replace(b"Excellente journ\xc3\xa9e.", b"Belle soir\xc3\xa9e.")


def found(client, q: str) -> list[str]:
    return [r["timestamp"] for r in client.get("/api/search/", {"q": q}).json()["results"]]


def listed(client, q: str) -> tuple[int, list[str]]:
    """The count a search says, and the moments it lists on all its pages."""
    body = client.get("/api/search/", {"q": q}).json()
    results = body["results"]
    for number in range(2, body["pages"] + 1):
        results += client.get("/api/search/", {"q": q, "page": number}).json()["results"]
    return body["count"], sorted(result["url"] for result in results)


def unpublished(episode) -> dict:
    """The admin's form for the episode as it is, unpublished, its people removed."""
    return {
        "show": episode.show_id,
        "title": episode.title,
        "air_date": episode.air_date.isoformat(),
        "description": episode.description,
        "media_url": "",
        "is_published": "",
        "appearances-TOTAL_FORMS": "0",
        "appearances-INITIAL_FORMS": "0",
        # Its chapters left as they are.
        "chapters-TOTAL_FORMS": "0",
        "chapters-INITIAL_FORMS": "0",
    }


def segments(found) -> list[int]:
    return [hit.segment_id for hit in found.results.top(max(found.count, 1))]


def check(*args: str) -> str:
    out = StringIO()
    call_command("check_index", *args, stdout=out)
    return out.getvalue()
