"""The walk itself: a query is sent only to the routes that read its keys."""

from __future__ import annotations

from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path

from tests.security.walk import Walk


def _reads_q(request):
    return HttpResponse("SECRET" if request.GET.get("q") == "x" else "nothing")


def _reads_nothing(request):
    return HttpResponse("nothing")


def _a_bound_form(request):
    data = request.GET or None  # as `Form(request.GET or None)` does
    return HttpResponse("SECRET" if data is not None and data.get("q") == "x" else "nothing")


def _lists_the_query(request):
    return HttpResponse("SECRET" if dict(request.GET.items()).get("q") == "x" else "nothing")


urlpatterns = [
    path("reads-q/", _reads_q),
    path("reads-nothing/", _reads_nothing),
    path("form/", _a_bound_form),
    path("lists/", _lists_the_query),
]


@override_settings(ROOT_URLCONF=__name__)
def test_it_asks_with_a_query_only_the_routes_that_read_its_keys(db, django_user_model):
    user = django_user_model.objects.create_user(username="walker", password="pw")
    walk = Walk(
        canaries={"secret": "SECRET"},
        ids=set(),
        petition_ids=set(),
        attachment_ids=set(),
        queries=[{"q": "x"}, {"other": "y"}],
    )
    leaks = walk.run(Client(raise_request_exception=False), user)
    # The routes that read q answer the secret to {"q": "x"}: the query was sent.
    assert sorted(leak.url for leak in leaks) == ["/form/", "/lists/", "/reads-q/"]
    # GET, POST and the one-key probe each; then {"q": "x"} to the two routes reading q,
    # both queries to the one listing the query, nothing to the route reading no key.
    assert walk.requests == 3 * 4 + 2 + 2
