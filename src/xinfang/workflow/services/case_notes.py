"""The running case log (办理记录): steps a handler records as the case is worked, each one
event of the case's history, with its files stored under the same lock."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from xinfang.core.errors import NotPermitted, ValidationFailed
from xinfang.petitions.models import Petition, PetitionUnit
from xinfang.petitions.services.attachments import attachment_check, attachment_store
from xinfang.units.models import Role, Staff
from xinfang.units.selectors import roles_over
from xinfang.workflow.deadlines import Clock
from xinfang.workflow.models import CaseNote
from xinfang.workflow.services.transition import _record, _require_text

RECORDERS = frozenset({Role.HANDLER, Role.LEADER})
MAX_FILES = 10
CONTENT_MAX = 5000
PARTICIPANTS_MAX = 500


def case_note_may_record(actor: Staff, p: Petition) -> bool:
    """True when the actor works the case: a handler or leader of the answering unit, of a
    review body that has it, or of a co-handling unit."""
    if actor.is_superuser:
        return True
    units = [u for u in (p.responsible_unit, p.reviewing_unit, p.re_reviewing_unit) if u]
    co = PetitionUnit.objects.filter(
        petition=p, relation=PetitionUnit.Relation.CO_HANDLING
    ).select_related("unit")
    units += [link.unit for link in co]
    return any(roles_over(actor, u) & RECORDERS for u in units)


def case_note_add(
    *,
    petition: Petition,
    actor: Staff,
    kind: str,
    happened_on: date | None,
    participants: str,
    content: str,
    is_public: bool = False,
    attachments: Iterable[UploadedFile] = (),
    now: datetime | None = None,
) -> CaseNote:
    """Record one step of the work on the case (现场核实, 公示, 约谈, a call, a meeting).

    Raises:
        NotFound: the actor cannot see the case.
        NotPermitted: the actor is not a handler or leader of a unit working the case.
        ValidationFailed: the kind, date, participants or content is missing or out of
            bounds, or a file is refused (nothing is saved then).
    """
    now = now or timezone.now()
    if kind not in CaseNote.Kind.values:
        raise ValidationFailed("请选择办理记录的类型。", {"field": "kind"})
    participants = _require_text(participants, "参加人员", "participants")
    content = _require_text(content, "办理情况", "content", minimum=2)
    for value, label, limit, field in (
        (participants, "参加人员", PARTICIPANTS_MAX, "participants"),
        (content, "办理情况", CONTENT_MAX, "content"),
    ):
        if len(value) > limit:
            raise ValidationFailed(
                f"{label}最多 {limit} 字（现在 {len(value)} 字）。", {"field": field}
            )
    uploads = list(attachments)
    if len(uploads) > MAX_FILES:
        raise ValidationFailed(f"附件不能超过{MAX_FILES}个。", {"field": "attachments"})
    # Every file is checked before anything is written: a refused file records nothing.
    checked = [(upload, attachment_check(upload)) for upload in uploads]
    made: list[CaseNote] = []

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        if not case_note_may_record(actor, p):
            raise NotPermitted("只有办理本件的单位（含协办单位）的承办人或领导可以记录办理过程。")
        if happened_on is None or happened_on > today:
            raise ValidationFailed("日期不能晚于今天。", {"field": "happened_on"})
        if happened_on < p.received_on:
            raise ValidationFailed("日期不能早于收到信访事项之日。", {"field": "happened_on"})
        note = CaseNote.objects.create(
            petition=p,
            kind=kind,
            happened_on=happened_on,
            participants=participants,
            content=content,
            is_public=is_public,
            recorded_by=actor,
            recorded_at=now,
        )
        files = [
            attachment_store(actor=actor, petition=p, upload=upload, checked=check)
            for upload, check in checked
        ]
        note.attachments.set(files)
        made.append(note)
        return {
            "note": note.pk,
            "note_kind": kind,
            "note_kind_label": CaseNote.Kind(kind).label,
            "happened_on": happened_on.isoformat(),
            "participants": participants,
            "content": content,
            "public": is_public,
            "attachments": [
                {"attachment": a.pk, "original_name": a.original_name, "sha256": a.sha256}
                for a in files
            ],
        }

    _record("case_note", petition=petition, actor=actor, now=now, apply=apply)
    return made[0]
