"""The deployment files: docker-compose.yml parses and describes the whole stack; /health/ answers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_five_services_each_with_a_healthcheck(compose):
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_app_services_use_postgres_and_redis_and_wait_for_them(compose):
    for name in ("web", "worker", "beat"):
        service = compose["services"][name]
        env = service["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["CELERY_BROKER_URL"].startswith("redis://")
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "gunicorn" in compose["services"]["web"]["command"]
    assert "worker" in compose["services"]["worker"]["command"]
    assert " beat " in compose["services"]["beat"]["command"]


def test_every_requirement_is_pinned():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "-r")):
                assert "==" in line, f"{name}: {line} is not pinned"


@pytest.mark.django_db
def test_health_answers_without_a_login(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db(transaction=True)
def test_the_web_healthcheck_passes_when_allowed_hosts_names_the_public_host_only(
    compose, live_server, settings
):
    """The container's healthcheck calls 127.0.0.1, which a real DJANGO_ALLOWED_HOSTS does not
    list: it must ask for the first allowed host name, or the web container reports unhealthy."""
    settings.ALLOWED_HOSTS = ["planning.example.nhs.uk"]
    code = compose["services"]["web"]["healthcheck"]["test"][-1]
    port = live_server.url.rsplit(":", 1)[1]
    env = {**os.environ, "DJANGO_ALLOWED_HOSTS": "planning.example.nhs.uk,.example.nhs.uk"}

    run = subprocess.run(
        [sys.executable, "-c", code.replace("127.0.0.1:8000", f"127.0.0.1:{port}")],
        env=env,
        capture_output=True,
        timeout=30,
    )

    assert run.returncode == 0, run.stderr.decode()[-500:]
