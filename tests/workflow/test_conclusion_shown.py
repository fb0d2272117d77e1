"""Issue 20 item 6: the follow-up visit is scheduled with the conclusion and shown at once, not
by the next hourly job; an extension shows the leader who approved it and who asked."""

from __future__ import annotations

from django.urls import reverse

from tests.clock import at
from tests.petitions.factories import REPLY
from xinfang.workflow import services as wf
from xinfang.workflow.models import FollowUp
from xinfang.workflow.presenters import event_text


def test_the_follow_up_is_scheduled_with_the_conclusion(client, handling, dc_leader):
    p = handling(at(2025, 3, 4))
    p = wf.petition_conclude(petition=p, actor=dc_leader, reply=REPLY, now=at(2025, 3, 20))

    visit = FollowUp.objects.get(petition=p)
    assert visit.concluded_on == p.concluded_on and visit.due_on > p.concluded_on
    conclude = p.events.get(kind="conclude")
    assert conclude.data["follow_up_on"] == visit.due_on.isoformat()
    assert f"{visit.due_on.isoformat()} 回访" in event_text(conclude)[1]
    # The job that catches conclusions without one finds nothing left to do.
    assert wf.follow_ups_schedule(now=at(2025, 3, 20, 12)) == 0
    assert FollowUp.objects.filter(petition=p).count() == 1

    client.force_login(dc_leader)
    page = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert f"应于 {visit.due_on:%Y-%m-%d} 回访" in page


def test_an_extension_shows_who_approved_it_and_who_asked(client, handling, dc_handler, dc_leader):
    p = handling(at(2025, 3, 4))
    r = wf.extension_request(
        petition=p, actor=dc_handler, days=20, reason="需等待测绘结果", now=at(2025, 4, 25)
    )
    wf.extension_approve(request=r, actor=dc_leader, now=at(2025, 4, 26))

    extend = p.events.get(kind="extend")
    assert extend.data["approved_by_name"] == dc_leader.display_name
    assert extend.data["requested_by_name"] == dc_handler.display_name
    words = f"{dc_leader.display_name}批准（{dc_handler.display_name}申请）"
    assert words in event_text(extend)[1]

    client.force_login(dc_handler)
    page = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    shown = page.split('id="extension-approval"')[1].split("</td>")[0]
    assert "20 日" in shown and words in shown


def test_a_leader_extending_directly_is_named_as_approver(handling, dc_leader):
    p = handling(at(2025, 3, 4))
    p = wf.petition_extend(
        petition=p, actor=dc_leader, days=10, reason="情况复杂需要协调", now=at(2025, 4, 25)
    )

    extend = p.events.get(kind="extend")
    assert extend.data["approved_by_name"] == dc_leader.display_name
    assert "requested_by_name" not in extend.data
    assert event_text(extend)[1].endswith(f"；{dc_leader.display_name}批准")
