"""Two production servers (bin/serve-production: gunicorn) on two loopback ports, each with a data
folder of its own, sharing one PostgreSQL database and the PostgreSQL search engine."""

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import REPO, free_port

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql" or settings.ARCHIVE_SEARCH_ENGINE != "postgres",
    reason="several servers share one PostgreSQL database and its search engine (the PostgreSQL pass)",
)
WORD = "zorglubification"


def database_url() -> str:
    """The test database's address, for the servers (the test process made and migrated it)."""
    db = connection.settings_dict
    user = urllib.parse.quote(db["USER"] or "")
    password = urllib.parse.quote(db["PASSWORD"] or "")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}{db['HOST'] or ''}{port}/{db['NAME']}"


class Server:
    def __init__(self, tmp_path: Path, name: str, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "ARCHIVE_SEARCH_ENGINE": "postgres",
            "ARCHIVE_DATA_DIR": str(tmp_path / name),
            "DJANGO_SECRET_KEY": "two servers share one secret key",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "ADDRESS": f"127.0.0.1:{self.port}",
            "WEB_WORKERS": "2",
            "WEB_THREADS": "2",
            "ARCHIVE_HEALTH_TOKEN": "the monitor's token",
            **env,
        }
        self.log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [REPO / "bin" / "serve-production"], env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def wait_until_up(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, Path(self.log.name).read_text()
            try:
                urllib.request.urlopen(self.url + "/", timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"{self.url} did not answer in {seconds} s")

    def search(self, query: str) -> dict:
        with urllib.request.urlopen(f"{self.url}/api/search/?q={urllib.parse.quote(query)}", timeout=5) as response:
            return json.load(response)

    def health(self) -> dict:
        request = urllib.request.Request(f"{self.url}/healthz", headers={"Authorization": "Bearer the monitor's token"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
            return json.load(response)

    def manage(self, *args: str) -> str:
        command = [REPO / ".venv" / "bin" / "python", REPO / "manage.py", *args]
        return subprocess.run(command, env=self.env, check=True, capture_output=True, text=True).stdout

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        self.log.close()


@pytest.fixture
def servers(tmp_path, transactional_db):
    started = [Server(tmp_path, "first"), Server(tmp_path, "second")]
    try:
        for server in started:
            server.wait_until_up()
        yield started
    finally:
        for server in started:
            server.stop()


class Admin:
    """A staff member signed in to one server's admin."""

    def __init__(self, server: Server, username: str, password: str) -> None:
        self.server = server
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = {"username": username, "password": password, "next": "/admin/"}
        self.post("/admin/login/?next=/admin/", form, page="/admin/login/")

    def post(self, path: str, form: dict, *, page: str) -> None:
        html = self.opener.open(self.server.url + page).read().decode()
        form = {"csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1], **form}
        request = urllib.request.Request(self.server.url + path, urllib.parse.urlencode(form).encode())
        self.opener.open(request).read()

    def episode_action(self, action: str, episode_id: int) -> None:
        changelist = "/admin/episodes/episode/"
        self.post(changelist, {"action": action, "_selected_action": episode_id, "index": 0}, page=changelist)


def test_what_one_server_changes_the_other_serves_at_once_and_keeps_serving_alone(servers, tmp_path):
    from django.contrib.auth.models import User

    from episodes.models import Episode

    first, second = servers
    assert first.health()["status"] == second.health()["status"] == "ok"
    transcript = tmp_path / "shared.srt"
    transcript.write_text(f"1\n00:00:01,000 --> 00:00:04,000\nLa {WORD} des archives.\n", encoding="utf-8")
    assert second.search(WORD)["count"] == 0

    first.manage("import_transcript", str(transcript), "--show", "Deux serveurs", "--date", "2025-01-02")
    imported = time.monotonic()
    while second.search(WORD)["count"] == 0:
        assert time.monotonic() - imported < 1.0, "the second server did not find the import within a second"
        time.sleep(0.02)
    assert second.search(WORD)["results"][0]["start"] == 1.0

    User.objects.create_superuser("editor", "editor@example.org", "a long enough password")
    episode = Episode.objects.get(show__name="Deux serveurs")
    Admin(first, "editor", "a long enough password").episode_action("unpublish", episode.pk)
    assert second.search(WORD)["count"] == 0
    Admin(second, "editor", "a long enough password").episode_action("publish", episode.pk)
    assert first.search(WORD)["count"] == 1

    first.stop()
    with pytest.raises(OSError):
        urllib.request.urlopen(first.url + "/", timeout=2)
    assert second.search(WORD)["count"] == 1
    with urllib.request.urlopen(second.url + episode.get_absolute_url(), timeout=5) as response:
        assert response.status == 200 and WORD in response.read().decode()
    checks = second.health()["checks"]
    assert checks["database"]["ok"] and checks["search"]["ok"] and checks["index_jobs"]["waiting"] == 0
