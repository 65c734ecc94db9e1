from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def always_fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("this page always fails")


urlpatterns = [path("always-fails/", always_fails), path("", include("smarttech.urls"))]

# The real site's error answers (an outage's 503).
from smarttech.urls import handler400, handler500  # noqa: E402, F401
