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


def test_forms_need_their_csrf_token(db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/i18n/setlang/", {"language": "en"}).status_code == 403
    assert strict.post("/admin/login/", {"username": "a", "password": "b"}).status_code == 403


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
