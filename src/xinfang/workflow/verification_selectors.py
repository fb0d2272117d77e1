"""Reads of verification requests (核查函): the accused unit's inbox, which never leads to
the case, and the answering body's list on the case page."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from xinfang.petitions.models import Petition
from xinfang.units.models import Membership, Staff
from xinfang.workflow.models import VerificationRequest
from xinfang.workflow.services.verification import ANSWERING_ROLES


def verification_inbox(user: Staff) -> QuerySet[VerificationRequest]:
    """Requests sent to a unit in which the user is a registrar, handler or leader, open ones
    first. Nothing in them links to the case."""
    if not user.is_authenticated or not user.is_active:
        return VerificationRequest.objects.none()
    units = Membership.objects.filter(staff=user, role__in=ANSWERING_ROLES).values("unit_id")
    return (
        VerificationRequest.objects.filter(to_unit_id__in=units)
        .select_related("from_unit", "to_unit", "answered_by")
        .order_by("answered_at", "-created_at", "-id")
    )


def verification_inbox_get(user: Staff, pk: int) -> VerificationRequest:
    """One request of the user's inbox.

    Raises:
        Http404: no such request, or not sent to the user's unit.
    """
    found = verification_inbox(user).filter(pk=pk).first()
    if found is None:
        raise Http404("未找到该核查函。")
    return found


def verification_requests_of(petition: Petition) -> list[VerificationRequest]:
    """The case's requests with their answers, newest first (for the answering body)."""
    return list(
        VerificationRequest.objects.filter(petition=petition)
        .select_related("to_unit", "created_by", "answered_by")
        .order_by("-created_at", "-id")
    )


def verification_pending_count(user: Staff) -> int:
    """Requests waiting for the user's unit to answer (the menu's badge)."""
    return verification_inbox(user).filter(answered_at__isnull=True).count()
