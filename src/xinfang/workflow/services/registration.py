"""Registration of a received petition (RULES.md §1): one case, its people, its first clock."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from xinfang.core.crypto import blind_indexes, encrypt
from xinfang.core.db import PreparedValues
from xinfang.core.errors import DomainError, NotPermitted, ValidationFailed, refuse
from xinfang.core.tracking import new_tracking_code
from xinfang.notifications.sms import is_mobile
from xinfang.petitions.history import event_append
from xinfang.petitions.models import (
    Category,
    Channel,
    Difficulty,
    EventKind,
    Line,
    Petition,
    PetitionParty,
    PetitionUnit,
    Reply,
    State,
)
from xinfang.petitions.selectors.co_handling import co_handling_refusal
from xinfang.petitions.selectors.similar import same_matter_root
from xinfang.petitions.services.attachments import attachment_check, attachment_store
from xinfang.petitions.services.people import (
    COLLECTIVE_HEADCOUNT,
    MAX_REPRESENTATIVES,
    PersonInput,
    person_clean,
    petitioner_for,
)
from xinfang.units.models import Staff, Unit
from xinfang.units.roles import REGISTERING_ROLES
from xinfang.units.selectors import roles_over
from xinfang.workflow.category_suggester import suggestion_outcome
from xinfang.workflow.deadlines import Clock, binding_refresh
from xinfang.workflow.services.notices import urgent_notify
from xinfang.workflow.services.supervision import ownership_assign
from xinfang.workflow.services.transition import _record

MAX_ATTACHMENTS = 20


def _answering_unit(receiving_unit: Unit, accused_unit: Unit | None) -> Unit:
    """Who decides the case: the receiving unit, unless an accusation arrived at the unit it
    accuses (or one under it); then the body just above the accused unit (R22 Arts.28, 30)."""
    if accused_unit is None or not receiving_unit.path.startswith(accused_unit.path):
        return receiving_unit
    if accused_unit.depth <= 1:
        return receiving_unit  # nothing above the top of the tree in this system
    return Unit.objects.get(path=accused_unit.path[: -Unit.steplen])


def _has_earlier_petitions(people: list[PersonInput]) -> bool:
    # Every key's index: rows not yet re-indexed by a key rotation are found too.
    indexes_id = [i for p in people if p.id_number for i in blind_indexes("id_number", p.id_number)]
    indexes_phone = [i for p in people if p.phone for i in blind_indexes("phone", p.phone)]
    if not indexes_id and not indexes_phone:
        return False

    return PetitionParty.objects.filter(
        Q(petitioner__id_number_index__in=indexes_id) | Q(petitioner__phone_index__in=indexes_phone)
    ).exists()


# Asked once per registration: compiled once (core.db).
_CODE_TAKEN = PreparedValues(
    lambda codes: Petition.objects.filter(tracking_code=codes[0]).values("pk")[:1]
)


def _new_unique_tracking_code() -> str:
    for _ in range(10):
        code = new_tracking_code()
        if not _CODE_TAKEN.rows([code]):
            return code
    raise RuntimeError("could not draw an unused tracking code")  # 50 bits: never in practice


def petition_register_refusal(actor: Staff | None, unit: Unit) -> NotPermitted | None:
    """Why the actor may not register a petition received at the unit, or None: its
    registrars and leaders may (None is the portal or a job)."""
    if actor is not None and not (roles_over(actor, unit) & REGISTERING_ROLES):
        return NotPermitted(f"您不是{unit.name}的登记员，不能在该单位登记信访事项。")
    return None


def petition_register(
    *,
    actor: Staff | None,
    channel: str,
    received_at: datetime,
    receiving_unit: Unit,
    subject: str,
    content: str,
    category: Category,
    petitioners: Iterable[PersonInput] = (),
    representatives: Iterable[PersonInput] = (),
    headcount: int | None = None,
    difficulty: str = Difficulty.MINOR,
    line: str | None = None,
    place: str = "",
    accused_unit: Unit | None = None,
    accused_person: str = "",
    accused_post: str = "",
    is_accusation: bool = False,
    is_anonymous: bool = False,
    is_litigation: bool | None = None,
    skips_level: bool = False,
    is_urgent: bool = False,
    sms_consent: bool = False,
    repeat_of: Petition | None = None,
    same_matter_as: Petition | None = None,
    co_handling_units: Iterable[Unit] = (),
    channel_details: dict[str, Any] | None = None,
    attachments: Iterable[UploadedFile] = (),
    idempotency_key: str | None = None,
    suggested_categories: list[str] | None = None,
    now: datetime | None = None,
) -> Petition:
    """Register a received petition, start its decision clock and open its history.

    A repeated call with the same idempotency key by the same actor returns the first case.

    `repeat_of`: the earlier case of the same person this one repeats; `same_matter_as`:
    another case on the same matter (any petitioner, found by its words), linked to the
    first case of its group (`same_matter_root`). The caller checks the actor may see them.

    `suggested_categories`: the category codes the suggester showed the registrar (best
    first); the register event records them and whether the chosen category was one.

    The unit or official complained about (accused_unit, accused_person and accused_post) is
    recorded for any complaint; an accusation must name the unit.

    `sms_consent`: the petitioner agreed to be told of the case's steps by text message
    (workflow/services/texts.py); it needs a mobile number among the people registered.

    Raises:
        NotPermitted: the actor is not a registrar or leader of the receiving unit.
        ValidationFailed: a field is missing or malformed.
    """
    now = now or timezone.now()
    refuse(petition_register_refusal(actor, receiving_unit))
    if idempotency_key:
        idempotency_key = idempotency_key.strip()[:64]
        existing = Petition.objects.filter(
            registered_by=actor, idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            existing.replayed = True
            return existing

    people = [person_clean(p, f"信访人{i + 1}") for i, p in enumerate(petitioners)]
    reps = [person_clean(p, f"代表{i + 1}") for i, p in enumerate(representatives)]
    subject = (subject or "").strip()
    content = (content or "").strip()
    headcount = headcount if headcount is not None else max(1, len(people))
    details = _clean_channel_details(channel, channel_details or {}, received_at)
    uploads = list(attachments)
    if len(uploads) > MAX_ATTACHMENTS:
        raise ValidationFailed(f"附件不能超过{MAX_ATTACHMENTS}个。", {"field": "attachments"})
    # Every file is checked before anything is saved: a refused file registers nothing.
    checked = [(upload, attachment_check(upload)) for upload in uploads]
    _validate_registration(
        channel=channel,
        received_at=received_at,
        now=now,
        subject=subject,
        content=content,
        category=category,
        people=people,
        reps=reps,
        headcount=headcount,
        difficulty=difficulty,
        line=line,
        is_accusation=is_accusation,
        is_anonymous=is_anonymous,
        accused_unit=accused_unit,
        accused_person=accused_person,
    )
    # Numbers are already normalised by person_clean; a landline cannot receive a text.
    if sms_consent and not any(is_mobile(person.phone) for person in [*people, *reps]):
        raise ValidationFailed("同意短信告知须填写信访人的手机号码。", {"field": "sms_consent"})

    try:
        with transaction.atomic():
            petition = _register(
                actor=actor,
                channel=channel,
                received_at=received_at,
                receiving_unit=receiving_unit,
                subject=subject,
                content=content,
                category=category,
                people=people,
                reps=reps,
                headcount=headcount,
                difficulty=difficulty,
                line=line or category.line,
                place=place.strip()[:200],
                accused_unit=accused_unit,
                accused_person=accused_person.strip()[:100],
                accused_post=accused_post.strip()[:100],
                is_accusation=is_accusation,
                is_anonymous=is_anonymous,
                is_litigation=category.is_litigation if is_litigation is None else is_litigation,
                skips_level=skips_level,
                is_urgent=is_urgent,
                sms_consent=sms_consent,
                repeat_of=repeat_of,
                same_matter_as=same_matter_root(same_matter_as) if same_matter_as else None,
                co_handling_units=list(co_handling_units),
                channel_details=details,
                idempotency_key=idempotency_key,
                suggested_categories=suggested_categories,
                now=now,
            )
            for upload, check in checked:
                petition.written["attachments"].append(
                    attachment_store(actor=actor, petition=petition, upload=upload, checked=check)
                )
            if channel == Channel.RECEPTION and details.get("reception_leader"):
                _reception_leader_owns(petition, details["reception_leader"], now)
                # Its event moved the stored case on: what was written is no longer all.
                petition.written = None
            if is_urgent:
                urgent_notify(petition, actor)
    except IntegrityError:
        # Two submits with one key raced; the other one won. Return its case.
        if idempotency_key:
            existing = Petition.objects.filter(
                registered_by=actor, idempotency_key=idempotency_key
            ).first()
            if existing is not None:
                existing.replayed = True
                return existing
        raise
    petition.replayed = False
    return petition


def petition_imported_mark(
    *, petition: Petition, actor: Staff, now: datetime, source: dict[str, Any]
) -> Petition:
    """Record in the case's history where an imported case came from (the import, file and
    row), under the case's lock and hash chain like every other event."""
    return _record(
        EventKind.LEDGER_IMPORT, petition=petition, actor=actor, now=now, apply=lambda *_: source
    )


