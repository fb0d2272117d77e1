"""Files received with a petition, checked by what they contain and how big they are."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from xinfang.core.errors import ValidationFailed
from xinfang.petitions.models import Attachment, Petition
from xinfang.petitions.uploads import (
    OFFICE_ZIP_TYPES,
    office_zip_is_genuine,
    sniff_content_type,
)
from xinfang.units.models import Staff


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
