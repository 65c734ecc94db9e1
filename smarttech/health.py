"""Whether this server can serve the archive: for load balancers and monitoring (`/healthz`).

Each check is cheap enough to run every few seconds at any archive size: one query of the
database, one single-word search, the index's schema version, and the oldest waiting index job
(an indexed column). What they say holds no secret: no address, path, setting or error text,
only the kind of error.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min
from django.utils import timezone

from search.engines import Filters, engine
from search.models import IndexJob
from search.plan import Compiled, Terms
from smarttech.replicas import is_current, replica_lags

# A word whose search reads the index without returning much: what is timed is the round trip.
PROBE_TERM = "healthz"


# Without these the archive can't serve: a failing one takes the server out of a load balancer
# (503). The others fail as "degraded" (200): an index of an older version, or index jobs waiting,
# are the same on every server sharing the database, and search still answers meanwhile; taking
# every server out at once would take the site down for nothing.
ESSENTIAL = ("database", "search")


@dataclass
class Health:
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def failing(self) -> list[str]:
        return [name for name, check in self.checks.items() if not check["ok"]]

    @property
    def status(self) -> str:
        if any(name in ESSENTIAL for name in self.failing):
            return "failing"
        return "degraded" if self.failing else "ok"

    @property
    def healthy(self) -> bool:
        """Whether this server can serve: ok, or degraded."""
        return self.status != "failing"

    def as_json(self, *, details: bool) -> dict[str, Any]:
        """The status and the names of the failing checks; with `details` (staff, or the health
        token), each check's figures too, which tell how busy staff are (index jobs waiting)."""
        answer: dict[str, Any] = {"status": self.status, "failing": self.failing}
        if details:
            answer["checks"] = self.checks
        return answer

    def reason(self) -> str:
        """What fails, for the log: each failing check, with its kind of error when it raised one."""
        return ", ".join(
            f"{name} ({self.checks[name]['error']})" if "error" in self.checks[name] else name for name in self.failing
        )


def health(max_job_age_seconds: float) -> Health:
    """The checks; index jobs waiting longer than `max_job_age_seconds` fail them (the index
    worker is not keeping up, or not running)."""
    found = Health()
    found.checks["database"] = _timed(_database)
    found.checks["search"] = _timed(_search)
    found.checks["index_schema"] = _timed(_index_schema)
    found.checks["index_jobs"] = _timed(lambda: _index_jobs(max_job_age_seconds))
    if settings.REPLICAS:
        found.checks["replicas"] = _timed(_replicas)
    return found


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        result = check()
    except Exception as error:  # a check that fails says so; the others still run
        result = {"ok": False, "error": type(error).__name__}
    return result | {"ms": round((time.perf_counter() - start) * 1000, 1)}


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def _search() -> dict[str, Any]:
    matches = engine().find(Compiled(query=Terms((PROBE_TERM,))), Filters(), seconds=1.0)
    return {"ok": not matches.timed_out}


def _index_schema() -> dict[str, Any]:
    return {"ok": engine().is_current()}


def _index_jobs(max_age_seconds: float) -> dict[str, Any]:
    jobs = IndexJob.objects.aggregate(waiting=Count("pk"), oldest=Min("requested_at"))
    age = (timezone.now() - jobs["oldest"]).total_seconds() if jobs["oldest"] else None
    ok = age is None or age <= max_age_seconds
    return {"ok": ok, "waiting": jobs["waiting"], "oldest_seconds": None if age is None else round(age, 1)}


def _replicas() -> dict[str, Any]:
    """Each replica's lag (seconds, or null when it does not answer): degraded when one is
    skipped, since the primary then serves its reads."""
    lags = replica_lags()
    return {"ok": all(is_current(lag) for lag in lags.values()), "lag_seconds": lags}
