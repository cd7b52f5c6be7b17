"""Shared setup for the system plan tests: BLMK with its three partners, built plans, page URLs."""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from planning.models import Membership, Organisation, System, Template
from submissions.plans import services as plan_services
from tests import factories


@dataclass
class Blmk:
    """BLMK ICS: Bedfordshire and Luton CCGs (commissioners, whole shares) and Bedford Hospital
    (a provider counted at half), with every 2019 and 2020 template loaded."""

    system: System
    beds: Organisation
    luton: Organisation
    hospital: Organisation
    activity: Template

    def build(self, template=None, stage="draft"):
        """Build the system plan (the 2019 activity plan unless `template` is given)."""
        return plan_services.build_system_plan(
            system=self.system, template=template or self.activity, stage=stage
        )


@pytest.fixture
def blmk():
    templates = factories.templates()
    system = factories.blmk()
    hospital = factories.organisation("RC1", name="Bedford Hospital", kind=Organisation.Kind.ACUTE)
    factories.membership(hospital, system, role=Membership.Role.PROVIDER, share="0.5")
    return Blmk(
        system=system,
        beds=factories.bedfordshire(in_system=system),
        luton=factories.luton(in_system=system),
        hospital=hospital,
        activity=templates["activity"],
    )


@pytest.fixture
def lead(blmk):
    """BLMK's ICS lead."""
    return factories.ics_lead(blmk.system)


@pytest.fixture
def built(blmk):
    """Version 1 of BLMK's draft activity plan: only Bedfordshire has submitted."""
    factories.submitted_return(blmk.beds, "activity", {("gp_referrals", "fot"): "94,810"})
    plan, _ = blmk.build()
    return plan


@pytest.fixture
def plan_url():
    """The URL of one of the pages of BLMK's 2019 draft activity plan."""

    def url(name="submissions:plan", *extra, template="activity", year=2019):
        return reverse(name, args=["BLMK", year, template, "draft", *extra])

    return url
