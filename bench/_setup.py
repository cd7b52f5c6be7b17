"""Shared set-up for the benchmarks: Django on a throwaway SQLite database in a temporary folder."""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_on_scratch_database():
    folder = tempfile.mkdtemp(prefix="planning-bench-")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
    os.environ.setdefault("MEDIA_ROOT", f"{folder}/media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_demo", verbosity=0, stdout=quiet)
    return folder


def throwaway_servers(prefix, *, redis=False):
    """A scratch folder with a throwaway PostgreSQL (and Redis when asked) started in it, as the
    test suite starts them (tests/services.py), all stopped and removed at exit. Returns (scratch,
    the server's own PostgreSQL URL or None when PostgreSQL is not installed, the Redis URL, and
    the list of clean-ups run at exit, for a worker the benchmark starts itself)."""
    sys.path.insert(0, str(ROOT))
    from tests.services import start_postgres, start_redis

    scratch = tempfile.mkdtemp(prefix=prefix)
    cleanups = []

    def clean_up():
        for cleanup in reversed(cleanups):
            try:
                cleanup()
            except Exception as error:  # a server that already stopped must not hide the results
                print(f"clean-up failed: {error}", file=sys.stderr)
        shutil.rmtree(scratch, ignore_errors=True)

    atexit.register(clean_up)
    redis_url = None
    if redis:
        redis_url = start_redis(scratch, cleanups)
        if not redis_url:
            sys.exit("This benchmark needs redis-server (apt-get install redis-server).")
    database_url = start_postgres(scratch, cleanups)
    if database_url:
        database_url = database_url.rsplit("/", 1)[0] + "/postgres"  # the server's own database
    return scratch, database_url, redis_url, cleanups


class Statements:
    """Counts the statements Django runs inside it (`with Statements() as statements: ...`,
    then `statements.count`)."""

    def __enter__(self):
        from django.db import connection

        self.count = 0
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)


def table(title, headers, rows):
    print(f"\n### {title}\n")
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join(" --- " for _ in headers) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
