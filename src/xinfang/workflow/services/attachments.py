"""Attaching a file to a registered case: one event of its history, under its lock."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from xinfang.core.errors import NotFound, NotPermitted
from xinfang.petitions.models import Attachment, Petition
from xinfang.petitions.selectors import petition_is_visible_to
from xinfang.petitions.services.attachments import attachment_check, attachment_store
from xinfang.units.models import Role, Staff
from xinfang.units.selectors import roles_over
from xinfang.workflow.services.transition import _record

ATTACHING_ROLES = frozenset({Role.REGISTRAR, Role.HANDLER, Role.LEADER})


def attachment_add(*, actor: Staff | None, petition: Petition, upload: UploadedFile) -> Attachment:
    """Check a file and store it with the case.

    Raises:
        NotFound: the actor cannot see the case.
        NotPermitted: the actor has no registering or handling role in the case's units.
        ValidationFailed: too large, empty, or not an allowed type (checked by content).
    """
    if actor is not None:
        if not petition_is_visible_to(actor, petition.pk):
            raise NotFound("未找到该信访件。")
        units = [petition.receiving_unit, petition.responsible_unit]
        if not any(roles_over(actor, u) & ATTACHING_ROLES for u in units):
            raise NotPermitted("只有登记、承办单位的工作人员可以上传附件。")
    checked = attachment_check(upload)
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