# The window an answer's delivery opens, while the case waits in it (RULES.md §4): the
# petitioner may ask for review within 30 days of receiving the reply, for re-review within
# 30 days of receiving the review's answer; nothing follows a re-review's answer.
ANSWER_WINDOWS: dict[str, tuple[str, str]] = {
    Reply.Stage.HANDLING: (State.CONCLUDED, "review_request_by"),
    Reply.Stage.REVIEW: (State.REVIEW_CONCLUDED, "re_review_request_by"),
}


def notice_issued_record(
    *,
    petition: Petition,
    actor: Staff,
    now: datetime,
    notice: dict[str, Any],
    answer_stage: str | None = None,
    delivered_on: date | None = None,
) -> Petition:
    """Record that a written notice was issued on the case: its kind and title, how it was
    delivered and on which date (the ledger's notices, issue 15).

    For the notice of an answer (`answer_stage`: its reply's stage), the delivery date is
    when the petitioner received the answer: the issued reply keeps it, and while the case
    waits in the window the answer opens, that window runs from it (moved, either way).

    Raises:
        ValidationFailed: the answer was delivered before it was issued.
    """

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        data = dict(notice)
        if answer_stage and delivered_on:
            data |= _answer_delivered(p, answer_stage, delivered_on, clock)
        return data

    return _record(EventKind.NOTICE_ISSUED, petition=petition, actor=actor, now=now, apply=apply)


