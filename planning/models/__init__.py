"""The planning app's models: partners, rounds and their timetable, and return templates."""

from .partners import Membership, Organisation, Region, Role, System
from .rounds import Milestone, Round
from .templates import Column, Line, Section, Template, Unit

__all__ = [
    "Column",
    "Line",
    "Membership",
    "Milestone",
    "Organisation",
    "Region",
    "Role",
    "Round",
    "Section",
    "System",
    "Template",
    "Unit",
]
