"""The canary fixtures, shared by the walk and its sanity check (test_canary*.py)."""

import pytest

from tests.security.test_canary import accusation, accused_side, answering  # noqa: F401


@pytest.fixture(autouse=True)
def _sessions_outside_the_rollback(settings):
    """The walk rolls back every request; a session kept in the database would be rolled
    back with it and signed in afresh on the next request (its second-factor check, its
    writes). Kept in the cache it lasts the walk; what the pages show does not change. (Not
    signed cookies: the second factor the test login adds to the session would not reach
    the client's cookie, and every page would answer with the second-factor prompt.)"""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
