"""One table of typed cells and what the server and the browser must make of them.

The same data is run against the Python evaluation (tests/submissions/returns/test_evaluation.py:
`parse_typed`, `TemplateGrid.compute`, `format_value`; tests/submissions/returns/test_presenters.py:
the blank hints of `entry_sections`; tests/submissions/returns/test_rules_table.py: `check_rules`)
and against static/js/grid.js (tests/browser/test_grid_arithmetic_matches_the_server.py:
`computeGrid` and `checkRules`), so a figure, a hint and a warning read the same while typing as
after saving. Plain data, and `table_grid()`, the server's grid of it (no Django, no database).

`TEMPLATE` is a small template in the shape presenters.grid_definition gives grid.js (labels added
for the server's messages; line codes are unique in a template, as in the data files; grid.js takes
a line that does not say whether it allows negatives to allow them, so every line says). Each case
gives:

- `typed`: {"line.column": what a person typed};
- `values`: {"line.column": the exact value as decimal text, or None for blank}. Every computed
  cell (a total line or a derived column) that is not listed must be blank; typed cells are
  checked only where listed;
- `shown`: {"line.column": the text the grid shows}: a typed cell as the server keeps it, a
  computed one rounded half up at its unit's precision (% 1 place, WTE 2, £000 whole);
- `invalid` (optional): typed cells the server refuses (they count as blank);
- `hints` (optional): {"line.column": why a derived cell is blank}, every hint of the grid
  (presenters.blank_hints, grid.js `blankHint`): a derived cell blank although something it is made
  from was given says which figure it still needs, or that it has nothing to compare with (a
  division by zero); a row nobody started has none.

The rules are planning/templates_data/README.md's: a total line counts a blank part as 0 unless
every part is blank; a derived column is blank when any cell it is made from is blank (except
inside sum(), which counts a blank as 0) and when it divides by zero.
"""

from types import SimpleNamespace

from submissions.returns.evaluation import TemplateGrid

TEMPLATE = {
    "sections": [
        {
            "code": "money",
            "columns": [
                {"code": "budget", "label": "Budget", "unit": "", "formula": ""},
                {
                    "code": "forecast",
                    "label": "Forecast outturn",
                    "unit": "",
                    "formula": "",
                    "allow_negative": True,
                },
                {
                    "code": "variance",
                    "label": "Variance",
                    "unit": "",
                    "formula": "budget - forecast",
                    "allow_negative": True,
                },
                {
                    "code": "variance_pct",
                    "label": "Variance %",
                    "unit": "%",
                    "formula": "(budget - forecast) / forecast * 100",
                    "allow_negative": True,
                },
                {
                    "code": "adjustment",
                    "label": "Adjustment",
                    "unit": "",
                    "formula": "",
                    "allow_negative": True,
                },
                {
                    "code": "plan",
                    "label": "Plan",
                    "unit": "",
                    "formula": "budget + sum(adjustment)",
                    "allow_negative": True,
                },
                {
                    "code": "last_year_pct",
                    "label": "Last year %",
                    "unit": "%",
                    "formula": "",
                    "allow_negative": True,
                    "sums_lines": False,
                },
            ],
            "lines": [
                {"code": "a", "label": "A", "unit": "£000", "formula": "", "allow_negative": False},
                {"code": "b", "label": "B", "unit": "£000", "formula": "", "allow_negative": False},
                {"code": "c", "label": "C", "unit": "£000", "formula": "", "allow_negative": True},
                {
                    "code": "total",
                    "label": "Total",
                    "unit": "£000",
                    "formula": "a + b + c",
                    "allow_negative": False,
                },
                {
                    "code": "net",
                    "label": "Total less C",
                    "unit": "£000",
                    "formula": "total - c",
                    "allow_negative": True,
                },
            ],
        },
        {
            "code": "staff",
            "columns": [
                {"code": "baseline", "label": "Baseline", "unit": "", "formula": ""},
                {"code": "planned", "label": "Planned", "unit": "", "formula": ""},
                {
                    "code": "change",
                    "label": "Change",
                    "unit": "",
                    "formula": "planned - baseline",
                    "allow_negative": True,
                },
                {
                    "code": "change_pct",
                    "label": "Change %",
                    "unit": "%",
                    "formula": "(planned - baseline) / baseline * 100",
                    "allow_negative": True,
                },
            ],
            "lines": [
                {
                    "code": "gps",
                    "label": "GPs",
                    "unit": "WTE",
                    "formula": "",
                    "allow_negative": False,
                },
                {
                    "code": "nurses",
                    "label": "Nurses",
                    "unit": "WTE",
                    "formula": "",
                    "allow_negative": False,
                },
                {
                    "code": "staff_total",
                    "label": "Total staff",
                    "unit": "WTE",
                    "formula": "gps + nurses",
                    "allow_negative": False,
                },
            ],
        },
    ]
}

