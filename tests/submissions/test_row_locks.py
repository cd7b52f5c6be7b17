"""A save or an approval locks only the row it changes: one organisation's save never waits for
another's on the same template and round, nor one system's plan approval for another's. Each test
holds the lock in a second connection and shows the same action on that row DOES wait, so it can
tell the two apart."""

import threading
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection, transaction

from submissions.plans import services as plan_services
from submissions.returns import services
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

GP_FOT = ("gp_referrals", "fot")


@contextmanager
def held_in_another_connection(action):
    """Run `action` in a second thread and connection, inside a transaction kept open (with every
    lock it took) until the block ends."""
    done, release, failed = threading.Event(), threading.Event(), []

    def hold():
        try:
            with transaction.atomic():
                action()
                done.set()
                release.wait(timeout=30)
        except Exception as error:  # pragma: no cover - reported by the assertion below
            failed.append(error)
            done.set()
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert done.wait(timeout=30) and not failed, failed
        yield
    finally:
        release.set()
        thread.join(timeout=30)


def completes_without_waiting(action, timeout="1s"):
    """True if `action` finishes while waiting at most `timeout` for any lock; False if it had to
    wait longer (PostgreSQL cancels it, and its transaction is rolled back)."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{timeout}'")
            action()
    except OperationalError as error:
        assert "lock timeout" in str(error)
        return False
    return True


def save(user, ret, value):
    return lambda: services.return_save(
        user=user,
        ret=ret,
        base_version=ret.version,
        raw_cells={GP_FOT: value},
        raw_answers={},
        raw_explanations={},
    )


def test_a_save_of_one_organisations_return_does_not_wait_for_anothers():
    factories.templates()
    blmk = factories.blmk()
    beds, luton = factories.bedfordshire(in_system=blmk), factories.luton(in_system=blmk)
    beds_lead, luton_lead = factories.planning_lead(beds), factories.planning_lead(luton)
    beds_return = factories.saved_return(beds, "activity", {GP_FOT: "1"}, lead=beds_lead)
    luton_return = factories.saved_return(luton, "activity", {GP_FOT: "1"}, lead=luton_lead)
    assert beds_return.template_id == luton_return.template_id

    with held_in_another_connection(save(beds_lead, beds_return, "2")):
        assert completes_without_waiting(save(luton_lead, luton_return, "3"))
        assert not completes_without_waiting(save(beds_lead, beds_return, "4"), timeout="300ms")

    luton_return.refresh_from_db()
    beds_return.refresh_from_db()
    assert (luton_return.version, beds_return.version) == (2, 2)


def test_approving_one_systems_plan_does_not_wait_for_anothers():
    templates = factories.templates()
    plans = {}
    for code, ccg in (("BLMK", "06F"), ("DORSET", "11J")):
        system = factories.system(code, name=f"{code} ICS")
        organisation = factories.organisation(ccg, name=f"{code} CCG")
        factories.membership(organisation, system)
        factories.submitted_return(organisation, "activity", {GP_FOT: "100"})
        plan, _ = plan_services.build_system_plan(
            system=system, template=templates["activity"], stage="draft"
        )
        plans[code] = (plan, factories.ics_lead(system))

    def approve(code):
        plan, lead = plans[code]
        return lambda: factories.approve(plan, lead)

    with held_in_another_connection(approve("BLMK")):
        assert completes_without_waiting(approve("DORSET"))
        assert not completes_without_waiting(approve("BLMK"), timeout="300ms")
