"""Shared setup for the returns tests: the 2019 templates (which `tests/submissions/conftest.py`'s
BLMK, Luton and their people load), Bedfordshire in BLMK, Bedfordshire's planning lead and BLMK's
ICS lead, and the templates' grids."""

import pytest

from submissions.returns.selectors import grid_for_template
from tests import factories


@pytest.fixture
def templates():
    """Every 2019 return template, by code."""
    return factories.templates()


@pytest.fixture
def round_2019(templates):
    return templates["activity"].round


@pytest.fixture
def grids(templates):
    """Each 2019 template's grid, by code, loaded once so that tests of the arithmetic need no
    further queries."""
    return {code: grid_for_template(template) for code, template in templates.items()}


@pytest.fixture
def bedfordshire(blmk):
    return factories.bedfordshire(in_system=blmk)


@pytest.fixture
def dorset_ccg(templates):
    """A CCG in another system, whose returns nobody in BLMK may read."""
    org = factories.organisation("11J", name="NHS Dorset CCG")
    factories.membership(org, factories.system("DORSET", name="Dorset ICS"))
    return org


@pytest.fixture
def beds_lead(bedfordshire):
    return factories.planning_lead(bedfordshire, first_name="Bea")


@pytest.fixture
def ics_lead(blmk):
    return factories.ics_lead(blmk)
