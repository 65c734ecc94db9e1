"""Gunicorn's settings for the archive (bin/serve-production: `--config python:smarttech.gunicorn`).

The command line gives the address, workers, threads and timeout; this module adds the hooks.
"""

import logging

log = logging.getLogger(__name__)


def post_worker_init(worker) -> None:
    """Read what the first searches would, before the worker takes its first request."""
    from search.engines import engine

    try:
        engine().warm()
    except Exception:
        # Only a head start: the worker serves anyway, and its first searches read what they need.
        log.warning("Could not read the search index ahead of the first searches", exc_info=True)
