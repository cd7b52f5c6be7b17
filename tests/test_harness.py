"""The test harness itself: the suite runs on PostgreSQL and Redis with a real worker; a missing
tier is loud outside CI and fatal in CI."""

import pytest
from django.conf import settings
from django.db import connection

from submissions.tasks import ping
from tests.services import TIERS, missing_tier


def test_missing_tier_fails_the_run_when_ci_is_set(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.UsageError, match="CI=true"):
        missing_tier("Redis", "redis-server not found")


def test_missing_tier_outside_ci_prints_one_loud_line(monkeypatch, capsys):
    monkeypatch.delenv("CI", raising=False)
    missing_tier("Redis", "redis-server not found")
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == ["!!!!! TEST TIER SKIPPED: Redis: redis-server not found !!!!!"]


@pytest.mark.worker
@pytest.mark.django_db
def test_suite_runs_on_postgresql_and_redis():
    if TIERS["postgres"]:
        assert connection.vendor == "postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_sent_through_redis(celery_worker):
    result = ping.delay()
    assert result.get(timeout=20) == "pong"
    assert result.status == "SUCCESS"
    # Sent through the broker, not run in this thread: the result came back from Redis.
    assert result.backend.__class__.__name__ == "RedisBackend"
