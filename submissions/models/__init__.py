"""The submissions app's models, one module per concern; the tables and migrations are the app's."""

from .papers import Paper, PaperRender
from .plans import PlanApproval, PlanInput, PlanState, PlanValue, SystemPlan
from .returns import (
    Change,
    Explanation,
    NarrativeAnswer,
    Return,
    Submission,
    SubmissionValue,
    Value,
)
from .workbooks import Upload

__all__ = [
    "Change",
    "Explanation",
    "NarrativeAnswer",
    "Paper",
    "PaperRender",
    "PlanApproval",
    "PlanInput",
    "PlanState",
    "PlanValue",
    "Return",
    "Submission",
    "SubmissionValue",
    "SystemPlan",
    "Upload",
    "Value",
]
