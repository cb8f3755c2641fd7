"""The example mid-term evaluation 2026 for `make run`.

Everything here is invented example data: the evaluation is marked ``is_example`` (the report's
cover says so) and every narrative starts with «Eksempel: ». Indicators and feedback for the demo
live in ``tromsvekst/demo/indicators.py``.
"""

from dataclasses import dataclass

from django.db import transaction

from actionplans.models import ActionPlan
from agreements.models import Agreement
from evaluation import services
from evaluation.models import Evaluation, SubGoalAssessment
from tromsvekst.demo.users import REAL_AGREEMENT

YEAR = 2026
PLAN_PERIOD = (2025, 2026)

Rating = SubGoalAssessment.Rating

# delmål code -> (rating, narrative, evidence)
ASSESSMENTS: dict[str, tuple[int, str, str]] = {
    "1.1": (
        Rating.LARGELY,
        "Eksempel: Kommunene har kartlagt boligbehovet sammen, og kartleggingen er lagt fram for "
        "arbeidsgruppa. Arbeidet med en felles boligstrategi er i gang, men det gjenstår å få "
        "alle kommunene med på tiltakene for utleieboliger.\n\n"
        "Samarbeidet om arbeidsmarkedsregionen er styrket gjennom de faste møtene mellom "
        "partene.",
        "Eksempel: Boligkartleggingen 2026, referater fra arbeidsgruppa og statusrapportene i "
        "handlingsplanen.",
    ),
    "1.2": (
        Rating.PARTLY,
        "Eksempel: Flere tiltak for å rekruttere og beholde fagarbeidere er startet, men to av "
        "milepælene er forsinket fordi finansieringen kom sent. Effekten på sysselsettingen er "
        "for tidlig å vurdere.",
        "Eksempel: Milepælstatus i handlingsplanen og innspill fra næringsforeningene.",
    ),
    "1.3": (
        Rating.PARTLY,
        "Eksempel: Ungdomsrådene er involvert i planleggingen av møteplasser, men tiltakene for "
        "unge voksne utenfor utdanning og arbeid har kommet kortere enn planlagt.",
        "Eksempel: Tilbakemeldinger fra ungdomsrådene og statusrapportene.",
    ),
    "2.1": (
        Rating.LARGELY,
        "Eksempel: Det felles plannettverket har hatt jevnlige samlinger, og flere kommuner har "
        "tatt i bruk veilederen for klima og naturmangfold i samfunnsplanen.",
        "Eksempel: Deltakerlister fra plannettverket og vedtatte planstrategier.",
    ),
    "3.1": (
        Rating.PARTLY,
        "Eksempel: Mulighetsstudien om energi er fulgt opp med et felles arbeid om "
        "energieffektivisering i kommunale bygg, men klimaregnskapene er ennå ikke "
        "sammenlignbare mellom kommunene.",
        "Eksempel: Mulighetsstudien «Energifremtiden i Hålogaland, Vesterålen og Lofoten» og "
        "kommunenes klimaregnskap.",
    ),
    "4.1": (
        Rating.LARGELY,
        "Eksempel: Leverandørsamlingene med Forsvaret har gitt flere lokale bedrifter kontakt med "
        "innkjøperne, og kommunene samarbeider om boliger for Forsvarets ansatte.",
        "Eksempel: Referater fra leverandørsamlingene og statusrapportene.",
    ),
}

SUMMARY = (
    "Eksempel: Midtveisevalueringen viser at samarbeidet mellom Troms fylkeskommune og "
    "Hålogalandsrådet er godt etablert, og at de fleste tiltakene i handlingsplan 2025–2026 er "
    "i gang. Innsatsområdene om bolig og arbeidsmarked og om Forsvaret har kommet lengst.\n\n"
    "Noen milepæler er forsinket, særlig der finansieringen har kommet sent."
)
CONCLUSIONS = (
    "Eksempel: Avtalen virker etter hensikten, men handlingsplan 2027–2028 bør ha færre og mer "
    "målbare tiltak, og tydeligere ansvar for oppfølgingen av hvert delmål."
)
RECOMMENDATIONS = [
    "Eksempel: Samle tiltakene for kompetanse og rekruttering i ett felles program i "
    "handlingsplan 2027–2028, med en ansvarlig part for hvert tiltak.",
    "Eksempel: Sett av tid i høstmøtet hvert år til å gå gjennom indikatorene sammen med "
    "kommunene.",
]


@dataclass
class DemoEvaluationResult:
    evaluation: Evaluation
    created: bool


@transaction.atomic
def demo_evaluation_load() -> DemoEvaluationResult:
    """Create the example mid-term evaluation 2026 (a draft) with its assessments.

    Idempotent: if the agreement already has a mid-term evaluation for 2026 (the example or a
    real one), it is left as it is. Covers the action plan 2025–2026 if there is one.
    """
    agreement = Agreement.objects.get(slug=REAL_AGREEMENT)
    existing = Evaluation.objects.filter(
        agreement=agreement, kind=Evaluation.Kind.MID_TERM, year=YEAR
    ).first()
    if existing is not None:
        return DemoEvaluationResult(existing, created=False)
    plans = list(
        ActionPlan.objects.filter(
            agreement=agreement, start_year=PLAN_PERIOD[0], end_year=PLAN_PERIOD[1]
        )
    )
    evaluation = services.evaluation_create(
        agreement=agreement, kind=Evaluation.Kind.MID_TERM, year=YEAR, plans=plans
    )
    evaluation.is_example = True
    evaluation.save(update_fields=["is_example"])
    services.evaluation_update(
        evaluation=evaluation,
        summary=SUMMARY,
        conclusions=CONCLUSIONS,
        status=Evaluation.Status.DRAFT,
    )
    for assessment in evaluation.assessments.select_related("sub_goal", "evaluation"):
        rating, narrative, evidence = ASSESSMENTS.get(
            assessment.sub_goal.code,
            (Rating.PARTLY, "Eksempel: Delmålet er delvis fulgt opp.", ""),
        )
        services.assessment_update(
            assessment=assessment, rating=rating, narrative=narrative, evidence=evidence
        )
    for order, text in enumerate(RECOMMENDATIONS, start=1):
        services.recommendation_save(evaluation=evaluation, text=text, order=order, actions=[])
    evaluation.refresh_from_db()
    return DemoEvaluationResult(evaluation, created=True)
