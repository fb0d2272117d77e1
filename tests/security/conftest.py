"""The canary fixtures, shared by the walk and its sanity check (test_canary*.py)."""

from tests.security.test_canary import accusation, accused_side, answering  # noqa: F401
