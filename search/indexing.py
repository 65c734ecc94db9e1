"""Keeping the search engine in step with the database, which is the source of truth.

Every change to an episode tells the engine in its own transaction, asked for by the
service or admin action that made it (`request_reindex`). The PostgreSQL engine rewrites
the episode's rows right there. The Whoosh engine writes an IndexJob instead: a
rolled-back change leaves no job, a committed one always has one, even if the process
dies right after. The worker (`manage.py index_worker`) or a command that must return
only once its work is searchable (`process_index_jobs(episode_ids=...)`) then replaces
the episode's moments in one index commit: one delete, one batched add. With no job
(the PostgreSQL engine), processing the jobs does nothing.
"""

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, F, Q
from django.utils import timezone

from episodes.models import Segment
from search.engines import engine
from search.models import IndexJob

log = logging.getLogger(__name__)
# A failing job is retried after 5 s, 10 s, 20 s... at most every 10 minutes.
RETRY_BASE_SECONDS = 5
RETRY_MAX_SECONDS = 600
# Moments a writer process holds in a megabyte of ARCHIVE_INDEX_MEMORY_MB: Whoosh reckons
# 9,111 bytes for a line of bench/corpus.py (the sample's line lengths, 53 postings a line).
MOMENTS_PER_MB = 100
# Episodes whose moments are counted in one query.
EPISODES_PER_QUERY = 500


@dataclass(frozen=True)
class Processed:
    done: int = 0
    failed: int = 0


def reindex_episode(episode_id: int) -> int:
    """Make the index hold exactly this episode's published moments; how many it now holds."""
    return reindex_episodes([episode_id])


def reindex_episodes(episode_ids: list[int]) -> int:
    """The same for several episodes, in one index commit."""
    return engine().replace_episodes(episode_ids)


def request_reindex(*episode_ids: int) -> None:
    """Tell the search engine, within the current transaction, that these episodes changed.

    Called by the service or admin action that made the change, once per change, not
    per row through signals (a re-import wrote one job per deleted line that way).
    """
    if episode_ids:
        engine().episodes_changed(*episode_ids)


def request_jobs(*episode_ids: int) -> None:
    """Ask, within the current transaction, for these episodes to be reindexed: one job each."""
    if not episode_ids:
        return
    now = timezone.now()
    IndexJob.objects.bulk_create(
        [IndexJob(episode_id=episode_id, requested_at=now) for episode_id in sorted(set(episode_ids))],
        update_conflicts=True,
        unique_fields=["episode_id"],
        update_fields=["requested_at", "not_before"],
    )


def process_index_jobs(*, episode_ids: Iterable[int] | None = None, limit: int | None = None) -> Processed:
    """Do the pending jobs that are due (only these episodes' when given)."""
    due = IndexJob.objects.filter(Q(not_before__isnull=True) | Q(not_before__lte=timezone.now()))
    if episode_ids is not None:
        due = due.filter(episode_id__in=list(episode_ids))
    jobs = list(due[:limit] if limit else due)
    done = failed = 0
    for batch in _commits(jobs):
        if len(batch) > 1 and _process_together(batch):
            done += len(batch)
            continue
        for job in batch:
            if _process(job):
                done += 1
            else:
                failed += 1
    return Processed(done=done, failed=failed)


def moments_per_commit() -> int:
    """Moments at most in one index commit of many jobs: a folder import or a bulk upload replaces
    many episodes far faster together than in one commit each.

    As many as the writer processes sort in memory: each commit writes one segment per
    process, which no later commit merges again (search.engines.whoosh.backend.merge_small_segments). More
    would spill sorted runs to disk, which Whoosh writes and reads back a posting at a time
    (30,000 lines in 32 MB: 643 against 379 µs a line). So the memory sets how many segments a
    search reads: 30 at 10,000 episodes of 600 lines with 2 processes of 2,048 MB, against 200
    in commits of 100 episodes. The index's write lock is held for a commit: other writes wait.
    """
    return settings.ARCHIVE_INDEX_PROCS * settings.ARCHIVE_INDEX_MEMORY_MB * MOMENTS_PER_MB


def _commits(jobs: list[IndexJob]) -> Iterator[list[IndexJob]]:
    by_episode = {job.episode_id: job for job in jobs}
    for episode_ids in in_commits(list(by_episode)):
        yield [by_episode[episode_id] for episode_id in episode_ids]


def in_commits(episode_ids: list[int]) -> Iterator[list[int]]:
    """The episodes in runs, in order, each closed once it reaches `moments_per_commit()` moments,
    as a folder import closes its own (so no episode is left over for a commit of its own)."""
    sizes = moment_counts(episode_ids) if len(episode_ids) > 1 else {}
    most = moments_per_commit()
    run: list[int] = []
    moments = 0
    for episode_id in episode_ids:
        run.append(episode_id)
        moments += sizes.get(episode_id, 0)
        if moments >= most:
            yield run
            run, moments = [], 0
    if run:
        yield run


def moment_counts(episode_ids: list[int]) -> dict[int, int]:
    """How many lines each of these episodes has (none for an episode without any)."""
    counts: dict[int, int] = {}
    for start in range(0, len(episode_ids), EPISODES_PER_QUERY):
        lines = Segment.objects.filter(episode_id__in=episode_ids[start : start + EPISODES_PER_QUERY])
        counts.update(lines.order_by().values_list("episode_id").annotate(Count("pk")))
    return counts


def _process_together(jobs: list[IndexJob]) -> bool:
    try:
        reindex_episodes([job.episode_id for job in jobs])
    except Exception:
        log.warning("Could not index %s episodes at once; trying one by one", len(jobs), exc_info=True)
        return False
    for job in jobs:
        _finish(job)
    return True


def _process(job: IndexJob) -> bool:
    try:
        reindex_episode(job.episode_id)
    except Exception as error:
        log.exception("Could not index episode %s", job.episode_id)
        delay = min(RETRY_BASE_SECONDS * 2**job.attempts, RETRY_MAX_SECONDS)
        IndexJob.objects.filter(pk=job.pk).update(
            attempts=F("attempts") + 1,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            not_before=timezone.now() + timedelta(seconds=delay),
        )
        return False
    _finish(job)
    return True


def _finish(job: IndexJob) -> None:
    # Requested again while we worked? Then the job stays for another round.
    IndexJob.objects.filter(pk=job.pk, requested_at=job.requested_at).delete()