def query_password_issued_record(
    *,
    petition: Petition,
    actor: Staff,
    now: datetime,
    reissue: bool,
    then: Callable[[], Any],
) -> Petition:
    """Record that a query password was given for the case at the window (the password
    itself is never in the history); then() stores its hash in the same transaction.

    Raises:
        NotFound: the actor may not see the case.
    """

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        return {"reissue": reissue}

    return _record(
        EventKind.QUERY_PASSWORD_ISSUE,
        petition=petition,
        actor=actor,
        now=now,
        apply=apply,
        then=then,
    )


def _answer_delivered(p: Petition, stage: str, delivered_on: date, clock: Clock) -> dict[str, Any]:
    reply = (
        Reply.objects.filter(petition=p, stage=stage, status=Reply.Status.ISSUED)
        .order_by("-issued_on", "-pk")
        .first()
    )
    if reply is None:
        return {}
    if reply.issued_on and delivered_on < reply.issued_on:
        raise ValidationFailed(
            f"送达日期不能早于答复出具日期（{reply.issued_on:%Y-%m-%d}）。",
            {"field": "delivered_on"},
        )
    data: dict[str, Any] = {}
    if reply.delivered_on != delivered_on:
        if reply.delivered_on:
            data["answer_delivered_on"] = reply.delivered_on.isoformat()
        reply.delivered_on = delivered_on
        reply.save(update_fields=["delivered_on", "updated_at"])
        if stage == Reply.Stage.HANDLING:
            p.reply_delivered_on = delivered_on
    state, window = ANSWER_WINDOWS.get(stage, ("", ""))
    if window and p.state == state:
        before = getattr(p, window)
        clock.set(p, window, delivered_on)
        if getattr(p, window) != before:
            data["window"] = window
            data["window_from"] = before.isoformat() if before else None
            data["window_to"] = getattr(p, window).isoformat()
    return data


def _reception_leader_owns(petition: Petition, leader_id: int, now: datetime) -> None:
    """A petition received at a leader's reception day is owned (包案) by that leader.

    Raises:
        ValidationFailed: the leader does not lead the receiving unit.
    """
    leader = Staff.objects.filter(pk=leader_id, is_active=True).first()
    if leader is None:
        raise ValidationFailed("接访领导不存在。", {"field": "reception_leader"})
    today = timezone.localdate(now)
    try:
        ownership_assign(
            petition=petition,
            actor=leader,
            owner=leader,
            matter=f"接访日接待：{petition.subject}",
            target_on=max(petition.target_on or today, today),
            now=now,
        )
    except DomainError as exc:
        raise ValidationFailed(
            f"接访领导不能包案：{exc.message}", {"field": "reception_leader"}
        ) from exc


