"""The Whoosh engine's documents: one per moment (a published line), made from plain rows, and
Haystack's declaration of that index (`MomentIndex`, found through `search/search_indexes.py`)."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from haystack import indexes
from haystack.exceptions import SkipDocument

from episodes.models import Appearance, Episode, Segment
from search.analysis import analyze, folded_word, said_and_terms
from search.engines.whoosh.schema import head_terms, pair_terms, tail_terms

SEGMENT_CT = "episodes.segment"


@dataclass(frozen=True)
class EpisodeFields:
    """What every moment of an episode repeats in its document."""

    show: str
    people: str
    air_date: int


def moments() -> QuerySet[Segment]:
    """Every segment of a published episode, each knowing the text that follows it."""
    return Segment.objects.published().with_next_text()


def moment_documents(segments: QuerySet[Segment]) -> Iterator[dict[str, Any]]:
    """The index documents of these moments, episode by episode, in one pass over plain rows.

    Rows, not model instances and Haystack's per-field preparation: at archive scale
    that preparation cost more than Whoosh's own indexing.
    """
    episodes = episode_fields(segments.values("episode_id"))
    rows = segments.order_by("episode_id", "position").values_list(
        "pk", "episode_id", "text", "next_text", "start_ms", "end_ms"
    )
    # Each line analysed once, here: its terms are also the head of the line before it, and
    # Whoosh's writer is given the words (not the text to analyse again). CPU time a line of
    # bench's corpus: documents 36 -> 24 µs, Whoosh's add_document 172 -> 116 µs (its commit, 180 µs, stays).
    analysed = ((row, said_and_terms(row[2])) for row in rows.iterator(chunk_size=2000))
    current = next(analysed, None)
    while current is not None:
        following = next(analysed, None)
        (pk, episode_id, text, next_text, start_ms, end_ms), (said, terms) = current
        if not next_text:
            next_terms = []
        elif following is not None and following[0][2] == next_text:
            next_terms = following[1][1]
        else:
            next_terms = analyze(next_text)
        yield moment_document(pk, episode_id, text, said, terms, next_terms, start_ms, end_ms, episodes[episode_id])
        current = following


def episode_fields(episode_ids: Any) -> dict[int, EpisodeFields]:
    people: dict[int, list[str]] = {}
    appearances = Appearance.objects.filter(episode_id__in=episode_ids).order_by("person__slug")
    for episode_id, slug in appearances.values_list("episode_id", "person__slug").distinct():
        people.setdefault(episode_id, []).append(slug)
    rows = Episode.objects.filter(pk__in=episode_ids).values_list("pk", "show__slug", "air_date")
    return {
        pk: EpisodeFields(show, ",".join(people.get(pk, [])), day.year * 10_000 + day.month * 100 + day.day)
        for pk, show, day in rows
    }


def moment_document(
    pk: int,
    episode_id: int,
    text: str,
    said: list[str],
    terms: list[str],
    next_terms: list[str],
    start_ms: int,
    end_ms: int,
    episode: EpisodeFields,
) -> dict[str, Any]:
    """A moment's document, its words already analysed (`said_and_terms`): Whoosh indexes a
    list of words as they are, instead of putting a text through the field's analyzer."""
    return {
        "id": f"{SEGMENT_CT}.{pk}",
        "django_ct": SEGMENT_CT,
        "django_id": str(pk),
        "segment": pk,
        "text": terms,
        "_stored_text": text,
        "spell": said,
        "folded": [folded_word(word) for word in said],
        "pairs": pair_terms(terms),
        "tail": tail_terms(terms).split(),
        "head": head_terms(next_terms).split(),
        "episode": str(episode_id),
        "show": episode.show,
        "people": episode.people,
        "air_date": episode.air_date,
        "start_ms": start_ms,
        "end_ms": end_ms,
    }


class MomentIndex(indexes.SearchIndex, indexes.Indexable):
    """One document per segment: a moment that a search can land on.

    The fields name the schema's columns for Haystack; the documents themselves are
    built by `moment_document()`, the same for a Haystack update as for a rebuild.
    """

    text = indexes.CharField(document=True)
    segment = indexes.IntegerField()
    spell = indexes.CharField(stored=False)
    folded = indexes.CharField(stored=False)
    pairs = indexes.CharField(stored=False)
    tail = indexes.CharField(stored=False)
    head = indexes.CharField(stored=False)
    episode = indexes.CharField()
    show = indexes.CharField()
    people = indexes.CharField()
    air_date = indexes.IntegerField()
    start_ms = indexes.IntegerField()
    end_ms = indexes.IntegerField()

    def get_model(self) -> type[Segment]:
        return Segment

    def index_queryset(self, using: str | None = None) -> QuerySet[Segment]:
        return moments()

    def full_prepare(self, obj: Segment, with_string_facet: bool = True) -> dict[str, Any]:
        # Haystack's own commands hand segments one at a time; ours index whole episodes.
        for document in moment_documents(moments().filter(episode_id=obj.episode_id)):
            if document["django_id"] == str(obj.pk):
                return document
        raise SkipDocument  # not published
