"""What each event in a round tells whom: one function per event, called by the service that made
the change, inside its transaction (the emails go after it commits). Subjects and messages name the
return, plan or paper and say what happened; they never carry a figure from it."""

from django.dispatch import receiver
from django.urls import reverse

from planning.services import extension_granted, extension_withdrawn
from submissions.models import Notification

from . import recipients
from .services import notify


def _date(day):
    return f"{day.day} {day:%B %Y}"


def _return_link(ret):
    round_ = ret.template.round
    return reverse(
        "submissions:return",
        args=[round_.financial_year, ret.organisation.ods_code, ret.template.code, ret.stage],
    )


def _return_name(ret):
    """e.g. "the draft Activity return of NHS Bedfordshire CCG for 2019/20"."""
    return (
        f"the {ret.get_stage_display().lower()} {ret.template.name} return of "
        f"{ret.organisation.name} for {ret.template.round.name}"
    )


def _person(user):
    return (user.get_full_name() or user.username) if user else "someone"


def return_submitted(*, ret):
    """To the ICS leads of the organisation's systems: a return is waiting for their review."""
    late = " It was submitted after its deadline." if ret.is_late else ""
    return notify(
        users=recipients.ics_leads_for_organisation(
            ret.organisation, ret.template.round.financial_year
        ),
        kind=Notification.Kind.SUBMITTED,
        subject=f"Submitted for review: {ret.organisation.name}, {ret.template.name} "
        f"({ret.get_stage_display().lower()}, {ret.template.round.name})",
        message=f"{_person(ret.submitted_by)} submitted {_return_name(ret)}.{late} "
        "Review it: accept it, or send it back saying what needs amending.",
        link=_return_link(ret),
    )


def return_sent_back(*, ret):
    """To the organisation's planning leads: their return needs amending, and why (the words the
    ICS lead wrote)."""
    return notify(
        users=recipients.planning_leads_of(ret.organisation),
        kind=Notification.Kind.RETURNED,
        subject=f"Sent back for amendment: {ret.template.name} "
        f"({ret.get_stage_display().lower()}, {ret.template.round.name})",
        message=f"{_person(ret.decided_by)} sent back {_return_name(ret)} for amendment.\n"
        f"The reason given: {ret.returned_reason}\n"
        "Amend the return and submit it again.",
        link=_return_link(ret),
    )


def return_accepted(*, ret):
    """To the organisation's planning leads: the ICS lead accepted their submission."""
    number = ret.submission.number if ret.submission_id else None
    which = f" (submission {number})" if number else ""
    return notify(
        users=recipients.planning_leads_of(ret.organisation),
        kind=Notification.Kind.ACCEPTED,
        subject=f"Accepted: {ret.template.name} "
        f"({ret.get_stage_display().lower()}, {ret.template.round.name})",
        message=f"{_person(ret.decided_by)} accepted {_return_name(ret)}{which}.",
        link=_return_link(ret),
    )


def plan_approved(*, plan):
    """To the planning leads of every partner of the system: its plan is approved."""
    round_ = plan.template.round
    stage = plan.get_stage_display().lower()
    link = reverse(
        "submissions:plan",
        args=[plan.system.code, round_.financial_year, plan.template.code, plan.stage],
    )
    return notify(
        users=recipients.partners_of(plan.system, round_.financial_year),
        kind=Notification.Kind.PLAN_APPROVED,
        subject=f"Plan approved: {plan.system.name}, {plan.template.name} ({stage}, {round_.name})",
        message=f"{_person(plan.approved_by)} approved version {plan.version} of the "
        f"{plan.system.name} {stage} {plan.template.name} plan for {round_.name}.",
        link=link,
    )


def paper_rendered(*, render):
    """To the person who asked for the PDF: it is ready, or it could not be made."""
    paper = render.paper
    title = paper.title or "your Governing Body paper"
    if render.status == render.Status.READY:
        kind = Notification.Kind.PAPER_READY
        subject = f"PDF ready: {title} (version {render.number})"
        message = f"Version {render.number} of the PDF of {title} is ready to download."
    else:
        kind = Notification.Kind.PAPER_FAILED
        subject = f"PDF could not be made: {title} (version {render.number})"
        message = (
            f"Version {render.number} of the PDF of {title} could not be made. The paper's page "
            "says why; render it again when that is put right."
        )
    return notify(
        users=[render.requested_by],
        kind=kind,
        subject=subject,
        message=message,
        link=reverse("submissions:paper", args=[paper.pk]),
    )


@receiver([extension_granted, extension_withdrawn], dispatch_uid="notify-extension")
def extension_changed(sender, *, extension, subject, message, link, **kwargs):
    """To the organisation's planning leads: its deadline was extended, or the extension withdrawn
    (planning sends the signal with the words; it never imports submissions)."""
    return notify(
        users=recipients.planning_leads_of(extension.organisation),
        kind=Notification.Kind.EXTENSION,
        subject=subject,
        message=message,
        link=link,
    )
