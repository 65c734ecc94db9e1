from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

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
