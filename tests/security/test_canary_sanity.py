"""The canary test's sanity check, in its own file so the two long walks run side by side:
the same walk as the answering body's staff finds every canary, so a leak would be seen."""

from __future__ import annotations

from django.test import Client

from tests.security.test_canary import _walk


def test_the_same_walk_finds_every_string_as_the_answering_body(accusation, answering):
    """The sanity check: the walk reaches every field, so a leak would be seen."""
    walk = _walk(accusation)
    found: set[str] = set()
    client = Client(raise_request_exception=False)
    found |= {leak.canary for leak in walk.run(client, answering["cn_leader"])}
    assert found == set(walk.canaries), set(walk.canaries) - found
