"""The submissions app's models, one module per concern; the tables and migrations are the app's."""

from .papers import Paper, PaperRender
from .plans import PlanContribution, PlanState, PlanValue, SystemPlan
from .returns import Change, Explanation, NarrativeAnswer, Return, Value
from .workbooks import Upload

__all__ = [
    "Change",
    "Explanation",
    "NarrativeAnswer",
    "Paper",
    "PaperRender",
    "PlanContribution",
    "PlanState",
    "PlanValue",
    "Return",
    "SystemPlan",
    "Upload",
    "Value",
]
