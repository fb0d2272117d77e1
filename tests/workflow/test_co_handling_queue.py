"""The workbench's 协办件 queue and its 查看全部 link: the ledger opened from it lists exactly
the queue's cases (a case set), not the whole ledger."""

from __future__ import annotations

from tests.petitions.factories import register
from xinfang.workflow.services.co_handling import co_handling_add
from xinfang.workflow.workbench import workbench_for


def test_the_co_handling_queue_opens_in_the_ledger_as_exactly_its_cases(
    client, org, dc_registrar, dc_leader, xc_handler
):
    asked = register(dc_registrar, org.dongcheng, subject="相邻街道施工导致房屋开裂")
    co_handling_add(petition=asked, actor=dc_leader, unit=org.xicheng)
    own = register(dc_registrar, org.dongcheng, subject="东城自己的件")  # not co-handled
    queue = next(q for q in workbench_for(xc_handler).queues if q.key == "co_handling")
    assert [p.pk for p in queue.cases] == [asked.pk] and queue.count == 1
    assert queue.link == "?set=queue:co_handling"

    client.force_login(xc_handler)
    page = client.get("/petitions/" + queue.link)
    assert page.status_code == 200
    assert [p.pk for p in page.context["page"].rows] == [asked.pk]
    text = page.content.decode()
    assert "本单位协办的未办结信访件" in text and own.subject not in text
    # A set name it does not know lists nothing rather than everything.
    unknown = client.get("/petitions/?set=queue:nothing")
    assert list(unknown.context["page"].rows) == []
