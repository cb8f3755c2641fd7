"""«Fylkets oversikt»: every agreement side by side, for administrators and county coordinators
(evaluation.county has the figures), as a page and as an Excel workbook."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from actionplans.excel import XLSX_CONTENT_TYPE
from agreements import people
from evaluation import county, county_excel
from tromsvekst.lib.access import LoginNeeded
from tromsvekst.lib.dates import local_today


def _check_county(request: HttpRequest) -> None:
    """Administrators and county coordinators; 403 for anyone else signed in."""
    if not request.user.is_authenticated:
        raise LoginNeeded
    if not people.can_manage_people(request.user):
        raise PermissionDenied


# The table's sortable columns: (sort name, column key of county.SORTS, header text is in the
# template). A column's link sorts ascending, or descending when it is already ascending.
def _sort_links(current: str, descending: bool) -> dict[str, dict[str, str]]:
    base = reverse("county:overview")
    links = {}
    for name, key in county.SORTS.items():
        flip = name == current and not descending
        state = "none"
        if name == current:
            state = "descending" if descending else "ascending"
        links[key.label] = {
            "url": f"{base}?sort={'-' if flip else ''}{name}",
            "state": state,
        }
    return links


@require_GET
def county_overview(request: HttpRequest) -> HttpResponse:
    _check_county(request)
    today, now = local_today(), timezone.now()
    sort, descending = county.parse_sort(request.GET.get("sort"))
    agreements = county.overview_agreements(request.user)
    rows = county.county_overview(agreements, today=today, now=now)
    ctx = {
        "rows": county.sort_rows(rows, sort, descending),
        "today": today,
        "sort_links": _sort_links(sort, descending),
        "excel_url": reverse("county:overview-excel"),
    }
    return render(request, "actionplans/county_overview.html", ctx)


@require_GET
def county_overview_excel(request: HttpRequest) -> HttpResponse:
    _check_county(request)
    today, now = local_today(), timezone.now()
    agreements = county.overview_agreements(request.user)
    rows = county.county_overview(agreements, today=today, now=now)
    response = HttpResponse(
        county_excel.county_workbook(rows, today), content_type=XLSX_CONTENT_TYPE
    )
    # (None only when neither a download nor a file name is asked for.)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=county_excel.export_filename(today))
        or "attachment"
    )
    response["Cache-Control"] = "private, no-store"
    return response
