"""A database that does not answer: a real production server (gunicorn, DEBUG off) whose PostgreSQL
address has nobody listening. Pages and the API answer 503 with Retry-After, and each failed
request is one line of the log, not a traceback; /healthz fails and says why in the log."""

import json
import subprocess
import urllib.error
import urllib.request

import pytest

from tests.conftest import REPO, free_port
from tests.test_it_logs_errors import environment, wait_for

PAGES = ["/", "/episodes/", "/search/?q=quantique", "/shows/smart-tech/"]
API = ["/api/search/?q=quantique"]


def answer(url: str) -> urllib.error.HTTPError:
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(url, timeout=10)
    return failed.value


def test_pages_and_the_api_answer_503_with_retry_after_and_log_one_line_each(tmp_path):
    env = environment(tmp_path / "data")
    env.update(
        DJANGO_SETTINGS_MODULE="smarttech.settings",
        DATABASE_URL=f"postgres://127.0.0.1:{free_port()}/archive",  # nobody listens there
        DJANGO_SECRET_KEY="a long and random production secret key, for this test only: 0123456789",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        HOME=str(tmp_path),
    )
    log, port = tmp_path / "server.log", free_port()
    # gunicorn as bin/serve-production starts it (which itself refuses to start on a database it
    # can't reach: tests/test_it_releases_then_starts.py).
    command = [REPO / ".venv" / "bin" / "gunicorn", "smarttech.wsgi", "--config", "python:smarttech.gunicorn"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket"]
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        wait_for(port, server, seconds=60)
        base = f"http://127.0.0.1:{port}"
        for path in PAGES:
            page = answer(base + path)
            assert page.code == 503, path
            assert page.headers["Retry-After"] == "30"
            assert "indisponible" in page.read().decode()  # the small page, in French by default
        for path in API:
            error = answer(base + path)
            assert error.code == 503 and error.headers["Retry-After"] == "30"
            assert "indisponible" in json.load(error)["error"]
        health = answer(base + "/healthz")
        assert health.code == 503 and json.load(health)["status"] == "failing"
    finally:
        server.terminate()
        server.wait(timeout=30)
    logged = log.read_text()
    assert "Traceback" not in logged
    for path in PAGES + API:
        said = f"ERROR django.request: Service Unavailable: {path.split('?')[0]} (database unavailable: Operational"
        assert len([line for line in logged.splitlines() if said in line]) == 1, (path, logged)
    assert "WARNING smarttech.views: /healthz failing: database (OperationalError)" in logged
