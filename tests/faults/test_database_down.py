"""PostgreSQL stopped under a running gunicorn: the "service is busy" page (503, Retry-After),
never a 500; and the site answers again once PostgreSQL is back, without restarting gunicorn.
The database is a second, throwaway cluster, so the suite's own is never stopped."""

import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest

from tests.services import (
    BIN,
    ROOT,
    TIERS,
    PostgresServer,
    free_port,
    poll,
    postgres_bindir,
    process_env,
    wait_for_port,
)

pytestmark = pytest.mark.skipif(not TIERS["postgres"], reason="needs the PostgreSQL tier")


def get(url, cookie=""):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our server
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture
def site(tmp_path):
    """gunicorn serving the app on its own PostgreSQL cluster (migrated); yields (url, cluster)."""
    root = tempfile.mkdtemp(prefix="planning-fault-db-")
    database = PostgresServer(root, postgres_bindir()).create()
    database.start()
    env = process_env(DATABASE_URL=database.url("postgres"), MEDIA_ROOT=str(tmp_path))
    server = None
    try:
        subprocess.run(
            [BIN / "python", "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        port = free_port()
        log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
        server = subprocess.Popen(
            [BIN / "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}", database
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
            log.close()
        database.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_with_postgres_down_the_site_says_it_is_busy_and_recovers_without_a_restart(site):
    url, database = site
    assert get(f"{url}/health/")[0] == 200
    a_session = "sessionid=abcdefghijklmnopqrstuvwxyz012345"  # looked up in the database

    database.stop()
    status, headers, body = get(f"{url}/", cookie=a_session)

    assert status == 503, body[:2000]
    assert int(headers["Retry-After"]) > 0
    assert "busy" in body.lower() and "Traceback" not in body
    assert get(f"{url}/health/")[0] == 503

    back = time.monotonic()
    database.start()
    poll(lambda: get(f"{url}/health/")[0] == 200, timeout=30, message="a 200 from gunicorn")
    seconds = time.monotonic() - back
    status, _, body = get(f"{url}/login/")
    assert status == 200 and "Log in" in body
    print(f"PostgreSQL back to first 200 (pg_ctl start included): {seconds:.2f} s")