CASES = [
    {
        "name": "every cell filled in, with a tie at x.x5 (8.75% is 8.8, not 8.7)",
        "typed": {
            "a.budget": "1,200",
            "a.forecast": "1,000",
            "b.budget": "435",
            "b.forecast": "400",
            "c.budget": "0",
            "c.forecast": "(500)",
        },
        "values": {
            "a.variance": "200",
            "a.variance_pct": "20",
            "a.plan": "1200",
            "b.variance": "35",
            "b.variance_pct": "8.75",
            "b.plan": "435",
            "c.variance": "500",
            "c.variance_pct": "-100",
            "c.plan": "0",
            "total.budget": "1635",
            "total.forecast": "900",
            "total.variance": "735",
            "total.variance_pct": "81.66666666666666666666666667",
            "total.plan": "1635",
            "net.budget": "1635",
            "net.forecast": "1400",
            "net.variance": "235",
            "net.variance_pct": "16.78571428571428571428571429",
            "net.plan": "1635",
        },
        "shown": {
            "a.budget": "1,200",
            "c.forecast": "-500",
            "a.variance_pct": "20.0",
            "b.variance_pct": "8.8",
            "c.variance": "500",
            "c.variance_pct": "-100.0",
            "total.budget": "1,635",
            "total.forecast": "900",
            "total.variance_pct": "81.7",
            "net.forecast": "1,400",
            "net.variance_pct": "16.8",
        },
    },
    {
        "name": "a blank forecast is not 0: its variance and variance % are blank, totals count it as 0",
        "typed": {"a.budget": "1,200", "b.budget": "435", "b.forecast": "400"},
        "values": {
            "a.forecast": None,
            "a.variance": None,
            "a.variance_pct": None,
            "a.plan": "1200",
            "b.variance": "35",
            "b.variance_pct": "8.75",
            "b.plan": "435",
            "total.budget": "1635",
            "total.forecast": "400",
            "total.variance": "1235",
            "total.variance_pct": "308.75",
            "total.plan": "1635",
            "net.budget": "1635",
            "net.forecast": "400",
            "net.variance": "1235",
            "net.variance_pct": "308.75",
            "net.plan": "1635",
        },
        "shown": {
            "a.forecast": "",
            "a.variance": "",
            "a.variance_pct": "",
            "c.budget": "",
            "c.variance": "",
            "total.forecast": "400",
            "total.variance_pct": "308.8",
        },
        "hints": {
            "a.variance": "Blank: no forecast outturn yet",
            "a.variance_pct": "Blank: no forecast outturn yet",
        },
    },
    {
        "name": "a column nobody filled in: its total is blank, and so is everything made from it",
        "typed": {"a.budget": "100", "b.budget": "50"},
        "values": {
            "a.plan": "100",
            "b.plan": "50",
            "total.budget": "150",
            "total.forecast": None,
            "total.variance": None,
            "total.variance_pct": None,
            "total.plan": "150",
            "net.budget": "150",
            "net.plan": "150",
        },
        "shown": {"total.budget": "150", "total.forecast": "", "total.variance_pct": ""},
        "hints": {
            f"{line}.{column}": "Blank: no forecast outturn yet"
            for line in ("a", "b", "total", "net")
            for column in ("variance", "variance_pct")
        },
    },
    {
        "name": "a zero base: the variance is there, the variance % is blank (never 100% or an error)",
        "typed": {"a.budget": "100", "a.forecast": "0", "b.budget": "0", "b.forecast": "0"},
        "values": {
            "a.variance": "100",
            "a.variance_pct": None,
            "a.plan": "100",
            "b.variance": "0",
            "b.variance_pct": None,
            "b.plan": "0",
            "total.budget": "100",
            "total.forecast": "0",
            "total.variance": "100",
            "total.variance_pct": None,
            "total.plan": "100",
            "net.budget": "100",
            "net.forecast": "0",
            "net.variance": "100",
            "net.variance_pct": None,
            "net.plan": "100",
        },
        "shown": {"a.variance": "100", "a.variance_pct": "", "b.variance": "0"},
        "hints": {
            f"{line}.variance_pct": "Blank: nothing to compare with"
            for line in ("a", "b", "total", "net")
        },
    },
    {
        "name": "sum() counts a blank adjustment as 0, but a blank budget still blanks the plan",
        "typed": {"a.budget": "100", "b.adjustment": "5", "c.budget": "10", "c.adjustment": "-3"},
        "values": {
            "a.plan": "100",
            "b.plan": None,
            "c.plan": "7",
            "total.budget": "110",
            "total.adjustment": "2",
            "total.plan": "112",
            "net.budget": "100",
            "net.adjustment": "5",
            "net.plan": "105",
        },
        "shown": {"a.plan": "100", "b.plan": "", "c.plan": "7", "total.plan": "112"},
        "hints": {
            # b has an adjustment but no budget: no plan; its variance has nothing to go on at all.
            "b.plan": "Blank: no budget yet",
            **{
                f"{line}.{column}": "Blank: no forecast outturn yet"
                for line in ("a", "c", "total", "net")
                for column in ("variance", "variance_pct")
            },
        },
    },
    {
        "name": "halves round away from zero at each unit's precision, and nothing shows as -0",
        "typed": {
            "a.budget": "1,000.5",
            "a.forecast": "0",
            "b.budget": "365",
            "b.forecast": "400",
            "c.budget": "0.4",
            "c.forecast": "0.8",
        },
        "values": {
            "a.variance": "1000.5",
            "a.variance_pct": None,
            "a.plan": "1000.5",
            "b.variance": "-35",
            "b.variance_pct": "-8.75",
            "b.plan": "365",
            "c.variance": "-0.4",
            "c.variance_pct": "-50",
            "c.plan": "0.4",
            "total.budget": "1365.9",
            "total.forecast": "400.8",
            "total.variance": "965.1",
            "total.variance_pct": "240.7934131736526946107784431",
            "total.plan": "1365.9",
            "net.budget": "1365.5",
            "net.forecast": "400",
            "net.variance": "965.5",
            "net.variance_pct": "241.375",
            "net.plan": "1365.5",
        },
        "shown": {
            "a.budget": "1,000.5",
            "a.variance": "1,001",
            "b.variance": "-35",
            "b.variance_pct": "-8.8",
            "c.variance": "0",
            "c.plan": "0",
            "total.budget": "1,366",
            "total.forecast": "401",
            "total.variance": "965",
            "net.variance": "966",
            "net.variance_pct": "241.4",
        },
    },
    {
        "name": "WTE to 2 places: 1.005 is 1.01, -0.305 is -0.31",
        "typed": {
            "gps.baseline": "8",
            "gps.planned": "8.7",
            "nurses.baseline": "1.005",
            "nurses.planned": "0",
        },
        "values": {
            "gps.change": "0.7",
            "gps.change_pct": "8.75",
            "nurses.change": "-1.005",
            "nurses.change_pct": "-100",
            "staff_total.baseline": "9.005",
            "staff_total.planned": "8.7",
            "staff_total.change": "-0.305",
            "staff_total.change_pct": "-3.387007218212104386451971127",
        },
        "shown": {
            "gps.planned": "8.7",
            "nurses.baseline": "1.005",
            "gps.change": "0.70",
            "gps.change_pct": "8.8",
            "nurses.change": "-1.01",
            "nurses.change_pct": "-100.0",
            "staff_total.baseline": "9.01",
            "staff_total.planned": "8.70",
            "staff_total.change": "-0.31",
            "staff_total.change_pct": "-3.4",
        },
    },
    {
        "name": "fifteen significant digits, the most a cell holds: exact decimals, not floats",
        "typed": {"gps.baseline": "99,999,999,999.9949", "nurses.planned": "0.0001"},
        "values": {
            "gps.change": None,
            "nurses.change": None,
            "staff_total.baseline": "99999999999.9949",
            "staff_total.planned": "0.0001",
            "staff_total.change": "-99999999999.9948",
            "staff_total.change_pct": "-99.99999999999989999999999999",
        },
        "shown": {
            "gps.baseline": "99,999,999,999.9949",
            "nurses.planned": "0.0001",
            "staff_total.baseline": "99,999,999,999.99",
            "staff_total.planned": "0.00",
            "staff_total.change": "-99,999,999,999.99",
            "staff_total.change_pct": "-100.0",
        },
    },
    {
        # A sixteenth digit would not come back from SQLite as typed (it keeps 15), so it is
        # refused while typing and on save, at the same boundary either side of zero.
        "name": "a cell is at most 99,999,999,999.9999 either side of zero",
        "typed": {
            "gps.baseline": "99,999,999,999.9999",
            "gps.planned": "100,000,000,000",
            "nurses.baseline": "999,999,999,999.9949",
            "a.forecast": "-99,999,999,999.9999",
            "b.forecast": "(100000000000)",
        },
        "invalid": ["gps.planned", "nurses.baseline", "b.forecast"],
        "values": {
            "gps.baseline": "99999999999.9999",
            "gps.planned": None,
            "nurses.baseline": None,
            "a.forecast": "-99999999999.9999",
            "b.forecast": None,
            "total.forecast": "-99999999999.9999",
            "net.forecast": "-99999999999.9999",
            "staff_total.baseline": "99999999999.9999",
        },
        "shown": {
            "gps.baseline": "99,999,999,999.9999",
            "gps.planned": "100,000,000,000",
            "nurses.baseline": "999,999,999,999.9949",
            "a.forecast": "-99,999,999,999.9999",
            "b.forecast": "(100000000000)",
            "staff_total.baseline": "100,000,000,000.00",  # WTE to 2 places, half up
        },
    },
    {
        "name": "typed cells read as the server reads them; a rate is typed on a total line too",
        "typed": {
            "a.budget": "£1,234.50",
            "a.forecast": " 1 000 ",
            "b.budget": "5.00",
            "b.forecast": "12x",
            "c.budget": "-5",
            "total.last_year_pct": "2.5%",
            "a.last_year_pct": "(1.25)",
            "gps.planned": "-1",
        },
        "invalid": ["b.forecast", "gps.planned"],
        "values": {
            "a.budget": "1234.5",
            "a.forecast": "1000",
            "a.variance": "234.5",
            "a.variance_pct": "23.45",
            "a.plan": "1234.5",
            "b.budget": "5",
            "b.forecast": None,
            "b.variance": None,
            "b.variance_pct": None,
            "b.plan": "5",
            "c.budget": "-5",
            "c.plan": "-5",
            "total.budget": "1234.5",
            "total.forecast": "1000",
            "total.variance": "234.5",
            "total.variance_pct": "23.45",
            "total.plan": "1234.5",
            "total.last_year_pct": "2.5",
            "a.last_year_pct": "-1.25",
            "net.budget": "1239.5",
            "net.forecast": "1000",
            "net.variance": "239.5",
            "net.variance_pct": "23.95",
            "net.plan": "1239.5",
            "gps.planned": None,
        },
        "shown": {
            "a.budget": "1,234.5",
            "a.forecast": "1,000",
            "b.budget": "5",
            "b.forecast": "12x",
            "c.budget": "-5",
            "gps.planned": "-1",
            "a.variance": "235",
            "a.variance_pct": "23.5",
            "c.plan": "-5",
            "total.variance": "235",
            "total.variance_pct": "23.5",
            "total.last_year_pct": "2.5",
            "a.last_year_pct": "-1.25",
            "net.variance": "240",
            "net.variance_pct": "24.0",
        },
    },
]


