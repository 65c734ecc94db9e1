from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from smarttech.health import health

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
    return JsonResponse(found.as_json(), status=200 if found.healthy else 503)
