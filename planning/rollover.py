"""Rolling a round forward: next year's round with this year's templates and timetable, to edit.

An administrator makes next year's round from this year's (the admin action on rounds, or
`python manage.py roll_round_forward --round 2019`): every template is copied as a template of the
new round (sections, columns, lines, formulas, rules, units, standards, control total, who
completes it), every milestone, national and local, is copied with its dates moved a year (29
February becomes 28 February), and labels naming a financial year ("2019/20 budget", "19/20 plan")
name the same year of the new round. References to another template's cell name it by code, so
they point within the new round. Memberships are spans of financial years, not rows per round:
those that still hold in the new year carry over as they are, and the summary names those that
end. Returns, plans, papers, extensions and reminders belong to their year and are not copied.
All of it is one transaction: a refusal (the round exists) or a failure copies nothing.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from .models import Column, Line, Milestone, Round, Section, Template
from .selectors import memberships_for_round
from .template_loader import TemplateDataError, check_cross_template_rules

LAST_YEAR = 2100  # Round's check constraint

# A financial year's name: 2019/20, 2019-20 or 19/20, the second year following the first.
YEAR_NAME = re.compile(r"(?<![\d/-])(\d{2}|\d{4})([/-])(\d{2})(?![\d/-])")


@dataclass
class Rollover:
    """What rolling `source` forward to `round` made, for the administrator's message."""

    source: Round
    round: Round
    templates: list = field(default_factory=list)
    national_milestones: int = 0
    local_milestones: int = 0
    continuing_memberships: int = 0
    ending_memberships: list = field(default_factory=list)

    def summary(self):
        codes = ", ".join(t.code for t in self.templates) or "none"
        text = (
            f"Made the {self.round.name} round from {self.source.name}: "
            f"{len(self.templates)} templates ({codes}); "
            f"{self.national_milestones} national and {self.local_milestones} local milestones, "
            f"dates moved {_years(self.round.financial_year - self.source.financial_year)} "
            f"for you to edit. {self.continuing_memberships} memberships carry over"
        )
        if self.ending_memberships:
            ending = "; ".join(
                f"{m.organisation} in {m.system.code} (last year {m.last_year})"
                for m in self.ending_memberships
            )
            text += f"; {len(self.ending_memberships)} end before {self.round.name}: {ending}."
        else:
            text += "; none ends."
        return text + " Returns, plans, papers, extensions and reminders are not copied."


def _years(n):
    return "a year" if n == 1 else f"{n} years"


def shift_date(date, years):
    """The same day `years` later; 29 February becomes 28 February in a year that has none."""
    try:
        return date.replace(year=date.year + years)
    except ValueError:
        return date.replace(year=date.year + years, day=28)


def shift_year_names(text, years):
    """`text` with each financial year's name (2019/20, 2019-20, 19/20) moved `years` on; other
    numbers, such as a date's year or a fraction, are kept."""
    if not years or not text:
        return text

    def moved(match):
        first, separator, second = match.groups()
        start = int(first) if len(first) == 4 else None
        if int(second) != (int(first) + 1) % 100:
            return match.group(0)
        if start is not None:
            return f"{start + years}{separator}{(start + years + 1) % 100:02d}"
        new = (int(first) + years) % 100
        return f"{new:02d}{separator}{(new + 1) % 100:02d}"

    return YEAR_NAME.sub(moved, text)


def _shift_rules(rules, years):
    return [
        {**rule, "message": shift_year_names(rule["message"], years)} if "message" in rule else rule
        for rule in rules
    ]


def roll_round_forward(round_, *, user=None, financial_year=None):
    """Make the round of `financial_year` (the next one by default) from `round_`, as the module
    says, and return it; `.rollover` on it says what was copied. Raises ValidationError, copying
    nothing, when that round exists already or the year is not after `round_`'s."""
    target = round_.financial_year + 1 if financial_year is None else int(financial_year)
    years = target - round_.financial_year
    name = Round(financial_year=target).name
    if years < 1:
        raise ValidationError(
            f"A round rolls forward to a later year: {name} is not after {round_.name}."
        )
    if target > LAST_YEAR:
        raise ValidationError(f"Rounds go up to {LAST_YEAR}/{(LAST_YEAR + 1) % 100:02d}.")
    if Round.objects.filter(financial_year=target).exists():
        raise _exists(round_, name)
    try:
        with transaction.atomic():
            return _copy(round_, target, years, user)
    except IntegrityError:  # made by someone else meanwhile: the unique financial year
        if Round.objects.filter(financial_year=target).exists():
            raise _exists(round_, name) from None
        raise