# Rules ----------------------------------------------------------------------------------------------
#
# The table template's rules, in the shape of a template's [[rules]] (planning/templates_data/README.md).
# Each case gives `typed` and the `messages` the rules give, in order, as (severity, key, cell):
# tests/submissions/returns/test_rules_table.py checks them against evaluation.check_rules and
# tests/browser/test_grid_arithmetic_matches_the_server.py against grid.js `checkRules` (and both
# against each other, message text included). A case with a `template` runs on that 2019 template
# as loaded from planning/templates_data instead of the table's.

RULES = [
    {
        "code": "contingency_like",
        "severity": "warning",
        "cell": "c.budget",
        "require": "c.budget >= 0.005 * total.budget",
        "message": "C is below 0.5% of the total.",
    },
    {
        "code": "variance_within_ten_points",
        "severity": "warning",
        "cell": "total.variance_pct",
        "require": "abs(total.variance_pct) <= 10",
        "message": "The total varies by more than 10%.",
    },
    {
        "code": "forecast_not_above_budget",
        "severity": "warning",
        "each_line": True,
        "section": "money",
        "cell": "forecast",
        "require": "forecast <= budget",
        "message": "The forecast outturn is above the budget.",
    },
    {
        "code": "rate_is_a_percentage",
        "severity": "error",
        "each_line": True,
        "section": "money",
        "cell": "last_year_pct",
        "require": "last_year_pct >= -100 and not last_year_pct > 100",
        "message": "A rate is between -100% and 100%.",
    },
    {
        "code": "adjustments_small",
        "severity": "warning",
        "cell": "total.adjustment",
        "require": "sum(a.adjustment, b.adjustment, c.adjustment) <= max(10, 0.1 * total.budget)",
        "message": "The adjustments are more than 10% of the budget.",
    },
    {
        "code": "staff_not_reduced",
        "severity": "warning",
        "cell": "staff_total.planned",
        "require": "staff_total.planned >= staff_total.baseline or gps.planned > gps.baseline",
        "message": "Fewer staff are planned than in the baseline.",
    },
    {
        "code": "budget_within_allocation",
        "severity": "warning",
        "cell": "total.budget",
        "require": "total.budget <= finance:total_income.budget",
        "message": "The budget is above the allocation (another template's figure).",
    },
]

