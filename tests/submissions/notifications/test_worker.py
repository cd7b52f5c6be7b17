"""Through the real queue: a notification's email task goes to Redis after the commit, and a real
Celery worker (a thread here) claims and sends it to the SMTP server."""

import pytest

from submissions.models import Notification
from submissions.notifications import services
from tests.services import poll

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]


def test_a_worker_sends_the_email_queued_after_the_commit(
    beds_lead, mailbox, sending, celery_worker
):
    [notification] = services.notify(
        users=[beds_lead],
        kind=Notification.Kind.ACCEPTED,
        subject="Accepted: Activity plan",
        message="Accepted.",
        link="/returns/",
    )
    [message] = poll(mailbox.received, timeout=20, message="the email reaching the SMTP server")
    assert message.recipients == ["bea@beds.example"]
    notification.refresh_from_db()
    assert notification.email_claimed_at and notification.emailed_at
