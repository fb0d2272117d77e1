"""Merging two records of one person (信访人重复记录): the duplicate's cases are moved to the
kept record, each case's history recording the merge."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.core.errors import NotPermitted, ValidationFailed
from xinfang.petitions.models import Petition, Petitioner, PetitionParty
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.units.models import Membership, Role, Staff
from xinfang.workflow.deadlines import Clock
from xinfang.workflow.models import PetitionerMerge
from xinfang.workflow.services.transition import _record, _require_text

MERGERS = frozenset({Role.REGISTRAR, Role.LEADER})


def petitioner_merge_refusal(actor: Staff, keep: Petitioner, duplicate: Petitioner) -> str:
    """Why the actor may not merge these two records, or "" when they may: a registrar (or
    leader) who can open every case of both, of records sharing a phone or an identity number
    and not holding two different identity numbers."""
    if keep.pk == duplicate.pk:
        return "不能把记录与其自身合并。"
    if (
        not actor.is_superuser
        and not Membership.objects.filter(staff=actor, role__in=MERGERS).exists()
    ):
        return "只有登记员或领导可以合并信访人记录。"
    shares = (keep.phone_index and keep.phone_index == duplicate.phone_index) or (
        keep.id_number_index and keep.id_number_index == duplicate.id_number_index
    )
    if not shares:
        return "两条记录的电话和身份证号码都不相同，不能合并。"
    if (
        keep.id_number_index
        and duplicate.id_number_index
        and keep.id_number_index != duplicate.id_number_index
    ):
        return "两条记录的身份证号码不同，是两个人，不能合并。"
    cases = Petition.objects.filter(parties__petitioner__in=[keep, duplicate]).distinct()
    if cases.exclude(pk__in=petitions_visible_to(actor).values("pk")).exists():
        # A case the actor cannot open (another area's, an accusation against their unit)
        # must not be changed, nor its existence revealed by the merge.
        return "其中有您无权查看的信访件，请由上级单位合并。"
    return ""


def petitioner_merge(
    *,
    actor: Staff,
    keep: Petitioner,
    duplicate: Petitioner,
    reason: str,
    now: datetime | None = None,
) -> PetitionerMerge:
    """Move every case of the duplicate record to the kept one, with an event in each case.

    Raises:
        NotPermitted: the rule of petitioner_merge_refusal says no.
        ValidationFailed: no reason given.
    """
    now = now or timezone.now()
    reason = _require_text(reason, "合并理由", "reason")[:500]
    refusal = petitioner_merge_refusal(actor, keep, duplicate)
    if refusal:
        raise NotPermitted(refusal)
    with transaction.atomic():
        ids = list(
            Petition.objects.filter(parties__petitioner=duplicate)
            .distinct()
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for petition in Petition.objects.filter(pk__in=ids).order_by("pk"):

            def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
                for party in PetitionParty.objects.filter(petition=p, petitioner=duplicate):
                    taken = PetitionParty.objects.filter(
                        petition=p, petitioner=keep, role=party.role
                    ).exists()
                    if taken:
                        party.delete()
                    else:
                        party.petitioner = keep
                        party.save(update_fields=["petitioner"])
                return {"kept": keep.pk, "merged": duplicate.pk, "reason": reason}

            _record("petitioner_merge", petition=petition, actor=actor, now=now, apply=apply)
        if not ids:
            raise ValidationFailed("该记录没有信访件，无需合并。", {"field": "duplicate"})
        return PetitionerMerge.objects.create(
            kept=keep,
            merged=duplicate,
            reason=reason,
            petition_ids=ids,
            merged_by=actor,
            merged_at=now,
        )