def _exists(round_, name):
    return ValidationError(
        f"The {name} round already exists, so {round_.name} was not rolled forward and nothing "
        f"was copied. Edit the {name} round instead, or delete it first if it was made by mistake."
    )


def _copy(source, target, years, user):
    new = Round.objects.create(financial_year=target, is_open=True)
    rollover = Rollover(source=source, round=new)
    for template in source.templates.order_by("order", "code"):
        rollover.templates.append(_copy_template(template, new, years))
    for template in rollover.templates:
        try:
            check_cross_template_rules(template)
        except TemplateDataError as error:  # the source round's own references were broken
            raise ValidationError(f"{new.name} not made: {error}") from None
    _copy_milestones(source, new, years, user, rollover)
    _memberships(source, new, rollover)
    new.rollover = rollover
    return new


def _copy_template(template, new_round, years):
    copy = Template.objects.create(
        round=new_round,
        code=template.code,
        name=shift_year_names(template.name, years),
        kind=template.kind,
        description=shift_year_names(template.description, years),
        version=template.version,
        organisation_kinds=list(template.organisation_kinds),
        rules=_shift_rules(template.rules, years),
        source=template.source,
        order=template.order,
        control_total=template.control_total,
    )
    sections = list(template.sections.order_by("order"))
    new_sections = Section.objects.bulk_create(
        Section(
            template=copy,
            code=s.code,
            title=shift_year_names(s.title, years),
            description=shift_year_names(s.description, years),
            is_narrative=s.is_narrative,
            headline=s.headline,
            order=s.order,
        )
        for s in sections
    )
    section_ids = {old.pk: made.pk for old, made in zip(sections, new_sections, strict=True)}
    Column.objects.bulk_create(
        Column(
            section_id=section_ids[c.section_id],
            code=c.code,
            label=shift_year_names(c.label, years),
            unit=c.unit,
            formula=c.formula,
            allow_negative=c.allow_negative,
            sums_lines=c.sums_lines,
            order=c.order,
        )
        for c in Column.objects.filter(section__template=template)
    )
    Line.objects.bulk_create(
        Line(
            template=copy,
            section_id=section_ids[line.section_id],
            code=line.code,
            label=shift_year_names(line.label, years),
            hint=shift_year_names(line.hint, years),
            unit=line.unit,
            allow_negative=line.allow_negative,
            formula=line.formula,
            standard=line.standard,
            order=line.order,
        )
        for line in template.lines.all()
    )
    return copy


def _copy_milestones(source, new, years, user, rollover):
    copies = [
        Milestone(
            round=new,
            system_id=m.system_id,
            date=shift_date(m.date, years),
            end_date=shift_date(m.end_date, years) if m.end_date else None,
            date_note=m.date_note,
            title=shift_year_names(m.title, years),
            kind=m.kind,
            level=m.level,
            stage=m.stage,
            template_kind=m.template_kind,
            created_by=user,
        )
        for m in source.milestones.all()
    ]
    Milestone.objects.bulk_create(copies)
    rollover.national_milestones = sum(1 for m in copies if m.system_id is None)
    rollover.local_milestones = len(copies) - rollover.national_milestones


def _memberships(source, new, rollover):
    held = memberships_for_round(financial_year=source.financial_year)
    rollover.continuing_memberships = held.filter(
        Q(last_year__isnull=True) | Q(last_year__gte=new.financial_year)
    ).count()
    rollover.ending_memberships = list(
        held.filter(last_year__lt=new.financial_year)
        .select_related("organisation", "system")
        .order_by("system__code", "organisation__name")
    )
