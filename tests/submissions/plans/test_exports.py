"""The CSV and JSON exports of a plan: stable field names, every cell, and the plan's inputs."""

import pytest

from submissions.plans.presenters import EXPORT_FIELDS

pytestmark = pytest.mark.django_db


def test_exports_have_stable_field_names(client, lead, built, plan_url):
    client.force_login(lead)
    csv_text = client.get(plan_url("submissions:plan_csv")).content.decode()
    header, *rows = csv_text.strip().splitlines()
    assert header.split(",") == EXPORT_FIELDS
    assert any(
        row.startswith("BLMK,2019/20,activity,draft,1,,growth,gp_referrals")
        and row.endswith(",94810.000000")
        for row in rows
    )
    body = client.get(plan_url("submissions:plan_json")).json()
    assert set(body) == {
        "system",
        "round",
        "template",
        "stage",
        "plan_version",
        "built_at",
        "approved_at",
        "approved_by",
        "approval_note",
        "approval_exceptions",
        "inputs",
        "cells",
    }
    assert set(body["cells"][0]) == set(EXPORT_FIELDS)
    assert {i["ods_code"]: i["included"] for i in body["inputs"]} == {
        "06F": True,
        "06P": False,
        "RC1": False,
    }
