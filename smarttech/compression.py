"""Public pages sent compressed, never a page that holds a secret.

A page compressed with a secret in it (a CSRF token) and text an attacker chose (a search)
lets the attacker guess the secret from the sizes (BREACH). So a page is compressed only when
nothing in answering it asked for the CSRF token: the public pages (the language selector takes
none, smarttech/urls.py), not the admin's forms or the login. Static files come compressed from
WhiteNoise (gzip copies made by collectstatic). Behind nginx, it can compress instead: see
docs/operations.md.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware


class PublicPagesGZipMiddleware(GZipMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if holds_csrf_token(request, response):
            return response
        return super().process_response(request, response)


def holds_csrf_token(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether a form of the page asked for the CSRF token: Django's get_token() marks the
    request, and the CSRF middleware (or a view's csrf_protect, as the admin's login has) sets
    the cookie for it, then clears the mark."""
    return bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE")) or settings.CSRF_COOKIE_NAME in response.cookies
