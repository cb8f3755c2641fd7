"""Demo users and an example agreement, for `make run`. Everything here is example data and
says so where a user sees it."""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from agreements.models import Agreement, AgreementParty, Coordinator, FocusArea, Party, SubGoal

DEMO_PASSWORD = "eksempel-passord-2025"  # noqa: S105 - printed for the demo, never for real users
REAL_AGREEMENT = "halogaland"
EXAMPLE_AGREEMENT = "eksempel-nord-troms"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    description: str
    superuser: bool = False
    role: str | None = None
    party: str | None = None
    agreement: str = REAL_AGREEMENT


DEMO_USERS = [
    DemoUser("admin", "Anne", "Administrator (eksempel)", "administrator", superuser=True),
    DemoUser(
        "koordinator.troms",
        "Tone",
        "Koordinator (eksempel)",
        "koordinator for Troms fylkeskommune",
        role=Coordinator.Role.COORDINATOR,
        party="troms-fylkeskommune",
    ),
    DemoUser(
        "koordinator.halogaland",
        "Håkon",
        "Koordinator (eksempel)",
        "koordinator for Hålogalandsrådet",
        role=Coordinator.Role.COORDINATOR,
        party="halogalandsradet",
    ),
    DemoUser(
        "politiker",
        "Per",
        "Politiker (eksempel)",
        "leser (politiker) i Hålogalandsrådet",
        role=Coordinator.Role.READER,
        party="halogalandsradet",
    ),
    DemoUser(
        "koordinator.nordtroms",
        "Nora",
        "Koordinator (eksempel)",
        "koordinator i eksempelavtalen for Nord-Troms (ikke Hålogaland)",
        role=Coordinator.Role.COORDINATOR,
        party="troms-fylkeskommune",
        agreement=EXAMPLE_AGREEMENT,
    ),
]


def _example_agreement() -> Agreement:
    """A small, non-public example agreement so that access between agreements can be tried."""
    agreement, created = Agreement.objects.get_or_create(
        slug=EXAMPLE_AGREEMENT,
        defaults={
            "title": "Eksempelavtale for Nord-Troms (eksempeldata)",
            "short_title": "Nord-Troms (eksempel)",
            "status": Agreement.Status.DRAFT,
            "start_year": 2025,
            "end_year": 2028,
            "overall_goal": "Eksempeldata: denne avtalen finnes ikke, den viser bare at portalen "
            "holder flere avtaler side om side.",
            "is_public": False,
            "is_example": True,
        },
    )
    if created:
        county = Party.objects.get(slug="troms-fylkeskommune")
        council, _ = Party.objects.get_or_create(
            slug="nord-troms-regionrad-eksempel",
            defaults={
                "name": "Nord-Troms regionråd (eksempel)",
                "kind": Party.Kind.REGIONAL_COUNCIL,
            },
        )
        AgreementParty.objects.create(agreement=agreement, party=county, order=1)
        AgreementParty.objects.create(agreement=agreement, party=council, order=2)
        area = FocusArea.objects.create(agreement=agreement, number=1, title="Eksempelområde")
        SubGoal.objects.create(
            agreement=agreement, focus_area=area, code="1.1", text="Et eksempel på et delmål."
        )
    return agreement


@transaction.atomic
def demo_users_load() -> list[tuple[DemoUser, bool]]:
    """Create the demo users (idempotent; an existing user's password is left alone)."""
    _example_agreement()
    agreements = {
        a.slug: a for a in Agreement.objects.filter(slug__in=[REAL_AGREEMENT, EXAMPLE_AGREEMENT])
    }
    out = []
    for demo in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "email": f"{demo.username}@eksempel.invalid",
                "is_staff": demo.superuser,
                "is_superuser": demo.superuser,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if demo.role:
            Coordinator.objects.get_or_create(
                agreement=agreements[demo.agreement],
                user=user,
                defaults={
                    "role": demo.role,
                    "party": Party.objects.get(slug=demo.party),
                    "title": "Eksempelstilling",
                },
            )
        out.append((demo, created))
    return out
