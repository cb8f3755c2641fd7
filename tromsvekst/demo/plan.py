"""The example action plan 2025–2026 for `make run`, with a year of progress history.

Everything here is invented example data: the plan is marked ``is_example`` (the plan page, the
dashboard and the milestone pages show an «Eksempeldata» banner) and every action description
starts with «Eksempel: ». The data is deterministic. The due dates of the milestones that are
still open are counted from ``today`` (and kept inside the plan period), so that whatever day the
demo is loaded there are milestones that are overdue and milestones due in the coming weeks.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from actionplans.models import (
    CLOSED_STATUSES,
    Action,
    ActionPlan,
    Milestone,
    ProgressUpdate,
    Status,
)
from actionplans.services import progress_log
from agreements.models import Agreement, Coordinator, Party, Strategy, SubGoal
from tromsvekst.demo.users import REAL_AGREEMENT

PLAN_START_YEAR = 2025
PLAN_END_YEAR = 2026
ADOPTED_ON = datetime.date(2025, 9, 15)
# The first progress updates come a week after the plan was adopted.
HISTORY_START = datetime.date(2025, 9, 22)
# How long before its due date work on a milestone is logged, at most.
LEAD_DAYS = 240

COUNTY = "troms-fylkeskommune"
COUNCIL = "halogalandsradet"
# The demo coordinator of each party (users made by tromsvekst.demo.users.demo_users_load).
COORDINATOR_OF = {COUNTY: "koordinator.troms", COUNCIL: "koordinator.halogaland"}

NOT_STARTED = Status.NOT_STARTED
ON_TRACK = Status.ON_TRACK
AT_RISK = Status.AT_RISK
DELAYED = Status.DELAYED
DONE = Status.DONE
CANCELLED = Status.CANCELLED


@dataclass(frozen=True)
class DemoMilestone:
    title: str
    # A fixed date, or a number of days from today (negative: in the past).
    due: datetime.date | int
    # (status, percent, comment) in the order they are logged; the last one is the state today.
    steps: tuple[tuple[str, int, str], ...] = ()
    # Days after the due date the closing update (done or cancelled) is logged.
    closed_after_due: int = -2
    # The other party's coordinator is responsible for this milestone.
    other_party: bool = False


@dataclass(frozen=True)
class DemoAction:
    number: str
    title: str
    description: str
    strategies: tuple[int, ...]  # the strategies' order within the action's delmål
    lead: str
    partners: str
    milestones: tuple[DemoMilestone, ...]

    @property
    def sub_goal(self) -> str:
        return self.number.split("-")[0]


def _d(year: int, month: int, day: int) -> datetime.date:
    return datetime.date(year, month, day)


M = DemoMilestone

DEMO_ACTIONS: tuple[DemoAction, ...] = (
    DemoAction(
        "1.1-1",
        "Felles kunnskapsgrunnlag om boligbehov i regionen",
        "Eksempel: Kommunene kartlegger sammen boligbehov og boligmarked, slik at byer og "
        "tettsteder kan møte boligutfordringene i regionen i fellesskap.",
        (1,),
        COUNCIL,
        "Kommunene i Hålogalandsregionen",
        (
            M(
                "Mandat og arbeidsgruppe for boligkartleggingen på plass",
                _d(2025, 10, 31),
                (
                    (ON_TRACK, 30, "Utkast til mandat er sendt til kommunene for innspill."),
                    (
                        ON_TRACK,
                        70,
                        "Alle kommunene har meldt inn representanter til arbeidsgruppa.",
                    ),
                    (DONE, 100, "Mandatet er godkjent, og arbeidsgruppa har hatt første møte."),
                ),
            ),
            M(
                "Boligkartlegging gjennomført i alle kommunene",
                _d(2026, 4, 30),
                (
                    (ON_TRACK, 15, "Spørreskjemaet er sendt ut til kommunene."),
                    (ON_TRACK, 45, "De fleste kommunene har svart; purring er sendt til resten."),
                    (
                        AT_RISK,
                        55,
                        "Tre kommuner mangler fortsatt svar, og arbeidsgruppa har liten "
                        "kapasitet før påske.",
                    ),
                    (ON_TRACK, 85, "Alle svarene er kommet inn, og analysen er i gang."),
                    (DONE, 100, "Kartleggingen er ferdig og lagt fram for arbeidsgruppa."),
                ),
            ),
            M(
                "Felles boligpolitisk innspill til regionale og statlige myndigheter",
                21,
                (
                    (NOT_STARTED, 0, "Starter når boligkartleggingen er ferdig."),
                    (ON_TRACK, 10, "Arbeidsgruppa har blitt enige om disposisjonen."),
                    (ON_TRACK, 25, "Første utkast til innspill er skrevet."),
                    (
                        AT_RISK,
                        40,
                        "Kommunene er uenige om hvilke tiltak som skal prioriteres. Saken må "
                        "drøftes i Hålogalandsrådet før innspillet kan sendes.",
                    ),
                ),
            ),
        ),
    ),
    DemoAction(
        "1.1-2",
        "Samordnet kollektivtilbud over fylkesgrensa",
        "Eksempel: Ruter, billetter og reiseinformasjon samordnes for dem som reiser over "
        "fylkesgrensa mellom Troms og Nordland i Hålogalandsregionen.",
        (2,),
        COUNTY,
        "Nabofylket, kommunene langs fylkesgrensa, kollektivselskapene",
        (
            M(
                "Oversikt over reisestrømmer og rutetilbud over fylkesgrensa",
                _d(2025, 12, 15),
                (
                    (ON_TRACK, 20, "Reisedata er hentet inn fra begge fylkene."),
                    (ON_TRACK, 45, "Rutetilbudet på begge sider av grensa er sammenstilt."),
                    (ON_TRACK, 65, "Utkast til oversikt er gjennomgått i arbeidsgruppa."),
                    (DONE, 100, "Oversikten er ferdig og delt med kommunene."),
                ),
            ),
            M(
                "Felles billettløsning for reiser over fylkesgrensa utredet",
                -60,
                (
                    (ON_TRACK, 20, "Utredningen er startet, og billettsystemene er beskrevet."),
                    (ON_TRACK, 35, "Mulige løsninger er drøftet med kollektivselskapene."),
                    (
                        AT_RISK,
                        40,
                        "Den tekniske avklaringen mellom de to billettsystemene tar lengre tid "
                        "enn planlagt.",
                    ),
                    (
                        DELAYED,
                        45,
                        "Billettleverandørene må inngå en ny avtale før løsningen kan testes. "
                        "Ny frist foreslås i neste møte mellom partene.",
                    ),
                ),
            ),
            M(
                "Forslag til samordnede ruter lagt fram for begge fylkene",
                45,
                (
                    (ON_TRACK, 10, "Arbeidet er startet med utgangspunkt i oversikten."),
                    (ON_TRACK, 25, "Mulige endringer er drøftet med kollektivselskapene."),
                    (ON_TRACK, 40, "Tre ruteforslag er ferdige og sendt på innspill."),
                ),
            ),
        ),
    ),
    DemoAction(
        "1.2-1",
        "Fleksibel fagopplæring for voksne i arbeid",
        "Eksempel: Desentraliserte og modulbaserte løp i videregående opplæring og "
        "fagskoleutdanning, slik at voksne kan ta fagbrev ved siden av jobben.",
        (1, 2),
        COUNTY,
        "Videregående skoler, fagskoler, næringslivet i regionen",
        (
            M(
                "Behovskartlegging hos bedrifter i regionen",
                _d(2025, 11, 30),
                (
                    (ON_TRACK, 25, "Intervjuer med bedrifter er i gang."),
                    (ON_TRACK, 70, "Over femti bedrifter har svart på kartleggingen."),
                    (DONE, 100, "Rapporten fra kartleggingen er ferdig."),
                ),
            ),
            M(
                "Første modulbaserte kurs startet",
                _d(2026, 2, 28),
                (
                    (ON_TRACK, 15, "Fagområdene for det første kurset er valgt."),
                    (ON_TRACK, 30, "Kursplan og undervisningsopplegg er klare."),
                    (ON_TRACK, 75, "Påmeldingen er åpnet, og det er nok deltakere."),
                    (DONE, 100, "Kurset startet med full gruppe."),
                ),
                other_party=True,
            ),
            M(
                "Evaluering av første kull",
                28,
                (
                    (NOT_STARTED, 0, "Evalueringen starter når første kull har gått et halvår."),
                    (ON_TRACK, 30, "Spørreundersøkelse til deltakerne er sendt ut."),
                    (ON_TRACK, 60, "Svarene er samlet inn; intervjuer med bedriftene gjenstår."),
                ),
            ),
            M(
                "Kortkurs i to nye fagområder tilbudt",
                _d(2026, 9, 30),
                (
                    (ON_TRACK, 20, "Kursene er utlyst."),
                    (AT_RISK, 20, "For få påmeldte til å starte kursene i høst."),
                    (
                        CANCELLED,
                        20,
                        "Avlyst etter avtale mellom partene; behovet dekkes foreløpig av det "
                        "ordinære kurstilbudet. Tas opp igjen i handlingsplanen for 2027–2028.",
                    ),
                ),
                closed_after_due=-20,
            ),
        ),
    ),
    DemoAction(
        "1.2-2",
        "Karriereveiledning som fast del av skole og arbeidsliv",
        "Eksempel: Et regionalt nettverk av karriereveiledere gir elever og voksne "
        "arbeidssøkere veiledning etter samme opplegg i hele regionen.",
        (3,),
        COUNCIL,
        "Kommunene, ungdomsskolene, karrieresentre",
        (
            M(
                "Regionalt nettverk for karriereveiledere etablert",
                _d(2025, 11, 15),
                (
                    (ON_TRACK, 40, "Alle kommunene har pekt ut en kontaktperson."),
                    (DONE, 100, "Nettverket hadde første samling med god deltakelse."),
                ),
            ),
            M(
                "Felles opplegg for yrkesmesse for ungdomsskolene",
                _d(2026, 3, 15),
                (
                    (ON_TRACK, 20, "Programkomiteen er satt sammen."),
                    (ON_TRACK, 60, "Utstillere fra næringslivet og skolene er påmeldt."),
                    (DONE, 100, "Yrkesmessen er gjennomført for alle ungdomsskolene."),
                ),
            ),
            M(
                "Veiledningstilbud for voksne arbeidssøkere i alle kommunene",
                -30,
                (
                    (ON_TRACK, 25, "Tilbudet er i gang i de største kommunene."),
                    (ON_TRACK, 35, "Tilbudet er utvidet til fire nye kommuner."),
                    (
                        AT_RISK,
                        40,
                        "Flere kommuner mangler veiledere med riktig kompetanse.",
                    ),
                    (
                        DELAYED,
                        60,
                        "Rekrutteringen i to kommuner er ikke ferdig. Tilbudet er på plass i "
                        "resten av regionen.",
                    ),
                ),
            ),
        ),
    ),
    DemoAction(
        "1.2-3",
        "Utdanningstilbud rettet mot Forsvarets kompetansebehov",
        "Eksempel: Fylkeskommunen, kommunene og Forsvaret avklarer Forsvarets behov for "
        "fagarbeidere og lærlinger og tilpasser utdanningstilbudet etter det.",
        (4, 1),
        COUNTY,
        "Forsvaret, kommunene, videregående skoler",
        (
            M(
                "Dialogmøte med Forsvaret om utdanningsbehov",
                _d(2025, 10, 20),
                (
                    (ON_TRACK, 50, "Møtet er berammet og saksliste sendt ut."),
                    (DONE, 100, "Møtet er holdt; referat er sendt til partene."),
                ),
            ),
            M(
                "Oversikt over Forsvarets behov for fagarbeidere",
                _d(2026, 1, 31),
                (
                    (ON_TRACK, 20, "Forsvaret har sendt de første behovstallene."),
                    (ON_TRACK, 60, "Tallene er sammenstilt med dagens utdanningstilbud."),
                    (DONE, 100, "Oversikten er ferdig og lagt fram for partene."),
                ),
            ),
            M(
                "Plan for nye lærlingplasser i samarbeid med Forsvaret",
                60,
                ((NOT_STARTED, 0, "Oppstart venter på avklaring av budsjettet for neste år."),),
                other_party=True,
            ),
        ),
    ),
    DemoAction(
        "1.3-1",
        "Nettverk for festivaler og arrangører i regionen",
        "Eksempel: Festivaler, arrangører og arenaer i regionen samarbeider om program, "
        "markedsføring og frivillige, og måler ringvirkningene sammen.",
        (1, 2),
        COUNCIL,
        "Festivaler og arrangører i regionen, reiselivsnæringen",
        (
            M(
                "Oppstartssamling for festivalnettverket",
                _d(2025, 11, 5),
                (
                    (ON_TRACK, 50, "Invitasjonen er sendt til arrangørene i regionen."),
                    (DONE, 100, "Samlingen er holdt med arrangører fra hele regionen."),
                ),
            ),
            M(
                "Felles arrangementskalender for regionen",
                _d(2026, 4, 15),
                (
                    (ON_TRACK, 20, "Behov og løsning er drøftet i nettverket."),
                    (ON_TRACK, 45, "Arrangørene har valgt felles kategorier og oppsett."),
                    (ON_TRACK, 70, "Kalenderen er i testdrift hos fem arrangører."),
                    (DONE, 100, "Kalenderen er åpnet for alle arrangørene."),
                ),
                other_party=True,
            ),
            M(
                "Analyse av ringvirkninger fra arrangementer",
                -20,
                (
                    (ON_TRACK, 20, "Metode for analysen er valgt."),
                    (ON_TRACK, 40, "Data fra sommerens arrangementer er samlet inn."),
                    (
                        AT_RISK,
                        50,
                        "Flere arrangører har ikke levert besøkstall, så analysen kan bli "
                        "ufullstendig.",
                    ),
                ),
            ),
        ),
    ),
    DemoAction(
        "1.3-2",
        "Praksisplasser og mentorer for flyktninger",
        "Eksempel: Kommunene og lokalt arbeidsliv gir flyktninger praksisplasser og mentorer, "
        "slik at flere kommer i arbeid og får lyst til å bli i regionen.",
        (4,),
        COUNTY,
        "Kommunene, lokalt næringsliv, frivillige organisasjoner",
        (
            M(
                "Samarbeidsavtale med kommunene om praksisplasser",
                _d(2025, 12, 1),
                (
                    (ON_TRACK, 10, "Kommunene har meldt inn hvor mange plasser de kan tilby."),
                    (ON_TRACK, 30, "Utkast til avtale er sendt til kommunene."),
                    (ON_TRACK, 80, "De fleste kommunene har godkjent avtalen."),
                    (DONE, 100, "Avtalen er signert av alle kommunene."),
                ),
            ),
            M(
                "Mentorordning i lokalt arbeidsliv",
                _d(2026, 8, 31),
                (
                    (ON_TRACK, 20, "Ordningen er beskrevet og presentert for næringslivet."),
                    (
                        DELAYED,
                        25,
                        "Få bedrifter har meldt seg som mentorer; rekrutteringen må gjøres på "
                        "nytt sammen med næringsforeningene.",
                    ),
                    (ON_TRACK, 70, "Tolv mentorer er rekruttert, og de første parene er i gang."),
                    (DONE, 100, "Mentorordningen er i drift i hele regionen."),
                ),
                closed_after_due=18,
            ),
            M("Erfaringssamling om integreringsarbeidet", 75, (), other_party=True),
        ),
    ),
    DemoAction(
        "1.3-3",
        "Tilgjengelige møteplasser for ungdom",
        "Eksempel: Smarte transportløsninger og bedre informasjon gjør det lettere for ungdom "
        "å komme seg til møteplasser og fritidsaktiviteter, også på kveldstid.",
        (3,),
        COUNCIL,
        "Ungdomsrådene, kommunene, kollektivselskapene",
        (
            M(
                "Kartlegging av ungdommens reisevei til møteplasser",
                _d(2026, 2, 15),
                (
                    (ON_TRACK, 35, "Spørreundersøkelsen er sendt til skolene."),
                    (ON_TRACK, 75, "Over tusen ungdommer har svart."),
                    (DONE, 100, "Resultatene er presentert for ungdomsrådene."),
                ),
            ),
            M(
                "Forsøk med bestillingstransport til kveldsaktiviteter",
                -45,
                (
                    (ON_TRACK, 10, "Tre kommuner vil være med i forsøket."),
                    (ON_TRACK, 20, "Opplegget for forsøket er klart."),
                    (AT_RISK, 25, "Utlysningen av kjøringen fikk ingen tilbud."),
                    (
                        DELAYED,
                        30,
                        "Ny utlysning er sendt ut med lengre frist; oppstart tidligst neste "
                        "halvår.",
                    ),
                ),
                other_party=True,
            ),
            M(
                "Ungdomsrådene gir innspill til tiltakene",
                _d(2026, 12, 1),
                (
                    (ON_TRACK, 25, "Ungdomsrådene er invitert til felles samling."),
                    (ON_TRACK, 45, "Samlingen er holdt med deltakere fra alle ungdomsrådene."),
                    (ON_TRACK, 60, "Innspillene er skrevet sammen og sendt på runde."),
                ),
            ),
        ),
    ),
    DemoAction(
        "2.1-1",
        "Regionalt plannettverk for kommunene",
        "Eksempel: Planleggerne i kommunene møtes jevnlig, deler erfaringer og samordner "
        "planprosesser med fylkeskommunen tidlig i arbeidet.",
        (1, 2),
        COUNTY,
        "Planleggerne i kommunene, statsforvalteren",
        (
            M(
                "Første samling i plannettverket",
                _d(2025, 10, 15),
                (
                    (ON_TRACK, 60, "Program og påmelding er klart."),
                    (DONE, 100, "Samlingen er holdt med deltakere fra nesten alle kommunene."),
                ),
            ),
            M(
                "Felles veileder for tidlig medvirkning i planprosesser",
                _d(2026, 5, 31),
                (
                    (ON_TRACK, 15, "Skrivegruppe med planleggere fra fire kommuner er i gang."),
                    (ON_TRACK, 35, "Første utkast er drøftet i plannettverket."),
                    (ON_TRACK, 55, "Høringsutkast er sendt til kommunene."),
                    (DONE, 100, "Veilederen er ferdig og publisert for kommunene."),
                ),
                other_party=True,
            ),
            M(
                "Planforum om samfunnsdelen av kommuneplanene",
                14,
                (
                    (ON_TRACK, 10, "Tema for forumet er avklart med kommunene."),
                    (ON_TRACK, 30, "Datoen er satt, og kommunene er invitert."),
                    (ON_TRACK, 70, "Seks kommuner har meldt inn saker til forumet."),
                ),
            ),
            M(
                "Erfaringsdeling om arealregnskap",
                -10,
                (
                    (ON_TRACK, 20, "Tema og innledere er avklart."),
                    (ON_TRACK, 35, "Tre kommuner har lovet å legge fram sitt arealregnskap."),
                    (ON_TRACK, 50, "Kommunene har sendt inn eksempler på arealregnskap."),
                ),
            ),
        ),
    ),
    DemoAction(
        "2.1-2",
        "Grenseregionale innspill til regional plan for fornybar energi",
        "Eksempel: Kommunene i grenseregionen lager et felles utfordringsbilde og gir samlede "
        "innspill til arbeidet med regional plan for fornybar energi og arealbruk.",
        (3,),
        COUNCIL,
        "Kommunene i grenseregionen, netteiere",
        (
            M(
                "Felles utfordringsbilde for grenseregionen",
                _d(2026, 1, 15),
                (
                    (ON_TRACK, 25, "Kommunene har meldt inn sine viktigste utfordringer."),
                    (ON_TRACK, 70, "Utkastet er drøftet i Hålogalandsrådet."),
                    (DONE, 100, "Utfordringsbildet er vedtatt som grunnlag for innspillet."),
                ),
            ),
            M(
                "Innspill til planprogrammet sendt",
                _d(2026, 3, 31),
                (
                    (ON_TRACK, 40, "Utkast til innspill er på runde i kommunene."),
                    (DONE, 100, "Innspillet er sendt innen fristen."),
                ),
                other_party=True,
            ),
            M(
                "Kartlegging av mulige arealer for grønn industri",
                -75,
                (
                    (ON_TRACK, 15, "Kriterier for kartleggingen er avklart med kommunene."),
                    (ON_TRACK, 25, "Kommunene har meldt inn aktuelle områder."),
                    (
                        AT_RISK,
                        30,
                        "Vi venter på tall for nettkapasitet fra netteierne.",
                    ),
                    (
                        DELAYED,
                        35,
                        "Kartleggingen står stille til tallene for nettkapasitet foreligger. "
                        "Kommunene fortsetter arbeidet med egne arealer i mellomtiden.",
                    ),
                ),
            ),
        ),
    ),
    DemoAction(
        "3.1-1",
        "Felles klimagassregnskap og arealstatistikk for regionen",
        "Eksempel: Statistikk om klimagassutslipp, arealbruk og klimaendringer samles for alle "
        "kommunene i regionen og gjøres lett å bruke i planarbeidet.",
        (2,),
        COUNTY,
        "Kommunene, fylkeskommunens statistikkmiljø",
        (
            M(
                "Klimagass- og arealstatistikk samlet for alle kommunene",
                _d(2025, 12, 20),
                (
                    (ON_TRACK, 30, "Datakildene er avklart."),
                    (ON_TRACK, 75, "Statistikken er samlet; kvalitetssikring gjenstår."),
                    (DONE, 100, "Statistikken er kvalitetssikret og klar til bruk."),
                ),
            ),
            M(
                "Regional klimastatus publisert",
                _d(2026, 6, 15),
                (
                    (ON_TRACK, 20, "Disposisjonen er godkjent av partene."),
                    (ON_TRACK, 40, "Kapitlene om utslipp og arealbruk er skrevet."),
                    (ON_TRACK, 65, "Utkastet er på høring hos kommunene."),
                    (DONE, 100, "Klimastatusen er publisert."),
                ),
            ),
            M(
                "Opplæring av kommunene i bruk av statistikken",
                35,
                (
                    (NOT_STARTED, 0, "Starter når klimastatusen er publisert."),
                    (ON_TRACK, 35, "To av fire nettkurs er holdt."),
                ),
                other_party=True,
            ),
        ),
    ),
    DemoAction(
        "3.1-2",
        "Sirkulærøkonomi i næringslivet",
        "Eksempel: Bedrifter og kommuner samarbeider om ombruk av materialer og bedre "
        "ressursbruk, med pilotprosjekter som kan skape nye arbeidsplasser.",
        (3, 1),
        COUNCIL,
        "Næringsforeningene, kommunene, avfallsselskapene",
        (
            M(
                "Nettverk for sirkulære næringsprosjekter startet",
                _d(2026, 2, 1),
                (
                    (ON_TRACK, 35, "Tolv bedrifter har meldt interesse."),
                    (DONE, 100, "Nettverket er etablert med første samling."),
                ),
            ),
            M(
                "Søknad om ekstern finansiering sendt",
                _d(2026, 9, 15),
                (
                    (ON_TRACK, 30, "Søknadsutkastet er påbegynt."),
                    (
                        AT_RISK,
                        30,
                        "Det er usikkert om utlysningen blir videreført i år.",
                    ),
                    (
                        CANCELLED,
                        30,
                        "Utlysningen ble trukket tilbake, så søknaden blir ikke sendt. Partene "
                        "ser etter andre finansieringskilder.",
                    ),
                ),
                closed_after_due=-10,
                other_party=True,
            ),
            M(
                "To forsøk med ombruk av byggematerialer",
                50,
                (
                    (ON_TRACK, 10, "To kommunale byggeprosjekter er valgt ut."),
                    (ON_TRACK, 20, "Ett forsøk er i gang ved et kommunalt byggeprosjekt."),
                    (
                        AT_RISK,
                        35,
                        "Vi har ikke funnet en bedrift som kan ta imot og lagre materialene i "
                        "det andre forsøket.",
                    ),
                ),
            ),
        ),
    ),
    DemoAction(
        "3.1-3",
        "Energieffektivisering i kommunale bygg",
        "Eksempel: Kommunene kartlegger energibruken i egne bygg og samarbeider om innkjøp og "
        "oppfølging, som en videreføring av mulighetsstudien om energifremtiden i regionen.",
        (4,),
        COUNTY,
        "Kommunene, energiselskapene",
        (
            M(
                "Energikartlegging av kommunale bygg",
                _d(2026, 3, 1),
                (
                    (ON_TRACK, 20, "Byggene er valgt ut i samråd med kommunene."),
                    (ON_TRACK, 60, "Halvparten av byggene er kartlagt."),
                    (DONE, 100, "Alle utvalgte bygg er kartlagt."),
                ),
            ),
            M(
                "Felles innkjøp av system for energioppfølging",
                -5,
                (
                    (ON_TRACK, 30, "Konkurransegrunnlaget er ferdig."),
                    (ON_TRACK, 60, "Konkurransen er lyst ut, og fire tilbud er kommet inn."),
                    (
                        AT_RISK,
                        70,
                        "Tildelingen er klaget inn. Vi venter på avklaring før kontrakten kan "
                        "signeres.",
                    ),
                ),
                other_party=True,
            ),
            M(
                "Samling om energieffektivisering for kommunene",
                7,
                (
                    (ON_TRACK, 40, "Program og innledere er klare."),
                    (ON_TRACK, 80, "Påmeldingen er god; praktiske forberedelser gjenstår."),
                ),
            ),
        ),
    ),
    DemoAction(
        "4.1-1",
        "Kommunene som gode vertskap for Forsvaret",
        "Eksempel: Kommunene og Forsvaret samarbeider om bolig, transport og velkomst, slik at "
        "forsvarsansatte og familiene deres vil bosette seg i regionen.",
        (2, 1),
        COUNCIL,
        "Kommunene, Forsvaret",
        (
            M(
                "Vertskapsgruppe med kommunene og Forsvaret etablert",
                _d(2025, 10, 10),
                (
                    (ON_TRACK, 50, "Kommunene og Forsvaret har pekt ut representanter."),
                    (DONE, 100, "Vertskapsgruppa har hatt første møte."),
                ),
            ),
            M(
                "Velkomstopplegg for nye forsvarsansatte og familier",
                _d(2026, 5, 15),
                (
                    (ON_TRACK, 25, "Velkomstbrosjyre og nettside er under arbeid."),
                    (ON_TRACK, 50, "Vertskommunene har gitt innspill til opplegget."),
                    (ON_TRACK, 70, "Opplegget er testet på et mindre kull."),
                    (DONE, 100, "Velkomstopplegget er tatt i bruk i alle vertskommunene."),
                ),
                other_party=True,
            ),
            M(
                "Felles boligplan for forsvarsansatte",
                -35,
                (
                    (ON_TRACK, 20, "Kommunene har beskrevet sine tomtereserver."),
                    (ON_TRACK, 25, "Forsvaret har lovet tall for boligbehovet."),
                    (AT_RISK, 30, "Forsvarets tall for boligbehovet er forsinket."),
                    (
                        DELAYED,
                        45,
                        "Tallene er kommet, men kommunene trenger mer tid til å arbeide dem "
                        "inn i planen.",
                    ),
                ),
            ),
            M(
                "Kollektivtilbud tilpasset skiftarbeid ved basene",
                40,
                (
                    (
                        NOT_STARTED,
                        0,
                        "Starter når boligplanen er ferdig, fordi den avgjør hvor folk skal bo.",
                    ),
                ),
                other_party=True,
            ),
        ),
    ),
    DemoAction(
        "4.1-2",
        "Leverandørutvikling mot Forsvaret",
        "Eksempel: Lokale bedrifter får hjelp til å forstå Forsvarets innkjøp og til å gå "
        "sammen om tilbud, slik at flere leveranser kommer fra regionen.",
        (3,),
        COUNTY,
        "Næringsforeningene, bedrifter i regionen",
        (
            M(
                "Leverandørseminar for lokale bedrifter",
                _d(2025, 11, 25),
                (
                    (ON_TRACK, 40, "Programmet er satt sammen."),
                    (ON_TRACK, 80, "Over åtti deltakere er påmeldt."),
                    (DONE, 100, "Seminaret er gjennomført."),
                ),
            ),
            M(
                "Oversikt over lokale leverandører og deres kompetanse",
                _d(2026, 4, 30),
                (
                    (ON_TRACK, 25, "Registreringsskjema er sendt til bedriftene."),
                    (
                        ON_TRACK,
                        40,
                        "Næringsforeningene har fulgt opp bedriftene som ikke har svart.",
                    ),
                    (ON_TRACK, 60, "Over hundre bedrifter er registrert."),
                    (DONE, 100, "Oversikten er ferdig og delt med næringsforeningene."),
                ),
                other_party=True,
            ),
            M(
                "Oppfølgingsprogram for ti bedrifter",
                21,
                (
                    (ON_TRACK, 15, "Ti bedrifter er plukket ut."),
                    (ON_TRACK, 45, "Første runde med rådgivning er gjennomført."),
                    (ON_TRACK, 65, "Andre runde er i gang."),
                ),
            ),
            M(
                "Verksted om felles anbud",
                -12,
                (
                    (
                        NOT_STARTED,
                        0,
                        "Utsatt til oppfølgingsprogrammet er kommet lenger, så bedriftene "
                        "har konkrete saker å ta med.",
                    ),
                ),
                other_party=True,
            ),
        ),
    ),
)


@dataclass
class DemoPlanResult:
    plan: ActionPlan | None
    created: bool
    actions: int = 0
    milestones: int = 0
    updates: int = 0


def demo_plan_counts(plan: ActionPlan, created: bool) -> DemoPlanResult:
    return DemoPlanResult(
        plan=plan,
        created=created,
        actions=Action.objects.filter(plan=plan).count(),
        milestones=Milestone.objects.in_plan(plan).count(),
        updates=ProgressUpdate.objects.filter(milestone__action__plan=plan).count(),
    )


def _due_date(due: datetime.date | int, today: datetime.date, plan: ActionPlan) -> datetime.date:
    if isinstance(due, int):
        due = today + datetime.timedelta(days=due)
    return min(max(due, plan.first_day), plan.last_day)


def _step_days(
    spec: DemoMilestone, due: datetime.date, today: datetime.date, index: int
) -> list[datetime.date]:
    """The days the milestone's updates are logged on: spread evenly, all before today."""
    count = len(spec.steps)
    history_start = min(HISTORY_START, today - datetime.timedelta(days=60))
    if spec.steps[-1][0] in CLOSED_STATUSES:
        end = due + datetime.timedelta(days=spec.closed_after_due)
    else:
        # Open milestones were last updated some days ago, not all on the same day.
        end = today - datetime.timedelta(days=1 + (index * 11) % 41)
    end = min(end, today - datetime.timedelta(days=1))
    # Work starts a while before the due date, and not on the same day for every milestone.
    lead = min(LEAD_DAYS, 60 * count)
    start = max(
        history_start + datetime.timedelta(days=(index * 3) % 21),
        due - datetime.timedelta(days=lead),
    )
    if (end - start).days < 3 * (count - 1):
        start = end - datetime.timedelta(days=7 * (count - 1))
    span = (end - start).days
    days = [start + datetime.timedelta(days=span * i // max(count - 1, 1)) for i in range(count)]
    days[-1] = end
    # Coordinators work on weekdays: move a Saturday or Sunday back to the Friday.
    return [day - datetime.timedelta(days=max(day.weekday() - 4, 0)) for day in days]


def _timestamp(day: datetime.date, index: int, step: int) -> datetime.datetime:
    minutes = 8 * 60 + 30 + (index * 131 + step * 47) % 450  # between 08:30 and 16:00
    moment = datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60))
    return timezone.make_aware(moment, timezone.get_current_timezone())


