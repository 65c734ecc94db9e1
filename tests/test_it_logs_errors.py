"""With DEBUG off, errors reach standard error with their traceback: checked on a real server process."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

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
        else:
            raise AssertionError("the failing page answered")
    finally:
        server.terminate()
        _out, stderr = server.communicate(timeout=10)
    assert "ERROR django.request: Internal Server Error: /always-fails/" in stderr
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
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/static/js/episode.js", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.5"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
    finally:
        server.terminate()
        access_log, _errors = server.communicate(timeout=10)
    line = next(line for line in access_log.splitlines() if "/static/js/episode.js" in line)
    assert line.startswith("203.0.113.5 ")
