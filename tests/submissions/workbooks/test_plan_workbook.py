"""A system plan's workbook export: a summary sheet of the system's totals and one sheet per
partner organisation's contribution."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from submissions.demo import seed_figures
from submissions.plans.services import build_system_plan
from tests import factories

pytestmark = pytest.mark.django_db


def test_system_plan_exports_as_a_workbook_with_a_sheet_per_organisation(client, blmk, beds):
    submitted = factories.submitted_return(beds, "activity", seed_figures.activity_cells())
    build_system_plan(system=blmk, template=submitted.template, stage="draft")
    client.force_login(factories.ics_lead(blmk))

    response = client.get(
        reverse("submissions:plan_xlsx", args=["BLMK", 2019, "activity", "draft"])
    )

    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Summary", "NHS Bedfordshire CCG"]
    rows = list(workbook["Summary"].iter_rows(values_only=True))
    assert any(row[0] == "GP referrals (general and acute)" and row[1] == 94810 for row in rows)


def test_a_partner_whose_name_has_no_usable_characters_gets_a_sheet_named_by_its_ods_code(
    client, blmk, beds
):
    unnamed = factories.organisation("06P", name="[]:*?/\\")
    factories.membership(unnamed, blmk)
    for partner in (beds, unnamed):
        factories.submitted_return(partner, "activity", seed_figures.activity_cells())
    build_system_plan(system=blmk, template=factories.template("activity"), stage="draft")
    client.force_login(factories.ics_lead(blmk))

    response = client.get(
        reverse("submissions:plan_xlsx", args=["BLMK", 2019, "activity", "draft"])
    )

    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[0] == "Summary"
    assert set(workbook.sheetnames[1:]) == {"06P", "NHS Bedfordshire CCG"}


def test_a_partner_name_that_looks_like_a_formula_is_written_as_text(client, blmk):
    hostile = factories.organisation("06P", name="=cmd|'/c calc'!A1")
    factories.membership(hostile, blmk)
    factories.submitted_return(hostile, "activity", seed_figures.activity_cells())
    build_system_plan(system=blmk, template=factories.template("activity"), stage="draft")
    client.force_login(factories.ics_lead(blmk))

    response = client.get(
        reverse("submissions:plan_xlsx", args=["BLMK", 2019, "activity", "draft"])
    )

    workbook = load_workbook(io.BytesIO(response.content))
    name = workbook.worksheets[1]["A1"]
    assert name.value == "'=cmd|'/c calc'!A1" and name.data_type == "s"
