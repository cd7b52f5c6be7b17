"""Alignment: commissioners' against providers' activity, with gaps over the threshold flagged."""

from decimal import Decimal

import pytest

from submissions.plans.selectors import alignment
from tests.factories import submitted_return as submitted

pytestmark = pytest.mark.django_db


def test_alignment_flags_gaps_over_the_systems_threshold(blmk):
    submitted(
        blmk.beds,
        "activity",
        {("gp_referrals", "fot"): "1,000", ("other_referrals", "fot"): "1,000"},
    )
    submitted(
        blmk.hospital,
        "activity",
        {("gp_referrals", "fot"): "2,030", ("other_referrals", "fot"): "2,060"},
    )
    plan, _ = blmk.build()  # the hospital counts half: 1,015 and 1,030

    rows = {r["line"].code: r for r in alignment(plan=plan, threshold=Decimal(2))}
    assert rows["gp_referrals"]["gap"] == 15 and not rows["gp_referrals"]["flagged"]  # 1.5%
    assert rows["other_referrals"]["gap"] == 30 and rows["other_referrals"]["flagged"]  # 3%
    assert round(rows["other_referrals"]["gap_pct"], 1) == Decimal("3.0")


def test_a_line_one_side_planned_nothing_for_is_flagged(blmk):
    bridge = ("coding", "non_recurrent", "trend", "transformation", "policy")

    def line(code, fot):
        return {(code, "fot"): fot, **{(code, column): "0" for column in bridge}}

    submitted(blmk.beds, "activity", {**line("gp_referrals", "1,000"), **line("day_case", "0")})
    submitted(
        blmk.hospital, "activity", {**line("gp_referrals", "2,000"), **line("day_case", "1,000")}
    )
    plan, _ = blmk.build()

    rows = {r["line"].code: r for r in alignment(plan=plan, threshold=Decimal(2))}
    assert rows["day_case"]["commissioners"] == 0 and rows["day_case"]["providers"] == 500
    assert rows["day_case"]["flagged"] and rows["day_case"]["gap"] == 500
    assert (
        rows["ordinary_elective"]["providers"] is None and not rows["ordinary_elective"]["flagged"]
    )
    assert not rows["gp_referrals"]["flagged"]  # 1,000 against 1,000
