"""With DEBUG off, errors reach standard error with their traceback, each line with its time in UTC
and its request's id, which the response and the access log carry too: checked on real server
processes. Errors are mailed to DJANGO_ADMINS, outages excepted."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, free_port


def environment(data_dir: Path) -> dict[str, str]:
    """The server's own SQLite archive in `data_dir`, whatever database the suite runs on."""
    # Its own SQLite archive searches with the default engine (PostgreSQL's refuses SQLite).
    unset = ("DATABASE_URL", "ARCHIVE_SEARCH_ENGINE")
    inherited = {key: value for key, value in os.environ.items() if key not in unset}
    return {
        **inherited,
        "DJANGO_DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "tests.error_site",
        "ARCHIVE_DATA_DIR": str(data_dir),
        "PYTHONUNBUFFERED": "1",
    }


def wait_for(port: int, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, server.communicate()[1]
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the server did not listen on port {port} within {seconds} s")


def test_a_server_error_is_logged_with_its_traceback_and_path(tmp_path):
    port = free_port()
    command = [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        command, cwd=REPO, env=environment(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for(port, server)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/always-fails/?x=1", timeout=10)
        except urllib.error.HTTPError as error:
            assert error.code == 500
            request_id = error.headers["X-Request-ID"]
        else:
            raise AssertionError("the failing page answered")
    finally:
        server.terminate()
        _out, stderr = server.communicate(timeout=10)
    line = next(line for line in stderr.splitlines() if "ERROR django.request" in line)
    assert re.fullmatch(
        rf"\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000 \[{request_id}\] ERROR django.request: "
        r"Internal Server Error: /always-fails/",
        line,
    ), line
    assert "Traceback (most recent call last):" in stderr
    assert "RuntimeError: this page always fails" in stderr


def test_the_archives_own_warnings_are_logged_with_their_source(tmp_path):
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('search.indexing').warning('the index is behind'); "
        "logging.getLogger('episodes.services').info('not worth a line')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=environment(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "WARNING search.indexing: the index is behind" in done.stderr
    assert "not worth a line" not in done.stderr


def test_behind_a_proxy_the_access_log_names_the_visitor_not_the_proxy(tmp_path):
    port = free_port()
    env = {**environment(tmp_path), "DJANGO_SETTINGS_MODULE": "smarttech.settings", "DJANGO_BEHIND_PROXY": "1"}
    command = [REPO / ".venv" / "bin" / "gunicorn", "smarttech.wsgi", "--config", "python:smarttech.gunicorn"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", "-", "--no-control-socket"]
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(port, server)
        # As nginx sends it: what the visitor claimed, then the address nginx saw.
        # and the id nginx gave the request ($request_id).
        headers = {"X-Forwarded-For": "6.6.6.6, 203.0.113.5", "X-Request-ID": "nginx-given-id-42"}
        request = urllib.request.Request(f"http://127.0.0.1:{port}/static/js/episode.js", headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            assert response.headers["X-Request-ID"] == "nginx-given-id-42"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=10) as response:
            own_id = response.headers["X-Request-ID"]
    finally:
        server.terminate()
        access_log, _errors = server.communicate(timeout=10)
    line = next(line for line in access_log.splitlines() if "/static/js/episode.js" in line)
    assert line.startswith("203.0.113.5 ")
    assert re.search(r"\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\]", line), line  # UTC, with the offset
    assert re.search(r" \d+ms nginx-given-id-42$", line), line  # how long it took, and its id
    home = next(line for line in access_log.splitlines() if '"GET /robots.txt HTTP' in line)
    assert re.fullmatch(r"[0-9a-f]{32}", own_id) and home.endswith(f"ms {own_id}")


@pytest.mark.urls("tests.error_site_urls")
def test_errors_are_mailed_to_the_admins_and_an_outage_is_not(db, settings, mailoutbox):
    from django.db import OperationalError, connection
    from django.test import Client

    settings.ADMINS = [("", "ops@example.org")]
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    assert client.get("/always-fails/").status_code == 500
    assert [mail.to for mail in mailoutbox] == [["ops@example.org"]]
    assert "Internal Server Error: /always-fails/" in mailoutbox[0].subject

    def refused(*args, **kwargs):
        raise OperationalError("the database went away")

    with connection.execute_wrapper(refused):
        assert client.get("/episodes/").status_code == 503
    assert len(mailoutbox) == 1
