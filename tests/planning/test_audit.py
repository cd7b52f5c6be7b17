"""The security audit log: sign-ins, failures, lock-outs, role and password changes, with who, when
and from where, and read by administrators only."""

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from planning.models import Role, SecurityEvent
from tests import factories

pytestmark = pytest.mark.django_db

Kind = SecurityEvent.Kind
LOG = reverse("admin:planning_securityevent_changelist")


def _log_in(client, username, password=factories.PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def _events(kind):
    return list(SecurityEvent.objects.filter(kind=kind).order_by("pk"))


def _admin_client(admin):
    client = Client(REMOTE_ADDR="192.0.2.10")
    client.force_login(admin)
    return client


@pytest.fixture
def admin():
    return get_user_model().objects.create_superuser("root", "root@example.nhs.uk", "x")


# Sign-in


def test_a_sign_in_records_who_when_and_from_where(client):
    user = factories.user()
    before = timezone.now()

    assert _log_in(client, user.username, REMOTE_ADDR="198.51.100.20").status_code == 302

    [event] = _events(Kind.SIGNED_IN)
    assert (event.user, event.username, event.address) == (user, user.username, "198.51.100.20")
    assert before <= event.at <= timezone.now()


def test_a_failed_sign_in_records_the_username_tried_and_never_the_password(client):
    user = factories.user()

    _log_in(client, user.username, "my-secret-guess", REMOTE_ADDR="198.51.100.21")

    [event] = _events(Kind.SIGN_IN_FAILED)
    assert (event.user, event.username, event.address) == (None, user.username, "198.51.100.21")
    assert event.description == "on /login/"
    assert not _events(Kind.SIGNED_IN)
    stored = SecurityEvent.objects.values_list("username", "description")
    assert not any("my-secret-guess" in text for row in stored for text in row)


def test_a_failed_sign_in_for_a_username_that_does_not_exist_is_recorded(client):
    _log_in(client, "nobody-by-this-name", "guess")

    assert [e.username for e in _events(Kind.SIGN_IN_FAILED)] == ["nobody-by-this-name"]


def test_five_failures_record_the_lock_out_and_so_does_each_refused_try_after_it(client):
    user = factories.user()

    for _ in range(5):
        _log_in(client, user.username, "wrong", REMOTE_ADDR="198.51.100.22")

    assert len(_events(Kind.SIGN_IN_FAILED)) == 5
    [locked] = _events(Kind.LOCKED_OUT)
    assert (locked.username, locked.address) == (user.username, "198.51.100.22")

    assert _log_in(client, user.username, REMOTE_ADDR="198.51.100.22").status_code == 429
    assert len(_events(Kind.LOCKED_OUT)) == 2
    assert not _events(Kind.SIGNED_IN)


def test_behind_a_proxy_the_clients_address_is_recorded_not_the_proxys(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = factories.user()
    # The client wrote the first entry itself; our proxy appended the address it saw.
    through_proxy = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.9"}

    _log_in(client, user.username, "wrong", **through_proxy)
    _log_in(client, user.username, **through_proxy)

    assert [e.address for e in SecurityEvent.objects.order_by("pk")] == [
        "203.0.113.9",
        "203.0.113.9",
    ]


def test_signing_out_is_recorded(client):
    user = factories.user()
    _log_in(client, user.username)

    client.post(reverse("logout"), REMOTE_ADDR="198.51.100.23")

    [event] = _events(Kind.SIGNED_OUT)
    assert (event.user, event.address) == (user, "198.51.100.23")


def test_a_huge_username_in_a_failed_sign_in_is_stored_cut_short():
    huge = "x" * 5_000_000

    assert authenticate(None, username=huge, password="guess") is None

    [event] = _events(Kind.SIGN_IN_FAILED)
    assert len(event.username) == SecurityEvent.USERNAME_LENGTH
    assert event.username.startswith("xxx") and event.username.endswith("…")


def test_a_deleted_users_events_keep_their_username(client):
    user = factories.user(username="leaver")
    _log_in(client, user.username)

    user.delete()

    [event] = _events(Kind.SIGNED_IN)
    assert (event.user, event.username) == (None, "leaver")


# Roles and status


def test_a_role_granted_changed_and_removed_in_the_admin_records_the_administrator(admin):
    beds = factories.organisation(name="NHS Bedfordshire CCG")
    luton = factories.organisation(name="NHS Luton CCG")
    person = factories.user(username="jsmith")
    client = _admin_client(admin)

    added = client.post(
        reverse("admin:planning_role_add"),
        {"user": person.pk, "kind": Role.Kind.PLANNING_LEAD, "organisation": beds.pk},
    )
    assert added.status_code == 302
    role = Role.objects.get(user=person)
    changed = client.post(
        reverse("admin:planning_role_change", args=[role.pk]),
        {"user": person.pk, "kind": Role.Kind.GOVERNING_BODY_MEMBER, "organisation": luton.pk},
    )
    assert changed.status_code == 302
    deleted = client.post(reverse("admin:planning_role_delete", args=[role.pk]), {"post": "yes"})
    assert deleted.status_code == 302

    events = SecurityEvent.objects.filter(description__startswith="jsmith").order_by("pk")
    assert [(e.kind, e.description) for e in events] == [
        (Kind.ROLE_GRANTED, "jsmith: Planning lead of NHS Bedfordshire CCG"),
        (
            Kind.ROLE_CHANGED,
            "jsmith: Planning lead of NHS Bedfordshire CCG → "
            "jsmith: Governing body member of NHS Luton CCG",
        ),
        (Kind.ROLE_REMOVED, "jsmith: Governing body member of NHS Luton CCG"),
    ]
    assert {(e.user, e.username, e.address) for e in events} == {(admin, "root", "192.0.2.10")}


def test_roles_deleted_with_the_admins_bulk_action_record_the_administrator(admin):
    roles = [factories.analyst(username=name).planning_roles.get() for name in ("ann", "bob")]
    client = _admin_client(admin)

    response = client.post(
        reverse("admin:planning_role_changelist"),
        {"action": "delete_selected", "_selected_action": [r.pk for r in roles], "post": "yes"},
    )

    assert response.status_code == 302 and not Role.objects.exists()
    removed = _events(Kind.ROLE_REMOVED)
    assert sorted(e.description for e in removed) == ["ann: Analyst", "bob: Analyst"]
    assert {e.user for e in removed} == {admin}


def test_an_unchanged_role_saved_in_the_admin_records_nothing(admin):
    role = factories.planning_lead(factories.organisation()).planning_roles.get()
    client = _admin_client(admin)
    SecurityEvent.objects.all().delete()

    response = client.post(
        reverse("admin:planning_role_change", args=[role.pk]),
        {"user": role.user_id, "kind": role.kind, "organisation": role.organisation_id},
    )

    assert response.status_code == 302
    assert not SecurityEvent.objects.exists()


def _user_page_form(person, **changes):
    """What the admin's user page posts: the user's fields and one new planning role inline."""
    data = {
        "username": person.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "date_joined_0": "2019-01-01",
        "date_joined_1": "09:00:00",
        "planning_roles-TOTAL_FORMS": "0",
        "planning_roles-INITIAL_FORMS": "0",
        "planning_roles-MIN_NUM_FORMS": "0",
        "planning_roles-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_staff_status_and_a_role_given_on_the_user_page_record_the_administrator(admin):
    person = factories.user(username="jsmith")
    client = _admin_client(admin)

    response = client.post(
        reverse("admin:auth_user_change", args=[person.pk]),
        _user_page_form(
            person,
            is_staff="on",
            **{
                "planning_roles-TOTAL_FORMS": "1",
                "planning_roles-0-kind": Role.Kind.ANALYST,
            },
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    events = SecurityEvent.objects.filter(description__startswith="jsmith").order_by("pk")
    assert sorted((e.kind, e.description) for e in events) == [
        (Kind.ROLE_GRANTED, "jsmith: Analyst"),
        (Kind.ROLE_GRANTED, "jsmith: staff status"),
    ]
    assert {e.user for e in events} == {admin}


def test_a_role_granted_outside_the_admin_is_recorded_once_with_no_actor():
    person = factories.user(username="jsmith")

    Role.objects.create(user=person, kind=Role.Kind.ANALYST)
    person.is_superuser = True
    person.save()

    events = SecurityEvent.objects.order_by("pk")
    assert [(e.kind, e.description, e.user) for e in events] == [
        (Kind.ROLE_GRANTED, "jsmith: Analyst", None),
        (Kind.ROLE_GRANTED, "jsmith: superuser status", None),
    ]


def test_a_password_changed_by_an_administrator_is_recorded_without_the_password(admin):
    person = factories.user(username="jsmith")

    response = _admin_client(admin).post(
        reverse("admin:auth_user_password_change", args=[person.pk]),
        {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"},
    )

    assert response.status_code == 302
    [event] = _events(Kind.PASSWORD_CHANGED)
    assert (event.user, event.description, event.address) == (admin, "of jsmith", "192.0.2.10")
    assert "a-brand-new-passphrase" not in str(SecurityEvent.objects.values_list())


def test_signing_in_records_no_password_change_and_no_role_change(client):
    user = factories.user()
    SecurityEvent.objects.all().delete()

    _log_in(client, user.username)

    assert [e.kind for e in SecurityEvent.objects.all()] == [Kind.SIGNED_IN]


# Reading the log


def test_an_administrator_reads_the_log_and_searches_it_by_address(client):
    SecurityEvent.objects.create(kind=Kind.SIGN_IN_FAILED, username="mallory", address="6.6.6.6")
    SecurityEvent.objects.create(kind=Kind.SIGNED_IN, username="alice", address="198.51.100.1")
    administrator = factories.administrator(is_staff=True)
    client.force_login(administrator)

    page = client.get(LOG)
    assert page.status_code == 200
    assert "mallory" in page.content.decode() and "alice" in page.content.decode()
    found = client.get(LOG, {"q": "6.6.6"}).content.decode()
    assert "mallory" in found and "alice" not in found
    assert client.get(LOG, {"kind__exact": Kind.SIGNED_IN}).status_code == 200
    assert "Security events" in client.get(reverse("admin:index")).content.decode()


def test_nobody_adds_changes_or_deletes_an_event_not_even_a_superuser(admin):
    event = SecurityEvent.objects.create(kind=Kind.SIGNED_IN, username="alice")
    client = _admin_client(admin)

    assert client.get(reverse("admin:planning_securityevent_add")).status_code == 403
    delete = reverse("admin:planning_securityevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:planning_securityevent_change", args=[event.pk])
    client.post(change, {"kind": Kind.SIGN_IN_FAILED, "username": "bob"})
    event.refresh_from_db()
    assert (event.kind, event.username) == (Kind.SIGNED_IN, "alice")
    assert SecurityEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("who", ["planning_lead", "ics_lead"])
def test_a_staff_planning_or_ics_lead_cannot_read_the_log_even_with_the_django_permission(
    client, who
):
    if who == "planning_lead":
        person = factories.planning_lead(factories.organisation(), is_staff=True)
    else:
        person = factories.ics_lead(factories.system(), is_staff=True)
    person.user_permissions.add(Permission.objects.get(codename="view_securityevent"))
    SecurityEvent.objects.create(kind=Kind.SIGN_IN_FAILED, username="mallory")
    client.force_login(person)

    assert client.get(LOG).status_code == 403
    assert "mallory" not in client.get(reverse("admin:index")).content.decode()


def test_a_planning_lead_who_is_not_staff_is_sent_to_the_admin_sign_in(client):
    client.force_login(factories.planning_lead(factories.organisation()))

    response = client.get(LOG)

    assert response.status_code == 302 and "/admin/login/" in response.url
