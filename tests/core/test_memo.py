"""Per-request facts (core/memo.py): kept for the request, never outside one, and dropped when
a membership changes."""

from __future__ import annotations

from django.http import HttpResponse
from django.test import RequestFactory

from xinfang.core.memo import RequestMemoMiddleware, memoized
from xinfang.petitions.selectors import accused_unit_paths_of
from xinfang.units.models import Membership, Role


def test_outside_a_request_nothing_is_kept():
    calls = []
    for _ in range(2):
        memoized("k", lambda: calls.append(1) or len(calls))
    assert len(calls) == 2


def _in_request(view):
    return RequestMemoMiddleware(view)(RequestFactory().get("/"))


def test_inside_a_request_a_fact_is_worked_out_once_per_key_and_forgotten_after():
    calls = []

    def view(request):
        a = memoized(("k", 1), lambda: calls.append(1) or "one")
        b = memoized(("k", 1), lambda: calls.append(1) or "again")
        c = memoized(("k", 2), lambda: calls.append(1) or "two")
        return HttpResponse(f"{a} {b} {c}")

    assert _in_request(view).content == b"one one two"
    assert len(calls) == 2
    assert _in_request(view).content == b"one one two"
    assert len(calls) == 4


def test_a_membership_added_mid_request_is_seen(org, dc_handler):
    staff = dc_handler
    seen = []

    def view(request):
        seen.append(accused_unit_paths_of(staff))
        Membership.objects.create(staff=staff, unit=org.xicheng, role=Role.HANDLER)
        seen.append(accused_unit_paths_of(staff))
        return HttpResponse()

    _in_request(view)
    assert len(seen[0]) == 1
    assert len(seen[1]) == 2
