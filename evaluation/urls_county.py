"""«Fylkets oversikt» under /fylket/ (tromsvekst/urls.py): administrators and county
coordinators, every agreement side by side."""

from django.urls import path

from evaluation import views_county

app_name = "county"

urlpatterns = [
    path("oversikt/", views_county.county_overview, name="overview"),
    path("oversikt.xlsx", views_county.county_overview_excel, name="overview-excel"),
]
