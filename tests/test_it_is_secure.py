"""Staff only in the admin, throttled logins, production settings, and the Content-Security-Policy."""

import os
import secrets
import subprocess
import sys

import pytest
from django.contrib.auth.models import User

from tests.conftest import REPO

pytestmark = pytest.mark.django_db


def test_logins_are_throttled_after_five_failures(client):
    User.objects.create_superuser("admin", "a@example.org", "the-right-password")
    statuses = [client.post("/admin/login/", {"username": "admin", "password": "wrong"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    locked = client.post("/admin/login/", {"username": "admin", "password": "the-right-password"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_good_login_works_and_resets_the_count(client):
    User.objects.create_superuser("admin", "a@example.org", "the-right-password")
    for _ in range(3):
        client.post("/admin/login/", {"username": "admin", "password": "wrong"})
    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "the-right-password"})
    assert response.status_code == 302 and response["Location"] == "/admin/"


def failed_logins(client, count: int, **headers) -> list[int]:
    return [
        client.post("/admin/login/", {"username": "admin", "password": "wrong"}, **headers).status_code
        for _ in range(count)
    ]


def login(client, **headers) -> int:
    data = {"username": "admin", "password": "the-right-password"}
    return client.post("/admin/login/?next=/admin/", data, **headers).status_code


# Behind nginx every request comes from 127.0.0.1; nginx appends the visitor's address to X-Forwarded-For.
PROXY = {"REMOTE_ADDR": "127.0.0.1"}


def test_behind_a_proxy_failures_from_one_visitor_do_not_lock_the_account_for_another(settings, client):
    settings.ARCHIVE_TRUSTED_PROXIES = 1
    User.objects.create_superuser("admin", "a@example.org", "the-right-password")
    assert failed_logins(client, 5, HTTP_X_FORWARDED_FOR="203.0.113.5", **PROXY) == [200, 200, 200, 200, 429]
    assert login(client, HTTP_X_FORWARDED_FOR="203.0.113.5", **PROXY) == 429
    from django.test import Client

    assert login(Client(), HTTP_X_FORWARDED_FOR="198.51.100.7", **PROXY) == 302


def test_behind_a_proxy_a_forged_header_does_not_escape_the_lock(settings, client):
    settings.ARCHIVE_TRUSTED_PROXIES = 1
    User.objects.create_superuser("admin", "a@example.org", "the-right-password")
    # The visitor writes an address of its choosing; nginx appends the real one after it.
    statuses = [failed_logins(client, 1, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.5", **PROXY)[0] for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert login(client, HTTP_X_FORWARDED_FOR="10.0.0.99, 203.0.113.5", **PROXY) == 429


def test_with_no_proxy_trusted_a_forged_header_picks_no_address(settings, client):
    settings.ARCHIVE_TRUSTED_PROXIES = 0
    User.objects.create_superuser("admin", "a@example.org", "the-right-password")
    statuses = [failed_logins(client, 1, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")[0] for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert login(client, HTTP_X_FORWARDED_FOR="198.51.100.200") == 429


def test_forms_need_their_csrf_token(db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/admin/login/", {"username": "a", "password": "b"}).status_code == 403
    # The language selector alone takes none: forged, it changes a visitor's language, nothing
    # else (and so public pages hold no token and may be compressed: test_it_is_light_on_the_wire.py).
    chosen = strict.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert chosen.status_code == 302 and chosen.cookies["django_language"].value == "en"


def test_every_page_sends_a_strict_content_security_policy(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
    assert client.get("/").headers["X-Frame-Options"] == "DENY"


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "ARCHIVE_DATA_DIR": str(tmp_path),
        "DJANGO_DEBUG": "0",
        "DJANGO_HTTPS": "1",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "archive.example.org",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
