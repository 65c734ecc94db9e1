"""Keeping the index in step with the database, which is the source of truth.

Changes are indexed per episode, after the transaction that made them commits:
a rolled-back change never reaches the index, and an episode's moments are
replaced in one index commit (one delete, one batched add).
"""

import logging
import threading

from django.db import transaction
from haystack import connections

from episodes.models import Segment
from search.backends import FrenchWhooshSearchBackend
from search.search_indexes import MomentIndex

log = logging.getLogger(__name__)
_pending = threading.local()


def search_backend() -> FrenchWhooshSearchBackend:
    return connections["default"].get_backend()


def moment_index() -> MomentIndex:
    return connections["default"].get_unified_index().get_index(Segment)


def reindex_episode(episode_id: int) -> int:
    """Make the index hold exactly this episode's published moments; how many it now holds."""
    index, backend = moment_index(), search_backend()
    segments = index.index_queryset().filter(episode_id=episode_id)
    documents = [doc for doc in (backend.document(index, segment) for segment in segments) if doc]
    backend.replace_episode(episode_id, documents)
    return len(documents)


def schedule_episode(episode_id: int) -> None:
    """Reindex the episode once the current transaction commits (at once outside one)."""
    pending: set[int] = _pending.__dict__.setdefault("episodes", set())
    pending.add(episode_id)
    # One callback per call: after a rollback, the next commit still finds the id pending.
    transaction.on_commit(_flush)


def _flush() -> None:
    pending: set[int] = _pending.__dict__.setdefault("episodes", set())
    while pending:
        episode_id = pending.pop()
        try:
            reindex_episode(episode_id)
        except Exception:
            # The database change stands; `check_index --repair` brings the index back in step.
            log.exception("Could not index episode %s", episode_id)
