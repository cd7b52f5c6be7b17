"""Email settings come from the environment: the console by default, SMTP when EMAIL_HOST is set,
and links in emails start with DJANGO_SITE_URL."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps([settings.EMAIL_BACKEND, getattr(settings, 'EMAIL_HOST', ''), "
    "settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.DEFAULT_FROM_EMAIL, settings.SITE_URL]))"
)


def settings_with(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "CELERY_", "DJANGO_", "EMAIL_", "DEFAULT_FROM"))
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


def test_emails_go_to_the_console_by_default():
    backend, host, _, _, sender, site = settings_with()
    assert backend == "django.core.mail.backends.console.EmailBackend" and host == ""
    assert site == "http://127.0.0.1:8000" and "noreply@" in sender


def test_an_email_host_switches_to_smtp():
    backend, host, port, tls, sender, site = settings_with(
        EMAIL_HOST="smtp.example.nhs.uk",
        EMAIL_PORT="587",
        EMAIL_USE_TLS="true",
        DEFAULT_FROM_EMAIL="Planning <planning@example.nhs.uk>",
        DJANGO_SITE_URL="https://planning.example.nhs.uk/",
    )
    assert backend == "django.core.mail.backends.smtp.EmailBackend"
    assert (host, port, tls) == ("smtp.example.nhs.uk", 587, True)
    assert sender == "Planning <planning@example.nhs.uk>"
    assert site == "https://planning.example.nhs.uk"
