"""Small display helpers shared by the staff pages."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from xinfang.core.crypto import mask_name
from xinfang.core.dates import PROVISIONAL, provisional_reason
from xinfang.core.tracking import display_tracking_code

register = template.Library()


@register.filter
def tracking(code: str) -> str:
    """A tracking code grouped for reading aloud (the one spelling: display_tracking_code)."""
    return display_tracking_code(code)


@register.simple_tag
def due_badge(due: date | None, today: date, is_open: bool = True) -> str:
    """A deadline with its days left, red when passed, amber within three days."""
    if due is None or not is_open:
        return mark_safe('<span class="text-secondary">—</span>')
    left = (due - today).days
    if left < 0:
        tone, text = "danger", f"超期{-left}天"
    elif left == 0:
        tone, text = "danger", "今天到期"
    elif left <= 3:
        tone, text = "warning", f"剩{left}天"
    else:
        tone, text = "success", f"剩{left}天"
    return format_html(
        '<span class="text-nowrap">{}</span> <span class="badge text-bg-{} xf-due">{}</span>',
        due.strftime("%m-%d"),
        tone,
        text,
    )


@register.simple_tag
def provisional_mark(day: date | None, provisional: bool = False) -> str:
    """暂定 and its one-line reason after a provisional date; nothing for a final one."""
    if day is None or not provisional:
        return ""
    return format_html(
        '<span class="badge text-bg-warning xf-provisional">{}</span> '
        '<span class="small text-warning-emphasis">{}</span>',
        PROVISIONAL,
        provisional_reason(day),
    )


@register.filter
def masked_name(name: str) -> str:
    return mask_name(name)


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key) if mapping else None


@register.filter
def is_group(value) -> bool:
    """True for an <optgroup> entry of a choices list (a list of choices, not a label)."""
    return isinstance(value, list | tuple)
