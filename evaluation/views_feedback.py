# Being written by a helper; every view here is replaced before commit.
from django.http import HttpResponse


def _todo(request, *args, **kwargs):  # pragma: no cover
    return HttpResponse(status=501)


feedback_form = feedback_list = feedback_toggle = _todo
