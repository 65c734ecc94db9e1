"""Reads from PostgreSQL streaming replicas (DATABASE_REPLICA_URLS), writes to the primary.

A request reads a replica when it only reads what visitors see: a GET or HEAD, not the admin,
and not from a visitor who wrote in the last ARCHIVE_READ_YOUR_WRITES_SECONDS (a cookie set by
their write), who sees their change at once from the primary. Everything else (commands, the
index worker, writes, staff pages) reads the primary. A replica that does not answer, or is more
than ARCHIVE_REPLICA_MAX_LAG_SECONDS behind, is skipped; when all are, the primary serves.
"""

import random
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

WROTE_COOKIE = "archive_wrote"
SAFE_METHODS = ("GET", "HEAD")
# Each process asks each replica how far behind it is at most this often.
CHECK_EVERY_SECONDS = 1.0

reads_replica: ContextVar[bool] = ContextVar("reads_replica", default=False)


class ReplicaReadsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        public_read = (
            request.method in SAFE_METHODS
            and not request.path.startswith("/admin/")
            and WROTE_COOKIE not in request.COOKIES
        )
        token = reads_replica.set(public_read and bool(settings.REPLICAS))
        try:
            response = self.get_response(request)
        finally:
            reads_replica.reset(token)
        if request.method not in SAFE_METHODS and settings.REPLICAS:
            seconds = settings.ARCHIVE_READ_YOUR_WRITES_SECONDS
            response.set_cookie(WROTE_COOKIE, "1", max_age=seconds, httponly=True, samesite="Lax")
        return response


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        if not reads_replica.get():
            return "default"
        healthy = [alias for alias, lag in replica_lags().items() if is_current(lag)]
        return random.choice(healthy) if healthy else "default"

    def db_for_write(self, model, **hints) -> str:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == "default"


_lags: dict[str, float | None] = {}
_checked_at = 0.0
_lock = threading.Lock()

# How far behind the primary a replica is: none when it has replayed all it received and is
# streaming; else the time since the last transaction it replayed.
LAG = (
    "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()"
    " AND EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0"
    " ELSE COALESCE(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 1e9) END"
)


def replica_lags() -> dict[str, float | None]:
    """Each replica's lag in seconds, or None when it does not answer; asked at most once a
    second per process, by one thread: the others go on with the last answers meanwhile (none
    yet: the primary), rather than wait behind a replica that is slow to answer."""
    global _checked_at
    with _lock:
        ask = time.monotonic() - _checked_at >= CHECK_EVERY_SECONDS
        if ask:
            _checked_at = time.monotonic()
    if ask:
        lags = {alias: _lag(alias) for alias in settings.REPLICAS}
        with _lock:
            _lags.update(lags)
    with _lock:
        return dict(_lags)


def is_current(lag: float | None) -> bool:
    return lag is not None and lag <= settings.ARCHIVE_REPLICA_MAX_LAG_SECONDS


def _lag(alias: str) -> float | None:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(LAG)
            return float(cursor.fetchone()[0])
    except DatabaseError:
        connections[alias].close()
        return None
