"""The product's URLs plus one trivial coach page: the yardstick that every page is measured against.

The trivial page goes through the same middleware as every other (session, sign-in, vault, role),
so a page's ratio to it is the cost of the page itself, whatever the machine.
"""

from django.http import HttpResponse
from django.urls import include, path

from ethos.web import COACH, for_role


@for_role(COACH)
def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/trivial/", trivial, name="bench_trivial"),
    path("", include("ethos.urls")),
]
