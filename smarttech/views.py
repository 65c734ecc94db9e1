import hmac
import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from smarttech.health import health

log = logging.getLogger(__name__)

ROBOTS = """User-agent: *
Disallow: /admin/
Disallow: /api/
Disallow: /search/
Allow: /
"""


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    return HttpResponse(f"{ROBOTS}Sitemap: {sitemap}\n", content_type="text/plain; charset=utf-8")


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    found = health(settings.ARCHIVE_HEALTH_MAX_JOB_AGE_SECONDS)
    if found.failing:
        log.warning("/healthz %s: %s", found.status, found.reason())
    return JsonResponse(found.as_json(details=_may_see_details(request)), status=200 if found.healthy else 503)


def _may_see_details(request: HttpRequest) -> bool:
    """Staff, or a monitor sending the health token (`Authorization: Bearer …`)."""
    token = settings.ARCHIVE_HEALTH_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and given and hmac.compare_digest(given.encode(), token.encode()):
        return True
    try:
        return request.user.is_staff
    except DatabaseError:  # the session is in the database, which may be the check that fails
        return False


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """The site's icon, for browsers and crawlers that ask /favicon.ico whatever the page says.
    Not a permanent redirect: the icon's hashed name changes with it."""
    return redirect(static("favicon.svg"))
