"""Statements compiled once (core/db.py): the same rows, counts and pages as the ORM gives,
for every length and key, and a build with parameters of its own refused."""

from __future__ import annotations

import functools

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.petitions.factories import accuse, person, register
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.core.db import PreparedValues, compiled_count, compiled_exists, compiled_page_ids
from xinfang.petitions.models import Petition, Petitioner, PetitionParty, PetitionUnit, State
from xinfang.petitions.selectors import petitions_visible_count, petitions_visible_to, visibility
from xinfang.petitions.selectors.visibility import (
    _earlier_parties,
    petition_is_visible_to,
    received_in_states,
    visible_sql_key,
)
from xinfang.petitions.serializers import list_rows

pytestmark = pytest.mark.django_db

_PARTIES = PreparedValues(
    lambda ids: (
        PetitionParty.objects.filter(petition_id__in=ids)
        .order_by("petition_id", "id")
        .values("petition_id", "role", "petitioner__name", "petitioner__phone")
    )
)


def _orm_parties(ids):
    return list(
        PetitionParty.objects.filter(petition_id__in=ids)
        .order_by("petition_id", "id")
        .values("petition_id", "role", "petitioner__name", "petitioner__phone")
    )


def test_prepared_rows_are_the_orms_with_their_converters(org, dc_registrar):
    cases = [register(dc_registrar, org.dongcheng) for _ in range(4)]
    ids = [c.pk for c in cases]
    for n in range(1, 5):
        for chosen in (ids[:n], ids[-n:][::-1]):
            rows = _PARTIES.rows(chosen)
            assert rows == _orm_parties(chosen)
            # Decrypted, not ciphertext: the encrypted column's converter ran.
            assert all(not r["petitioner__name"].startswith("v") for r in rows)
    assert _PARTIES.rows([]) == []
    assert _PARTIES.rows([10**9]) == []
    # No rows, the columns named all the same (a caller looks its values up by name).
    names = ["petition_id", "role", "petitioner__name", "petitioner__phone"]
    assert _PARTIES.fetch([]).names == names
    assert _PARTIES.fetch([10**9]).names == names


def test_prepared_runs_one_statement_after_the_first(org, dc_registrar):
    ids = [register(dc_registrar, org.dongcheng).pk for _ in range(2)]
    _PARTIES.rows(ids)
    with CaptureQueriesContext(connection) as queries:
        _PARTIES.rows(ids[::-1])
    assert len(queries) == 1


def test_a_build_with_parameters_of_its_own_is_refused():
    other = PreparedValues(
        lambda ids: Petition.objects.filter(pk__in=ids, subject="固定").values("id")
    )
    with pytest.raises(ValueError):
        other.rows([1, 2])


def test_list_rows_are_in_the_order_asked(org, dc_registrar):
    ids = [register(dc_registrar, org.dongcheng).pk for _ in range(3)]
    assert [r.pk for r in list_rows([*ids[::-1], 10**9])] == ids[::-1]


# The cases are only read: one set serves every example.
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    offset=st.integers(0, 6),
    limit=st.integers(1, 5),
    state=st.sampled_from(State.values),
    cap=st.integers(0, 5),
)
def test_compiled_count_and_pages_are_the_orms(db_cases, offset, limit, state, cap):
    for user in db_cases:
        key = ("test", visible_sql_key(user), (state,))

        def build(user=user):
            return (
                petitions_visible_to(user).filter(state__in=[state]).order_by("-received_at", "-id")
            )

        assert compiled_count(key, build) == build().count()
        # Capped: exact up to the cap, cap + 1 for more; also with the received cases first.
        assert compiled_count(key, build, cap=cap) == min(build().count(), cap + 1)
        floor = functools.partial(received_in_states, user, (state,))
        floored = compiled_count(("floored", *key), build, cap=cap, floor=floor)
        assert floored == min(build().count(), cap + 1)
        expected = list(build().values_list("pk", flat=True)[offset : offset + limit])
        assert compiled_page_ids(key, build, offset=offset, limit=limit) == expected


def test_a_floor_past_the_cap_answers_without_the_count(org, dc_registrar):
    for _ in range(3):
        register(dc_registrar, org.dongcheng)
    nothing = lambda: Petition.objects.filter(subject="无此标题")  # noqa: E731
    every = lambda: Petition.objects.all()  # noqa: E731  (not a subset: shows which ran)
    assert compiled_count("floor-test", nothing, cap=2, floor=every) == 3
    assert compiled_count("floor-test", nothing, cap=3, floor=every) == 0
    assert compiled_count("floor-none", nothing, cap=2, floor=lambda: None) == 0


