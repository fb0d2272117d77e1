from django.core import mail

from tests.conftest import _member
from tests.petitions.factories import REPLY, register
from xinfang.notifications.models import Notification
from xinfang.notifications.services import notify, preferences_save
from xinfang.workflow import services as wf


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


def test_the_units_a_case_lands_on_are_told(
    org, dc_registrar, dc_leader, django_capture_on_commit_callbacks
):
    dh_handler = _member("dh_handler", org.donghu, "handler")
    p = register(dc_registrar, org.dongcheng)
    with django_capture_on_commit_callbacks(execute=True):
        wf.petition_assign(petition=p, actor=dc_leader, to_unit=org.donghu)
    assert Notification.objects.filter(recipient=dh_handler, kind="assignment").exists()
    with django_capture_on_commit_callbacks(execute=True):
        wf.petition_return(petition=p, actor=dh_handler, reason="不属于本社区职责")
    assert Notification.objects.filter(recipient=dc_registrar, title__startswith="信访件被退回")


def test_an_urgent_matter_goes_up_the_line_at_once(
    org, dc_registrar, dc_leader, district_supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        register(dc_registrar, org.dongcheng, is_urgent=True, subject="群体性聚集苗头")
    for who in (dc_leader, district_supervisor):
        assert Notification.objects.filter(recipient=who, kind="incident").exists()


def test_a_handlers_draft_asks_the_leader_to_approve(
    org, dc_registrar, dc_leader, dc_handler, django_capture_on_commit_callbacks
):
    from xinfang.workflow.services import reply_draft_save

    p = register(dc_registrar, org.dongcheng)
    wf.petition_accept(petition=p, actor=dc_leader)
    p = wf.petition_start(petition=p, actor=dc_handler)
    with django_capture_on_commit_callbacks(execute=True):
        reply_draft_save(actor=dc_handler, petition=p, **REPLY)
    assert Notification.objects.filter(recipient=dc_leader, kind="approval").exists()


def test_a_notification_never_redirects_off_the_site(client, dc_handler):
    from xinfang.notifications.services import notify

    note = notify(recipients=[dc_handler], kind="general", title="x", dedupe_key="x")[0]
    client.force_login(dc_handler)
    response = client.post(f"/notifications/{note.pk}/read/", {"next": "//evil.example/"})
    assert response["Location"] == "/notifications/"
