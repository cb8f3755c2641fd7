"""The search page, /sok/?q=… (``evaluation.search``): what the signed-in person may read."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from evaluation.forms_search import SearchForm
from evaluation.search import search as run_search
from evaluation.search import uses_full_text
from tromsvekst.lib.access import LoginNeeded


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        raise LoginNeeded
    form = SearchForm(request.GET if "q" in request.GET else None)
    results = None
    if form.is_bound and form.is_valid():
        results = run_search(request.user, form.cleaned_data["q"])
    ctx = {"form": form, "results": results, "full_text": uses_full_text()}
    return render(request, "search.html", ctx)