@transaction.atomic
def demo_plan_load(today: datetime.date | None = None) -> DemoPlanResult:
    """Create the example action plan 2025–2026 with its actions, milestones and history.

    Idempotent: when the agreement already has a plan for 2025–2026 (the demo plan or a real
    one), nothing is changed. Needs the agreement (load_agreement) and the demo users.
    """
    today = today or timezone.localdate()
    agreement = Agreement.objects.get(slug=REAL_AGREEMENT)
    existing = ActionPlan.objects.filter(
        agreement=agreement, start_year=PLAN_START_YEAR, end_year=PLAN_END_YEAR
    ).first()
    if existing is not None:
        return demo_plan_counts(existing, created=False)

    plan = ActionPlan.objects.create(
        agreement=agreement,
        start_year=PLAN_START_YEAR,
        end_year=PLAN_END_YEAR,
        status=ActionPlan.PlanStatus.ADOPTED,
        adopted_on=ADOPTED_ON,
        is_example=True,
    )
    parties = {party.slug: party for party in Party.objects.filter(slug__in=COORDINATOR_OF)}
    coordinators = {
        slug: Coordinator.objects.select_related("user").get(
            agreement=agreement, user__username=username
        )
        for slug, username in COORDINATOR_OF.items()
    }
    other_party = {COUNTY: COUNCIL, COUNCIL: COUNTY}
    sub_goals = {goal.code: goal for goal in SubGoal.objects.filter(agreement=agreement)}

    index = 0  # counts milestones across the plan, to vary times and authors
    for order, spec in enumerate(DEMO_ACTIONS, start=1):
        goal = sub_goals[spec.sub_goal]
        action = Action.objects.create(
            plan=plan,
            number=spec.number,
            title=spec.title,
            description=spec.description,
            sub_goal=goal,
            lead_party=parties[spec.lead],
            partners=spec.partners,
            order=order,
        )
        action.strategies.set(Strategy.objects.filter(sub_goal=goal, order__in=spec.strategies))
        action.responsible.set([coordinators[spec.lead], coordinators[other_party[spec.lead]]])
        made_at = timezone.make_aware(
            datetime.datetime.combine(min(plan.first_day, today), datetime.time(9))
        )
        for milestone_order, milestone_spec in enumerate(spec.milestones, start=1):
            party = other_party[spec.lead] if milestone_spec.other_party else spec.lead
            due = _due_date(milestone_spec.due, today, plan)
            milestone = Milestone.objects.create(
                action=action,
                title=milestone_spec.title,
                due_date=due,
                responsible=coordinators[party],
                order=milestone_order,
                # Made when the plan started, before the history logged on it below.
                created_at=made_at,
            )
            _log_history(
                milestone,
                milestone_spec,
                due=due,
                today=today,
                index=index,
                author=coordinators[party].user,
                colleague=coordinators[other_party[party]].user,
            )
            index += 1
    return demo_plan_counts(plan, created=True)


def _log_history(
    milestone: Milestone,
    spec: DemoMilestone,
    *,
    due: datetime.date,
    today: datetime.date,
    index: int,
    author: User,
    colleague: User,
) -> None:
    """Log the milestone's steps through progress_log, then date them back to when they happened."""
    if not spec.steps:
        return
    previous = None
    for step, ((status, percent, comment), day) in enumerate(
        zip(spec.steps, _step_days(spec, due, today, index), strict=True)
    ):
        # Now and then the other party's coordinator logs progress, e.g. after a joint meeting.
        user = colleague if (index + step) % 5 == 4 else author
        update = progress_log(
            milestone=milestone,
            user=user,
            status=status,
            percent=percent,
            comment=comment,
            seen_version=milestone.version,
        )
        moment = _timestamp(day, index, step)
        if previous is not None and moment <= previous:
            moment = previous + datetime.timedelta(hours=1)
        previous = moment
        # Demo seeding only: a queryset update passes by ProgressUpdate's append-only guard.
        ProgressUpdate.objects.filter(pk=update.pk).update(created_at=moment)
        if status == DONE:
            Milestone.objects.filter(pk=milestone.pk).update(completed_on=day)
