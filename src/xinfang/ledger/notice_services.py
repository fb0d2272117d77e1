"""Issuing a case's written notices and replacing their templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from xinfang.core.changes import Kind, record_config_change
from xinfang.core.errors import DomainError, NotFound, NotPermitted, ValidationFailed, refuse
from xinfang.ledger.models import NoticeTemplate
from xinfang.ledger.notices import (
    ANSWER_STAGES,
    BY_KEY,
    DEFAULTS,
    KINDS,
    Delivery,
    notice_applies,
    notice_delivered_on,
    notice_fields,
    notice_render,
)
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors.visibility import petition_get_for_user
from xinfang.units.models import Staff
from xinfang.units.services import is_admin
from xinfang.workflow.services import notice_issued_record

MAX_TEMPLATE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class NoticeFile:
    filename: str
    content: bytes


def notice_refusal(actor: Staff, petition: Petition, key: str) -> DomainError | None:
    """Why this notice cannot be made for this case now, or None (the page and the API
    ask the same)."""
    if key not in BY_KEY:
        return NotFound("没有这种文书。")
    if not notice_applies(petition, key):
        return ValidationFailed(f"该信访件目前不适用{BY_KEY[key].title}。", {"field": "kind"})
    return None


def _template(key: str) -> BytesIO:
    replaced = NoticeTemplate.objects.filter(kind=key).first()
    if replaced is not None:
        with replaced.file.open("rb") as f:
            return BytesIO(f.read())
    return BytesIO((DEFAULTS / BY_KEY[key].filename).read_bytes())


def notice_generate(actor: Staff, petition_id: int, key: str) -> NoticeFile:
    """The filled notice of a case the actor may see.

    Raises:
        NotFound: the case is not visible to the actor, or there is no such notice.
        ValidationFailed: the notice does not apply to the case now.
    """
    petition = petition_get_for_user(actor, petition_id)
    refuse(notice_refusal(actor, petition, key))
    content = notice_render(_template(key), notice_fields(petition, key))
    return NoticeFile(f"{petition.tracking_code_display}-{BY_KEY[key].title}.docx", content)


def notice_issue(
    actor: Staff,
    petition_id: int,
    key: str,
    *,
    delivery: str,
    delivered_on: date | None = None,
    now: datetime | None = None,
) -> NoticeFile:
    """Generate the notice and record in the case's history that it was issued, how it was
    delivered and on which date. For an answer's notice (答复意见书, 复查意见书, 复核意见书)
    that date is when the petitioner received the answer: the review or re-review window
    runs from it (RULES.md §4), so recording a later delivery moves the window later. An
    answer's notice given no date keeps the delivery date the case already holds.

    Raises:
        NotFound, ValidationFailed: as `notice_generate`; no delivery method, a delivery
            date after today or before the answer was issued.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    if delivery not in Delivery.LABELS:
        raise ValidationFailed("请选择送达方式。", {"field": "delivery"})
    made = notice_generate(actor, petition_id, key)
    kind = BY_KEY[key]
    petition = Petition.objects.get(pk=petition_id)
    held = notice_delivered_on(petition, key)
    delivered_on = delivered_on or (held if held and held <= today else today)
    if delivered_on > today:
        raise ValidationFailed("送达日期不能晚于今天。", {"field": "delivered_on"})
    notice_issued_record(
        petition=petition,
        actor=actor,
        now=now,
        notice={
            "notice": key,
            "title": kind.title,
            "audience": kind.audience,
            "delivery": delivery,
            "delivery_label": Delivery.LABELS[delivery],
            "delivered_on": delivered_on.isoformat(),
        },
        answer_stage=ANSWER_STAGES.get(key),
        delivered_on=delivered_on,
    )
    return made


def _sample_fields(key: str) -> dict[str, str]:
    return {"title": BY_KEY[key].title}


def notice_template_replace(actor: Staff, key: str, upload: UploadedFile) -> NoticeTemplate:
    """Replace a notice's template with the administrator's own Word file (same tags).

    Raises:
        NotPermitted: the actor is not an administrator.
        ValidationFailed: not a Word file the notices can be rendered from.
    """
    if not is_admin(actor):
        raise NotPermitted("只有管理员可以更换文书模板。")
    if key not in BY_KEY:
        raise NotFound("没有这种文书。")
    if upload.size > MAX_TEMPLATE_BYTES or not upload.name.lower().endswith(".docx"):
        raise ValidationFailed("请上传不超过 2MB 的 .docx 文件。", {"field": "file"})
    data = upload.read()
    try:
        notice_render(BytesIO(data), _sample_fields(key))
    except Exception as exc:  # docxtpl raises zip, XML and Jinja errors alike
        raise ValidationFailed(f"模板无法使用：{exc}", {"field": "file"}) from exc
    upload.seek(0)
    with transaction.atomic():
        record = NoticeTemplate.objects.select_for_update().filter(kind=key).first()
        before = {"file": record.original_name} if record else {"file": "（默认模板）"}
        record = record or NoticeTemplate(kind=key)
        record.file.save(upload.name, upload, save=False)
        record.original_name = upload.name[:200]
        record.updated_by = actor
        record.save()
        record_config_change(
            actor, Kind.NOTICE_TEMPLATE, record, before, {"file": record.original_name}
        )
    return record


def notice_template_reset(actor: Staff, key: str) -> None:
    """Go back to the default template of a notice."""
    if not is_admin(actor):
        raise NotPermitted("只有管理员可以更换文书模板。")
    with transaction.atomic():
        record = NoticeTemplate.objects.select_for_update().filter(kind=key).first()
        if record is None:
            return
        before = {"file": record.original_name}
        record_config_change(actor, Kind.NOTICE_TEMPLATE, record, before, {"file": "（默认模板）"})
        record.file.delete(save=False)
        record.delete()


def notice_templates_overview() -> list[dict]:
    """Every notice with its template in use, for the settings screen."""
    replaced = {t.kind: t for t in NoticeTemplate.objects.select_related("updated_by")}
    return [{"kind": k, "replaced": replaced.get(k.key)} for k in KINDS]
