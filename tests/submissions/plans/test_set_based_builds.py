"""Building many systems' plans at once: a fixed number of statements whatever the number of
systems, each version storing one row per partner, and partners' figures read back from their
frozen submissions exactly as they went in."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planning.models import Membership, Organisation
from submissions.models import PlanInput, PlanState, SystemPlan
from submissions.plans import selectors as plan_selectors
from submissions.plans import services as plan_services
from tests import factories
from tests.factories import submitted_return as submitted

pytestmark = pytest.mark.django_db

THIRD = "0.333333333333"


def a_system(n, activity):
    """System n: two commissioners (the second counted at a third) and a provider at half, each
    submitting GP referrals of n × 1,000, 2,000 and 3,000. Returns {ods code: (share, role, fot)}."""
    system = factories.system(f"S{n:02}", name=f"System {n}")
    partners = {}
    for i, (kind, role, share) in enumerate(
        [
            (Organisation.Kind.CCG, Membership.Role.COMMISSIONER, "1"),
            (Organisation.Kind.CCG, Membership.Role.COMMISSIONER, THIRD),
            (Organisation.Kind.ACUTE, Membership.Role.PROVIDER, "0.5"),
        ],
        start=1,
    ):
        org = factories.organisation(f"Q{n:02}{i}", name=f"Partner {n}-{i}", kind=kind)
        factories.membership(org, system, role=role, share=share)
        fot = Decimal(n * 1000 * i)
        submitted(org, "activity", {("gp_referrals", "fot"): str(fot)})
        partners[org.pk] = (Decimal(share), role, fot)
    return system, partners


def floor(partners):
    """The system's GP referrals: its commissioners' figures times their shares, to 6 places."""
    return sum(
        (
            (fot * share).quantize(Decimal("0.000001"))
            for share, role, fot in partners.values()
            if role == Membership.Role.COMMISSIONER
        ),
        Decimal(0),
    )


def test_every_systems_plan_is_built_in_the_same_statements_for_two_systems_or_six():
    activity = factories.templates()["activity"]
    assert activity.round.financial_year == 2019  # read once, as the task's template is
    systems = dict(a_system(n, activity) for n in range(1, 3))
    with CaptureQueriesContext(connection) as two:
        built = plan_services.build_plans(template=activity, stage="draft")
    assert set(built) == {s.pk for s in systems} and all(created for _, created in built.values())
    systems.update(a_system(n, activity) for n in range(3, 7))
    with CaptureQueriesContext(connection) as six:
        built = plan_services.build_plans(template=activity, stage="draft")

    assert len(six) == len(two)
    grouped = [q["sql"] for q in six.captured_queries if "GROUP BY" in q["sql"].upper()]
    assert len(grouped) == 1  # every new version's totals in one statement
    # The first two systems' inputs have not changed: they keep their versions.
    assert sorted(created for _, created in built.values()) == [False] * 2 + [True] * 4
    for system, partners in systems.items():
        plan, _ = built[system.pk]
        assert plan.version == 1
        assert plan_selectors.plan_typed_values(plan)[("gp_referrals", "fot")] == floor(partners)
    assert not PlanState.objects.filter(is_stale=True).exists()


def test_a_version_stores_one_row_per_partner_however_many_cells_they_fill(blmk):
    cells = {("gp_referrals", "fot"): "100", ("gp_referrals", "trend"): "7"}
    cells |= {("other_referrals", "fot"): "50", ("other_referrals", "trend"): "3"}
    submitted(blmk.beds, "activity", cells)
    submitted(blmk.hospital, "activity", cells)
    plan, _ = blmk.build()

    parts = PlanInput.objects.filter(plan=plan)
    assert sorted((p.organisation.ods_code, p.share, p.counted) for p in parts) == [
        ("06F", Decimal(1), True),
        ("RC1", Decimal("0.5"), False),  # the provider is shown beside the plan, not added in
    ]
    contributions = plan_selectors.plan_contributions(plan)
    assert contributions[blmk.hospital.pk][("other_referrals", "fot")] == 25
    assert contributions[blmk.beds.pk][("gp_referrals", "trend")] == 7
    # The totals are the commissioner's figures (rates left out), written with the version.
    assert plan_selectors.plan_typed_values(plan) == contributions[blmk.beds.pk]


def test_an_old_version_reads_the_figures_and_share_it_was_built_with(blmk):
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "3,000"})
    submitted(blmk.hospital, "activity", {("gp_referrals", "fot"): "1,001"})
    first, _ = blmk.build()
    # The hospital's share changes: a new version, the old one unchanged.
    Membership.objects.filter(organisation=blmk.hospital).update(share=Decimal(THIRD))
    second, created = blmk.build()

    assert created and second.version == 2
    old = plan_selectors.plan_contributions(first)[blmk.hospital.pk]
    new = plan_selectors.plan_contributions(second)[blmk.hospital.pk]
    assert old[("gp_referrals", "fot")] == Decimal("500.5")
    assert new[("gp_referrals", "fot")] == (Decimal(1001) * Decimal(THIRD)).quantize(
        Decimal("0.000001")
    )
    assert plan_selectors.plan_typed_values(first)[("gp_referrals", "fot")] == 3000


def test_building_a_whole_round_builds_each_template_once_and_again_changes_nothing(blmk):
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "3,000"})
    first = plan_services.build_round_plans(round_=blmk.activity.round, stage="draft")
    again = plan_services.build_round_plans(round_=blmk.activity.round, stage="draft")

    assert "activity" in first and "narrative" not in first
    assert all(created for plans in first.values() for _, created in plans.values())
    assert not any(created for plans in again.values() for _, created in plans.values())
    plan, _ = again["activity"][blmk.system.pk]
    assert plan_selectors.plan_typed_values(plan)[("gp_referrals", "fot")] == 3000
    assert SystemPlan.objects.count() == len(first)


def test_a_template_no_partner_completes_builds_no_plan_and_the_round_still_builds(blmk):
    workforce = factories.template("workforce")
    workforce.organisation_kinds = [Organisation.Kind.AMBULANCE]  # no ambulance trust in BLMK
    workforce.save()
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "3,000"})

    built = plan_services.build_round_plans(round_=blmk.activity.round, stage="draft")

    assert built["workforce"] == {}
    assert blmk.system.pk in built["activity"]
    assert plan_services.build_plans(template=workforce, stage="draft") == {}
    assert not SystemPlan.objects.filter(template=workforce).exists()


def test_a_template_no_kind_of_organisation_completes_has_no_partners_and_asks_no_empty_list(blmk):
    # Its partners are read with SQL written out; SQL has no empty `IN ()`.
    workforce = factories.template("workforce")
    workforce.organisation_kinds = []
    workforce.save()

    assert plan_selectors.plan_inputs(system=blmk.system, template=workforce, stage="draft") == []
    assert plan_selectors.inputs_by_plan(wanted={workforce: []}, stage="draft") == {}
    plan, _ = plan_services.build_system_plan(system=blmk.system, template=workforce, stage="draft")
    assert plan.inputs == []


@pytest.mark.django_db(transaction=True)
def test_two_builds_of_overlapping_systems_at_once_neither_deadlock_nor_duplicate_a_version():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent builds are serialised by PostgreSQL advisory locks")
    activity = factories.templates()["activity"]
    systems = dict(a_system(n, activity) for n in range(1, 5))
    # Each submission had its plan built already; new shares make each need one more version.
    before = {s.pk: s.plans.count() for s in systems}
    Membership.objects.update(share=Decimal("0.25"))
    for partners in systems.values():
        partners.update(
            (pk, (Decimal("0.25"), role, fot)) for pk, (_, role, fot) in partners.items()
        )
    errors = []

    def build(system_ids):
        try:
            plan_services.build_plans(template=activity, stage="draft", system_ids=system_ids)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    ids = sorted(s.pk for s in systems)
    threads = [
        threading.Thread(target=build, args=(order,)) for order in (ids, ids[::-1], ids[1:3])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    for system, partners in systems.items():
        plan = plan_selectors.latest_plan(system=system, template=activity, stage="draft")
        assert plan.version == system.plans.count() == before[system.pk] + 1
        assert plan_selectors.plan_typed_values(plan)[("gp_referrals", "fot")] == floor(partners)


def test_versions_written_by_copy_read_back_exactly_whatever_their_names_hold(blmk):
    # COPY's text format gives backslashes, tabs and line breaks a meaning: names holding them,
    # quotes and accents must come back as they went in, in the version's inputs.
    name = 'St Mary\'s "Trust"\\ East\tand\nWest – Hôpital'
    Organisation.objects.filter(pk=blmk.beds.pk).update(name=name)
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "1,234.5"})
    with CaptureQueriesContext(connection) as captured:
        plan, created = blmk.build()
    assert created and plan.pk is not None
    stored = SystemPlan.objects.get(pk=plan.pk)
    assert stored.inputs == plan.inputs and stored.totals == plan.totals
    assert next(i for i in stored.inputs if i["organisation_id"] == blmk.beds.pk)["name"] == name
    assert stored.built_at == plan.built_at and stored.version == 1
    assert plan_selectors.plan_typed_values(stored)[("gp_referrals", "fot")] == Decimal("1234.5")
    assert PlanInput.objects.filter(plan=stored, organisation=blmk.beds).get().share == 1
    # Counted as statements, as Django's own are (the versions, then what they are made of).
    copies = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("COPY")]
    assert len(copies) == 2
    # The version built is a saved row: changing it updates it, never inserts another.
    plan.approval_note = "checked"
    plan.save(update_fields=["approval_note"])
    assert SystemPlan.objects.filter(system=blmk.system).count() == 1