@pytest.mark.parametrize("links_a_case", [4, 1])
def test_a_capped_visible_count_is_exact_up_to_the_cap_for_every_reader(
    org, db_cases, monkeypatch, links_a_case
):
    # With one link read a case, a case linked to two of a reader's units (receiving and
    # responsible) leaves the links read naming too few cases: the count reads every link.
    monkeypatch.setattr(visibility, "LINKS_READ_PER_CASE", links_a_case)
    # Every case also linked to a community under 东城: two links a case for its readers.
    for pk in Petition.objects.values_list("pk", flat=True):
        PetitionUnit.objects.create(
            petition_id=pk, unit=org.donghu, relation=PetitionUnit.Relation.CO_HANDLING
        )
    answers = set()
    for user in db_cases:
        exact = petitions_visible_to(user).count()
        assert petitions_visible_count(user) == exact, user.username
        for cap in range(exact + 2):
            capped = petitions_visible_count(user, cap=cap)
            assert capped == min(exact, cap + 1), (user.username, cap)
            answers.add(capped > cap)
    assert answers == {True, False}


def test_compiled_exists_is_the_orms_for_every_reader_and_case(db_cases):
    ids = [*Petition.objects.values_list("pk", flat=True), 10**9]
    seen = []
    for user in db_cases:
        for pk in ids:
            expected = petitions_visible_to(user).filter(pk=pk).exists()
            assert petition_is_visible_to(user, pk) == expected, (user.username, pk)
            seen.append(expected)
    # The readers and cases asked about gave both answers, visible and not.
    assert set(seen) == {True, False}


def test_a_compiled_exists_refuses_a_build_naming_the_id_twice(db):
    with pytest.raises(ValueError):
        compiled_exists("test-twice", lambda pk: Petition.objects.filter(pk=pk, repeat_of_id=pk), 1)


@pytest.fixture
def db_cases(org, dc_registrar, dc_handler, cn_leader, xc_handler):
    for _ in range(3):
        register(dc_registrar, org.dongcheng)
    accuse(cn_leader, org.district, org.dongcheng, subject="街道干部索要好处费", content="有人索要")
    north = StaffFactory(username="north_registrar")
    MembershipFactory(staff=north, unit=org.north, role="registrar")
    register(north, org.north)
    root = StaffFactory(username="root", is_superuser=True)
    return [dc_registrar, dc_handler, cn_leader, xc_handler, north, root]


def test_a_new_membership_is_a_new_key(api, org, dc_registrar, xc_handler):
    register(dc_registrar, org.dongcheng)
    client = api.as_(xc_handler)
    before = client.get("/api/v1/petitions/", {"state": "registered"}).json()["count"]
    MembershipFactory(staff=xc_handler, unit=org.dongcheng, role="handler")
    after = client.get("/api/v1/petitions/", {"state": "registered"}).json()["count"]
    assert after == before + 1


def test_the_earlier_parties_of_a_pages_people_are_the_orms_for_every_mix_of_keys(
    org, dc_registrar, cn_leader
):
    register(dc_registrar, org.dongcheng, people=[person(id_number="", phone="13700000001")])
    register(dc_registrar, org.dongcheng, people=[person(phone="13700000002")])
    accuse(
        cn_leader, org.district, org.dongcheng, subject="举报", content="举报", phone="13700000003"
    )
    last = register(dc_registrar, org.dongcheng, people=[person(phone="13700000001")])
    keys = list(Petitioner.objects.values_list("id_number_index", "phone_index"))
    ids = sorted({i for i, _ in keys if i})
    phones = sorted({p for _, p in keys if p})

    def orm(ids, phones, before):
        people = Petitioner.objects.filter(
            Q(id_number_index__in=ids) | Q(phone_index__in=phones)
        ).values("id")
        return sorted(
            PetitionParty.objects.filter(
                petitioner_id__in=people, petition_id__lt=before
            ).values_list(
                "petition_id",
                "petitioner__id_number_index",
                "petitioner__phone_index",
                "petition__is_accusation",
            )
        )

    # Twice each: the first compiles, the second runs the kept statement.
    for _ in range(2):
        for some_ids, some_phones in [
            (ids, []),
            ([], phones),
            (ids[:1], phones),
            (ids, phones[1:]),
        ]:
            for before in (last.pk, last.pk + 1):
                rows = _earlier_parties(some_ids, some_phones, before)
                assert sorted(rows) == orm(some_ids, some_phones, before)
    assert any(r[3] for r in _earlier_parties(ids, phones, last.pk + 1))
