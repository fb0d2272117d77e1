"""Issue 16: the user dictionary an admin extends — words cut whole for new cuts at once,
the search index recomputed by a background job, every change logged; page and API."""

from __future__ import annotations

import pytest

from tests.petitions.factories import register
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.core.models import ConfigChange
from xinfang.petitions.dictionary import dictionary_words_add, search_reindex_state
from xinfang.petitions.models import DictionaryWord
from xinfang.petitions.selectors.ledger import LedgerFilter, ledger_page
from xinfang.petitions.userdict import dictionary_forget, dictionary_sync
from xinfang.textmining.tokeniser import cut

PLACE = "石门坎"  # jieba alone cuts it 石 / 门坎


@pytest.fixture(autouse=True)
def bundled_words_after():
    yield
    dictionary_forget()  # the process's tokeniser must not keep a rolled-back word


@pytest.fixture
def sysadmin(org):
    staff = StaffFactory(username="sysadmin")
    MembershipFactory(staff=staff, unit=org.city, role="admin")
    return staff


def _found(user, q: str) -> list[int]:
    return [p.pk for p in ledger_page(user, LedgerFilter(text=q)).rows]


def test_a_word_added_is_cut_whole_and_the_index_is_rebuilt(
    org, dc_registrar, dc_handler, sysadmin, django_capture_on_commit_callbacks
):
    old = register(
        dc_registrar, org.dongcheng, subject="路灯不亮", content=f"{PLACE}的路灯坏了一个月。"
    )
    assert cut(PLACE) != [PLACE]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dictionary_words_add(actor=sysadmin, text=f"{PLACE} ns\n")
    assert cut(PLACE) != [PLACE]  # not before the change is committed
    # Once committed a process cuts with it (within CHECK_EVERY seconds; forced here); the
    # old case's document, cut before, is not found by the whole word until the job has
    # recomputed the index.
    dictionary_sync(force=True)
    assert cut(PLACE) == [PLACE]
    assert _found(dc_handler, PLACE) == []
    new = register(
        dc_registrar, org.dongcheng, subject="路面坑洼", content=f"{PLACE}村口路面坑洼。"
    )
    assert _found(dc_handler, PLACE) == [new.pk]
    (on_commit,) = callbacks
    on_commit()  # syncs and queues the job, which Huey runs at once in the tests
    assert sorted(_found(dc_handler, PLACE)) == sorted([old.pk, new.pk])
    state = search_reindex_state()
    assert state["status"] == "done" and not state["stale"] and state["total"] == 2


def test_only_admins_change_it_and_every_change_is_logged(client, dc_leader, sysadmin):
    client.force_login(dc_leader)
    assert client.get("/settings/dictionary/").status_code == 403
    client.force_login(sysadmin)
    page = client.post("/settings/dictionary/", {"words": "柳树屯 ns\n青山湾"}, follow=True)
    assert "已添加或更新 2 个词语" in page.content.decode()
    assert list(DictionaryWord.objects.values_list("word", flat=True)) == ["柳树屯", "青山湾"]
    word = DictionaryWord.objects.get(word="柳树屯")
    client.post(f"/settings/dictionary/{word.pk}/remove/")
    changes = ConfigChange.objects.filter(kind=ConfigChange.Kind.USER_DICTIONARY)
    assert changes.count() == 3
    removed = changes.first()
    assert (
        removed.before == {"词语": "柳树屯", "词频": None, "词性": "ns"} and removed.after is None
    )
    page = client.get("/settings/dictionary/").content.decode()
    assert "青山湾" in page and "柳树屯" not in page.split("变更记录")[0]


def test_a_bad_line_is_refused_with_its_number(client, sysadmin):
    client.force_login(sysadmin)
    response = client.post("/settings/dictionary/", {"words": "好词\n坏 词 x y"})
    assert response.status_code == 400
    assert "第 2 行" in response.content.decode()
    assert not DictionaryWord.objects.exists()


def test_the_api(api, sysadmin, dc_leader):
    assert api.as_(dc_leader).get("/api/v1/dictionary/").status_code == 403
    refused = api.as_(dc_leader).post("/api/v1/dictionary/", {"words": "柳树屯"}, format="json")
    assert refused.status_code == 403 and "管理员" in refused.json()["message"]
    body = (
        api.as_(sysadmin).post("/api/v1/dictionary/", {"words": "柳树屯 ns"}, format="json").json()
    )
    assert [w["word"] for w in body["results"]] == ["柳树屯"]
    assert "current_fingerprint" in body["reindex"]
    bad = api.as_(sysadmin).post("/api/v1/dictionary/", {"words": ["x"]}, format="json")
    assert bad.status_code == 400
    pk = body["results"][0]["id"]
    assert api.as_(sysadmin).delete(f"/api/v1/dictionary/{pk}/").status_code == 204
    assert api.as_(sysadmin).delete(f"/api/v1/dictionary/{pk}/").status_code == 404
    schema = api.as_(sysadmin).get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert "/api/v1/dictionary/" in schema.content.decode()
