"""/healthz, as a load balancer or a monitor calls it: JSON, 200 when healthy, 503 when not."""

import datetime

from django.db import OperationalError, connection
from django.utils import timezone

from search.models import IndexJob
from tests.search.behind_the_index import built_by_an_older_version


def health(client, status: int) -> dict:
    response = client.get("/healthz")
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return response.json()


def test_a_healthy_archive_answers_200_with_each_check(client, sample_episode):
    answer = health(client, 200)
    assert answer["status"] == "ok"
    assert set(answer["checks"]) == {"database", "search", "index_schema", "index_jobs"}
    assert all(check["ok"] and check["ms"] >= 0 for check in answer["checks"].values())
    assert answer["checks"]["index_jobs"] | {"ms": 0} == {"ok": True, "waiting": 0, "oldest_seconds": None, "ms": 0}


def test_index_jobs_waiting_too_long_fail_the_check(client, sample_episode, settings):
    settings.ARCHIVE_HEALTH_MAX_JOB_AGE_SECONDS = 600
    job = IndexJob.objects.create(episode_id=sample_episode.pk, requested_at=timezone.now())
    fresh = health(client, 200)["checks"]["index_jobs"]
    assert fresh["ok"] and fresh["waiting"] == 1 and 0 <= fresh["oldest_seconds"] < 60

    IndexJob.objects.filter(pk=job.pk).update(requested_at=timezone.now() - datetime.timedelta(minutes=11))
    answer = health(client, 503)
    assert answer["status"] == "failing"
    assert answer["checks"]["index_jobs"]["ok"] is False and answer["checks"]["index_jobs"]["oldest_seconds"] >= 660
    assert answer["checks"]["database"]["ok"] and answer["checks"]["search"]["ok"]


def test_an_index_of_an_older_version_fails_the_check(client, sample_episode, search_index):
    built_by_an_older_version(search_index)
    answer = health(client, 503)
    assert answer["checks"]["index_schema"]["ok"] is False
    assert answer["checks"]["search"]["ok"]


def test_a_database_that_does_not_answer_fails_without_telling_its_secrets(client, sample_episode, monkeypatch):
    def refused(*args, **kwargs):
        raise OperationalError('connection to server at "db.internal" (10.0.0.7), port 5432 failed: password')

    with monkeypatch.context() as patched:
        patched.setattr(connection, "cursor", refused)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {
        "ok": False, "error": "OperationalError", "ms": response.json()["checks"]["database"]["ms"]
    }  # fmt: skip
    assert b"db.internal" not in response.content and b"password" not in response.content


def test_it_answers_over_plain_http_when_the_site_redirects_to_https(client, sample_episode, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301
