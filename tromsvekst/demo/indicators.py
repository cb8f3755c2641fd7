"""Example indicators and feedback for `make run`. Everything here is example data and says so.

Two indicators for the long-term effect «Økt sysselsetting og bosetting i Hålogalandsregionen»
(§6), summed over four municipalities of the Hålogaland region: 1806 Narvik, 5503 Harstad,
1853 Evenes and 5512 Tjeldsund:

- population on 1 January (the real figures are in SSB table 07459, «Befolkning»), and
- employed persons by place of residence (the real figures are in SSB's employment statistics,
  and in «Troms i tall»).

The numbers below are EXAMPLE VALUES of a plausible size, not SSB's published figures: every
indicator is marked ``is_example`` and every value's source note begins with «Eksempelverdier».
Import the real figures (indicator-import, JSON-stat 2 from SSB) to replace them.

A few pieces of feedback are added to the demo mid-term evaluation 2026 of the agreement, if it
exists and is itself example data; the senders are invented and say so.

``demo_indicators_load()`` is idempotent: it adds what is missing and changes nothing else, and
it never touches an indicator that is not example data.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from agreements.models import Agreement, FocusArea
from evaluation.models import Evaluation, Feedback, Indicator, IndicatorValue
from tromsvekst.demo.users import REAL_AGREEMENT

EFFECT_TEXT = "Økt sysselsetting og bosetting i Hålogalandsregionen"
MUNICIPALITIES = ("1806", "5503", "1853", "5512")  # Narvik, Harstad, Evenes, Tjeldsund
EXAMPLE_NOTE = "Eksempelverdier, ikke offisiell statistikk (sum av 1806, 5503, 1853, 5512)"


@dataclass(frozen=True)
class DemoIndicator:
    name: str
    unit: str
    source: str
    baseline_year: int
    values: dict[int, int]  # year -> example value for the four municipalities together


DEMO_INDICATORS = (
    DemoIndicator(
        name="Befolkning i Narvik, Harstad, Evenes og Tjeldsund",
        unit="personer",
        source="SSB tabell 07459 (befolkning 1. januar)",
        baseline_year=2025,
        values={2023: 52_202, 2024: 52_305, 2025: 52_390},
    ),
    DemoIndicator(
        name="Sysselsatte bosatt i Narvik, Harstad, Evenes og Tjeldsund",
        unit="personer",
        source="SSB, sysselsatte etter bosted («Troms i tall»)",
        baseline_year=2024,
        values={2023: 26_410, 2024: 26_480, 2025: 26_530},
    ),
)


@dataclass(frozen=True)
class DemoFeedback:
    stakeholder: str
    kind: str
    focus_area: int | None
    rating: int | None
    text: str
    days_ago: int


KIND = Feedback.StakeholderKind
DEMO_FEEDBACK = (
    DemoFeedback(
        "Eksempelkommune i Ofoten",
        KIND.MUNICIPALITY,
        1,
        4,
        "Eksempel: Samarbeidet om boligkartleggingen har gitt oss et bedre grunnlag enn vi "
        "kunne laget alene. Vi ønsker at arbeidet med boliger for tilflyttere prioriteres i "
        "neste handlingsplan.",
        12,
    ),
    DemoFeedback(
        "Eksempel næringsforening",
        KIND.ORGANISATION,
        4,
        3,
        "Eksempel: Dialogen med fylkeskommunen er blitt tettere. Lokale bedrifter ønsker mer "
        "informasjon om kommende anskaffelser til Forsvaret, slik at flere kan levere.",
        9,
    ),
    DemoFeedback(
        "Eksempel videregående skole",
        KIND.ORGANISATION,
        1,
        None,
        "Eksempel: Vi ønsker et tettere samarbeid om lærlingplasser på tvers av fylkesgrensa.",
        6,
    ),
    DemoFeedback(
        "Privatperson (eksempel)",
        KIND.PERSON,
        None,
        2,
        "Eksempel: Som pendler over fylkesgrensa savner jeg bedre samordnede bussruter mellom "
        "Harstad, Evenes og Narvik.",
        3,
    ),
)


@dataclass
class DemoIndicatorsResult:
    indicators_created: int = 0
    values_created: int = 0
    feedback_created: int = 0
    evaluation: Evaluation | None = None


@transaction.atomic
def demo_indicators_load(now: datetime.datetime | None = None) -> DemoIndicatorsResult:
    """Add the example indicators, their values and the example feedback that are missing."""
    now = now or timezone.now()
    result = DemoIndicatorsResult()
    agreement = Agreement.objects.filter(slug=REAL_AGREEMENT).first()
    if agreement is None:
        return result
    effect = agreement.long_term_effects.filter(text__startswith=EFFECT_TEXT).first()
    if effect is not None:
        for spec in DEMO_INDICATORS:
            indicator, created = Indicator.objects.get_or_create(
                agreement=agreement,
                name=spec.name,
                defaults={
                    "long_term_effect": effect,
                    "unit": spec.unit,
                    "source": spec.source,
                    "municipalities": "\n".join(MUNICIPALITIES),
                    "direction": Indicator.Direction.HIGHER,
                    "baseline_year": spec.baseline_year,
                    "baseline_value": Decimal(spec.values[spec.baseline_year]),
                    "is_example": True,
                },
            )
            result.indicators_created += created
            if not indicator.is_example:
                continue  # a real indicator with the same name: leave it alone
            for year, value in spec.values.items():
                _value, created = IndicatorValue.objects.get_or_create(
                    indicator=indicator,
                    year=year,
                    defaults={"value": Decimal(value), "source_note": EXAMPLE_NOTE},
                )
                result.values_created += created

    evaluation = Evaluation.objects.filter(
        agreement=agreement, kind=Evaluation.Kind.MID_TERM, year=2026, is_example=True
    ).first()
    result.evaluation = evaluation
    if evaluation is not None:
        areas: dict[int | None, FocusArea] = {
            area.number: area for area in FocusArea.objects.filter(agreement=agreement)
        }
        for feedback in DEMO_FEEDBACK:
            _feedback, created = Feedback.objects.get_or_create(
                evaluation=evaluation,
                stakeholder=feedback.stakeholder,
                is_example=True,
                defaults={
                    "stakeholder_kind": feedback.kind,
                    "focus_area": areas.get(feedback.focus_area),
                    "rating": feedback.rating,
                    "text": feedback.text,
                    "created_at": now - datetime.timedelta(days=feedback.days_ago),
                },
            )
            result.feedback_created += created
    return result
