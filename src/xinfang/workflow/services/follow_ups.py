"""Follow-up visits (回访, R22 Art.32): scheduled after each conclusion, recorded with what was
found, and a problem that came back registered again as a new case linked to the old one."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from xinfang.core.errors import (
    DomainError,
    InvalidTransition,
    NotPermitted,
    ValidationFailed,
    refuse,
)
from xinfang.notifications.models import Kind
from xinfang.notifications.services import Message, notify, notify_bulk
from xinfang.petitions.models import Channel, Petition, PetitionParty, State
from xinfang.petitions.services import PersonInput
from xinfang.units.models import Role, Staff
from xinfang.units.selectors import roles_over
from xinfang.workflow.deadlines import Clock, basis_of, calendar_load
from xinfang.workflow.models import DeadlineReminder, FollowUp
from xinfang.workflow.services.recipients import members_of, owners_of
from xinfang.workflow.services.registration import petition_register, petition_register_refusal
from xinfang.workflow.services.reminder_log import FOLLOW_UP, Due, log_insert
from xinfang.workflow.services.transition import _record, _require_text

RECORDERS = frozenset({Role.HANDLER, Role.LEADER})
# A follow-up that fell due while the job was not running is still reminded this many days.
REMIND_DAYS = 7
ANSWERED_STATES = (
    State.CONCLUDED,
    State.REVIEW_REQUESTED,
    State.REVIEW_CONCLUDED,
    State.RE_REVIEW_REQUESTED,
    State.RE_REVIEW_CONCLUDED,
)


def follow_up_delay_days() -> int:
    """Days after a conclusion that the follow-up falls due (local practice; default a month)."""
    return int(getattr(settings, "FOLLOW_UP_DELAY_DAYS", 30))


def follow_up_lookback_days() -> int:
    """How far back the scheduling job looks for conclusions without a follow-up."""
    return int(getattr(settings, "FOLLOW_UP_LOOKBACK_DAYS", 60))


def follow_ups_schedule(*, now: datetime | None = None, commit: bool = True) -> int:
    """Schedule a follow-up for every recent conclusion that has none (a job; idempotent).

    One follow-up per case and conclusion date: the unique key makes a rerun, or a second
    worker, add nothing.
    """
    today = timezone.localdate(now or timezone.now())
    delay = follow_up_delay_days()
    existing = FollowUp.objects.filter(
        petition=OuterRef("pk"), concluded_on=OuterRef("concluded_on")
    )
    due = (
        Petition.objects.filter(
            # Answered and not yet final: a small set, found through the state index (a
            # terminated matter had its follow-up scheduled long before it was terminated).
            state__in=ANSWERED_STATES,
            concluded_on__isnull=False,
            concluded_on__gte=today - timedelta(days=follow_up_lookback_days()),
            concluded_on__lte=today,
        )
        .exclude(Exists(existing))
        .values_list("pk", "concluded_on")
    )
    calendar = calendar_load()
    rows = []
    for pk, concluded in due:
        # A visit falls due on a working day, like any calendar-day limit (RULES.md §5).
        when = calendar.add(concluded, delay, "calendar")
        rows.append(
            FollowUp(
                petition_id=pk,
                concluded_on=concluded,
                due_on=when.date,
                due_basis=basis_of(concluded, delay, "calendar", when),
                scheduled_at=now or timezone.now(),
            )
        )
    if commit and rows:
        FollowUp.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def follow_up_schedule(
    *, petition: Petition, concluded_on: date, now: datetime | None = None
) -> FollowUp | None:
    """Schedule the follow-up visit of a conclusion at once (in the conclusion's transaction);
    return it, or the one scheduled before for that conclusion. `follow_ups_schedule` stays as
    the job that catches any conclusion without one (an import, an older release)."""
    delay = follow_up_delay_days()
    when = calendar_load().add(concluded_on, delay, "calendar")
    visit, _ = FollowUp.objects.get_or_create(
        petition=petition,
        concluded_on=concluded_on,
        defaults={
            "due_on": when.date,
            "due_basis": basis_of(concluded_on, delay, "calendar", when),
            "scheduled_at": now or timezone.now(),
        },
    )
    return visit


def follow_ups_remind(*, now: datetime | None = None, commit: bool = True) -> tuple[int, int]:
    """Remind the handler (or the unit's leaders) and the owner, once, when a follow-up falls
    due (part of the hourly deadline job); return (follow-ups, notifications)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    logged = DeadlineReminder.objects.filter(
        petition=OuterRef("petition"), field=FOLLOW_UP, due_on=OuterRef("due_on")
    )
    pending = list(
        FollowUp.objects.filter(
            done_at__isnull=True,
            due_on__lte=today,
            due_on__gte=today - timedelta(days=REMIND_DAYS),
        )
        .exclude(Exists(logged))
        .select_related("petition")
    )
    if not commit or not pending:
        return len(pending), 0
    url = reverse("workflow:follow_ups")
    reminded = sent = 0
    for start in range(0, len(pending), 1000):
        with transaction.atomic():
            chunk = pending[start : start + 1000]
            inserted = log_insert(
                [Due(f.petition_id, FOLLOW_UP, f.due_on, "0d") for f in chunk], now
            )
            chunk = [f for f in chunk if (f.petition_id, FOLLOW_UP, "0d") in inserted]
            owners = owners_of({f.petition_id for f in chunk})
            leaders = members_of({f.petition.responsible_unit_id for f in chunk}, [Role.LEADER])
            messages = []
            for f in chunk:
                p = f.petition
                people = set(owners.get(p.pk, ()))
                people |= (
                    {p.handler_id} if p.handler_id else leaders.get(p.responsible_unit_id, set())
                )
                messages += [
                    Message(
                        staff_id,
                        Kind.FOLLOW_UP,
                        f"待回访：{p.subject[:60]}",
                        f"follow_up:{f.pk}:due",
                        f"{p.tracking_code_display} 应于{f.due_on:%Y年%m月%d日}回访信访人，"
                        "了解问题是否解决。",
                        url,
                        p.pk,
                    )
                    for staff_id in people
                ]
            sent += notify_bulk(messages=messages)
            reminded += len(chunk)
    return reminded, sent


def follow_up_record_refusal(actor: Staff, f: FollowUp) -> DomainError | None:
    """Why the actor may not record the follow-up, or None: a handler or leader of the unit
    that answered the case may, once."""
    p = f.petition
    if not roles_over(actor, p.responsible_unit) & RECORDERS:
        return NotPermitted(f"您不是{p.responsible_unit.name}的承办人或领导，不能记录回访。")
    if f.done_at is not None:
        return InvalidTransition("该回访已记录。")
    return None


def follow_up_reopen_refusal(actor: Staff, f: FollowUp) -> DomainError | None:
    """Why the actor may not register the problem the follow-up found recurred as a new case,
    or None: a registrar or leader of the answering unit may, once, for a recurrence."""
    if f.finding != FollowUp.Finding.RECURRED:
        return InvalidTransition("只有回访发现问题反复的，才能重新登记为新的信访件。")
    if f.new_petition_id:
        return InvalidTransition("已就该回访重新登记了信访件。")
    return petition_register_refusal(actor, f.petition.responsible_unit)


def follow_up_record(
    *,
    follow_up: FollowUp,
    actor: Staff,
    method: str,
    finding: str,
    petitioner_view: str,
    note: str = "",
    now: datetime | None = None,
) -> FollowUp:
    """Record a follow-up visit or call: how it was done, what was found and what the
    petitioner said.

    Raises:
        NotPermitted: the actor is not a handler or leader of the responsible unit.
        InvalidTransition: it was recorded already.
        ValidationFailed: unknown method or finding, or no petitioner's view.
        NotFound.
    """
    if method not in FollowUp.Method.values:
        raise ValidationFailed("请选择回访方式。", {"field": "method"})
    if finding not in FollowUp.Finding.values:
        raise ValidationFailed("请选择回访结果。", {"field": "finding"})
    petitioner_view = _require_text(petitioner_view, "信访人意见", "petitioner_view", minimum=2)
    note = (note or "").strip()[:5000]
    made: dict[str, Any] = {}

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        f = FollowUp.objects.select_for_update(of=("self",)).get(pk=follow_up.pk)
        f.petition = p
        refuse(follow_up_record_refusal(actor, f))
        f.done_at = now or timezone.now()
        f.method, f.finding = method, finding
        f.petitioner_view, f.note, f.recorded_by = petitioner_view, note, actor
        f.save(
            update_fields=[
                "done_at",
                "method",
                "finding",
                "petitioner_view",
                "note",
                "recorded_by",
            ]
        )
        made.update(follow_up=f, petition=p)
        return {
            "follow_up": f.pk,
            "method": method,
            "method_label": f.get_method_display(),
            "finding": finding,
            "finding_label": f.get_finding_display(),
            "petitioner_view": petitioner_view,
            "note": note,
        }

    def send() -> None:
        f, p = made["follow_up"], made["petition"]
        if finding != FollowUp.Finding.RECURRED:
            return
        owners = owners_of([p.pk]).get(p.pk, set()) - {actor.pk}
        notify(
            recipients=list(Staff.objects.filter(pk__in=owners)),
            kind=Kind.FOLLOW_UP,
            title=f"回访发现问题反复：{p.subject}"[:200],
            body=f"{actor.display_name}回访：{note or petitioner_view}",
            url=reverse("petitions:detail", args=[p.pk]),
            petition=p,
            dedupe_key=f"follow_up:{f.pk}:recurred",
        )

    _record("follow_up", petition=follow_up.petition, actor=actor, now=now, apply=apply, then=send)
    return made["follow_up"]


def _people(p: Petition, role: str) -> list[PersonInput]:
    parties = (
        PetitionParty.objects.filter(petition=p, role=role)
        .select_related("petitioner")
        .order_by("position")
    )
    return [
        PersonInput(
            name=party.petitioner.name,
            id_number=party.petitioner.id_number,
            phone=party.petitioner.phone,
            address=party.petitioner.address,
            kind=party.petitioner.kind,
        )
        for party in parties
    ]


def follow_up_reopen(*, follow_up: FollowUp, actor: Staff, now: datetime | None = None) -> Petition:
    """Register the recurred problem as a new case, a repeat of the old one, and link it.

    Raises:
        InvalidTransition: the follow-up did not find the problem recurred, or a new case was
            registered for it already.
        NotPermitted: the actor may not register in the responsible unit.
        NotFound.
    """
    now = now or timezone.now()
    with transaction.atomic():
        f = (
            FollowUp.objects.select_for_update(of=("self",))
            .select_related("petition", "petition__responsible_unit", "petition__category")
            .get(pk=follow_up.pk)
        )
        refuse(follow_up_reopen_refusal(actor, f))
        old = f.petition
        found = f"{timezone.localdate(f.done_at):%Y年%m月%d日}{f.get_method_display()}发现问题反复"
        content = (
            f"{found}：{f.note or f.petitioner_view}\n信访人意见：{f.petitioner_view}\n"
            f"原信访件查询码：{old.tracking_code_display}\n\n{old.content}"
        )
        petitioners = _people(old, PetitionParty.Role.PETITIONER)
        new = petition_register(
            actor=actor,
            channel=Channel.PHONE if f.method == FollowUp.Method.PHONE else Channel.OUTREACH,
            received_at=now,
            receiving_unit=old.responsible_unit,
            subject=f"{old.subject}（回访发现问题反复）"[:200],
            content=content[:20000],
            category=old.category,
            petitioners=petitioners,
            representatives=_people(old, PetitionParty.Role.REPRESENTATIVE),
            headcount=old.headcount,
            difficulty=old.difficulty,
            place=old.place,
            is_accusation=old.is_accusation,
            accused_unit=old.accused_unit,
            accused_person=old.accused_person,
            accused_post=old.accused_post,
            is_anonymous=old.is_anonymous or not petitioners,
            repeat_of=old,
            idempotency_key=f"follow-up:{f.pk}",
            now=now,
        )
        f.new_petition = new
        f.save(update_fields=["new_petition"])

        def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
            return {
                "follow_up": f.pk,
                "new_petition": new.pk,
                "new_tracking_code": new.tracking_code,
            }

        _record("follow_up_reopen", petition=old, actor=actor, now=now, apply=apply)
    return new
