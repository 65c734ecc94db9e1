"""What every log line carries: the time in UTC with its offset, and the id of the request it
belongs to, which the response sends (`X-Request-ID`) and gunicorn's access log writes, so that
an error line and its request's access line are found together.

Django sets each process's time zone to TIME_ZONE (Europe/Paris), so the lines are written in
UTC explicitly, whatever the machine's or the settings' zone.
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar

# The request being answered by this thread, "-" outside a request (commands, the index worker).
request_id: ContextVar[str] = ContextVar("request_id", default="-")
# What a proxy may give as the request's id (nginx: `proxy_set_header X-Request-ID $request_id`).
GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def new_request_id(given: str | None) -> str:
    """The id a trusted proxy gave the request, when it looks like one; else a new one."""
    if given and GIVEN_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


class WithRequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class UtcFormatter(logging.Formatter):
    """Times in UTC with their offset: 2026-12-05T23:58:01+0000."""

    converter = time.gmtime

    def __init__(self, fmt: str | None = None, datefmt: str | None = TIME_FORMAT, style: str = "%") -> None:
        super().__init__(fmt, datefmt or TIME_FORMAT, style)
