"""A database that does not answer (stopped, restarting, unreachable) is an outage, not a bug:
pages and the API answer 503 with Retry-After, and the log gets one line per failed request
instead of a traceback each (a 25 s outage under load wrote 69 of them).

Other database errors (a bad query, a constraint) stay 500s with their traceback.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.defaults import server_error as django_server_error

# Seconds a client is asked to wait before trying again.
RETRY_AFTER = 30


def is_outage(error: BaseException | None) -> bool:
    return isinstance(error, OperationalError | InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the outage answer when the database is unavailable, else Django's 500 page."""
    if not is_outage(sys.exc_info()[1]):
        return django_server_error(request)
    if request.path.startswith("/api/"):
        message = _("The archive is unavailable for a moment: try again in a minute.")
        response = JsonResponse({"error": message}, status=503)
    else:
        # Rendered without the request's context: its processors would ask the database again.
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


class OneLinePerOutage(logging.Filter):
    """On `django.request`: a request failed by an outage is one line, its path and the error's
    first line, without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if is_outage(error):
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
            record.msg = f"{record.getMessage()} (database unavailable: {type(error).__name__}: {first_line})"
            record.args = None
            record.outage = True
            record.exc_info = None
            record.exc_text = None
        return True


class NotAnOutage(logging.Filter):
    """For the mail to ADMINS: every error but a request failed by an outage (`OneLinePerOutage`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "outage", False)
