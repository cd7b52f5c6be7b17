"""Shared setup for notifications: BLMK with Bedfordshire and Luton in it, each with a planning
lead, BLMK's ICS lead, and Dorset (another system) whose people must hear nothing of BLMK."""

import pytest

from planning.template_loader import DATA_DIR, load_file
from submissions.models import Notification
from tests import factories


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    """People are made by the handful here and none signs in with a password: hash cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def templates(db):
    """The 2019 activity template only: enough for these tests, and quicker than every one."""
    return {"activity": load_file(DATA_DIR / "2019" / "activity.toml")}


@pytest.fixture
def dorset(templates):
    """Dorset: another system, with a CCG, its planning lead and its ICS lead (with emails)."""
    system = factories.system("DORSET", name="Dorset ICS")
    ccg = factories.organisation("11J", name="NHS Dorset CCG")
    factories.membership(ccg, system)
    factories.planning_lead(ccg, username="dot", email="dot@dorset.example")
    factories.ics_lead(system, username="dan", email="dan@dorset.example")
    return system


@pytest.fixture
def make_notification():
    def make(user, subject="Something happened", link="/returns/", **fields):
        return Notification.objects.create(
            user=user,
            kind=Notification.Kind.SUBMITTED,
            subject=subject,
            message="Text",
            link=link,
            **fields,
        )

    return make
