"""Files received with a petition, checked by what they contain and how big they are."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from xinfang.core.errors import NotFound, NotPermitted, ValidationFailed
from xinfang.petitions.models import Attachment, Petition
from xinfang.petitions.uploads import (
    OFFICE_ZIP_TYPES,
    office_zip_is_genuine,
    sniff_content_type,
)
from xinfang.units.models import Role, Staff
from xinfang.units.selectors import roles_over

ATTACHING_ROLES = frozenset({Role.REGISTRAR, Role.HANDLER, Role.LEADER})


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    sha256: str


def attachment_check(upload: UploadedFile) -> CheckedUpload:
    """What the file really is, if it may be kept.

    Raises:
        ValidationFailed: too large, empty, or not an allowed type (checked by content).
    """
    limit = settings.ATTACHMENT_MAX_BYTES
    name = upload.name or "附件"
    if not upload.size:
        raise ValidationFailed(f"附件“{name}”为空。", {"field": "file"})
    if upload.size > limit:
        raise ValidationFailed(f"附件“{name}”超过{limit // (1024 * 1024)}MB。", {"field": "file"})
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    content_type = sniff_content_type(head, name)
    if content_type is None:
        raise ValidationFailed(
            f"附件“{name}”的类型不允许：只接受图片（JPG/PNG/GIF/WEBP）、PDF、"
            "Word/Excel 文档和常见音频。",
            {"field": "file"},
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    if content_type in OFFICE_ZIP_TYPES and not office_zip_is_genuine(upload.read(), name):
        raise ValidationFailed(f"附件“{name}”不是有效的 Office 文档。", {"field": "file"})
    upload.seek(0)
    return CheckedUpload(content_type, digest.hexdigest())


def attachment_store(
    *, actor: Staff | None, petition: Petition, upload: UploadedFile, checked: CheckedUpload
) -> Attachment:
    """Save a checked file with the case."""
    attachment = Attachment(
        petition=petition,
        original_name=(upload.name or "附件")[:200],
        content_type=checked.content_type,
        size=upload.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    attachment.file.save(checked.sha256[:16], upload, save=False)
    attachment.save()
    return attachment


def attachment_add(*, actor: Staff | None, petition: Petition, upload: UploadedFile) -> Attachment:
    """Check a file and store it with the case.

    Raises:
        NotFound: the actor cannot see the case.
        NotPermitted: the actor has no registering or handling role in the case's units.
        ValidationFailed: too large, empty, or not an allowed type (checked by content).
    """
    if actor is not None:
        from xinfang.petitions.selectors import petitions_visible_to

        if not petitions_visible_to(actor).filter(pk=petition.pk).exists():
            raise NotFound("未找到该信访件。")
        units = [petition.receiving_unit, petition.responsible_unit]
        if not any(roles_over(actor, u) & ATTACHING_ROLES for u in units):
            raise NotPermitted("只有登记、承办单位的工作人员可以上传附件。")
    checked = attachment_check(upload)
    from xinfang.workflow.services.transition import _record

    stored: list[Attachment] = []

    def apply(p: Petition, today, clock) -> dict:
        # Under the case's lock, as one event of its history (who added which file, when).
        attachment = attachment_store(actor=actor, petition=p, upload=upload, checked=checked)
        stored.append(attachment)
        return {
            "attachment": attachment.pk,
            "original_name": attachment.original_name,
            "sha256": attachment.sha256,
            "size": attachment.size,
        }

    with transaction.atomic():
        via = "staff" if actor is not None else "portal"
        _record("attachment_add", petition=petition, actor=actor, now=None, apply=apply, via=via)
    return stored[0]


def attachment_download_log(*, actor: Staff, attachment: Attachment) -> None:
    """Log that staff opened a case's file: attachments often hold identity-card copies."""
    from xinfang.audit.models import PersonalDataAccess

    people = attachment.petition.parties.values_list("petitioner_id", flat=True).distinct()
    PersonalDataAccess.objects.bulk_create(
        PersonalDataAccess(
            staff=actor,
            petition=attachment.petition,
            petitioner_id=pk,
            fields=f"attachment:{attachment.pk}",
            via=PersonalDataAccess.Via.WEB,
        )
        for pk in people
    )
