"""Small reads of a request that many views share."""

from django.http import HttpRequest, QueryDict


def form_data(request: HttpRequest) -> QueryDict | None:
    """The submitted data on POST (even if empty, so that the form shows what is missing); None
    on GET, so that the form is unbound."""
    return request.POST if request.method == "POST" else None
