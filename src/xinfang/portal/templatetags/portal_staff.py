"""The case page's rating panel: the petitioner's rating, or the form to take it down; the
registration receipt's query password (查询密码) as the case has it."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

from xinfang.petitions.models import Petition
from xinfang.portal.forms import StaffRatingForm
from xinfang.portal.models import QueryCredential, Rating
from xinfang.portal.services import may_record_rating, rating_closes_on

register = template.Library()


@register.inclusion_tag("portal/_staff_rating.html", takes_context=True)
def staff_rating_panel(context: template.Context, petition: Petition) -> dict:
    """The rating of the case's reply and, while the window is open, the staff form."""
    user = context["request"].user
    rating = Rating.objects.filter(petition=petition).select_related("recorded_by").first()
    closes = rating_closes_on(petition)
    can_record = (
        rating is None
        and closes is not None
        and timezone.localdate() <= closes
        and may_record_rating(user, petition)
    )
    return {
        "petition": petition,
        "rating": rating,
        "closes": closes,
        "form": StaffRatingForm() if can_record else None,
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def receipt_password_issued_at(petition_id: int) -> datetime | None:
    """When the case's query password was made (at the window or online), or None when the
    case opens with the petitioner's full phone number."""
    return (
        QueryCredential.objects.filter(petition_id=petition_id, kind=QueryCredential.Kind.PASSWORD)
        .values_list("created_at", flat=True)
        .first()
    )
