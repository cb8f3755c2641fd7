"""Search (issue #16): /sok/?q= finds agreement texts, actions, milestones, progress comments,
meetings and minutes, agenda items, decisions, follow-up tasks and evaluations, only where the
signed-in person may read them; ranked and highlighted, the highlighting inert.

Most tests run on either database (SQLite's fallback and PostgreSQL's full-text search give the
same interface); the stemming and ranking tests need PostgreSQL (run the file with
DATABASE_URL=postgres://…).
"""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from actionplans.models import ProgressUpdate
from agreements.models import AgendaItem, Decision, FollowUpTask, Meeting
from evaluation import search
from evaluation.models import Evaluation, Recommendation
from evaluation.services import evaluation_create
from tests.factories import at, log, make_action, make_milestone, make_plan

SEARCH_URL = reverse("evaluation:search")
postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="full-text search needs PostgreSQL"
)


def _meeting(agreement, title="Vårmøte", minutes=""):
    return Meeting.objects.create(
        agreement=agreement,
        title=title,
        kind=Meeting.Kind.PHYSICAL,
        start=at(2026, 5, 5),
        end=at(2026, 5, 5, 14),
        inviting_party=agreement.parties.first(),
        minutes=minutes,
    )


@pytest.fixture
def found(agreement, coordinator):
    """One record of each kind in ``agreement``, each holding the word «zebrafink»."""
    plan = make_plan(agreement)
    action = make_action(plan, "1.1-1", title="Tiltak om zebrafink")
    milestone = make_milestone(action, "Milepæl om zebrafink", due=datetime.date(2026, 6, 30))
    commented = make_milestone(action, "Kartlegging", due=datetime.date(2026, 6, 30))
    log(commented, coordinator, "on_track", 20, "Vi har sett en zebrafink i Harstad.")
    meeting = _meeting(agreement, minutes="Referatet nevner zebrafink.")
    item = AgendaItem.objects.create(meeting=meeting, number=1, title="Sak om zebrafink")
    plain_item = AgendaItem.objects.create(meeting=meeting, number=2, title="Eventuelt")
    decision = Decision.objects.create(agenda_item=plain_item, text="Vedtatt: zebrafink.")
    FollowUpTask.objects.create(
        decision=decision,
        title="Følg opp zebrafink",
        responsible=coordinator,
        due_date=datetime.date(2026, 9, 1),
    )
    evaluation = evaluation_create(
        agreement=agreement, kind=Evaluation.Kind.MID_TERM, year=2026, plans=[plan]
    )
    evaluation.summary = "Sammendrag om zebrafink."
    evaluation.save(update_fields=["summary"])
    assessment = evaluation.assessments.first()
    assessment.narrative = "Vurdering: zebrafink."
    assessment.save(update_fields=["narrative"])
    Recommendation.objects.create(evaluation=evaluation, text="Anbefal zebrafink.")
    goal = agreement.sub_goals.get(code="1.1")
    goal.text += " Zebrafink."
    goal.save(update_fields=["text"])
    return {"milestone": milestone, "commented": commented, "meeting": meeting, "item": item}


ALL_KINDS = {
    "Tiltak",
    "Milepæl",
    "Statuskommentar",
    "Møte og referat",
    "Sak",
    "Vedtak",
    "Oppfølgingsoppgave",
    "Evaluering",
    "Vurdering av delmål",
    "Anbefaling",
    "Delmål",
}


def test_every_kind_of_text_is_found(coordinator, found):
    results = search.search(coordinator, "zebrafink")
    assert {hit.kind for hit in results.hits} == ALL_KINDS
    urls = {hit.kind: hit.url for hit in results.hits}
    assert urls["Statuskommentar"] == found["commented"].get_absolute_url()
    assert urls["Sak"] == found["meeting"].get_absolute_url() + f"#sak-{found['item'].pk}"
    assert urls["Milepæl"] == found["milestone"].get_absolute_url()
    assert all("<mark>" in hit.excerpt for hit in results.hits)


def test_the_county_coordinator_finds_a_milestone_by_a_word_from_its_comment(
    client_for, coordinator, found
):
    response = client_for(coordinator).get(SEARCH_URL, {"q": "Harstad"})
    page = response.content.decode()
    assert response.status_code == 200
    assert found["commented"].get_absolute_url() in page
    assert "<mark>Harstad</mark>" in page


def test_readers_find_what_they_may_read(reader, found):
    assert {hit.kind for hit in search.search(reader, "zebrafink").hits} == ALL_KINDS


def test_an_outsider_never_sees_another_agreements_hits(
    private_agreement, outsider, other_agreement, found, coordinator
):
    # The outsider's own agreement has a milestone with the same word.
    action = make_action(make_plan(other_agreement), "1.1-1", title="Nord-Troms-tiltak")
    own = make_milestone(action, "Egen zebrafink", due=datetime.date(2026, 6, 30))

    hits = search.search(outsider, "zebrafink").hits

    assert [(hit.kind, hit.url) for hit in hits] == [("Milepæl", own.get_absolute_url())]
    assert hits[0].agreement == "Nord-Troms"


