"""Reminders to units missing a report: at the configured hour, once per unit and period,
however often and on however many workers the job runs; and the board's button."""

from datetime import date

import pytest
import time_machine
from django.utils import timezone

from tests.clock import at
from xinfang.core.errors import NotPermitted
from xinfang.notifications.models import Notification
from xinfang.prevention.models import CadenceRule, ScreeningPeriod
from xinfang.prevention.services import (
    screening_remind,
    screening_reminders_due,
    screening_report_submit,
    special_period_create,
)
from xinfang.prevention.tasks import screening_reminders_task


@pytest.fixture
def lianghui(org, groups, district_supervisor):
    """两会, 3–15 March 2026: every unit of the district reports daily."""
    return special_period_create(
        actor=district_supervisor,
        name="全国两会",
        starts_on=date(2026, 3, 3),
        ends_on=date(2026, 3, 15),
        units=[org.district],
        now=at(2026, 2, 25, 9),
    )


def screening_notes():
    return Notification.objects.filter(kind="screening")


def test_it_reminds_the_units_missing_yesterdays_report_at_ten_once(
    org, groups, informant, dh_handler, lianghui
):
    with time_machine.travel(at(2026, 3, 5, 18)):
        screening_report_submit(
            actor=informant, unit=groups.first, period_start=date(2026, 3, 5), is_zero=True
        )
    # Before 10:00 the daily report for 5 March is still on time: nobody is reminded.
    with time_machine.travel(at(2026, 3, 6, 9, 2)):
        assert screening_reminders_due() == 0
    with time_machine.travel(at(2026, 3, 6, 10, 2)):
        reminded = screening_reminders_due()
        again = screening_reminders_due()
    assert again == 0
    missing = ScreeningPeriod.objects.filter(starts_on=date(2026, 3, 5), status="missing")
    # The two other groups, the community and the street office; the group that filed is
    # not among them.
    assert set(missing.values_list("unit__code", flat=True)) == {
        "LJ-CN-DC-DH-02",
        "LJ-CN-DC-DH-03",
        "LJ-CN-DC-DH",
        "LJ-CN-DC",
        "LJ-CN-XC-XM-01",
        "LJ-CN-XC-XM",
        "LJ-CN-XC",
    }
    # Only 东湖's units have anybody to tell in this small organisation.
    assert reminded == 3
    # The groups without an informant of their own are reminded through 东湖社区's handler.
    mine = screening_notes().filter(recipient=dh_handler)
    assert {n.dedupe_key for n in mine} == {
        f"screening:{groups.second.pk}:2026-03-05",
        f"screening:{groups.third.pk}:2026-03-05",
        f"screening:{org.donghu.pk}:2026-03-05",
    }
    assert not screening_notes().filter(recipient=informant).exists()
    assert "2026年3月5日的矛盾纠纷排查报告，报送截止时间3月6日 10:00已过" in mine.first().body


def test_it_reminds_again_only_for_the_next_missing_period(org, groups, informant, lianghui):
    with time_machine.travel(at(2026, 3, 6, 10, 2)):
        screening_reminders_due()
    first = screening_notes().count()
    with time_machine.travel(at(2026, 3, 6, 23, 2)):
        assert screening_reminders_due() == 0
    with time_machine.travel(at(2026, 3, 7, 10, 2)):
        assert screening_reminders_due() > 0
    assert screening_notes().count() == 2 * first
    keys = list(screening_notes().values_list("recipient", "dedupe_key"))
    assert len(keys) == len(set(keys))


def test_two_workers_running_the_job_send_nothing_twice(org, groups, informant, lianghui):
    with time_machine.travel(at(2026, 3, 6, 10, 2)):
        screening_reminders_task.call_local()
        # A second worker that read the rows before the first one marked them.
        ScreeningPeriod.objects.update(reminded_at=None)
        screening_reminders_task.call_local()
    keys = list(screening_notes().values_list("recipient", "dedupe_key"))
    assert keys and len(keys) == len(set(keys))


def test_the_reminder_hour_is_configurable_per_kind(org, groups, informant, lianghui):
    CadenceRule.objects.filter(unit_kind="group").update(remind_hour=16)
    with time_machine.travel(at(2026, 3, 5, 8)):
        # Rows made after the change carry the new hour.
        ScreeningPeriod.objects.all().delete()
    with time_machine.travel(at(2026, 3, 6, 10, 2)):
        screening_reminders_due()
    assert not screening_notes().filter(recipient=informant).exists()
    with time_machine.travel(at(2026, 3, 6, 16, 2)):
        screening_reminders_due()
    assert screening_notes().filter(recipient=informant).count() == 1


def test_the_supervisors_button_reminds_once_and_only_within_their_subtree(
    org, groups, informant, district_supervisor, dc_leader, xc_handler, lianghui
):
    with time_machine.travel(at(2026, 3, 6, 9, 30)):
        screening_reminders_due()  # makes the rows; nothing is due yet
    with time_machine.travel(at(2026, 3, 6, 10, 30)):
        now = timezone.now()
        # 东城's five units: the informant's group, and the rest through 东城's leader.
        assert screening_remind(actor=dc_leader, root=org.dongcheng, now=now) == 5
        # The district's button reaches 西城 too, but 东城's units heard already.
        assert screening_remind(actor=district_supervisor, root=org.district, now=now) == 3
        assert screening_remind(actor=district_supervisor, root=org.district, now=now) == 0
        # The hourly job after the button sends nothing new.
        assert screening_reminders_due() == 0
    assert screening_notes().filter(recipient=informant).count() == 1


def test_an_informant_may_not_press_the_button(org, informant, lianghui):
    with pytest.raises(NotPermitted):
        screening_remind(actor=informant, root=org.group)
