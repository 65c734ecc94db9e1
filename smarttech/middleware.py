from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from smarttech.client_address import client_address
from smarttech.logs import new_request_id, request_id


class ChosenLanguageMiddleware:
    """French unless the visitor chose another language with the selector.

    Unlike Django's LocaleMiddleware, the browser's Accept-Language is not
    consulted: the archive is French first, and a shared link must read the
    same for everyone until they choose otherwise.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", language)
        return response


class ClientAddressMiddleware:
    """Behind trusted proxies (ARCHIVE_TRUSTED_PROXIES), REMOTE_ADDR becomes the visitor's own address.

    First in the chain, so that login throttling (django-axes reads REMOTE_ADDR) and gunicorn's
    access log (it reads the same WSGI environ after the response) see the visitor, not the proxy:
    behind nginx every login came from 127.0.0.1, and five wrong passwords locked an account for all.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        trusted = settings.ARCHIVE_TRUSTED_PROXIES
        if trusted:
            meta = request.META
            meta["REMOTE_ADDR"] = client_address(
                meta.get("REMOTE_ADDR", ""), meta.get("HTTP_X_FORWARDED_FOR", ""), trusted
            )
        return self.get_response(request)


def remote_addr(request: HttpRequest) -> str | None:
    """The address django-axes throttles by: REMOTE_ADDR as ClientAddressMiddleware left it
    (named so that an installed django-ipware, which axes would otherwise prefer, changes nothing)."""
    return request.META.get("REMOTE_ADDR")


class RequestIdMiddleware:
    """Gives each request an id (the one a trusted proxy sent in X-Request-ID, else a new one),
    which every log line written while answering it carries (smarttech/logs.py) and the
    response sends back, for gunicorn's access log and for the visitor to quote."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID") if settings.ARCHIVE_TRUSTED_PROXIES else None
        token = request_id.set(new_request_id(given))
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id.get()
            return response
        finally:
            request_id.reset(token)
