"""Demo data from the seed documents: four systems with their partners, two national timetables,
Dorset's local milestones, and one demo user per role. Loading it twice changes nothing."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from planning.models import Membership, Milestone, Organisation, Region, Role, Round, System

DEMO_PASSWORD = "plan-together-demo"

OK, MR, K, S, F = (
    Organisation.Kind,
    Membership.Role,
    Milestone.Kind,
    Milestone.Level,
    Milestone.Stage,
)

# (system code, name, kind, region, [(ODS code, name, organisation kind, role, share)])
SYSTEMS = [
    (
        "BLMK",
        "Bedfordshire, Luton and Milton Keynes ICS",
        System.Kind.ICS,
        "East of England",
        [
            ("06F", "NHS Bedfordshire CCG", OK.CCG, MR.COMMISSIONER, "1"),
            ("06P", "NHS Luton CCG", OK.CCG, MR.COMMISSIONER, "1"),
            ("04F", "NHS Milton Keynes CCG", OK.CCG, MR.COMMISSIONER, "1"),
            ("RC1", "Bedford Hospital NHS Trust", OK.ACUTE, MR.PROVIDER, "1"),
            ("RC9", "Luton and Dunstable University Hospital NHS FT", OK.ACUTE, MR.PROVIDER, "1"),
            ("RD8", "Milton Keynes University Hospital NHS FT", OK.ACUTE, MR.PROVIDER, "1"),
            ("RWK", "East London NHS Foundation Trust", OK.MENTAL_HEALTH, MR.PROVIDER, "1"),
            ("RV3", "Central and North West London NHS FT", OK.MENTAL_HEALTH, MR.PROVIDER, "1"),
            (
                "RYV",
                "Cambridgeshire Community Services NHS Trust",
                OK.COMMUNITY,
                MR.PROVIDER,
                "0.5",
            ),
        ],
    ),
    (
        "DORSET",
        "Dorset ICS",
        System.Kind.ICS,
        "South West",
        [
            ("11J", "NHS Dorset CCG", OK.CCG, MR.COMMISSIONER, "1"),
            ("RD3", "Poole Hospital NHS FT", OK.ACUTE, MR.PROVIDER, "1"),
            (
                "RDZ",
                "Royal Bournemouth and Christchurch Hospitals NHS FT",
                OK.ACUTE,
                MR.PROVIDER,
                "1",
            ),
            ("RBD", "Dorset County Hospital NHS FT", OK.ACUTE, MR.PROVIDER, "1"),
            ("RDY", "Dorset HealthCare University NHS FT", OK.MENTAL_HEALTH, MR.PROVIDER, "1"),
            (
                "E06000059",
                "Dorset Council (Public Health Dorset)",
                OK.LOCAL_AUTHORITY,
                MR.LOCAL_AUTHORITY,
                "1",
            ),
        ],
    ),
    (
        "BUCKS",
        "Buckinghamshire",
        System.Kind.STP,
        "South East",
        [
            ("10H", "NHS Chiltern CCG", OK.CCG, MR.COMMISSIONER, "1"),
            ("10Y", "NHS Aylesbury Vale CCG", OK.CCG, MR.COMMISSIONER, "1"),
            ("RXQ", "Buckinghamshire Healthcare NHS Trust", OK.ACUTE, MR.PROVIDER, "1"),
            ("RNU", "Oxford Health NHS Foundation Trust", OK.MENTAL_HEALTH, MR.PROVIDER, "1"),
            (
                "E10000002",
                "Buckinghamshire County Council",
                OK.LOCAL_AUTHORITY,
                MR.LOCAL_AUTHORITY,
                "1",
            ),
        ],
    ),
    (
        "LLR",
        "Leicester, Leicestershire and Rutland",
        System.Kind.STP,
        "Midlands",
        [
            ("04C", "NHS Leicester City CCG", OK.CCG, MR.COMMISSIONER, "1"),
            ("04V", "NHS West Leicestershire CCG", OK.CCG, MR.COMMISSIONER, "1"),
            ("03W", "NHS East Leicestershire and Rutland CCG", OK.CCG, MR.COMMISSIONER, "1"),
            ("RWE", "University Hospitals of Leicester NHS Trust", OK.ACUTE, MR.PROVIDER, "1"),
            ("RT5", "Leicestershire Partnership NHS Trust", OK.MENTAL_HEALTH, MR.PROVIDER, "1"),
            ("RX9", "East Midlands Ambulance Service NHS Trust", OK.AMBULANCE, MR.PROVIDER, "1"),
            ("E06000016", "Leicester City Council", OK.LOCAL_AUTHORITY, MR.LOCAL_AUTHORITY, "1"),
        ],
    ),
]

FIRST_YEAR = 2019

d = datetime.date

# 2019/20: the national timetable as Dorset CCG's Governing Body paper of 16/01/2019 reports it
# (seeds/dorset-governing-body-2019-01.txt, paragraphs 1.1 and 2.3). Tuples are
# (date, end date, date note, title, kind, level, stage).
NATIONAL_2019 = [
    (
        d(2018, 12, 21),
        None,
        "",
        "Preparing for 2019/20 Operational Planning and Contracting published",
        K.GUIDANCE,
        S.BOTH,
        "",
    ),
    (
        d(2019, 1, 14),
        None,
        "",
        "Provider and commissioner activity-focused plan submission",
        K.SUBMISSION,
        S.ORGANISATION,
        F.DRAFT,
    ),
    (
        d(2019, 1, 17),
        None,
        "",
        "2019/20 National Tariff section 118 consultation starts",
        K.OTHER,
        S.BOTH,
        "",
    ),
    (
        d(2019, 2, 1),
        None,
        "By",
        "STP/ICS net neutral control total changes agreed by regional teams",
        K.OTHER,
        S.SYSTEM,
        "",
    ),
    (
        d(2019, 2, 12),
        None,
        "",
        "Draft organisational operating plans submission",
        K.SUBMISSION,
        S.ORGANISATION,
        F.DRAFT,
    ),
    (
        d(2019, 2, 12),
        None,
        "",
        "2019/20 workforce plan submissions",
        K.SUBMISSION,
        S.ORGANISATION,
        F.DRAFT,
    ),
    (
        d(2019, 2, 19),
        None,
        "",
        "Draft aggregate system 2019/20 operating plan and system operational plan narrative submission",
        K.SUBMISSION,
        S.SYSTEM,
        F.DRAFT,
    ),
    (d(2019, 2, 22), None, "", "2019/20 NHS Standard Contract published", K.GUIDANCE, S.BOTH, ""),
    (d(2019, 3, 5), None, "", "Contract/plan alignment submission", K.SUBMISSION, S.BOTH, ""),
    (
        d(2019, 3, 21),
        None,
        "",
        "Deadline for 2019/20 contract signature",
        K.CONTRACT,
        S.ORGANISATION,
        "",
    ),
    (
        d(2019, 3, 25),
        None,
        "By",
        "STP/ICS net neutral control total changes agreed by regional teams",
        K.OTHER,
        S.SYSTEM,
        "",
    ),
    (
        d(2019, 4, 4),
        None,
        "",
        "Final 2019/20 organisation operating plan submission",
        K.SUBMISSION,
        S.ORGANISATION,
        F.FINAL,
    ),
    (
        d(2019, 4, 11),
        None,
        "",
        "Final aggregate system 2019/20 operating plan and system operational plan narrative submission",
        K.SUBMISSION,
        S.SYSTEM,
        F.FINAL,
    ),
]

# Dorset's own steps from the same table.
DORSET_LOCAL_2019 = [
    (
        d(2019, 2, 7),
        None,
        "",
        "Draft ICS operational plan to OFRG for comments",
        K.MEETING,
        S.SYSTEM,
        "",
    ),
    (
        d(2019, 2, 19),
        None,
        "",
        "Draft system operating plan to SLT prior to organisations' comments and sign-off",
        K.MEETING,
        S.SYSTEM,
        "",
    ),
    (
        d(2019, 2, 19),
        d(2019, 3, 1),
        "",
        "Draft system operating plan: organisations' comments",
        K.OTHER,
        S.BOTH,
        "",
    ),
    (d(2019, 3, 7), None, "", "Draft system operational plan to OFRG", K.MEETING, S.SYSTEM, ""),
    (
        d(2019, 3, 21),
        None,
        "",
        "ICS operating plan for final sign-off at SLT",
        K.MEETING,
        S.SYSTEM,
        "",
    ),
]

# 2020/21: the outline in BLMK's Governing Body paper of 16/1/20 (seeds/blmk-governing-body-2020-01.txt,
# section 4.3). The paper lists "submit draft Operational Plans" twice; the second, on 28 February,
# is read here as the final submission.
NATIONAL_2020 = [
    (
        d(2020, 1, 13),
        None,
        "w/c",
        "National guidance and supporting technical information published",
        K.GUIDANCE,
        S.BOTH,
        "",
    ),
    (
        d(2020, 2, 14),
        None,
        "Mid-February",
        "Organisations and STP/ICS systems submit draft operational plans",
        K.SUBMISSION,
        S.BOTH,
        F.DRAFT,
    ),
    (
        d(2020, 2, 28),
        None,
        "",
        "Organisations and STP/ICS systems submit operational plans",
        K.SUBMISSION,
        S.BOTH,
        F.FINAL,
    ),
    (
        d(2020, 3, 31),
        None,
        "End of March",
        "Contracts agreed and signed with providers",
        K.CONTRACT,
        S.ORGANISATION,
        "",
    ),
]

# (username, first name, last name, role kind, organisation ODS code or system code)
USERS = [
    ("admin", "Alex", "Admin", Role.Kind.ADMINISTRATOR, None),
    ("analyst", "Ana", "Lyst", Role.Kind.ANALYST, None),
    ("blmk.lead", "Penny", "Emerson", Role.Kind.ICS_LEAD, "BLMK"),
    ("dorset.lead", "Rebecca", "Kendall", Role.Kind.ICS_LEAD, "DORSET"),
    ("beds.planner", "Bea", "Planner", Role.Kind.PLANNING_LEAD, "06F"),
    ("luton.planner", "Luke", "Planner", Role.Kind.PLANNING_LEAD, "06P"),
    ("mk.planner", "Milo", "Planner", Role.Kind.PLANNING_LEAD, "04F"),
    ("dorset.planner", "Dee", "Planner", Role.Kind.PLANNING_LEAD, "11J"),
    ("bedford.planner", "Ben", "Planner", Role.Kind.PLANNING_LEAD, "RC1"),
    ("beds.governor", "Heather", "Governor", Role.Kind.GOVERNING_BODY_MEMBER, "06F"),
]


@transaction.atomic
def load_demo_partners():
    """Create or update the demo data; returns the demo users as (username, role) pairs."""
    systems = {}
    organisations = {}
    for code, name, kind, region_name, members in SYSTEMS:
        region, _ = Region.objects.get_or_create(name=region_name)
        system, _ = System.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "region": region}
        )
        systems[code] = system
        for ods, org_name, org_kind, role, share in members:
            organisation, _ = Organisation.objects.update_or_create(
                ods_code=ods, defaults={"name": org_name, "kind": org_kind}
            )
            organisations[ods] = organisation
            Membership.objects.update_or_create(
                organisation=organisation,
                system=system,
                first_year=FIRST_YEAR,
                defaults={"role": role, "share": share},
            )

    round_2019, _ = Round.objects.get_or_create(financial_year=2019)
    round_2020, _ = Round.objects.get_or_create(financial_year=2020)
    _milestones(round_2019, None, NATIONAL_2019)
    _milestones(round_2019, systems["DORSET"], DORSET_LOCAL_2019)
    _milestones(round_2020, None, NATIONAL_2020)

    User = get_user_model()
    created = []
    for username, first, last, kind, scope in USERS:
        user, _ = User.objects.get_or_create(username=username)
        user.first_name, user.last_name = first, last
        user.email = f"{username}@example.nhs.uk"
        user.is_staff = user.is_superuser = kind == Role.Kind.ADMINISTRATOR
        user.set_password(DEMO_PASSWORD)
        user.save()
        Role.objects.get_or_create(
            user=user,
            kind=kind,
            organisation=organisations.get(scope),
            system=systems.get(scope),
        )
        created.append(
            (
                username,
                str(
                    Role(
                        kind=kind, organisation=organisations.get(scope), system=systems.get(scope)
                    )
                ),
            )
        )
    return created


# Deadlines that apply to one kind of return only.
TEMPLATE_KINDS = {
    "Provider and commissioner activity-focused plan submission": "activity",
    "2019/20 workforce plan submissions": "workforce",
}


def _milestones(round_, system, rows):
    for date, end_date, note, title, kind, level, stage in rows:
        Milestone.objects.update_or_create(
            round=round_,
            system=system,
            date=date,
            title=title,
            defaults={
                "end_date": end_date,
                "date_note": note,
                "kind": kind,
                "level": level,
                "stage": stage,
                "template_kind": TEMPLATE_KINDS.get(title, ""),
            },
        )
