"""The submissions app's models, one module per concern; the tables and migrations are the app's."""

from .notifications import Notification, NotificationPreference, Reminder
from .papers import Paper, PaperRender
from .plans import PlanApproval, PlanInput, PlanState, SystemPlan
from .queries import Query, QueryMessage
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
    "Notification",
    "NotificationPreference",
    "Paper",
    "PaperRender",
    "PlanApproval",
    "PlanInput",
    "PlanState",
    "Query",
    "QueryMessage",
    "Reminder",
    "Return",
    "Submission",
    "SubmissionValue",
    "SystemPlan",
    "Upload",
    "Value",
]
