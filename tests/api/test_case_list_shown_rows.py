"""What a list row shows is kept by the row as read (serializers.ShownRows, issue 19): a page
read again shows the same as the serializer, every change to what a row was worked out from
shows at once, and what depends on the reader is still worked out per reader."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.petitions.factories import accuse, register
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import accused_unit_paths_of, petitions_visible_to
from xinfang.petitions.serializers import (
    SHOWN_ROWS,
    PetitionListSerializer,
    ShownRows,
    list_rows,
    list_rows_data,
)
from xinfang.workflow.case_apis import _page_rows

pytestmark = pytest.mark.django_db


def _page(user, paths=None):
    ids = list(
        petitions_visible_to(user).order_by("-received_at", "-id").values_list("pk", flat=True)
    )
    paths = accused_unit_paths_of(user) if paths is None else paths
    return ids, list_rows_data(user, list_rows(ids), paths)


def _stock(user, ids):
    paths = accused_unit_paths_of(user)
    context = {"request": type("R", (), {"user": user})(), "member_paths": paths, "marks": []}
    return [
        dict(row)
        for row in PetitionListSerializer(_page_rows(ids), many=True, context=context).data
    ]


def test_a_page_read_again_shows_what_the_serializer_shows(org, dc_registrar):
    for _ in range(3):
        register(dc_registrar, org.dongcheng)
    SHOWN_ROWS.clear()
    ids, first = _page(dc_registrar)
    _, again = _page(dc_registrar)
    assert again == first == _stock(dc_registrar, ids)


def test_a_change_to_what_a_row_shows_shows_at_once(org, dc_registrar):
    case = register(dc_registrar, org.dongcheng)
    SHOWN_ROWS.clear()
    _, before = _page(dc_registrar)
    person = case.parties.get().petitioner
    person.name, person.phone = "改名后", "13811112222"
    person.save()
    org.dongcheng.name = "东城街道办事处"
    org.dongcheng.save()
    Petition.objects.filter(pk=case.pk).update(
        due_on=timezone.localdate() + timedelta(days=7), subject="改过的标题"
    )
    ids, after = _page(dc_registrar)
    row = after[0]
    assert row["petitioners"][0]["name"] == "改名后"
    assert row["petitioners"][0]["phone"] == "138****2222"
    assert row["receiving_unit"]["name"] == "东城街道办事处"
    assert row["subject"] == "改过的标题"
    assert row["deadlines"]["due_on"] == (timezone.localdate() + timedelta(days=7)).isoformat()
    assert before[0]["subject"] != "改过的标题"
    assert after == _stock(dc_registrar, ids)


def test_an_accusations_petitioners_are_hidden_per_reader(org, dc_registrar, cn_leader):
    """The row is kept once a reader outside the accused unit saw its reporter; a reader in
    the accused unit's subtree reading the same row still gets no petitioners."""
    case = accuse(cn_leader, org.district, org.dongcheng, subject="索要好处费", content="有人索要")
    SHOWN_ROWS.clear()
    rows = list_rows([case.pk])
    seen = list_rows_data(cn_leader, rows, [])
    assert seen[0]["petitioners"] and not seen[0]["petitioners_hidden"]
    accused = list_rows_data(cn_leader, list_rows([case.pk]), [org.dongcheng.path])
    assert accused[0]["petitioners"] == [] and accused[0]["petitioners_hidden"]
    assert "举报人乙" not in str(accused)
    # ...and what was kept is unchanged for the next reader who may see them.
    again = list_rows_data(cn_leader, list_rows([case.pk]), [])
    assert again[0]["petitioners"][0]["name"] == "举报人乙"


def test_the_rows_kept_are_bounded_least_recently_shown_first():
    shown = ShownRows(2)
    shown.put("a", {"n": 1})
    shown.put("b", {"n": 2})
    assert shown.get("a") == {"n": 1}  # a is now the most recent
    shown.put("c", {"n": 3})
    assert shown.get("b") is None
    assert shown.get("a") == {"n": 1} and shown.get("c") == {"n": 3}
