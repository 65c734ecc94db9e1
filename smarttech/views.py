from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

ROBOTS = """User-agent: *
Disallow: /admin/
Disallow: /api/
Disallow: /search/
Allow: /
"""


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    return HttpResponse(ROBOTS, content_type="text/plain; charset=utf-8")