def _clean_channel_details(
    channel: str, details: dict[str, Any], received_at: datetime
) -> dict[str, Any]:
    """Keep the facts that belong to the channel, checked: a postmark, a caller's number, a
    reception session or outreach visit."""

    cleaned: dict[str, Any] = {}
    if channel == Channel.LETTER and details.get("postmark_date"):
        raw = details["postmark_date"]
        try:
            postmark = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        except ValueError as exc:
            raise ValidationFailed("邮戳日期格式不正确。", {"field": "postmark_date"}) from exc
        if received_at and postmark > timezone.localdate(received_at):
            raise ValidationFailed("邮戳日期不能晚于收信日期。", {"field": "postmark_date"})
        cleaned["postmark_date"] = postmark.isoformat()
    if channel in (Channel.PHONE, Channel.FAX) and details.get("caller_number"):
        # The number a call or a fax came from (R22 Art.17 lists both channels).
        number = str(details["caller_number"]).strip()
        if not number.replace("-", "").replace("+", "").isdigit() or len(number) > 20:
            word = "传真" if channel == Channel.FAX else "来电"
            raise ValidationFailed(f"{word}号码格式不正确。", {"field": "caller_number"})
        # A caller's number is personal data: kept encrypted, shown masked.
        cleaned["caller_number"] = encrypt(number)
    for key in ("reception_session", "outreach_visit", "reception_leader"):
        if channel in (Channel.RECEPTION, Channel.OUTREACH) and details.get(key):
            try:
                cleaned[key] = int(details[key])
            except (TypeError, ValueError) as exc:
                raise ValidationFailed("接访信息无效。", {"field": key}) from exc
    return cleaned


def _validate_registration(
    *,
    channel,
    received_at,
    now,
    subject,
    content,
    category,
    people,
    reps,
    headcount,
    difficulty,
    line,
    is_accusation,
    is_anonymous,
    accused_unit,
    accused_person,
) -> None:
    if channel not in Channel.values:
        raise ValidationFailed("请选择信访方式。", {"field": "channel"})
    if received_at is None or timezone.is_naive(received_at):
        raise ValidationFailed("请填写收到时间。", {"field": "received_at"})
    if received_at > now + timedelta(minutes=5):
        raise ValidationFailed("收到时间不能晚于现在。", {"field": "received_at"})
    if received_at.year < 2000:
        raise ValidationFailed("收到时间无效。", {"field": "received_at"})
    if not subject:
        raise ValidationFailed("请填写标题。", {"field": "subject"})
    if len(subject) > 200:
        raise ValidationFailed("标题不能超过200字。", {"field": "subject"})
    if not content:
        raise ValidationFailed("请填写主要诉求和事实理由。", {"field": "content"})
    if len(content) > 20000:
        raise ValidationFailed("内容过长（不超过2万字），请作为附件上传。", {"field": "content"})
    if category is None or not category.is_active:
        raise ValidationFailed("请选择有效的问题分类。", {"field": "category"})
    if difficulty not in Difficulty.values:
        raise ValidationFailed("难易程度无效。", {"field": "difficulty"})
    if line is not None and line not in Line.values:
        raise ValidationFailed("业务条线无效。", {"field": "line"})
    if not people and not is_anonymous:
        raise ValidationFailed("请填写至少一名信访人，或标记为匿名。", {"field": "petitioners"})
    if people and is_anonymous:
        raise ValidationFailed("匿名信访不应填写信访人。", {"field": "petitioners"})
    if headcount < 1 or headcount > 100000:
        raise ValidationFailed("人数无效。", {"field": "headcount"})
    if headcount < len(people):
        raise ValidationFailed("人数不能少于信访人数。", {"field": "headcount"})
    if len(reps) > MAX_REPRESENTATIVES:
        raise ValidationFailed("集体访推选的代表不得超过5人。", {"field": "representatives"})
    if reps and headcount < COLLECTIVE_HEADCOUNT:
        raise ValidationFailed(
            "只有5人以上的集体访才推选代表；请核对人数。", {"field": "representatives"}
        )
    # The accuser's protection rests on knowing the accused unit (the accused person's unit).
    if is_accusation and accused_unit is None:
        raise ValidationFailed(
            "检举控告须选择被反映的单位（被反映人所在的单位）。", {"field": "accused_unit"}
        )


