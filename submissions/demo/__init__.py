"""Demo data from the documents in shared/seeds/, in one place: the partners, timetables and users
(`partners`), Bedfordshire CCG's published figures (`seed_figures`, also test vectors), returns filled
through the services (`returns`), a rendered paper (`papers`) and a live round rolled forward with
deadlines in the coming weeks (`live_round`). `load_demo` loads them all."""

from django.test.utils import override_settings
from django.utils import timezone

from planning.template_loader import load_all

from .live_round import load_demo_live_round
from .papers import load_demo_paper
from .partners import DEMO_PASSWORD, load_demo_partners
from .returns import load_demo_returns

__all__ = ["DEMO_PASSWORD", "load_demo"]

# The demo users' addresses are made up: what the demo does is recorded as notifications on their
# pages, but no email leaves, whatever backend the environment sets.
NO_EMAIL = "django.core.mail.backends.dummy.EmailBackend"


def load_demo(*, today=None):
    """Load (or refresh) every part of the demo, with the live round's deadlines counted from
    `today` (the local date by default); returns the demo logins, the templates loaded from their
    files and the live round."""
    today = today or timezone.localdate()
    with override_settings(EMAIL_BACKEND=NO_EMAIL):
        users = load_demo_partners()
        templates = load_all()
        load_demo_returns()
        load_demo_paper()
        live = load_demo_live_round(today=today)
    return users, templates, live
