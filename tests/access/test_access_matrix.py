"""Every URL of the service, visited as every role with GET and POST on its own and on a foreign
object, answers as the access matrix (`tests/access/matrix.py`) says; a refusal changes nothing."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views.static import serve

from . import matrix, world


def url_patterns():
    """{name: route} of every URL pattern the resolver has, but the Django admin's own and static
    file serving; a pattern without a name is listed by its route."""
    found = {}

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                if inner == "admin" or inner.startswith("admin:"):
                    continue
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern) and pattern.callback is not serve:
                route = prefix + str(pattern.pattern)
                name = pattern.name and (
                    f"{namespace}:{pattern.name}" if namespace else pattern.name
                )
                found[name or route] = route

    walk(get_resolver().url_patterns, "", "")
    return found


def test_every_url_pattern_has_a_row_in_the_access_matrix():
    named = {row.name for row in matrix.ROWS if not row.path}
    missing = sorted(set(url_patterns()) - named)
    assert not missing, (
        "These URL patterns have no row in tests/access/matrix.py; say there who may open them: "
        + ", ".join(missing)
    )


def test_every_row_of_the_access_matrix_names_a_url_pattern_that_exists():
    patterns = url_patterns()
    stale = sorted({row.name for row in matrix.ROWS if not row.path} - set(patterns))
    assert not stale, f"Rows for URL patterns that no longer exist: {', '.join(stale)}"


@pytest.mark.django_db
def test_every_url_answers_each_role_as_the_access_matrix_says(settings):
    # Everyone signs in with force_login: spare the nine users the slow password hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    users, targets = world.build()
    clients = {role: _client(user) for role, user in users.items()}
    tables = _project_tables()
    baseline = _snapshot(tables)
    failures, visits = [], 0
    for row in matrix.ROWS:
        assert row.target in targets, f"{row.label}: no objects of kind {row.target!r}"
        for side, target in targets[row.target].items():
            url = _url(row, target)
            data = {key: value.format(**target.values) for key, value in row.data.items()}
            for method in ("GET", "POST"):
                expect = row.get if method == "GET" or row.post is None else row.post
                read_only = (method == "GET" and not row.get_records) or (
                    method == "POST" and row.post is matrix.SAME_AS_GET
                )
                for role in matrix.ROLES:
                    expected = expect.outcome(role, side)
                    client = clients[role]
                    outcome, changed = _visit(
                        client,
                        method,
                        url,
                        data,
                        tables,
                        baseline,
                        check=read_only,
                        served_by_sign_out=row.ends_signed_out and method == "POST",
                    )
                    visits += 1
                    where = f"{row.label} [{side}] {method} {url} as {role}"
                    if outcome != expected:
                        failures.append(f"{where}: expected {expected}, got {outcome}")
                    if changed:
                        failures.append(f"{where}: answered {outcome} but changed {changed}")
                    if users[role] is not None and not _signed_in(client):
                        client.force_login(users[role])  # signing out is one of the rows
                        baseline = _snapshot(tables)
    assert visits > 1000
    assert not failures, f"{len(failures)} of {visits} visits differ from the access matrix:\n" + (
        "\n".join(failures)
    )


class _Rollback(Exception):
    """Undoes whatever a visit did, so that every visit sees the same objects."""


REFUSALS = {matrix.FORBIDDEN, matrix.NOT_FOUND, matrix.LOGIN, matrix.NOT_ALLOWED}


def _visit(client, method, url, data, tables, baseline, *, check, served_by_sign_out):
    """The outcome of one request, and the tables it changed if it was refused or should not have
    written (`check`); the request's writes are rolled back afterwards. Signing out (which is
    logged) is not a refusal, though it ends on the sign-in page."""
    changed = ""
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    response = client.get(url) if method == "GET" else client.post(url, data)
                    _close_file(response)
                outcome = _outcome(response)
            except Exception as error:  # the test client re-raises what would be a 500
                outcome = f"500 ({type(error).__name__}: {str(error)[:120]})"
            refused = outcome in REFUSALS and not served_by_sign_out
            if check or refused:
                now = _snapshot(tables)
                changed = ", ".join(t for t in tables if now[t] != baseline[t])
            raise _Rollback
    except _Rollback:
        pass
    return outcome, changed


def _close_file(response):
    # Not response.close(): that signals the end of a request, which closes the test's connection.
    file = getattr(response, "file_to_stream", None)
    if file is not None:
        file.close()


def _outcome(response):
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        path = urlsplit(response["Location"]).path
        if path in (reverse("login"), reverse("admin:login")):
            return matrix.LOGIN
        return matrix.OK
    named = {403: matrix.FORBIDDEN, 404: matrix.NOT_FOUND, 405: matrix.NOT_ALLOWED}
    if status in named:
        return named[status]
    if 200 <= status < 300 or status in (409, 422):
        return matrix.OK
    return str(status)


def _url(row, target):
    path = row.path or reverse(row.name, kwargs=target.kwargs)
    return path + row.query.format(**target.values)


def _client(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _signed_in(client):
    cookie = client.cookies.get(django_settings.SESSION_COOKIE_NAME)
    return cookie is not None and bool(cookie.value)


def _project_tables():
    return sorted(
        name
        for name in connection.introspection.table_names()
        if name.startswith(("planning_", "submissions_"))
    )


def _snapshot(tables):
    """{table: (rows, a hash of every row)} of the project's own tables, in one query."""
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT %s, count(*), coalesce(sum(hashtextextended(r::text, 0)), 0) FROM {quote(t)} r"
        for t in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        return {table: (rows, digest) for table, rows, digest in cursor.fetchall()}