RULE_CASES = [
    {
        "name": "an empty return has no warnings",
        "typed": {},
        "messages": [],
    },
    {
        "name": "0.5% of 1,000 is 5: a C of 5 passes (a division or a blank elsewhere is no matter)",
        "typed": {"a.budget": "995", "c.budget": "5", "c.forecast": "0"},
        "messages": [],
    },
    {
        "name": "0.5% of 1,099 is 5.495, which reads 5: a C of 4 warns",
        "typed": {"a.budget": "1,095", "c.budget": "4"},
        "messages": [("warning", "contingency_like", "c.budget")],
    },
    {
        "name": "a forecast above the budget warns on its line only; totals are lines too",
        "typed": {"a.budget": "100", "a.forecast": "101", "b.budget": "50", "b.forecast": "50"},
        "messages": [
            ("warning", "forecast_not_above_budget:a", "a.forecast"),
            ("warning", "forecast_not_above_budget:total", "total.forecast"),
            ("warning", "forecast_not_above_budget:net", "net.forecast"),
        ],
    },
    {
        "name": "a forecast of 100.4 against a budget of 100 reads 100 in £000: no warning",
        "typed": {"a.budget": "100", "a.forecast": "100.4"},
        "messages": [],
    },
    {
        "name": "a forecast of 100.5 reads 101, above 100; C at 0 is below 0.5%",
        "typed": {"a.budget": "100", "a.forecast": "100.5", "c.budget": "0"},
        "messages": [
            ("warning", "contingency_like", "c.budget"),
            ("warning", "forecast_not_above_budget:a", "a.forecast"),
            ("warning", "forecast_not_above_budget:total", "total.forecast"),
            ("warning", "forecast_not_above_budget:net", "net.forecast"),
        ],
    },
    {
        "name": "a total variance of 10.04% reads 10.0 and passes",
        "typed": {"a.budget": "110.04", "a.forecast": "100"},
        "messages": [],
    },
    {
        "name": "a total variance of 10.05% reads 10.1 and warns",
        "typed": {"a.budget": "110.05", "a.forecast": "100"},
        "messages": [("warning", "variance_within_ten_points", "total.variance_pct")],
    },
    {
        "name": "an error rule with and / not, at its boundary (100.04 reads 100.0) and beyond",
        "typed": {
            "a.last_year_pct": "100.04",
            "b.last_year_pct": "100.05",
            "c.last_year_pct": "-100.05",
            "total.last_year_pct": "-100.04",
        },
        "messages": [
            ("error", "rate_is_a_percentage:b", "b.last_year_pct"),
            ("error", "rate_is_a_percentage:c", "c.last_year_pct"),
        ],
    },
    {
        "name": "sum() counts a blank adjustment as 0 and max() takes the larger limit",
        "typed": {"a.budget": "200", "a.adjustment": "15", "c.adjustment": "6"},
        "messages": [("warning", "adjustments_small", "total.adjustment")],
    },
    {
        "name": "sum() of adjustments within 10% of a larger budget",
        "typed": {"a.budget": "300", "a.adjustment": "25", "b.adjustment": "5"},
        "messages": [],
    },
    {
        "name": "WTE at 2 places: 9.005 planned reads 9.01, not below a baseline of 9.01",
        "typed": {
            "gps.baseline": "8",
            "gps.planned": "8",
            "nurses.baseline": "1.01",
            "nurses.planned": "1.005",
        },
        "messages": [],
    },
    {
        "name": "WTE at 2 places: 9.004 planned reads 9.00, below a baseline of 9.01",
        "typed": {
            "gps.baseline": "8",
            "gps.planned": "8",
            "nurses.baseline": "1.01",
            "nurses.planned": "1.004",
        },
        "messages": [("warning", "staff_not_reduced", "staff_total.planned")],
    },
    {
        "name": "or: fewer staff in all but more GPs is no warning",
        "typed": {
            "gps.baseline": "8",
            "gps.planned": "9",
            "nurses.baseline": "3",
            "nurses.planned": "1",
        },
        "messages": [],
    },
    {
        "name": "a rule on another template's figure is left to the server: none here",
        "typed": {"a.budget": "999,999"},
        "messages": [],
    },
    # The 2019 templates as loaded ---------------------------------------------------------------
    {
        "name": "finance: a contingency of 3,000 passes at an allocation of 600,050 (3,000.25)",
        "template": "finance",
        "typed": {"core_programme.budget": "600,050", "contingency.budget": "3,000"},
        "messages": [],
    },
    {
        "name": "finance: a contingency of 2,999 warns at an allocation of 600,050",
        "template": "finance",
        "typed": {"core_programme.budget": "600,050", "contingency.budget": "2,999"},
        "messages": [("warning", "contingency_minimum", "contingency.budget")],
    },
    {
        "name": "finance: running costs above the allowance, mental health below the standard",
        "template": "finance",
        "typed": {
            "core_programme.budget": "607,144",
            "core_programme.forecast": "587,950",
            "mental_health.budget": "60,805",
            "mental_health.forecast": "58,884",
            "running_cost_allowance.budget": "9,908",
            "running_costs.budget": "9,909",
            "contingency.budget": "3,406",
        },
        "messages": [
            ("warning", "mental_health_investment_standard", "mental_health.budget"),
            ("warning", "running_costs_within_allowance", "running_costs.budget"),
        ],
    },
    {
        "name": "performance: a rate from its counts, 9,495 of 10,000 (94.95%) reads 95.0% and "
        "meets the A&E standard, 91.94% does not meet RTT's; more seen than attended, or 100.1%, "
        "is an error",
        "template": "performance",
        "typed": {
            "ae_within_4h.q4": "9,495",
            "ae_attendances.q4": "10,000",
            "ae_within_4h.q1": "101",
            "ae_attendances.q1": "100",
            "rtt_within_18w.q4": "9,194",
            "rtt_incomplete.q4": "10,000",
            "iapt_access.q1": "100.1",
            "iapt_access.q4": "22",
        },
        "messages": [
            ("error", "ae_counts_q1", "ae_within_4h.q1"),
            ("warning", "rtt_standard", "rtt_18w_pct.q4"),
            ("error", "q1_at_most_100:iapt_access", "iapt_access.q1"),
        ],
    },
    {
        "name": "qipp: assured above gross warns on the line and the total; the 4% rule is the "
        "server's (it needs the finance plan)",
        "template": "qipp",
        "typed": {"acute.gross": "100,000", "acute.assured": "100,001"},
        "messages": [
            ("warning", "assured_within_gross:acute", "acute.assured"),
            ("warning", "assured_within_gross:total", "total.assured"),
        ],
    },
    {
        "name": "activity: growth 5.1 points from last year's warns, on its line only",
        "template": "activity",
        "typed": {
            "gp_referrals.fot": "1,000",
            "gp_referrals.trend": "29",
            "gp_referrals.last_year_growth": "8.0",
            "other_referrals.fot": "1,000",
            "other_referrals.trend": "29",
            "other_referrals.last_year_growth": "7.9",
        },
        "messages": [
            ("warning", "growth_against_last_year:gp_referrals", "gp_referrals.growth"),
        ],
    },
    {
        "name": "workforce: 14.74 WTE planned against 14.75 warns",
        "template": "workforce",
        "typed": {
            "gps.baseline": "10.5",
            "gps.planned": "10.5",
            "practice_nurses.baseline": "4.25",
            "practice_nurses.planned": "4.24",
        },
        "messages": [("warning", "total_not_reduced", "total.planned")],
    },
]


