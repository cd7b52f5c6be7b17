"""Every figure a person saves comes back exactly as typed, on SQLite (the embedded default) as on
PostgreSQL. SQLite keeps a decimal as a double and Django reads it back to 15 significant digits,
so a cell holds at most 99,999,999,999.9999 (11 digits and 4 decimal places); a larger number is
refused at the cell, on the page and in the browser alike (tests/evaluation_table.py), instead of
coming back changed (123456789012.3456 as ...3460) or breaking every later load of the return
(999,999,999,999.9999)."""

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from submissions.formatting import format_value
from submissions.models import Return, Value
from submissions.returns import services
from submissions.returns.evaluation import parse_cell
from submissions.returns.selectors import typed_values
from tests import factories

ROOT = Path(__file__).resolve().parents[3]

# Finance cells in £000; other_reserves may be negative. The largest a cell holds either side of
# zero, the smallest step, and fifteen significant digits of every kind.
BOUNDARY_CELLS = {
    "acute.budget": "99,999,999,999.9999",
    "other_reserves.budget": "-99,999,999,999.9999",
    "community.budget": "12,345,678,901.2345",
    "mental_health.budget": "0.0001",
    "primary_care.budget": "98765432109.8765",
    "continuing_care.budget": "99999999999",
}
THIRD = "0.333333333333"  # a share of one third, kept to 12 decimal places

SCRIPT = """
import json, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from submissions.demo.returns import fill
from submissions.models import Return
from submissions.plans.selectors import plan_contributions, plan_typed_values
from submissions.plans.services import build_system_plan
from submissions.returns import services
from submissions.returns.selectors import evaluation_of, typed_values
from tests import factories

cells, share = json.loads(sys.argv[1]), sys.argv[2]
finance = factories.templates()["finance"]
blmk = factories.blmk()
org = factories.bedfordshire()
factories.membership(org, blmk, share=share)
lead = factories.planning_lead(org)
typed = {tuple(name.split(".")): text for name, text in cells.items()}
ret = services.return_save(
    user=lead, ret=Return(organisation=org, template=finance, stage="draft"), base_version=0,
    raw_cells=typed, raw_answers={}, raw_explanations={},
)
refused = []
try:
    services.return_save(
        user=lead, ret=ret, base_version=ret.version,
        raw_cells={("acute", "forecast"): "123456789012.3456"},
        raw_answers={}, raw_explanations={},
    )
except services.ReturnInvalid as invalid:
    refused = [m.text for m in invalid.messages]
ret = Return.objects.get(pk=ret.pk)
ret = fill(user=lead, ret=ret, cells={}, explain=lambda w: "Explained", submit=True)
ret = Return.objects.get(pk=ret.pk)
evaluation_of(ret)  # the page's read of the return, which broke on 999,999,999,999.9999
out = {"refused": refused}
out["saved"] = {f"{l}.{c}": str(v) for (l, c), v in typed_values(ret).items()}
out["submitted"] = {
    f"{v.line.code}.{v.column.code}": str(v.value) for v in ret.submission.values.all()
}
plan, _ = build_system_plan(system=blmk, template=finance, stage="draft")
out["plan"] = {
    f"{l}.{c}": str(v) for (l, c), v in plan_contributions(plan)[org.pk].items()
}
out["plan_totals"] = {f"{l}.{c}": str(v) for (l, c), v in plan_typed_values(plan).items()}
print("RESULT " + json.dumps(out))
"""


def on_sqlite(tmp_path, *args):
    """Run SCRIPT in a fresh process on a new SQLite database, as the embedded default runs."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "CELERY_", "DJANGO_", "PYTEST_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        PYTHONPATH=str(ROOT),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    [line] = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    return json.loads(line.removeprefix("RESULT "))


def exact(text):
    return parse_cell(text)[0]


@pytest.fixture(scope="module")
def sqlite_result(tmp_path_factory):
    return on_sqlite(tmp_path_factory.mktemp("sqlite"), json.dumps(BOUNDARY_CELLS), THIRD)


def test_on_sqlite_every_saved_and_submitted_figure_comes_back_exactly(sqlite_result):
    # Nothing else was saved: 123456789012.3456 would have come back as 123456789012.3460.
    expected = {name: exact(text) for name, text in BOUNDARY_CELLS.items()}
    assert {k: Decimal(v) for k, v in sqlite_result["saved"].items()} == expected
    assert {k: Decimal(v) for k, v in sqlite_result["submitted"].items()} == expected


def test_on_sqlite_a_sixteenth_digit_is_refused_at_the_cell(sqlite_result):
    [message] = sqlite_result["refused"]
    assert message.endswith(
        "forecast outturn is too large: it can be at most 99,999,999,999.9999 "
        "(it is 123456789012.3456)"
    )


def test_on_sqlite_a_plan_of_a_one_third_share_shows_the_figures_postgresql_shows(sqlite_result):
    # PostgreSQL keeps value x share exactly to 6 places; SQLite multiplies doubles and keeps 15
    # significant digits: within a ten-thousandth of £000 of it, and shown the same.
    share = Decimal(THIRD)
    assert sqlite_result["plan_totals"] == sqlite_result["plan"]  # SUM over the one partner
    for name, text in BOUNDARY_CELLS.items():
        on_postgresql = (exact(text) * share).quantize(Decimal("0.000001"))
        on_sqlite = Decimal(sqlite_result["plan"][name])
        assert abs(on_sqlite - on_postgresql) < Decimal("0.0001"), name
        assert format_value(on_sqlite, "£000") == format_value(on_postgresql, "£000"), name


@pytest.mark.django_db
def test_the_boundary_figures_come_back_exactly_from_the_suites_database(bedfordshire, beds_lead):
    ret = services.return_save(
        user=beds_lead,
        ret=Return(
            organisation=bedfordshire, template=factories.template("finance"), stage="draft"
        ),
        base_version=0,
        raw_cells={tuple(name.split(".")): text for name, text in BOUNDARY_CELLS.items()},
        raw_answers={},
        raw_explanations={},
    )
    saved = typed_values(Value.objects.get(line__code="acute").ret)
    assert (
        saved == {tuple(name.split(".")): exact(text) for name, text in BOUNDARY_CELLS.items()}
        and ret.version == 1
    )


@pytest.mark.parametrize(
    "raw, allow_negative, error",
    [
        ("99,999,999,999.9999", True, None),
        ("-99,999,999,999.9999", True, None),
        ("100,000,000,000", True, "is too large: it can be at most 99,999,999,999.9999"),
        ("999,999,999,999.9999", True, "is too large: it can be at most 99,999,999,999.9999"),
        ("1e11", True, "is too large: it can be at most 99,999,999,999.9999"),
        ("(100000000000)", True, "is too far below zero: it can be at least -99,999,999,999.9999"),
        ("-1e1000000", True, "is too far below zero: it can be at least -99,999,999,999.9999"),
        ("-1e1000000", False, "cannot be negative"),
        ("-100000000000", False, "cannot be negative"),
    ],
)
def test_a_cell_holds_at_most_99_999_999_999_9999_either_side_of_zero(raw, allow_negative, error):
    value, message = parse_cell(raw, allow_negative=allow_negative, label="Acute, Budget")
    if error is None:
        assert message is None and value == Decimal(raw.replace(",", ""))
    else:
        assert value is None and message.startswith(f"Acute, Budget {error}")
