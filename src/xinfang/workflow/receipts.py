"""The registration receipt (登记回执) handed to the person at the window: the tracking code,
what they type with it to follow the case, what happens next and by when, and the unit's
hotline. Printed on A5 or A4 from the case page right after registration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.http import Http404

from xinfang.core.crypto import mask_phone
from xinfang.petitions.models import Petition, PetitionParty
from xinfang.petitions.selectors import (
    petition_get_for_user,
    petition_is_visible_to,
)
from xinfang.units.models import Staff, Unit
from xinfang.workflow.deadlines import limit_words

PAPERS = ("a5", "a4")


@dataclass(frozen=True)
class RegistrationReceipt:
    petition_id: int
    tracking_code: str
    received_on: date
    channel: str
    receiving_unit: str
    subject: str  # "" for an accusation: the slip may be seen by others
    petitioner: str
    query_phone: str  # the masked number that opens the case online, "" without one
    decide_by: date | None
    decide_limit: str
    conclude_limit: str
    review_limit: str
    sms_consent: bool
    sms_mobile: bool
    hotline: str
    reception_place: str
    reception_hours: str
    contact_unit: str
    track_url: str
    registered_by: str


def _contact_unit(unit: Unit) -> Unit:
    """The receiving unit, or the nearest unit above it that publishes a hotline."""
    if unit.hotline:
        return unit
    paths = [unit.path[:i] for i in range(Unit.steplen, len(unit.path), Unit.steplen)]
    above = Unit.objects.filter(path__in=paths).exclude(hotline="").order_by("-depth").first()
    return above or unit


def _first_phone(p: Petition) -> str:
    party = (
        PetitionParty.objects.filter(petition=p, role=PetitionParty.Role.PETITIONER)
        .select_related("petitioner")
        .order_by("position")
        .first()
    )
    return party.petitioner.phone if party else ""


def receipt_printable_by(user: Staff, petition_id: int) -> bool:
    """Who may print a case's registration receipt, and so give the person at the window a
    query password on it (portal.services.receipt_password_issue): anyone who may see the
    case. An accusation against the user's own unit is not seen by them (they keep the
    accusation receipt instead, RULES.md §6)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return petition_is_visible_to(user, petition_id)


def registration_receipt(user: Staff, petition_id: int) -> RegistrationReceipt:
    """The receipt of a case the user may see (an accusation's hides its subject).

    Raises:
        Http404: the user may not print the receipt (receipt_printable_by), an accusation
            against their unit included.
    """
    if not receipt_printable_by(user, petition_id):
        raise Http404("未找到该信访件。")
    p = petition_get_for_user(user, petition_id)
    phone = _first_phone(p)
    first = p.parties.select_related("petitioner").order_by("role", "position").first()
    contact = _contact_unit(p.receiving_unit)
    return RegistrationReceipt(
        petition_id=p.pk,
        tracking_code=p.tracking_code,
        received_on=p.received_on,
        channel=p.get_channel_display(),
        receiving_unit=p.receiving_unit.name,
        subject="" if p.is_accusation else p.subject,
        petitioner="匿名" if p.is_anonymous or first is None else first.petitioner.name,
        query_phone=mask_phone(phone),
        decide_by=p.decide_by,
        decide_limit=limit_words("decide_by"),
        conclude_limit=limit_words("conclude_by"),
        review_limit=limit_words("review_request_by"),
        sms_consent=p.sms_consent,
        sms_mobile=phone.startswith("1") and len(phone) == 11,
        hotline=contact.hotline,
        reception_place=contact.reception_place,
        reception_hours=contact.reception_hours,
        contact_unit=contact.name,
        track_url=f"{settings.SITE_URL.rstrip('/')}/portal/track/",
        registered_by=p.registered_by.display_name if p.registered_by else "",
    )
