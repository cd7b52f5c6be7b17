"""The security audit log: `record` writes one event; the receivers record sign-ins and role changes.

Sign-ins, failures, lock-outs and sign-outs come from Django's and django-axes' signals. Role
changes (a planning role, staff or superuser status) and password changes are recorded by model
signals wherever they are made: an admin page runs inside `acting(request)`, which names the
administrator and their address; a change made elsewhere (a management command, the shell) is
recorded with no actor. Plan approvals are recorded by the plan services, in their transaction.
The receivers are connected in `PlanningConfig.ready`.
"""

import ipaddress
from contextlib import contextmanager
from contextvars import ContextVar

from config.middleware import client_address

from .models import Role, SecurityEvent

Kind = SecurityEvent.Kind

# (user, address) of the administrator whose admin page is saving, while it saves.
_acting = ContextVar("planning_audit_acting", default=None)

_STATUS_FLAGS = {"is_staff": "staff status", "is_superuser": "superuser status"}


def _clip(text, length):
    """Text as stored: no NUL (PostgreSQL refuses it), at most `length` characters."""
    text = str(text or "").replace("\x00", "")
    return text if len(text) <= length else text[: length - 1] + "…"


def _valid_address(value):
    """The address if it is one (without an IPv6 zone, which PostgreSQL's inet refuses), else None."""
    try:
        address = ipaddress.ip_address(str(value or "").split("%")[0])
    except ValueError:
        return None
    return str(address)


def address_of(request):
    """The client's address, the same one the sign-in lock-out counts (DJANGO_TRUSTED_PROXY_COUNT)."""
    return None if request is None else _valid_address(client_address(request))


def record(*, kind, user=None, username=None, address=None, description=""):
    """Write one security event. `user` acted; `username` defaults to theirs."""
    if user is not None and not user.is_authenticated:
        user = None
    if username is None:
        username = user.get_username() if user is not None else ""
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=_clip(username, SecurityEvent.USERNAME_LENGTH),
        address=_valid_address(address),
        description=_clip(description, SecurityEvent.DESCRIPTION_LENGTH),
    )


@contextmanager
def acting(request):
    """Changes saved inside are recorded as made by the request's user, from its address."""
    token = _acting.set((request.user, address_of(request)))
    try:
        yield
    finally:
        _acting.reset(token)


def _record_as_actor(*, kind, description):
    user, address = _acting.get() or (None, None)
    record(kind=kind, user=user, address=address, description=description)


# Sign-in


def _page(request):
    """Which sign-in page: the service's or the admin's."""
    path = getattr(request, "path", "")
    return f"on {path}" if path else ""


def signed_in(sender, request, user, **kwargs):
    record(kind=Kind.SIGNED_IN, user=user, address=address_of(request), description=_page(request))


def sign_in_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in `credentials`; only the username is kept.
    record(
        kind=Kind.SIGN_IN_FAILED,
        username=(credentials or {}).get("username", ""),
        address=address_of(request),
        description=_page(request),
    )


def locked_out(sender, request, username, ip_address, **kwargs):
    record(
        kind=Kind.LOCKED_OUT,
        username=username or "",
        address=ip_address,
        description="Sign-in refused after repeated failures from this address",
    )


def signed_out(sender, request, user, **kwargs):
    if user is not None:
        record(kind=Kind.SIGNED_OUT, user=user, address=address_of(request))


# Roles


def _describe_role(role):
    return f"{role.user.get_username()}: {role}"


def role_before_save(sender, instance, raw=False, **kwargs):
    if raw or instance._state.adding:
        return
    before = Role.objects.select_related("user", "organisation", "system").filter(pk=instance.pk)
    before = before.first()
    instance._audit_before = _describe_role(before) if before else None


def role_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    now = _describe_role(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        _record_as_actor(kind=Kind.ROLE_GRANTED, description=now)
    elif before != now:
        _record_as_actor(kind=Kind.ROLE_CHANGED, description=f"{before} → {now}")
    instance._audit_before = now


def role_deleted(sender, instance, **kwargs):
    _record_as_actor(kind=Kind.ROLE_REMOVED, description=_describe_role(instance))


# Staff and superuser status, and passwords


def user_before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance._state.adding:
        return
    if update_fields is not None and not set(update_fields) & set(_STATUS_FLAGS):
        return  # e.g. last_login at each sign-in: no status can have changed
    instance._audit_flags = (
        sender.objects.filter(pk=instance.pk).values(*_STATUS_FLAGS).first() or {}
    )


def user_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    before = {} if created else getattr(instance, "_audit_flags", None)
    if before is not None:
        for flag, label in _STATUS_FLAGS.items():
            now = getattr(instance, flag)
            if now != before.get(flag, False):
                _record_as_actor(
                    kind=Kind.ROLE_GRANTED if now else Kind.ROLE_REMOVED,
                    description=f"{instance.get_username()}: {label}",
                )
        instance._audit_flags = None
    # set_password() leaves the new password in `_password` until the save after it; a hash
    # upgraded at sign-in clears it first, so it is not a change.
    if not created and getattr(instance, "_password", None) is not None:
        _record_as_actor(kind=Kind.PASSWORD_CHANGED, description=f"of {instance.get_username()}")
