"""Build, release and run are separate steps: bin/release installs what runs the archive (no
test tool), migrates, gathers the static files and checks the deployment once; bin/serve-production
only starts, refuses a database its version can't use, and two of them run side by side on one
machine without sharing gunicorn's control socket. Real processes, on an archive of their own."""

import os
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, free_port
from tests.test_it_logs_errors import environment, wait_for

TEST_TOOLS = ("pytest", "ruff", "playwright", "axe-playwright", "pyinstrument")


def production(data_dir: Path, home: Path) -> dict[str, str]:
    env = environment(data_dir)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser tests' (Playwright), which check --deploy refuses
    env.update(
        DJANGO_SETTINGS_MODULE="smarttech.settings",
        DJANGO_SECRET_KEY="a long and random production secret key, for this test only: 0123456789",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_HTTPS="1",
        DJANGO_BEHIND_PROXY="1",
        HOME=str(home),
        XDG_RUNTIME_DIR=str(home),
        WEB_WORKERS="1",
        WEB_THREADS="2",
    )
    return env


def start(env: dict[str, str], log: Path, **extra: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    server = subprocess.Popen(
        [REPO / "bin" / "serve-production"], env={**env, **extra, "ADDRESS": f"127.0.0.1:{port}"},
        stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    return server, port


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_production_installs_no_test_tool():
    runtime = (REPO / "requirements.txt").read_text().lower()
    development = (REPO / "requirements-dev.txt").read_text().lower()
    assert not any(f"\n{tool}" in runtime for tool in TEST_TOOLS)
    assert "-r requirements.txt" in development
    assert all(f"\n{tool}" in development for tool in TEST_TOOLS)


@pytest.fixture
def released(tmp_path) -> dict[str, str]:
    env = production(tmp_path / "data", tmp_path)
    done = subprocess.run([REPO / "bin" / "release"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout + done.stderr
    assert (tmp_path / "data" / "static" / "css").is_dir()  # gathered once, by the release
    return env


def test_a_server_refuses_to_start_on_a_database_the_release_has_not_migrated(tmp_path):
    env = production(tmp_path / "data", tmp_path)
    done = subprocess.run([REPO / "bin" / "serve-production"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "run bin/release first" in done.stderr
    assert "Traceback" not in done.stderr


def test_after_one_release_two_servers_on_one_machine_only_start_and_keep_their_control_apart(tmp_path, released):
    first, first_port = start(released, tmp_path / "first.log")
    second, second_port = start(
        released, tmp_path / "second.log", WEB_CONTROL_SOCKET=str(tmp_path / "second.ctl"),
        WEB_MAX_REQUESTS="5", WEB_MAX_REQUESTS_JITTER="0",
    )  # fmt: skip
    try:
        for server, port in ((first, first_port), (second, second_port)):
            wait_for(port, server, seconds=60)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
                assert response.status == 200
        # No server took the per-user default; the one given a path has it, alone.
        assert not (tmp_path / "gunicorn.ctl").exists() and not (tmp_path / ".gunicorn").exists()
        assert (tmp_path / "second.ctl").is_socket()
        # A worker is replaced after its requests, and the server answers throughout.
        for _ in range(12):
            with urllib.request.urlopen(f"http://127.0.0.1:{second_port}/healthz", timeout=10) as response:
                assert response.status == 200
    finally:
        stop(first)
        stop(second)
    for log in ("first.log", "second.log"):
        started = (tmp_path / log).read_text()
        assert "Booting worker" in started
        # Starting installed nothing and migrated nothing: the release did.
        assert "pip" not in started and "Applying " not in started and "static file" not in started
    assert "Autorestarting worker after current request" in (tmp_path / "second.log").read_text()
    assert "Autorestarting" not in (tmp_path / "first.log").read_text()
