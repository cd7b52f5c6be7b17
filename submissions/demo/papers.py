"""Demo paper: Bedfordshire CCG's 2019/20 planning paper, rendered once. Loading twice changes nothing."""

import datetime

from planning.models import Organisation, Role, Round
from submissions.models import Paper
from submissions.papers.services import paper_render_request

BLMK_OBJECTIVES = [
    (
        "We will commission high quality, safe and sustainable models of care that deliver effective "
        "clinical outcomes and patient experience using evidence based decisions and best practice",
        True,
    ),
    (
        "We will ensure that there is a financially sustainable and affordable healthcare system in "
        "Bedfordshire.",
        True,
    ),
    (
        "We will lead, engage and operate as an effective place based and STP wide system partner to "
        "achieve greater integration of care delivery.",
        True,
    ),
    (
        "We will support local people and stakeholders to have an influence on services we commission "
        "to ensure our decisions are informed and shaped by local views and insights.",
        False,
    ),
    (
        "We will operate and manage our Governing Body to the highest standards of accountability and "
        "transparency.",
        True,
    ),
]


def load_demo_paper():
    """Bedfordshire CCG's 2019/20 planning paper, with the cover of its Governing Body papers
    (seeds/blmk-governing-body-2020-01.txt) and the figures of its returns; rendered once."""
    beds = Organisation.objects.get(ods_code="06F")
    author = Role.objects.get(kind=Role.Kind.PLANNING_LEAD, organisation=beds).user
    paper, created = Paper.objects.get_or_create(
        organisation=beds,
        round=Round.objects.get(financial_year=2019),
        title="Operational Plan 2019/20: finance, QIPP and activity",
        defaults={
            "meeting_date": datetime.date(2019, 3, 28),
            "agenda_item": "7",
            "author": "Penny Emerson, Programme Director, BLMK Commissioning Collaborative",
            "presented_by": "Geraint Davies, Director of System Commissioning",
            "responsible_director": "Geraint Davies, Director of System Commissioning",
            "purpose": "To present the CCG's 2019/20 operational plan: the summary of spend, the "
            "QIPP programme and the activity assumptions agreed with local hospitals.",
            "action_required": Paper.Action.APPROVE,
            "action_detail": "the 2019/20 operational plan for final submission",
            "approval_route": "Executive team",
            "further_assurance": "N/A",
            "objectives": [{"text": t, "evidenced": e} for t, e in BLMK_OBJECTIVES],
            "implications": {
                "financial": "yes",
                "quality": "na",
                "privacy": "na",
                "conflicts": "na",
                "engagement": "na",
                "equality": "na",
            },
            "key_risks": "Delivery of £29.4m QIPP (4.3% of allocation), above the 4% reasonableness "
            "level; £4m of it is still to be identified with local providers.",
            "executive_summary": "The plan delivers a £6.1m surplus against the control total.",
            "sections": [
                {
                    "heading": "Background",
                    "text": "2019/20 is the second year of the BLMK Integrated "
                    "Care System and a transition year to the NHS Long Term Plan.",
                },
            ],
            "recommendation": "The Governing Body is asked to approve the 2019/20 operational plan.",
            "blocks": [b for b, _ in Paper.Block.choices],
            "created_by": author,
        },
    )
    if created:
        paper_render_request(user=author, paper=paper)
    return paper