def test_a_public_agreements_text_is_found_by_everyone_its_records_are_not(
    outsider, agreement, found
):
    assert agreement.is_public
    kinds = {hit.kind for hit in search.search(outsider, "zebrafink").hits}
    assert kinds == {"Delmål"}


def test_administrators_find_everything(admin_user, found, other_agreement):
    action = make_action(make_plan(other_agreement), "1.1-1", title="Zebrafink i nord")
    hits = search.search(admin_user, "zebrafink").hits
    assert {hit.kind for hit in hits} == ALL_KINDS
    assert action.get_absolute_url() in {hit.url for hit in hits}


def test_anonymous_visitors_are_sent_to_log_in(client_for, found):
    response = client_for(None).get(SEARCH_URL, {"q": "zebrafink"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_inactive_account_finds_nothing(coordinator, found):
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])
    assert search.search(coordinator, "zebrafink").hits == []


# --- The page and its input --------------------------------------------------------------------


def test_the_header_has_a_labelled_search_field(client_for, coordinator):
    page = client_for(coordinator).get(reverse("agreements:agreement-list")).content.decode()
    assert 'role="search"' in page
    assert '<label class="ds-sr-only" for="sok-topp">Søk i portalen</label>' in page
    assert f'action="{SEARCH_URL}"' in page


def test_no_query_shows_the_form(client_for, coordinator):
    response = client_for(coordinator).get(SEARCH_URL)
    assert response.status_code == 200
    assert "treff" not in response.content.decode()


def test_no_hits_says_so(client_for, coordinator, found):
    page = client_for(coordinator).get(SEARCH_URL, {"q": "kvitbjørnsafari"}).content.decode()
    assert "Ingen treff for «kvitbjørnsafari»" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("x" * 201, "Søket kan være høyst 200 tegn."),
        ("   ", "Skriv et ord å søke etter."),
        ("bolig\x00", "Søket inneholder et tegn som ikke kan brukes."),
    ],
)
def test_bad_input_gets_a_message(client_for, coordinator, found, query, message):
    response = client_for(coordinator).get(SEARCH_URL, {"q": query})
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "treff" not in page


@pytest.mark.parametrize(
    "query",
    [
        '"zebrafink',
        "zebrafink & | ! :* ( ) <-> '",
        "-",
        "og i på",
        "\u202ezebrafink",
        "😀 zebrafink",
        "%_\\",
    ],
)
def test_any_text_is_a_query(client_for, coordinator, found, query):
    response = client_for(coordinator).get(SEARCH_URL, {"q": query})
    assert response.status_code == 200


def test_post_is_not_allowed(client_for, coordinator):
    assert client_for(coordinator).post(SEARCH_URL, {"q": "x"}).status_code == 405


# --- Inert highlighting ---------------------------------------------------------------------------


def test_user_text_in_a_hit_stays_inert(client_for, agreement, coordinator):
    action = make_action(make_plan(agreement), "1.1-1", title="Tiltak")
    milestone = make_milestone(action, "Trygg milepæl", due=datetime.date(2026, 6, 30))
    log(
        milestone,
        coordinator,
        "on_track",
        10,
        '<script>alert("zebrafink")</script> <mark>zebrafink</mark> \ue000 zebrafink \ue001',
    )
    page = client_for(coordinator).get(SEARCH_URL, {"q": "zebrafink"}).content.decode()
    assert "<script>alert" not in page
    excerpt = page.split('class="ds-paragraph search-hit__excerpt">')[1].split("</p>")[0]
    # The only markup in the excerpt is the highlighting, balanced; the text's own tags are
    # escaped (SQLite) or left out by ts_headline (PostgreSQL).
    assert excerpt.count("<mark>") == excerpt.count("</mark>") >= 1
    assert "<" not in excerpt.replace("<mark>", "").replace("</mark>", "")


def test_marked_escapes_and_balances():
    start, stop = search.START, search.STOP
    assert search.marked(f"a {start}<b>{stop} c") == "a <mark>&lt;b&gt;</mark> c"
    assert search.marked(f"{stop}x{start}{start}y") == "x<mark>y</mark>"
    assert search.marked("&\"'") == "&amp;&quot;&#x27;"


# --- Speed: a pinned number of queries ----------------------------------------------------------


def test_the_number_of_queries_does_not_grow_with_the_hits(
    coordinator, found, django_assert_max_num_queries
):
    # The roles, the agreements' names, then one query per kind of text.
    with django_assert_max_num_queries(len(search.SOURCES) + 3):
        search.search(coordinator, "zebrafink")
    action = found["milestone"].action
    for n in range(30):
        make_milestone(action, f"Zebrafink nummer {n}", due=datetime.date(2026, 6, 30))
    coordinator = type(coordinator).objects.get(pk=coordinator.pk)  # no roles cached
    with django_assert_max_num_queries(len(search.SOURCES) + 3):
        results = search.search(coordinator, "zebrafink")
    assert len([hit for hit in results.hits if hit.kind == "Milepæl"]) == search.PER_SOURCE


