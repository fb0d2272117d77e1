"""Fixtures for the backlog: a matter of several linked cases at 东城街道."""

from __future__ import annotations

import pytest

from tests.clock import at
from tests.conftest import _member
from tests.petitions.factories import person, register


@pytest.fixture
def dc_deputy(org):
    """A second leader of 东城街道, who owns matters (包案)."""
    return _member("dc_deputy", org.dongcheng, "leader")


@pytest.fixture
def matter(org, dc_registrar):
    """make(repeats) → the first case and its repeats, one person, a year apart."""

    def make(repeats: int = 3, first_year: int = 2022):
        who = [person(name="陈安置")]
        first = register(
            dc_registrar,
            org.dongcheng,
            at=at(first_year, 3, 1),
            subject="移民后期扶持未纳入登记",
            people=who,
            category="resettlement.post_support",
        )
        cases = [first]
        for i in range(repeats):
            cases.append(
                register(
                    dc_registrar,
                    org.dongcheng,
                    at=at(first_year + 1 + i, 3, 1),
                    subject="再次反映后期扶持未纳入",
                    people=who,
                    category="resettlement.post_support",
                    repeat_of=first,
                )
            )
        return cases

    return make
