"""«Personer og roller» under /fylket/personer/ (tromsvekst/urls.py): administrators and county
coordinators, across every agreement."""

from django.urls import path

from agreements import views_people
from tromsvekst.lib import converters  # noqa: F401  (registers <id:…>, <token:…>, <year:…>)

app_name = "people"

urlpatterns = [
    path("", views_people.people_list, name="people-list"),
    path("<id:pk>/deaktiver/", views_people.person_deactivate, name="person-deactivate"),
    path("<id:pk>/aktiver/", views_people.person_reactivate, name="person-reactivate"),
]
