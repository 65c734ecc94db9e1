"""Comparing the index with the database, episode by episode."""

from dataclasses import dataclass, field

from episodes.models import Episode, Segment
from search.indexing import search_backend


@dataclass
class Drift:
    episode_id: int
    label: str
    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    orphan: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.missing or self.stale or self.orphan)

    def __str__(self) -> str:
        return f"{self.label}: {len(self.missing)} missing, {len(self.stale)} stale, {len(self.orphan)} orphan moments"


def index_drift() -> list[Drift]:
    """Every episode whose moments in the index differ from its published segments."""
    with search_backend().searcher() as searcher:
        in_index = {int(term) for term in searcher.reader().lexicon("episode")}
        published = set(Episode.objects.published().values_list("pk", flat=True))
        labels = dict(Episode.objects.filter(pk__in=in_index | published).values_list("pk", "slug"))
        drifts = [_drift(searcher, pk, labels.get(pk, f"deleted episode {pk}")) for pk in sorted(in_index | published)]
    return [drift for drift in drifts if drift]


def _drift(searcher, episode_id: int, label: str) -> Drift:
    rows = Segment.objects.filter(episode_id=episode_id, episode__is_published=True)
    expected = {
        pk: (text, start, end, _day(day))
        for pk, text, start, end, day in rows.values_list("pk", "text", "start_ms", "end_ms", "episode__air_date")
    }
    found = {
        int(doc["django_id"]): (doc["text"], doc["start_ms"], doc.get("end_ms"), doc["air_date"])
        for doc in searcher.documents(episode=str(episode_id))
    }
    return Drift(
        episode_id=episode_id,
        label=label,
        missing=sorted(expected.keys() - found.keys()),
        stale=sorted(pk for pk in expected.keys() & found.keys() if expected[pk] != found[pk]),
        orphan=sorted(found.keys() - expected.keys()),
    )


def _day(day) -> int:
    return day.year * 10_000 + day.month * 100 + day.day
