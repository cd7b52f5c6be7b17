"""Bedfordshire CCG's 2019/20 figures, transcribed from seeds/bedfordshire-ccg-operational-plan-2019-20.txt.

Used by the demo data and as test vectors. Each activity row is the table "Local activity growth
assumptions": forecast outturn, the five bridge columns, the annual plan, planned growth % and last
year's actual growth %. Finance is the 2019-20 block of "Summary of spend" (budget, forecast), with
the allocations and the QIPP bridge as the seed implies them (see FINANCE), and QIPP the table of
planned gross savings and investment by programme area. All money in £000. The provider finance
plan (PROVIDER_FINANCE) is illustrative: invented, not from the seeds.
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

# line: (2019/20 budget, 2018/19 forecast outturn), the finance template's typed lines.
#
# Allocations. The seed gives income as one line (681,172 and 596,809) and, in "Longer Term Financial
# outlook", the allocations: core programme 604,887 in 2019-20 (568,914 in 2018-19), primary care
# 64,653 (delegated from April 2019), running cost allowance 9,908 (9,900). "The CCG received an uplift
# of £36.0m (6.3%) on its programme allocation for 2019-20 plus £1.7m of transfers of allocation from
# Specialised Commissioning. The total allocation for 2019/20 is £606.6m": so core programme 606,611
# (604,887 + 1,724), and 606,611 + 64,653 + 9,908 = 681,172. GP extended access, other ring-fenced and
# non-recurrent allocations: the seed says nothing for 2019/20, left blank. For 2018/19 the seed's
# income (596,809) is 17,995 more than its published allocations (568,914 + 9,900) and it does not say
# what that is: the demo takes it as non-recurrent (in-year) allocations. Delegated primary care was
# not the CCG's in 2018/19: 0.
#
# Expenditure before efficiencies. The seed's "Summary of spend" categories are net of QIPP: its
# financial plan "is predicated on the delivery of £29.4m (4.3%) gross QiPP savings" and "based on
# the QIPP above the CCG is planning to deliver its control total", so the 6,100 surplus the summary
# reaches already has the savings taken off. The template's categories are before efficiencies, with
# the QIPP return's gross savings as the bridge (qipp_efficiencies = -29,441): each category's 2019/20
# budget is the seed's figure plus the gross savings of the matching QIPP programme area (acute
# 18,578, mental health 2,068, community 150, continuing care 450, primary care prescribing 1,500,
# delegated primary care 1,245, other programme 380). The QIPP table's running costs (1,000) and
# unidentified QIPP (4,070) have no expenditure category in the summary: they are added to other
# programme services. So expenditure before efficiencies is 689,090 and net commissioned expenditure
# 689,090 - 29,441 = 659,649, the seed's. The 2018/19 forecast outturn is the seed's (actual spend,
# no QIPP bridge given). Running costs stay the seed's 9,908 (within the allowance).
#
# Surplus. The seed's control total is the in-year surplus ("a target surplus of £6.1m"; "deficit
# repayments are shown as an in-year surplus"), so nothing is brought forward: the cumulative
# surplus (the control total) is 6,100. (Its accumulated deficit, £52.6m at April 2018, is repaid
# through the in-year surpluses, not counted against the control total.)
FINANCE = {
    "core_programme": (606611, 568914),
    "delegated_allocation": (64653, 0),
    "running_cost_allowance": (9908, 9900),
    "non_recurrent": (None, 17995),
    "acute": (377650, 348772),
    "mental_health": (63196, 58884),
    "community": (42441, 41643),
    "continuing_care": (39105, 35345),
    "primary_care": (75409, 73698),
    "primary_care_delegated": (65365, 0),
    "other_programme": (25924, 20731),
    "qipp_efficiencies": (-29441, None),
    "contingency": (3406, None),
    "other_reserves": (2109, -1123),
    "running_costs": (9908, 8859),
}
# The seed's net figures by category, for the record: before efficiencies less the QIPP area's savings.
NET_EXPENDITURE = {
    "acute": 359072,
    "mental_health": 61128,
    "community": 42291,
    "continuing_care": 38655,
    "primary_care": 73909,
    "primary_care_delegated": 64120,
    "other_programme": 20474,
}
FINANCE_TOTALS = {
    "total_income": (681172, 596809),
    "total_before_efficiencies": (689090, 579073),
    "total_commissioned": (659649, 579073),
    "total_reserves": (5515, -1123),
    "surplus": (6100, 10000),
    "cumulative_surplus": (6100, 10000),
}
# measure line: its value to two decimals (QIPP 29,441 of 681,172 is 4.32%, the seed's "(4.3%)").
FINANCE_MEASURES = {
    "qipp_pct_allocation": "4.32",
    "programme_growth_pct": "6.63",
    "mental_health_growth_pct": "7.32",
    "running_costs_vs_allowance": "0.00",
    "contingency_pct_allocation": "0.50",
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

# Bedford Hospital NHS Trust's 2019/20 provider finance plan (£000), line: (plan, forecast).
# ILLUSTRATIVE: invented for the demo, not from the seeds (which give no provider's plan); the
# figures balance: income 235,800 less operating costs 222,000 is EBITDA 13,800; less financing
# costs 12,300 is a surplus of 1,500 before PSF and FRF; with PSF 6,500 and FRF 3,000 a surplus of
# 11,000, which meets a control total of 11,000 (and last year's forecast 4,100 met its 4,100).
PROVIDER_FINANCE = {
    "income_ccg": (205000, 198500),
    "income_nhse": (18500, 17900),
    "income_other_patient": (2300, 2200),
    "other_operating_income": (10000, 9800),
    "pay": (150000, 146000),
    "non_pay": (80000, 71600),
    "cip": (-8000, None),
    "financing_costs": (12300, 12100),
    "psf": (6500, 5400),
    "frf": (3000, None),
    "control_total": (11000, 4100),
}
PROVIDER_FINANCE_TOTALS = {
    "patient_care_income": (225800, 218600),
    "total_income": (235800, 228400),
    "costs_before_cip": (230000, 217600),
    "operating_costs": (222000, 217600),
    "ebitda": (13800, 10800),
    "surplus_before_funds": (1500, -1300),
    "surplus": (11000, 4100),
}


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


def provider_finance_cells():
    """Bedford Hospital's illustrative provider finance plan, as a person would type it."""
    return {
        (line, column): f"{value:,}"
        for line, (plan, forecast) in PROVIDER_FINANCE.items()
        for column, value in (("plan", plan), ("forecast", forecast))
        if value is not None
    }


def qipp_cells():
    return {
        (line, column): f"{value:,}"
        for line, (gross, investment) in QIPP.items()
        for column, value in (("gross", gross), ("investment", investment))
        if value is not None
    }
