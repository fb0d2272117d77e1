from django.core import mail

from xinfang.notifications.models import Notification
from xinfang.notifications.services import notify, preferences_save


def test_it_sends_once_per_key(dc_handler, dc_leader):
    first = notify(
        recipients=[dc_handler, dc_leader],
        kind="overdue",
        title="已超期",
        dedupe_key="overdue:1:conclude_by",
    )
    again = notify(
        recipients=[dc_handler, dc_leader],
        kind="overdue",
        title="已超期",
        dedupe_key="overdue:1:conclude_by",
    )
    assert len(first) == 2 and again == []
    assert Notification.objects.count() == 2


def test_it_honours_a_choice_to_receive_nothing_or_email(
    dc_handler, dc_leader, django_capture_on_commit_callbacks
):
    preferences_save(actor=dc_handler, choices={"overdue": (False, False)})
    dc_leader.email = "leader@example.gov.cn"
    dc_leader.save()
    preferences_save(actor=dc_leader, choices={"overdue": (True, True)})
    with django_capture_on_commit_callbacks(execute=True):
        made = notify(
            recipients=[dc_handler, dc_leader],
            kind="overdue",
            title="案件已超期",
            body="请尽快办理",
            url="/petitions/1/",
            dedupe_key="k1",
        )
    assert [n.recipient for n in made] == [dc_leader]
    assert len(mail.outbox) == 1 and "案件已超期" in mail.outbox[0].subject
    assert "/petitions/1/" in mail.outbox[0].body


def test_the_api_lists_and_marks_read_only_ones_own(api, dc_handler, dc_leader):
    notify(recipients=[dc_handler], kind="general", title="甲", dedupe_key="a")
    notify(recipients=[dc_leader], kind="general", title="乙", dedupe_key="b")
    client = api.as_(dc_handler)
    body = client.get("/api/v1/notifications/").json()
    assert [n["title"] for n in body["results"]] == ["甲"] and body["unread"] == 1
    other = Notification.objects.get(title="乙")
    assert client.post(f"/api/v1/notifications/{other.pk}/read/").status_code == 404
    mine = Notification.objects.get(title="甲")
    assert client.post(f"/api/v1/notifications/{mine.pk}/read/").json() == {
        "marked": 1,
        "unread": 0,
    }
    assert client.get("/api/v1/notifications/?unread=true").json()["results"] == []
