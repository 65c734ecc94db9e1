"""Comparing the index with the database, episode by episode."""

from dataclasses import dataclass, field

from episodes.models import Episode, Segment
from search.analysis import spelling_analyzer
from search.indexing import search_backend
from search.moments import said_in, spelling_vocabularies


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
    texts = Segment.objects.filter(episode__is_published=True).values_list("text", flat=True)
    for text in texts.iterator(chunk_size=5000):
        said.update(token.text for token in analyzer(text))
    with search_backend().searcher() as searcher:
        known = {word for vocabulary in spelling_vocabularies(searcher) for word in vocabulary.all_words()}
        still_said = said_in(searcher)
        # Words of deleted moments stay in the lexicon until merged away, never offered: not drift.
        unsaid = sorted(word for word in known - said if still_said(word))
    return SpellingDrift(unsaid=unsaid, missing=sorted(said - known))
