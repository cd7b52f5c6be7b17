"""Bedfordshire CCG's 2019/20 figures, transcribed from seeds/bedfordshire-ccg-operational-plan-2019-20.txt.

Used by the demo data and as test vectors. Each activity row is the table "Local activity growth
assumptions": forecast outturn, the five bridge columns, the annual plan, planned growth % and last
year's actual growth %. Finance is the 2019-20 block of "Summary of spend" (budget, forecast) and
QIPP the table of planned gross savings and investment by programme area. All money in £000.
"""

ACTIVITY_COLUMNS = ("fot", "coding", "non_recurrent", "trend", "transformation", "policy")

# line: (fot, coding, non_recurrent, trend, transformation, policy, plan, growth %, last year %)
ACTIVITY = {
    "total_referrals": (159895, 0, 0, 8284, -4227, 0, 163952, "2.5", "4.7"),
    "gp_referrals": (94810, 0, 0, 6998, -4227, 0, 97581, "2.9", "7.0"),
    "other_referrals": (65085, 0, 0, 1286, 0, 0, 66371, "2.0", "1.6"),
    "total_outpatients": (392345, 0, 0, 20790, -13894, 1912, 401153, "2.2", "4.9"),
    "first_outpatients": (141025, 0, 0, 6350, -4678, 1912, 144609, "2.5", "4.1"),
    "follow_up_outpatients": (251320, 0, 0, 14440, -9216, 0, 256544, "2.1", "5.4"),
    "outpatient_procedures": (77386, 0, 0, 2113, -1960, 0, 77539, "0.2", "2.3"),
    "total_elective": (61222, 0, 0, 4957, -541, 0, 65638, "7.2", "7.5"),
    "day_case": (52897, 0, 0, 5178, -387, 0, 57688, "9.1", "9.4"),
    "ordinary_elective": (8325, 0, 0, -221, -154, 0, 7950, "-4.5", "-3.0"),
    "non_elective": (52229, 0, 0, 3315, -3041, 0, 52503, "0.5", "4.5"),
    "non_elective_zero_los": (17303, 0, 0, 1369, -2330, 0, 16342, "-5.6", "6.2"),
    "non_elective_one_plus_los": (34926, 0, 0, 1946, -711, 0, 36161, "3.5", "3.7"),
    "ae_attendances": (138295, 0, 0, 8946, -10032, 10800, 148009, "7.0", "4.6"),
    "ae_type_1": (133907, 0, 0, 7899, -9426, 0, 132380, "-1.1", "4.1"),
    "ae_other": (4388, 0, 0, 1047, -606, 10800, 15629, "256.2", "21.9"),
}

ACTIVITY_TOTALS = (
    "total_referrals",
    "total_outpatients",
    "total_elective",
    "non_elective",
    "ae_attendances",
)

# line: (2019/20 budget, 2018/19 forecast outturn). The seed gives income as one line (681,172 and
# 596,809); the split into allocations below is the demo's assumption: running cost allowance equal
# to running costs, delegated allocation equal to delegated spend, the rest core programme.
FINANCE = {
    "core_programme": (607144, 587950),
    "delegated_allocation": (64120, 0),
    "running_cost_allowance": (9908, 8859),
    "acute": (359072, 348772),
    "mental_health": (61128, 58884),
    "community": (42291, 41643),
    "continuing_care": (38655, 35345),
    "primary_care": (73909, 73698),
    "primary_care_delegated": (64120, 0),
    "other_programme": (20474, 20731),
    "contingency": (3406, None),
    "other_reserves": (2109, -1123),
    "running_costs": (9908, 8859),
}
FINANCE_TOTALS = {
    "total_income": (681172, 596809),
    "total_commissioned": (659649, 579073),
    "total_reserves": (5515, -1123),
    "surplus": (6100, 10000),
}

# line: (planned gross savings, planned investment)
QIPP = {
    "acute": (18578, 1634),
    "mental_health": (2068, 608),
    "community": (150, None),
    "continuing_care": (450, 60),
    "prescribing": (1500, None),
    "delegated_primary_care": (1245, None),
    "other_programme": (380, None),
    "running_costs": (1000, None),
    "unidentified": (4070, None),
}
QIPP_TOTAL = (29441, 2302, 27139)


def activity_cells():
    """Typed cells of the activity return, as a person would type them."""
    cells = {}
    for line, row in ACTIVITY.items():
        cells[(line, "last_year_growth")] = row[8]
        if line in ACTIVITY_TOTALS:
            continue
        for column, value in zip(ACTIVITY_COLUMNS, row[:6], strict=True):
            cells[(line, column)] = f"{value:,}"
    return cells


def finance_cells():
    return {
        (line, column): f"{value:,}"
        for line, (budget, forecast) in FINANCE.items()
        for column, value in (("budget", budget), ("forecast", forecast))
        if value is not None
    }


def qipp_cells():
    return {
        (line, column): f"{value:,}"
        for line, (gross, investment) in QIPP.items()
        for column, value in (("gross", gross), ("investment", investment))
        if value is not None
    }
