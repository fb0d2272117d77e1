"""Registering by phone reuses the person; a registrar merges duplicate records, each case's
history recording it (issue 20 item 2)."""

from __future__ import annotations

import pytest

from tests.petitions.factories import accuse, person, register
from xinfang.audit.selectors import histories_verify
from xinfang.core.crypto import blind_index
from xinfang.core.errors import NotPermitted, ValidationFailed
from xinfang.petitions.models import Petitioner, PetitionEvent
from xinfang.petitions.services import PersonInput
from xinfang.petitions.services.people import petitioner_for
from xinfang.workflow.models import PetitionerMerge
from xinfang.workflow.selectors import petitioner_duplicates
from xinfang.workflow.services import petitioner_merge

ID = "11010519491231002X"
PHONE = "13811112222"


def _petitioner(p):
    return p.parties.get().petitioner


def test_registering_by_phone_alone_reuses_the_person_known_by_identity_number(org, dc_registrar):
    first = register(dc_registrar, org.dongcheng, people=[person("陈秀兰", ID, PHONE)])
    again = register(dc_registrar, org.dongcheng, people=[PersonInput("陈秀兰", "", PHONE)])
    assert _petitioner(again) == _petitioner(first)
    assert Petitioner.objects.count() == 1


def test_a_different_name_on_the_same_phone_is_another_person(org, dc_registrar):
    register(dc_registrar, org.dongcheng, people=[person("陈秀兰", ID, PHONE)])
    other = register(dc_registrar, org.dongcheng, people=[PersonInput("陈秀兰之子", "", PHONE)])
    assert _petitioner(other).name == "陈秀兰之子"
    assert Petitioner.objects.count() == 2


@pytest.mark.parametrize(
    "earlier, reused",
    [
        ([], None),
        (["11010519491231002X"], 0),
        (["11010519491231002X", "110105194912310037"], None),
        (["11010519491231002X", ""], 1),
        (["", "11010519491231002X", ""], 0),
    ],
    ids=["none", "one with a number", "two numbers", "one without", "the first without"],
)
def test_by_phone_alone_the_record_reused_is_the_first_without_a_number_else_the_only_one(
    db, earlier, reused
):
    made = [
        petitioner_for(PersonInput("陈秀兰", number, PHONE)) if number else _bare("陈秀兰", PHONE)
        for number in earlier
    ]
    found = petitioner_for(PersonInput("陈秀兰", "", PHONE))
    if reused is None:
        assert found.pk not in {p.pk for p in made} and Petitioner.objects.count() == len(made) + 1
    else:
        assert found.pk == made[reused].pk and Petitioner.objects.count() == len(made)


def _bare(name: str, phone: str) -> Petitioner:
    """A record without an identity number, even where one of this name and phone exists."""
    return Petitioner.objects.create(
        name=name, phone=phone, phone_index=blind_index("phone", phone)
    )


@pytest.fixture
def twins(org, dc_registrar):
    """One woman recorded twice: with her identity number, and later under a new phone
    together with her identity number again but a different name spelling."""
    a = register(dc_registrar, org.dongcheng, people=[person("陈秀兰", ID, PHONE)])
    b = register(dc_registrar, org.dongcheng, people=[person("陈秀蘭", ID, "13900003333")])
    c = register(dc_registrar, org.dongcheng, people=[person("陈秀蘭", ID, "13900003333")])
    return a, b, c


def test_a_registrar_merges_a_duplicate_and_each_case_records_it(twins, dc_registrar):
    a, b, c = twins
    keep, dup = _petitioner(a), _petitioner(b)
    assert petitioner_duplicates(dc_registrar, keep) == [dup]
    merge = petitioner_merge(actor=dc_registrar, keep=keep, duplicate=dup, reason="同一身份证号")
    assert sorted(merge.petition_ids) == sorted([b.pk, c.pk])
    assert {_petitioner(p) for p in (a, b, c)} == {keep}
    events = PetitionEvent.objects.filter(kind="petitioner_merge")
    assert sorted(e.petition_id for e in events) == sorted([b.pk, c.pk])
    assert events.first().data["merged"] == dup.pk
    assert PetitionerMerge.objects.get().merged_by == dc_registrar
    assert list(histories_verify()) == []
    # Nothing left to merge: the duplicate has no cases.
    assert petitioner_duplicates(dc_registrar, keep) == []
    with pytest.raises(ValidationFailed):
        petitioner_merge(actor=dc_registrar, keep=keep, duplicate=dup, reason="再次")


def test_two_identity_numbers_are_two_people(org, dc_registrar):
    a = register(dc_registrar, org.dongcheng, people=[person("王芳", ID, PHONE)])
    b = register(dc_registrar, org.dongcheng, people=[person("王芳", "110105194912310046", PHONE)])
    with pytest.raises(NotPermitted, match="身份证号码不同"):
        petitioner_merge(
            actor=dc_registrar, keep=_petitioner(a), duplicate=_petitioner(b), reason="同名"
        )


def test_a_handler_or_an_outsider_may_not_merge(twins, dc_handler, xc_handler, org):
    a, b, _ = twins
    with pytest.raises(NotPermitted, match="登记员或领导"):
        petitioner_merge(
            actor=dc_handler, keep=_petitioner(a), duplicate=_petitioner(b), reason="同一人"
        )
    from tests.conftest import _member

    xc_registrar = _member("xc_registrar", org.xicheng, "registrar")
    with pytest.raises(NotPermitted, match="无权查看"):
        petitioner_merge(
            actor=xc_registrar, keep=_petitioner(a), duplicate=_petitioner(b), reason="同一人"
        )


def test_a_merge_never_touches_an_accusation_hidden_from_the_registrar(
    org, dc_registrar, cn_leader
):
    """The reporter of an accusation against 东城 is not revealed to 东城 by a merge offer."""
    own = register(dc_registrar, org.dongcheng, people=[person("举报人乙", ID, "13900001111")])
    accusation = accuse(
        cn_leader, org.district, org.dongcheng, subject="举报", content="村干部截留补偿款"
    )
    reporter = _petitioner(accusation)
    assert reporter != _petitioner(own)
    assert petitioner_duplicates(dc_registrar, _petitioner(own)) == []
    with pytest.raises(NotPermitted):
        petitioner_merge(
            actor=dc_registrar, keep=_petitioner(own), duplicate=reporter, reason="同一人"
        )


def test_the_petitioner_page_offers_and_makes_the_merge(client, twins, dc_registrar):
    a, b, _ = twins
    keep, dup = _petitioner(a), _petitioner(b)
    client.force_login(dc_registrar)
    page = client.get(f"/petitioners/{keep.pk}/")
    assert "可能是同一人的其他记录" in page.content.decode()
    response = client.post(
        f"/petitioners/{keep.pk}/merge/", {"duplicate": str(dup.pk), "reason": "同一人"}
    )
    assert response.status_code == 302
    assert PetitionerMerge.objects.filter(kept=keep, merged=dup).exists()
    # An id that is no row id is a 404, not a 500.
    bad = client.post(f"/petitioners/{keep.pk}/merge/", {"duplicate": "-5e28", "reason": "x"})
    assert bad.status_code == 404
