"""Gunicorn's settings for the archive (bin/serve-production: `--config python:smarttech.gunicorn`).

The command line gives the address, workers, threads and timeout; this module adds the hooks.
"""

import logging
import time

from gunicorn.glogging import Logger

log = logging.getLogger(__name__)


def post_worker_init(worker) -> None:
    """Read what the first searches would, before the worker takes its first request."""
    from search.engines import engine

    try:
        engine().warm()
    except Exception:
        # Only a head start: the worker serves anyway, and its first searches read what they need.
        log.warning("Could not read the search index ahead of the first searches", exc_info=True)


# The access log: the visitor's own address (ClientAddressMiddleware), the time in UTC with its
# offset, the request, its status and size, referrer and agent, how long the answer took, and
# the request's id, which the error lines written while answering it carry too.
access_log_format = '%(h)s - %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms %({x-request-id}o)s'
logger_class = "smarttech.gunicorn.UtcLogger"


class UtcLogger(Logger):
    """gunicorn's own lines and access lines in UTC with the offset (+0000): Django sets each
    worker's time zone to TIME_ZONE, so the master and its workers wrote different zones."""

    def now(self) -> str:
        return time.strftime("[%d/%b/%Y:%H:%M:%S +0000]", time.gmtime())

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers + self.access_log.handlers:
            if handler.formatter:
                handler.formatter.converter = time.gmtime
