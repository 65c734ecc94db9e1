from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from haystack.signals import BaseSignalProcessor

from episodes.models import Appearance, Episode, Person, Segment
from search.indexing import request_reindex

FOLLOWED = (Episode, Segment, Appearance, Person)


class EpisodeSignalProcessor(BaseSignalProcessor):
    """Asks for the episodes a saved or deleted object belongs to to be reindexed.

    Haystack's RealtimeSignalProcessor indexes inside the transaction (a rollback
    leaves phantom moments), one object at a time, and ignores index_queryset()
    (drafts get indexed). Here a change only writes an IndexJob, in its own
    transaction; the worker does the indexing, through reindex_episode().
    """

    def setup(self) -> None:
        for model in FOLLOWED:
            post_save.connect(self.handle_change, sender=model)
            post_delete.connect(self.handle_change, sender=model)

    def teardown(self) -> None:
        for model in FOLLOWED:
            post_save.disconnect(self.handle_change, sender=model)
            post_delete.disconnect(self.handle_change, sender=model)

    def handle_change(self, sender: type[Model], instance: Model, **kwargs) -> None:
        for episode_id in episode_ids(instance):
            request_reindex(episode_id)


def episode_ids(instance: Model) -> list[int]:
    if isinstance(instance, Episode):
        return [instance.pk]
    if isinstance(instance, Person):
        return list(instance.appearances.values_list("episode_id", flat=True)) if instance.pk else []
    return [instance.episode_id]
