"""Comparing what the search engine holds with the database, episode by episode."""

from dataclasses import dataclass, field

from episodes.models import Episode, Segment
from search.analysis import spelling_analyzer
from search.engines import StoredMoment, engine
from smarttech.progress import Progress


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


def index_drift(progress: Progress | None = None) -> list[Drift]:
    """Every episode whose moments in the index differ from its published segments."""
    in_index = engine().episodes_held()
    published = set(Episode.objects.published().values_list("pk", flat=True))
    labels = dict(Episode.objects.filter(pk__in=in_index | published).values_list("pk", "slug"))
    progress = progress or Progress("episodes", stream=None)
    progress.start(len(in_index | published))
    drifts = [
        _drift(pk, labels.get(pk, f"deleted episode {pk}")) for pk in progress.counted(sorted(in_index | published))
    ]
    progress.finish()
    return [drift for drift in drifts if drift]


def _drift(episode_id: int, label: str) -> Drift:
    rows = Segment.objects.published().filter(episode_id=episode_id)
    expected = {
        pk: StoredMoment(text, start, end, day)
        for pk, text, start, end, day in rows.values_list("pk", "text", "start_ms", "end_ms", "episode__air_date")
    }
    found = engine().stored_moments(episode_id)
    return Drift(
        episode_id=episode_id,
        label=label,
        missing=sorted(expected.keys() - found.keys()),
        stale=sorted(pk for pk in expected.keys() & found.keys() if expected[pk] != found[pk]),
        orphan=sorted(found.keys() - expected.keys()),
    )


@dataclass
class SpellingDrift:
    """Words that suggestions may offer though no published line says them, and the reverse."""

    unsaid: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.unsaid or self.missing)

    def __str__(self) -> str:
        return (
            f"spelling dictionary: {len(self.unsaid)} words no published line says {self.unsaid[:5]}, "
            f"{len(self.missing)} words missing {self.missing[:5]}"
        )


def spelling_drift() -> SpellingDrift:
    """Compare the words suggestions draw from with the words of published lines."""
    analyzer = spelling_analyzer()
    said: set[str] = set()
    texts = Segment.objects.published().values_list("text", flat=True)
    for text in texts.iterator(chunk_size=5000):
        said.update(token.text for token in analyzer(text))
    known = engine().spelling_words()
    return SpellingDrift(unsaid=sorted(known - said), missing=sorted(said - known))