def _register(
    *,
    actor,
    channel,
    received_at,
    receiving_unit,
    subject,
    content,
    category,
    people,
    reps,
    headcount,
    difficulty,
    line,
    place,
    accused_unit,
    accused_person,
    accused_post,
    is_accusation,
    is_anonymous,
    is_litigation,
    skips_level,
    is_urgent,
    sms_consent,
    repeat_of,
    same_matter_as,
    co_handling_units,
    channel_details,
    idempotency_key,
    suggested_categories,
    now,
) -> Petition:
    received_on = timezone.localdate(received_at)
    petition = Petition(
        tracking_code=_new_unique_tracking_code(),
        channel=channel,
        channel_details=channel_details,
        received_at=received_at,
        received_on=received_on,
        receiving_unit=receiving_unit,
        responsible_unit=_answering_unit(receiving_unit, accused_unit if is_accusation else None),
        registered_by=actor,
        headcount=headcount,
        is_collective=headcount >= COLLECTIVE_HEADCOUNT,
        subject=subject,
        content=content,
        category=category,
        line=line,
        place=place,
        # Whom it complains about is part of every registration (RULES.md §1).
        accused_unit=accused_unit,
        accused_person=accused_person,
        accused_post=accused_post,
        difficulty=difficulty,
        is_accusation=is_accusation,
        is_anonymous=is_anonymous,
        is_litigation=is_litigation,
        is_first=repeat_of is None and not _has_earlier_petitions(people),
        skips_level=skips_level,
        is_urgent=is_urgent,
        sms_consent=sms_consent,
        repeat_of=repeat_of,
        same_matter_as=same_matter_as,
        idempotency_key=idempotency_key or None,
    )
    clock = Clock()
    clock.set(petition, "decide_by", received_on)
    clock.set_target(petition, received_on)
    binding_refresh(petition)
    petition.save()
    parties = [
        PetitionParty.objects.create(
            petition=petition,
            petitioner=petitioner_for(person),
            role=PetitionParty.Role.PETITIONER,
            position=i,
        )
        for i, person in enumerate(people)
    ]
    for i, person in enumerate(reps):
        party, created = PetitionParty.objects.get_or_create(
            petition=petition,
            petitioner=petitioner_for(person),
            role=PetitionParty.Role.REPRESENTATIVE,
            defaults={"position": i},
        )
        if created:
            parties.append(party)
    PetitionUnit.objects.create(
        petition=petition, unit=receiving_unit, relation=PetitionUnit.Relation.RECEIVING
    )
    if petition.responsible_unit_id != receiving_unit.pk:
        PetitionUnit.objects.create(
            petition=petition,
            unit=petition.responsible_unit,
            relation=PetitionUnit.Relation.RESPONSIBLE,
        )
    for unit in co_handling_units:
        refusal = co_handling_refusal(
            unit,
            petition.responsible_unit,
            is_accusation=petition.is_accusation,
            accused_unit=petition.accused_unit,
        )
        if refusal:
            raise ValidationFailed(refusal, {"field": "co_handling_units"})
        PetitionUnit.objects.get_or_create(
            petition=petition, unit=unit, relation=PetitionUnit.Relation.CO_HANDLING
        )
    event = event_append(
        petition,
        kind="register",
        actor=actor,
        from_state="",
        to_state=State.REGISTERED,
        data={
            "channel": channel,
            "receiving_unit": receiving_unit.pk,
            "receiving_unit_name": receiving_unit.name,
            "headcount": headcount,
            "repeat_of": repeat_of.pk if repeat_of else None,
            **({"same_matter_as": same_matter_as.pk} if same_matter_as else {}),
            "accused_unit": accused_unit.pk if accused_unit else None,
            **(
                {"co_handling_units": [u.name for u in co_handling_units]}
                if co_handling_units
                else {}
            ),
            **(
                {"category_suggestion": suggestion_outcome(suggested_categories, category)}
                if suggested_categories
                else {}
            ),
            "decide_by": petition.decide_by.isoformat(),
            "target_on": petition.target_on.isoformat(),
            **({"sms_consent": True} if sms_consent else {}),
        },
        at=now,
        first=True,
    )
    petition.save(update_fields=["history_head"])
    # The rows written besides the case's own, in the order reading them gives (parties by
    # role, then position): the API answers a registration from them instead of reading the
    # new case back (case_apis).
    petition.written = {
        "parties": parties,
        "replies": [],
        "events": [event],
        "attachments": [],
    }
    return petition