def table_grid(rules=None, template=None):
    """The server's TemplateGrid of TEMPLATE (or `template`; with `rules`, RULES unless given),
    built from plain objects without the database, as selectors.grid_for_template builds it."""
    sections, columns, lines = [], [], []
    for pk, data in enumerate((template or TEMPLATE)["sections"]):
        sections.append(SimpleNamespace(pk=pk, code=data["code"], is_narrative=False))
        columns += [
            SimpleNamespace(
                section_id=pk,
                code=c["code"],
                label=c["label"],
                unit=c["unit"],
                formula=c["formula"],
                allow_negative=c.get("allow_negative", False),
                sums_lines=c.get("sums_lines", True),
            )
            for c in data["columns"]
        ]
        lines += [
            SimpleNamespace(
                section_id=pk,
                code=line["code"],
                label=line["label"],
                unit=line["unit"],
                formula=line["formula"],
                allow_negative=line.get("allow_negative", False),
            )
            for line in data["lines"]
        ]
    template = SimpleNamespace(rules=RULES if rules is None else rules)
    return TemplateGrid.build(template, sections, columns, lines)


# Measures: lines computed from named cells, of another section (`total.budget`) or of another
# template of the same return set (`qipp:total.gross`), as QIPP as % of allocation in the finance
# plan. MEASURES_TEMPLATE is TEMPLATE with a section of them; each case of MEASURE_CASES gives, as
# well as `typed`, `values` and `shown` (as CASES), `other`: the other templates' computed values
# the page embeds, {template code: {"line.column": decimal text}}. A measure is blank when any cell
# it is made from is blank (no QIPP plan is not 0% of allocation), except inside sum().
# Checked against the server in tests/submissions/returns/test_measures.py and against grid.js in
# tests/browser/test_measures_live.py.


