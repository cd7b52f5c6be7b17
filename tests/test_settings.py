"""Settings come from the environment: nothing set means SQLite and eager Celery."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps([settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER, "
    "settings.CELERY_BROKER_URL]))"
)


def settings_with(**env):
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_", "DJANGO_"))
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_no_configuration_means_sqlite_and_eager_tasks():
    engine, eager, broker = settings_with()
    assert engine == "django.db.backends.sqlite3"
    assert eager is True
    assert broker == "memory://"


def test_database_and_broker_urls_switch_to_postgresql_and_redis_workers():
    engine, eager, broker = settings_with(
        DATABASE_URL="postgres://planner:secret@db:5432/planning",
        CELERY_BROKER_URL="redis://redis:6379/0",
    )
    assert engine == "django.db.backends.postgresql"
    assert eager is False
    assert broker == "redis://redis:6379/0"


def test_production_without_a_secret_key_refuses_to_start():
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="false")
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