# --- PostgreSQL: stemming and ranking ------------------------------------------------------------


@postgres_only
def test_inflected_forms_are_found(coordinator, agreement):
    action = make_action(make_plan(agreement), "1.1-1", title="Tiltak")
    milestone = make_milestone(action, "Kartlegging", due=datetime.date(2026, 6, 30))
    log(milestone, coordinator, "on_track", 10, "Kommunen har kartlagt én bolig i sentrum.")

    hits = search.search(coordinator, "boligene").hits

    assert [hit.kind for hit in hits] == ["Statuskommentar"]
    assert hits[0].url == milestone.get_absolute_url()
    assert "<mark>bolig</mark>" in hits[0].excerpt


@postgres_only
def test_hits_are_ranked(coordinator, agreement):
    action = make_action(make_plan(agreement), "1.1-1", title="Tiltak")
    once = make_milestone(action, "Bredbånd", due=datetime.date(2026, 6, 30))
    often = make_milestone(action, "Mer bredbånd", due=datetime.date(2026, 6, 30))
    log(once, coordinator, "on_track", 10, "Om bredbånd, veier, havner, skoler og mye annet.")
    log(often, coordinator, "on_track", 10, "Bredbånd. Bredbåndet i fjellet. Bredbånd til alle.")

    comments = [
        hit.url
        for hit in search.search(coordinator, "bredbånd").hits
        if hit.kind == "Statuskommentar"
    ]

    assert comments == [often.get_absolute_url(), once.get_absolute_url()]


@postgres_only
def test_phrases_and_left_out_words(coordinator, agreement):
    action = make_action(make_plan(agreement), "1.1-1", title="Tiltak")
    first = make_milestone(action, "Gode vertskap for Forsvaret", due=datetime.date(2026, 6, 30))
    make_milestone(action, "Vertskap og gode veier", due=datetime.date(2026, 6, 30))

    milestones = [
        h.url for h in search.search(coordinator, '"gode vertskap"').hits if h.kind == "Milepæl"
    ]
    assert milestones == [first.get_absolute_url()]
    milestones = [
        h.url for h in search.search(coordinator, "vertskap -veier").hits if h.kind == "Milepæl"
    ]
    assert milestones == [first.get_absolute_url()]


# The sources with a GIN index on the very expression searched: migrations actionplans 0006
# (the large tables) and agreements 0006 (the agreement's own texts).
INDEXED = {"progress", "milestone", "action", "agreement", "sub_goal", "strategy"}


@postgres_only
def test_the_large_tables_are_searched_through_their_indexes(coordinator, agreement):
    """The GIN indexes are on the very expression searched, so PostgreSQL can use them."""
    from django.contrib.postgres.search import SearchQuery, SearchVector

    query = SearchQuery("bolig", config="norwegian", search_type="websearch")
    checked = set()
    for source in search.SOURCES:
        if source.key not in INDEXED:
            continue
        checked.add(source.key)
        sql, params = (
            source.model._default_manager.annotate(
                _vector=SearchVector(*source.fields, config="norwegian")
            )
            .filter(_vector=query)
            .values("pk")
            .query.sql_with_params()
        )
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "_fts" in plan, plan
    assert checked == INDEXED
    assert ProgressUpdate.objects.count() == 0


@postgres_only
def test_the_sql_kept_between_searches_gets_each_persons_own_agreements_and_words(
    admin_user, outsider, coordinator, other_agreement, found, monkeypatch
):
    """The union is built once per process (for administrators and for the rest) with
    stand-ins; each search puts in its own words and agreements. One after another, in both
    orders, nobody gets what the one before might read."""
    monkeypatch.setattr(search._UNION, "_kept", {})
    action = make_action(make_plan(other_agreement), "1.1-1", title="Zebrafink og kolibri")
    own = {("Tiltak", action.get_absolute_url())}

    def hits(user, words="zebrafink"):
        return {(hit.kind, hit.url) for hit in search.search(user, words).hits}

    everything = hits(admin_user)
    coordinators = hits(coordinator)
    outsiders = hits(outsider)

    assert own < everything and coordinators < everything
    assert {kind for kind, _url in coordinators} == ALL_KINDS
    assert not own & coordinators
    assert outsiders == own | {("Delmål", url) for kind, url in coordinators if kind == "Delmål"}
    assert hits(coordinator) == coordinators and hits(admin_user) == everything
    assert hits(outsider, "kolibri") == own and hits(coordinator, "kolibri") == set()
    # Two kept: for administrators (no agreements in the SQL) and for the rest.
    assert len(search._UNION._kept) == 2
    for sql, *_rest in search._UNION._kept.values():
        assert "zebrafink" not in sql and "kolibri" not in sql