def _measure(code, formula, unit="%"):
    return {
        "code": code,
        "label": code.replace("_", " ").capitalize(),
        "unit": unit,
        "formula": formula,
        "allow_negative": True,
    }


MEASURES_TEMPLATE = {
    "sections": [
        *TEMPLATE["sections"],
        {
            "code": "measures",
            "columns": [{"code": "value", "label": "Value", "unit": "", "formula": ""}],
            "lines": [
                _measure("qipp_pct", "qipp:total.gross / total.budget * 100"),
                _measure("growth_pct", "(a.budget - a.forecast) / a.forecast * 100"),
                _measure("qipp_less_a", "qipp:total.gross - a.budget", unit="£000"),
                _measure("a_and_unidentified", "a.budget + sum(qipp:unidentified.gross)", "£000"),
                _measure("staff_per_qipp", "staff_total.planned / qipp:total.gross", unit="WTE"),
            ],
        },
        {
            # A rate is a measure too: its numerator over its denominator, blank unless both are
            # given (no patients seen within 4 hours typed is not a rate of 0%).
            "code": "rates",
            "columns": [
                {"code": "q1", "label": "Q1", "unit": "", "formula": ""},
                {"code": "q2", "label": "Q2", "unit": "", "formula": ""},
            ],
            "lines": [
                {"code": "seen", "label": "Seen", "unit": "count", "formula": ""},
                {"code": "attendances", "label": "Attendances", "unit": "count", "formula": ""},
                _measure("rate", "seen / attendances * 100"),
            ],
        },
    ]
}

