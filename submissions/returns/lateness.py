"""A return's lateness follows its organisation's deadline: an extension granted after a late
submission makes it on time, and withdrawing the extension can make it late again. Planning sends
the signals (it never imports submissions); this receiver, connected in `SubmissionsConfig.ready`,
runs in the same transaction as the grant or withdrawal."""

from django.dispatch import receiver
from django.utils import timezone

from planning.services import extension_granted, extension_withdrawn
from submissions.models import Return, Submission

from .selectors import submission_deadline


@receiver([extension_granted, extension_withdrawn], dispatch_uid="returns-lateness")
def deadline_moved(sender, *, extension, **kwargs):
    """Mark again, late or not, each submitted return the extended milestone applies to."""
    milestone = extension.milestone
    returns = Return.objects.filter(
        organisation=extension.organisation,
        template__round_id=milestone.round_id,
        stage=milestone.stage,
        submission__isnull=False,
    ).select_related("template__round", "organisation", "submission")
    if milestone.template_kind:
        returns = returns.filter(template__kind=milestone.template_kind)
    for ret in returns:
        deadline = submission_deadline(ret=ret)
        submitted_on = timezone.localdate(ret.submission.submitted_at)
        late = deadline is not None and submitted_on > deadline.last_day
        if ret.is_late != late:
            Return.objects.filter(pk=ret.pk).update(is_late=late)
        if ret.submission.is_late != late:
            Submission.objects.filter(pk=ret.submission_id).update(is_late=late)
