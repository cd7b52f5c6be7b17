"""The planning app's models: partners, rounds and their timetable, return templates, and the
security audit log."""

from .partners import Membership, Organisation, Region, Role, System
from .rounds import Extension, Milestone, Round
from .security import SecurityEvent
from .templates import Column, Line, Section, Template, Unit

__all__ = [
    "Column",
    "Extension",
    "Line",
    "Membership",
    "Milestone",
    "Organisation",
    "Region",
    "Role",
    "Round",
    "Section",
    "SecurityEvent",
    "System",
    "Template",
    "Unit",
]
