"""An episode's web page fetched from its address, for `import_transcript https://…`.

The standard library's urllib: one GET, nothing to install. Only http and https, also
after a redirect (urllib alone would follow one to ftp://); a page over the size limit
is refused without reading past it; every wait for the server is bounded.
"""

import http.client
import time
import urllib.error
import urllib.request
from urllib.parse import urljoin, urlsplit

from episodes.parsing.types import N_, Quantity, TranslatableError

SCHEMES = ("http", "https")
TIMEOUT_SECONDS = 15.0
# The whole download may take this many timeouts, however slowly the server sends it.
DOWNLOAD_TIMEOUTS = 4
CHUNK_BYTES = 64 * 1024
# What the archive reads: web pages and text, and the Podcasting 2.0 transcript types.
CONTENT_TYPES = ("application/xhtml+xml", "application/json", "application/x-subrip")
URL_MAX_LENGTH = 1000  # Episode.source_url's


class FetchError(TranslatableError):
    """The page could not be fetched; the message says why, and the command names the address."""


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect to http or https only: urllib alone would follow one to ftp://."""

    def http_error_302(self, req, fp, code, msg, headers):
        target = urljoin(req.full_url, headers.get("Location") or headers.get("URI") or "")
        if urlsplit(target).scheme.lower() not in SCHEMES:
            raise FetchError(N_("redirected to %(target)s, which is not an http or https address"), target=target)
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def check_address(url: str) -> None:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # `http://[::1`
        raise FetchError(N_("this is not a valid web address")) from None
    if parts.scheme.lower() not in SCHEMES:
        raise FetchError(N_("only http and https addresses can be fetched"))
    if not host:
        raise FetchError(N_("this is not a valid web address"))
    if len(url) > URL_MAX_LENGTH:
        raise FetchError(N_("the address is over %(max)s characters"), max=Quantity(URL_MAX_LENGTH))


def fetch_page(url: str, *, max_bytes: int, user_agent: str, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """The body of the page at `url`; FetchError for anything but a 200 answer of text within the limits."""
    check_address(url)
    opener = urllib.request.build_opener(_HttpOnlyRedirects)
    headers = {"User-Agent": user_agent, "Accept": "text/html, text/*;q=0.9, */*;q=0.1"}
    request = urllib.request.Request(url, headers=headers)
    try:
        with opener.open(request, timeout=timeout) as response:
            _check_response(response, max_bytes)
            return _read(response, max_bytes, seconds=timeout * DOWNLOAD_TIMEOUTS)
    except FetchError:
        raise
    except urllib.error.HTTPError as error:
        raise _answered(error.code, error.reason) from None
    except TimeoutError:
        raise _no_answer(timeout) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise _no_answer(timeout) from None
        raise FetchError(N_("cannot fetch the page: %(reason)s"), reason=str(error.reason)) from None
    except (OSError, http.client.HTTPException, ValueError) as error:
        raise FetchError(N_("cannot fetch the page: %(reason)s"), reason=str(error) or type(error).__name__) from None


def _check_response(response: http.client.HTTPResponse, max_bytes: int) -> None:
    if response.status != 200:
        raise _answered(response.status, response.reason)
    content_type = response.headers.get_content_type()
    if not (content_type.startswith("text/") or content_type in CONTENT_TYPES):
        raise FetchError(N_("the address gives %(type)s, not a web page or text"), type=content_type)
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise _too_big(max_bytes)


def _read(response: http.client.HTTPResponse, max_bytes: int, seconds: float) -> bytes:
    """At most `max_bytes` within `seconds`: a page that goes on past either is refused there."""
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    size = 0
    # read1 returns what has come, so that a server sending a byte at a time still meets the deadline.
    while chunk := response.read1(CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            raise _too_big(max_bytes)
        if time.monotonic() > deadline:
            message = N_("the page took over %(seconds)s seconds to download")
            raise FetchError(message, seconds=seconds if seconds % 1 else int(seconds))
        chunks.append(chunk)
    return b"".join(chunks)


def _no_answer(timeout: float) -> FetchError:
    # `15 seconds`, `0.5 seconds`: as the option was written.
    return FetchError(N_("no answer within %(seconds)s seconds"), seconds=timeout if timeout % 1 else int(timeout))


def _answered(status: int, reason: str) -> FetchError:
    return FetchError(N_("the server answered %(status)s %(reason)s"), status=status, reason=reason)


def _too_big(max_bytes: int) -> FetchError:
    return FetchError(N_("the page is over the %(limit)s MB limit"), limit=round(max_bytes / 1024 / 1024))
