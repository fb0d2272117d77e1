"""Template helpers of the prevention pages."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from xinfang.core.tracking import display_tracking_code
from xinfang.petitions.selectors import petition_is_visible_to
from xinfang.prevention.models import ScreeningPeriod
from xinfang.prevention.selectors import BoardStatus, duty_today_for
from xinfang.prevention.views.common import petition_url

register = template.Library()

STATUS_CLASS = {
    ScreeningPeriod.Status.FILED: "text-bg-success",
    ScreeningPeriod.Status.ZERO: "text-bg-info",
    ScreeningPeriod.Status.LATE: "text-bg-warning",
    ScreeningPeriod.Status.MISSING: "text-bg-danger",
    ScreeningPeriod.Status.PENDING: "text-bg-light border",
    BoardStatus.PARTIAL: "xf-badge-partial",
}
RISK_CLASS = {"low": "text-bg-light border", "medium": "text-bg-warning", "high": "text-bg-danger"}


@register.simple_tag
def status_badge(status: str) -> str:
    """A coloured badge for a period's status."""
    label = BoardStatus(status).label if status in BoardStatus.values else ""
    return format_html(
        '<span class="badge {} xf-status xf-status-{}">{}</span>',
        STATUS_CLASS.get(status, "text-bg-light"),
        status,
        label,
    )


@register.simple_tag
def risk_badge(dispute) -> str:
    return format_html(
        '<span class="badge {}">风险{}</span>',
        RISK_CLASS.get(dispute.risk_level, "text-bg-light"),
        dispute.get_risk_level_display(),
    )


@register.simple_tag(takes_context=True)
def petition_link(context, petition) -> str:
    """The case's tracking code, linked to its page, when the reader may open the case;
    otherwise only that there is a case (RULES.md §6: an accusation's code is not shown to
    the unit it accuses)."""
    if petition is None:
        return ""
    if not petition_openable(context, petition):
        return format_html('<span class="text-secondary">{}</span>', "（无权查看的信访件）")
    url = petition_url(petition)
    if url:
        return format_html(
            '<a href="{}" class="font-monospace">{}</a>', url, tracking(petition.tracking_code)
        )
    return format_html('<span class="font-monospace">{}</span>', tracking(petition.tracking_code))


def petition_openable(context, petition) -> bool:
    """Whether the reader may open the case, asked once per case and request."""

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    seen = request.__dict__.setdefault("_xf_openable", {})
    if petition.pk not in seen:
        seen[petition.pk] = petition_is_visible_to(user, petition.pk)
    return seen[petition.pk]


@register.simple_tag(takes_context=True)
def may_open(context, petition) -> bool:
    """`{% may_open p as ok %}`: the reader may open the case."""
    return petition is not None and petition_openable(context, petition)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, 0) if mapping else 0


@register.inclusion_tag("prevention/_duty_today.html", takes_context=True)
def duty_today_card(context) -> dict:
    """Today's duty card for the signed-in user: `{% load prevention %}{% duty_today_card %}`."""

    request = context.get("request")
    user = getattr(request, "user", None)
    found = duty_today_for(user) if user is not None and user.is_authenticated else []
    return {"duty_today": found, "request": request}


@register.filter
def tracking(code: str) -> str:
    """A tracking code grouped for reading aloud (the one spelling: display_tracking_code)."""
    return display_tracking_code(code)
