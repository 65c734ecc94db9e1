"""`import_transcript` reads saved web pages, and fetches a page from its address (served here on 127.0.0.1)."""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from episodes.models import Episode
from tests.conftest import SAVED_PAGE

pytestmark = pytest.mark.django_db
LIMIT = 1024 * 1024  # ARCHIVE_MAX_UPLOAD_MB=1: over the saved page's 85 KB, quick to go past
SLOW_SECONDS = 3
SHORT_PAGE = (
    "<!doctype html><p>- 19/06/2025</p><p>Jeudi 19 juin 2025, retrouvez Marc Kaplan (dirigeant, VeriQloud) dans "
    "SMART TECH, une émission présentée par Delphine Sabattier.</p><p><span>00:00</span> Bonjour.</p>"
).encode()


class Pages(BaseHTTPRequestHandler):
    user_agents: list[str] = []

    def do_GET(self) -> None:
        Pages.user_agents.append(self.headers.get("User-Agent", ""))
        if self.path == "/smart-tech-du-19-juin-2025":
            self.answer(200, "text/html; charset=utf-8", SAVED_PAGE.read_bytes())
        elif self.path == "/short":
            self.answer(200, "text/html", SHORT_PAGE)
        elif self.path == "/slow":
            time.sleep(SLOW_SECONDS)
            self.answer(200, "text/html", SAVED_PAGE.read_bytes())
        elif self.path == "/big":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()  # no Content-Length: only reading tells the size
            self.wfile.write(b"<p>00:00 Un</p>" * (LIMIT // 10))
        elif self.path == "/image":
            self.answer(200, "image/png", b"\x89PNG\r\n")
        elif self.path == "/to-a-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
        else:
            self.answer(404, "text/html", b"<p>Introuvable</p>")

    def answer(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class Site(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # the import hangs up on a page too big or too slow, as it should: no traceback for that


@pytest.fixture(scope="module")
def site():
    server = Site(("127.0.0.1", 0), Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.TRANSCRIPT_MAX_BYTES = LIMIT


def closed_port() -> int:
    """A port nothing listens on: one just used and let go."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_transcript", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_an_address_is_fetched_and_becomes_the_episodes_source(site):
    address = f"{site}/smart-tech-du-19-juin-2025"
    out, err = run(address)
    assert err == ""
    assert out.startswith(f"{address}: created (published, 408 segments)")
    episode = Episode.objects.get()
    assert (episode.title, episode.source_url) == ("SMART TECH du 19 juin 2025", address)
    assert episode.segments.last().text == "Excellente journée."
    assert list(episode.appearances.values_list("person__name", "role")) == [
        ("Delphine Sabattier", "host"),
        ("Louis Soris", "guest"),
        ("Marc Kaplan", "guest"),
        ("Dorothée Decrop", "guest"),
        ("Alain Staron", "guest"),
    ]
    assert Pages.user_agents[-1].startswith("smarttech-archive (transcript import; +http://127.0.0.1:8000)")


def test_the_source_page_given_wins_over_the_address(site):
    run(f"{site}/short", "--source-url", "https://www.example.org/smart-tech-19-juin")
    assert Episode.objects.get().source_url == "https://www.example.org/smart-tech-19-juin"


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("{site}/missing", "the server answered 404 Not Found"),
        ("{site}/slow", "no answer within 0.5 seconds"),
        ("{site}/big", "the page is over the 1 MB limit"),
        ("{site}/image", "the address gives image/png, not a web page or text"),
        ("{site}/to-a-file", "redirected to file:///etc/passwd, which is not an http or https address"),
        ("file:///etc/passwd", "only http and https addresses can be fetched"),
        ("ftp://127.0.0.1/episode.html", "only http and https addresses can be fetched"),
        ("http://[::1/episode.html", "this is not a valid web address"),
        ("http://127.0.0.1:{closed_port}/", "cannot fetch the page: "),
    ],
    ids=["404", "timeout", "too-big", "not-text", "redirect-to-file", "file", "ftp", "not-an-address", "refused"],
)
def test_a_page_that_cannot_be_fetched_is_named_with_why_and_nothing_is_stored(site, address, message):
    address = address.format(site=site, closed_port=closed_port())
    err = StringIO()
    with pytest.raises(CommandError, match="1 of 1 files not imported"):
        call_command("import_transcript", address, "--timeout", "0.5", stdout=StringIO(), stderr=err)
    assert err.getvalue().startswith(f"{address}: {message}")
    assert not Episode.objects.exists()
