"""The Celery tier: a real worker consumes tasks from the throwaway Redis."""

import pytest
from django.conf import settings
from django.db import connection

from submissions.tasks import ping

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_suite_runs_on_postgresql_and_redis():
    from tests.services import TIERS

    if TIERS["postgres"]:
        assert connection.vendor == "postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")


def test_a_real_worker_runs_a_task_sent_through_redis(celery_worker):
    result = ping.delay()
    assert result.get(timeout=20) == "pong"
    assert result.status == "SUCCESS"
    # Sent through the broker, not run in this thread: the result came back from Redis.
    assert result.backend.__class__.__name__ == "RedisBackend"
