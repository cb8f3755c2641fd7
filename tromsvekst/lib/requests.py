"""Small reads of a request that many views share."""

from django.contrib.auth.models import User
from django.http import HttpRequest, QueryDict
from django_htmx.middleware import HtmxDetails

from tromsvekst.lib.access import LoginNeeded


class HtmxHttpRequest(HttpRequest):
    """The request type of views that read `request.htmx` (set by django-htmx's HtmxMiddleware,
    which every request passes through); for type checking only, as django-htmx's docs show."""

    htmx: HtmxDetails


def form_data(request: HttpRequest) -> QueryDict | None:
    """The submitted data on POST (even if empty, so that the form shows what is missing); None
    on GET, so that the form is unbound."""
    return request.POST if request.method == "POST" else None


def signed_in_user(request: HttpRequest) -> User:
    """The request's user, for a view whose access check (``get_for_user``) has already refused
    anonymous users: this says so to the type checker, and raises LoginNeeded (the login page)
    should a view ever call it before that check."""
    user = request.user
    if not user.is_authenticated:
        raise LoginNeeded
    return user
