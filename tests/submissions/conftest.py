"""People several concerns' tests share: BLMK with Bedfordshire and Luton in it, their planning
leads and BLMK's ICS lead, each with an email. Each package's conftest says which `templates` are
loaded (and may make its own of any of these)."""

import pytest

from tests import factories


@pytest.fixture
def blmk(templates):
    return factories.blmk()


@pytest.fixture
def beds(blmk):
    return factories.bedfordshire(in_system=blmk)


@pytest.fixture
def luton(blmk):
    return factories.luton(in_system=blmk)


@pytest.fixture
def beds_lead(beds):
    return factories.planning_lead(
        beds, username="bea", first_name="Bea", last_name="Lead", email="bea@beds.example"
    )


@pytest.fixture
def luton_lead(luton):
    return factories.planning_lead(luton, username="lou", email="lou@luton.example")


@pytest.fixture
def ics_lead(blmk):
    return factories.ics_lead(
        blmk, username="ian", first_name="Ian", last_name="Lead", email="ian@blmk.example"
    )
