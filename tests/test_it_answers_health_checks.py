"""/healthz, as a load balancer or a monitor calls it: JSON, 200 when the server can serve (ok, or
degraded), 503 when it can't; the figures only to staff and to a monitor sending the token."""

import datetime
import logging

from django.contrib.auth.models import User
from django.db import OperationalError, connection
from django.utils import timezone

from search.models import IndexJob
from tests.search.behind_the_index import built_by_an_older_version

TOKEN = "a monitor's own token"


def health(client, status: int, **headers) -> dict:
    response = client.get("/healthz", headers=headers)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return response.json()


def as_monitor(client, status: int) -> dict:
    return health(client, status, Authorization=f"Bearer {TOKEN}")


def test_a_healthy_archive_answers_200_with_each_check(client, sample_episode, settings):
    settings.ARCHIVE_HEALTH_TOKEN = TOKEN
    answer = as_monitor(client, 200)
    assert answer["status"] == "ok" and answer["failing"] == []
    assert set(answer["checks"]) == {"database", "search", "index_schema", "index_jobs"}
    assert all(check["ok"] and check["ms"] >= 0 for check in answer["checks"].values())
    assert answer["checks"]["index_jobs"] | {"ms": 0} == {"ok": True, "waiting": 0, "oldest_seconds": None, "ms": 0}


def test_a_visitor_gets_the_status_only_staff_and_the_monitor_the_figures(client, sample_episode, settings):
    settings.ARCHIVE_HEALTH_TOKEN = TOKEN
    IndexJob.objects.create(episode_id=sample_episode.pk, requested_at=timezone.now())
    assert health(client, 200) == {"status": "ok", "failing": []}
    assert health(client, 200, Authorization="Bearer a guess") == {"status": "ok", "failing": []}
    assert as_monitor(client, 200)["checks"]["index_jobs"]["waiting"] == 1
    client.force_login(User.objects.create_user("staff", is_staff=True))
    assert health(client, 200)["checks"]["index_jobs"]["waiting"] == 1


def test_without_a_token_set_no_header_opens_the_figures(client, sample_episode, settings):
    settings.ARCHIVE_HEALTH_TOKEN = ""
    assert "checks" not in health(client, 200, Authorization="Bearer ")


def test_index_jobs_waiting_too_long_degrade_the_server_without_taking_it_out(client, sample_episode, settings):
    settings.ARCHIVE_HEALTH_MAX_JOB_AGE_SECONDS = 600
    settings.ARCHIVE_HEALTH_TOKEN = TOKEN
    job = IndexJob.objects.create(episode_id=sample_episode.pk, requested_at=timezone.now())
    fresh = as_monitor(client, 200)["checks"]["index_jobs"]
    assert fresh["ok"] and fresh["waiting"] == 1 and 0 <= fresh["oldest_seconds"] < 60

    IndexJob.objects.filter(pk=job.pk).update(requested_at=timezone.now() - datetime.timedelta(minutes=11))
    assert health(client, 200) == {"status": "degraded", "failing": ["index_jobs"]}
    answer = as_monitor(client, 200)
    assert answer["checks"]["index_jobs"]["ok"] is False and answer["checks"]["index_jobs"]["oldest_seconds"] >= 660
    assert answer["checks"]["database"]["ok"] and answer["checks"]["search"]["ok"]


def test_an_index_of_an_older_version_degrades_the_server_while_search_answers(client, sample_episode, search_index):
    built_by_an_older_version(search_index)
    assert health(client, 200) == {"status": "degraded", "failing": ["index_schema"]}
    assert client.get("/api/search/", {"q": "quantique"}).json()["count"] == 22


def test_a_database_that_does_not_answer_fails_without_telling_its_secrets(client, sample_episode, settings, caplog):
    settings.ARCHIVE_HEALTH_TOKEN = TOKEN

    def refused(*args, **kwargs):
        raise OperationalError('connection to server at "db.internal" (10.0.0.7), port 5432 failed: password')

    with caplog.at_level(logging.WARNING, logger="smarttech"), connection.execute_wrapper(refused):
        response = client.get("/healthz", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 503
    answer = response.json()
    assert answer["status"] == "failing" and "database" in answer["failing"]
    assert answer["checks"]["database"] == {
        "ok": False,
        "error": "OperationalError",
        "ms": answer["checks"]["database"]["ms"],
    }
    assert b"db.internal" not in response.content and b"password" not in response.content
    logged = [record.getMessage() for record in caplog.records if record.name == "smarttech.views"]
    assert logged == ["/healthz failing: " + ", ".join(f"{name} (OperationalError)" for name in answer["failing"])]


def test_it_answers_over_plain_http_when_the_site_redirects_to_https(client, sample_episode, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301
