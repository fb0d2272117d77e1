"""Issue 16: similar cases beside the registration form — found by their words through the
database-backed LSH index kept current at registration, shown only as the ledger would
(an accusation never to the accused unit's subtree), each with state, unit and a link."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import _member
from tests.petitions.factories import accuse, register
from xinfang.petitions.models import Petition, PetitionText, State
from xinfang.petitions.selectors.similar import similar_cases_for
from xinfang.petitions.textindex import DbSketchStore, similar_petition_ids
from xinfang.textmining.similar import DuplicateFinder

SUBJECT = "幸福村征地拆迁补偿款一直没有发放"
CONTENT = "幸福村二组去年征地拆迁，村委会截留征地补偿款，至今没有发放到户，请求督促发放补偿款。"
OTHER = ("学校食堂饭菜质量差", "东湖小学食堂饭菜质量差价格高，家长多次反映无人处理。")


@pytest.fixture
def accusation(org, cn_leader):
    """Registered by 城南区 against 东城街道, on the same matter as the text typed below."""
    return accuse(
        cn_leader, org.district, org.dongcheng, subject=SUBJECT, content=CONTENT + "举报人张某。"
    )


@pytest.fixture
def plain(org, dc_registrar):
    return register(dc_registrar, org.dongcheng, subject=SUBJECT, content=CONTENT)


def test_registration_indexes_the_case_in_its_transaction(plain):
    row = PetitionText.objects.get(petition=plain)
    assert "征地" in row.words.split() and "补偿款" in row.words
    assert len(DbSketchStore().keys_of(plain.pk)) == 64
    # Identifiers are cut out before the words are kept.
    p = register(
        plain.registered_by,
        plain.receiving_unit,
        subject="电话13811112222",
        content="身份证11010519491231002X 下水道",
    )
    assert "13811112222" not in PetitionText.objects.get(petition=p).words
    assert "11010519491231002x" not in PetitionText.objects.get(petition=p).words


def test_the_db_store_behaves_as_the_memory_store(plain, org, dc_registrar):
    other = register(dc_registrar, org.dongcheng, subject=OTHER[0], content=OTHER[1])
    finder = DuplicateFinder(DbSketchStore())
    assert plain.pk in finder and len(finder) == 2
    ids = [m.doc_id for m in finder.query(text=SUBJECT + CONTENT)]
    assert ids == [plain.pk]
    assert other.pk not in ids
    assert finder.remove(plain.pk) and plain.pk not in finder
    assert finder.query(text=SUBJECT + CONTENT) == []
    keys, sketches = DbSketchStore().candidates(np.zeros(64, np.uint32))
    assert len(keys) == 0 and sketches.shape[0] == 0


def test_near_identical_text_is_found_with_its_state_unit_and_link(
    client, plain, org, dc_registrar
):
    register(dc_registrar, org.dongcheng, subject=OTHER[0], content=OTHER[1])
    found = similar_cases_for(dc_registrar, "幸福村征地补偿款没有发放", CONTENT)
    assert [s.petition.pk for s in found] == [plain.pk]
    assert 0.2 <= found[0].similarity <= 1
    client.force_login(dc_registrar)
    html = client.get(
        reverse("petitions:similar"), {"subject": "幸福村征地补偿款没有发放", "content": CONTENT}
    ).content.decode()
    assert reverse("petitions:detail", args=[plain.pk]) in html
    assert plain.get_state_display() in html and plain.responsible_unit.name in html
    assert f'data-id="{plain.pk}"' in html  # one click marks the new case as its repeat
    assert "相似信访件" in client.get(reverse("petitions:new")).content.decode()


def test_old_concluded_cases_are_left_out_open_ones_kept(plain, dc_registrar):
    old = timezone.now() - timedelta(days=400)
    Petition.objects.filter(pk=plain.pk).update(received_at=old)
    assert similar_cases_for(dc_registrar, SUBJECT, CONTENT)  # still open
    Petition.objects.filter(pk=plain.pk).update(state=State.CONCLUDED)
    assert similar_cases_for(dc_registrar, SUBJECT, CONTENT) == []


def test_an_accusation_is_never_shown_to_the_accused_subtree(
    client, org, accusation, dc_registrar, dc_handler, dc_leader, district_supervisor
):
    # The index finds it…
    assert accusation.pk in [m.doc_id for m in similar_petition_ids(SUBJECT, CONTENT)]
    # …but nobody in 东城街道's subtree is shown it, on the page or by the selector.
    dh = _member("dh_registrar", org.donghu, "registrar")
    for staff in (dc_registrar, dc_handler, dc_leader, dh):
        assert similar_cases_for(staff, SUBJECT, CONTENT) == []
        client.force_login(staff)
        html = client.get(
            reverse("petitions:similar"), {"subject": SUBJECT, "content": CONTENT}
        ).content.decode()
        assert accusation.tracking_code not in html.replace("-", "") and "举报人" not in html
        assert 'data-similar="none"' in html
    # The district above sees it, as in the ledger.
    assert [s.petition.pk for s in similar_cases_for(district_supervisor, SUBJECT, CONTENT)] == [
        accusation.pk
    ]


def test_nothing_typed_finds_nothing(dc_registrar, plain):
    assert similar_cases_for(dc_registrar, "", " ") == []
