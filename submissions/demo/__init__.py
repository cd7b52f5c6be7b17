"""Demo data from the documents in shared/seeds/, in one place: the partners, timetables and users
(`partners`), Bedfordshire CCG's published figures (`seed_figures`, also test vectors), returns filled
through the services (`returns`) and a rendered paper (`papers`). `load_demo` loads them all."""

from planning.template_loader import load_all

from .papers import load_demo_paper
from .partners import DEMO_PASSWORD, load_demo_partners
from .returns import load_demo_returns

__all__ = ["DEMO_PASSWORD", "load_demo"]


def load_demo():
    """Load (or refresh) every part of the demo; returns the demo logins and the templates."""
    users = load_demo_partners()
    templates = load_all()
    load_demo_returns()
    load_demo_paper()
    return users, templates
