"""When many returns are due, at once: the submission deadline of each organisation, template
kind and stage, as `selectors.submission_deadline` finds it for one return (the earliest of the
stage's deadlines for organisations, national or local to one of the organisation's systems, for
its kind of template or for every kind, each moved by the organisation's extension), in three
queries whatever the number of organisations."""

from collections import defaultdict

from django.db.models import Q

from planning.models import Extension, Milestone
from planning.selectors import Deadline, extended_last_day, memberships_for_round


class DueDates:
    """`due(organisation_id, template_kind, stage)` -> Deadline or None, for one round."""

    def __init__(self, *, organisation_ids, round_):
        ids = set(organisation_ids)
        self._systems = defaultdict(set)
        for organisation_id, system_id in (
            memberships_for_round(financial_year=round_.financial_year)
            .filter(organisation_id__in=ids)
            .values_list("organisation_id", "system_id")
        ):
            self._systems[organisation_id].add(system_id)
        every_system = set().union(*self._systems.values()) if self._systems else set()
        self._milestones = list(
            Milestone.objects.filter(
                round=round_,
                kind=Milestone.Kind.SUBMISSION,
                level__in=[Milestone.Level.ORGANISATION, Milestone.Level.BOTH],
            ).filter(Q(system__isnull=True) | Q(system__in=every_system))
        )
        self._extensions = {
            (e.milestone_id, e.organisation_id): e
            for e in Extension.objects.filter(
                milestone__in=self._milestones, organisation_id__in=ids
            ).select_related("granted_by")
        }
        self._found = {}

    def due(self, organisation_id, template_kind, stage):
        key = (organisation_id, template_kind, stage)
        if key not in self._found:
            systems = self._systems.get(organisation_id, set())
            candidates = [
                m
                for m in self._milestones
                if m.stage == stage
                and m.template_kind in ("", template_kind)
                and (m.system_id is None or m.system_id in systems)
            ]

            def last_day(milestone):
                extension = self._extensions.get((milestone.pk, organisation_id))
                return extended_last_day(milestone, extension), milestone.date

            chosen = min(candidates, key=last_day, default=None)
            self._found[key] = chosen and Deadline(
                chosen, self._extensions.get((chosen.pk, organisation_id))
            )
        return self._found[key]