MEASURES = {"qipp_pct", "growth_pct", "qipp_less_a", "a_and_unidentified", "staff_per_qipp", "rate"}

MEASURE_CASES = [
    {
        "name": "Bedfordshire: QIPP 29,441 of an allocation of 681,172 is 4.32% (4.3 at 1 place)",
        "typed": {"a.budget": "681,172", "a.forecast": "654,000"},
        "other": {"qipp": {"total.gross": "29441", "unidentified.gross": "1000"}},
        "values": {
            "qipp_pct.value": "4.322109540615292466513597153",
            "growth_pct.value": "4.154740061162079510703363914",
            "qipp_less_a.value": "-651731",
            "a_and_unidentified.value": "682172",
        },
        "shown": {
            "qipp_pct.value": "4.3",
            "growth_pct.value": "4.2",
            "qipp_less_a.value": "-651,731",
            "a_and_unidentified.value": "682,172",
            "staff_per_qipp.value": "",
        },
    },
    {
        "name": "a rate from its counts: blank unless both are given, never 0% or an error",
        "typed": {"seen.q1": "9,120", "attendances.q1": "9,600", "attendances.q2": "100"},
        "other": {},
        "values": {"rate.q1": "95", "rate.q2": None},
        "shown": {"rate.q1": "95.0", "rate.q2": "", "seen.q2": ""},
    },
    {
        "name": "a rate's numerator with no denominator, or a denominator of 0: blank",
        "typed": {"seen.q1": "10", "seen.q2": "0", "attendances.q2": "0"},
        "other": {},
        "values": {"rate.q1": None, "rate.q2": None},
        "shown": {"rate.q1": "", "rate.q2": ""},
    },
    {
        "name": "no QIPP plan yet: every measure made from it is blank, not 0, sum() counts it as 0",
        "typed": {"a.budget": "681,172", "a.forecast": "654,000", "gps.planned": "10"},
        "other": {},
        "values": {
            "qipp_pct.value": None,
            "growth_pct.value": "4.154740061162079510703363914",
            "qipp_less_a.value": None,
            "a_and_unidentified.value": "681172",
            "staff_per_qipp.value": None,
        },
        "shown": {"qipp_pct.value": "", "a_and_unidentified.value": "681,172"},
    },
    {
        "name": "a QIPP plan of 0 over a blank or zero allocation: nothing to divide by, blank",
        "typed": {"b.budget": "0", "gps.planned": "2.5", "nurses.planned": "1"},
        "other": {"qipp": {"total.gross": "0"}},
        "values": {
            "qipp_pct.value": None,
            "growth_pct.value": None,
            "qipp_less_a.value": None,
            "a_and_unidentified.value": None,
            "staff_per_qipp.value": None,
        },
        "shown": {"qipp_pct.value": "", "staff_per_qipp.value": ""},
    },
    {
        "name": "a measure across sections and templates, at its unit's places (WTE 2)",
        "typed": {"gps.planned": "2.5", "nurses.planned": "1", "a.budget": "3"},
        "other": {"qipp": {"total.gross": "3"}},
        "values": {
            "qipp_pct.value": "100",
            "qipp_less_a.value": "0",
            "a_and_unidentified.value": "3",
            "staff_per_qipp.value": "1.166666666666666666666666667",
        },
        "shown": {"staff_per_qipp.value": "1.17", "qipp_pct.value": "100.0"},
    },
]
