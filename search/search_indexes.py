from django.db.models import F, QuerySet, Window
from django.db.models.functions import Lead
from haystack import indexes

from episodes.models import Segment
from search.analysis import analyze
from search.schema import head_terms, tail_terms


def moments() -> QuerySet[Segment]:
    """Every segment of a published episode, with what its index document needs."""
    return (
        Segment.objects.filter(episode__is_published=True)
        .select_related("episode__show")
        .prefetch_related("episode__appearances__person")
        .annotate(
            next_text=Window(Lead("text"), partition_by=[F("episode_id")], order_by=F("position").asc()),
        )
    )


class MomentIndex(indexes.SearchIndex, indexes.Indexable):
    """One document per segment: a moment that a search can land on."""

    text = indexes.CharField(document=True, model_attr="text")
    spell = indexes.CharField(model_attr="text", stored=False)
    tail = indexes.CharField(stored=False)
    head = indexes.CharField(stored=False)
    episode = indexes.CharField(model_attr="episode_id")
    show = indexes.CharField(model_attr="episode__show__slug", stored=False)
    people = indexes.MultiValueField(stored=False)
    air_date = indexes.IntegerField()
    start_ms = indexes.IntegerField(model_attr="start_ms")
    end_ms = indexes.IntegerField(model_attr="end_ms")

    def get_model(self) -> type[Segment]:
        return Segment

    def index_queryset(self, using: str | None = None) -> QuerySet[Segment]:
        return moments()

    def prepare_tail(self, segment: Segment) -> str:
        return tail_terms(analyze(segment.text))

    def prepare_head(self, segment: Segment) -> str:
        following = getattr(segment, "next_text", None)
        return head_terms(analyze(following)) if following else ""

    def prepare_people(self, segment: Segment) -> list[str]:
        return sorted({appearance.person.slug for appearance in segment.episode.appearances.all()})

    def prepare_air_date(self, segment: Segment) -> int:
        day = segment.episode.air_date
        return day.year * 10_000 + day.month * 100 + day.day
