"""notify_bulk, the deadline job's way of sending: a few queries for many people, each key
once per person, and each person's choice of inbox or email honoured."""

from datetime import timedelta

from django.core import mail
from django.db import transaction
from django.utils import timezone

from tests.clock import at
from tests.petitions.factories import register
from xinfang.notifications.models import Notification
from xinfang.notifications.services import Message, notify_bulk, preferences_save
from xinfang.workflow import services as wf


def test_it_sends_each_key_once_per_person(dc_handler, dc_leader):
    messages = [
        Message(s.pk, "overdue", "已超期", f"deadline:{i}:overdue", "请办理", "/petitions/1/")
        for i in range(3)
        for s in (dc_handler, dc_leader)
    ]
    assert notify_bulk(messages=messages) == 6
    notify_bulk(messages=messages)
    assert Notification.objects.count() == 6
    assert Notification.objects.filter(recipient=dc_handler, read_at__isnull=True).count() == 3


def test_it_honours_each_persons_choice_and_emails_after_the_commit(
    dc_handler, dc_leader, django_capture_on_commit_callbacks
):
    preferences_save(actor=dc_handler, choices={"overdue": (False, False)})
    dc_leader.email = "leader@example.gov.cn"
    dc_leader.save()
    preferences_save(actor=dc_leader, choices={"overdue": (False, True)})
    with django_capture_on_commit_callbacks(execute=True):
        notify_bulk(
            messages=[
                Message(s.pk, "overdue", "案件已超期", "k1", "请尽快办理", "/petitions/1/")
                for s in (dc_handler, dc_leader)
            ]
        )
    note = Notification.objects.get()
    # E-mail only: it does not wait in the inbox.
    assert note.recipient == dc_leader and note.read_at is not None
    assert len(mail.outbox) == 1 and "案件已超期" in mail.outbox[0].subject
    assert Notification.objects.get().emailed_at is not None


def test_the_deadline_job_reaches_an_inbox_and_emails_who_chose_it(
    org, dc_registrar, dc_leader, dc_handler, django_capture_on_commit_callbacks
):
    dc_handler.email = "handler@example.gov.cn"
    dc_handler.save()
    preferences_save(actor=dc_handler, choices={"deadline_reminder": (True, True)})
    p = register(dc_registrar, org.dongcheng, at=at(2025, 6, 2), difficulty="hard")
    p = wf.petition_accept(petition=p, actor=dc_leader, now=at(2025, 6, 2))
    p = wf.petition_start(petition=p, actor=dc_handler, now=at(2025, 6, 2))
    with django_capture_on_commit_callbacks(execute=True):
        wf.deadlines_check(now=at(2025, 7, 31, 9))
    note = Notification.objects.get(recipient=dc_handler)
    assert note.kind == "deadline_reminder" and note.read_at is None and note.petition_id == p.pk
    assert [m.to for m in mail.outbox] == [["handler@example.gov.cn"]]
    assert timezone.now() - note.created_at < timedelta(minutes=5)


def test_it_stores_every_text_as_given_twice_in_one_transaction(dc_handler, dc_leader):
    # PostgreSQL sends the rows by COPY through a temporary table: the texts must come out as
    # they went in (tabs, newlines, backslashes, COPY's own null marker), and a second call in
    # the same transaction (the deadline job's batches) must find the table gone.
    awkward = "第一行\t制表\n第二行\\N 反斜杠\\ \"引号\" '单引号' {花括号,逗号}"
    with transaction.atomic():
        for round_ in (1, 2):
            sent = notify_bulk(
                messages=[
                    Message(s.pk, "overdue", f"{awkward}{round_}", f"k{round_}", awkward, "", None)
                    for s in (dc_handler, dc_leader)
                ]
            )
            assert sent == 2
    notes = Notification.objects.order_by("dedupe_key", "recipient_id")
    assert notes.count() == 4
    for note in notes:
        assert note.title == f"{awkward}{note.dedupe_key[1]}" and note.body == awkward
        assert note.url == "" and note.petition_id is None and note.read_at is None


def _messages(people, keys, title="已超期"):
    return [
        Message(s.pk, "overdue", title, key, "请办理", "/petitions/1/")
        for key in keys
        for s in people
    ]


def test_new_keys_go_straight_in_and_one_present_after_all_is_skipped(dc_handler, dc_leader):
    # The deadline watch's keys are new (its log row went in first): one COPY straight into
    # the table on PostgreSQL. Should one be there after all (a log cleared by hand), the
    # rows go in again skipping it, in the same transaction, which carries on.
    people = (dc_handler, dc_leader)
    with transaction.atomic():
        assert notify_bulk(messages=_messages(people, ["k1", "k2"]), new_keys=True) == 4
        resend = _messages(people, ["k2", "k3"], title="又一次")
        assert notify_bulk(messages=resend, new_keys=True) == 4
        assert Notification.objects.count() == 6
    titles = dict(
        Notification.objects.filter(recipient=dc_handler).values_list("dedupe_key", "title")
    )
    assert titles == {"k1": "已超期", "k2": "已超期", "k3": "又一次"}


def test_new_keys_store_every_text_as_given(dc_handler):
    awkward = '第一行\t制表\n第二行\\N 反斜杠\\ "引号" {花括号,逗号}'
    notify_bulk(messages=_messages([dc_handler], ["k"], title=awkward), new_keys=True)
    assert Notification.objects.get().title == awkward
