"""DESIGN.md principle 3: the register records what the government does about a matter,
never where a petitioner goes or what they think. No model of the backlog app may have a
field that could hold a person's movements, whereabouts or opinions."""

from __future__ import annotations

import re

from django.apps import apps

FORBIDDEN = re.compile(
    r"location|whereabout|track|movement|move|visit_place|place|position|gps|geo|lat|lng|"
    r"longitude|latitude|route|travel|trip|journey|destination|seen_at|sighting|checkin|"
    r"opinion|attitude|mood|sentiment|stance|belief|thought|mindset|emotion|view|"
    r"stability_risk|watch|monitor|surveil|intercept|stop_petition",
    re.IGNORECASE,
)
# Words that contain a forbidden stem but mean nothing of the kind.
ALLOWED = {"follow_up_finding"}


def _fields():
    for model in apps.get_app_config("backlog").get_models():
        for field in model._meta.get_fields():
            yield model, field


def test_no_backlog_model_has_a_field_for_movements_or_opinions():
    offending = [
        f"{model.__name__}.{field.name}"
        for model, field in _fields()
        if field.name not in ALLOWED
        and (
            FORBIDDEN.search(field.name)
            or FORBIDDEN.search(str(getattr(field, "verbose_name", "")))
        )
    ]
    assert offending == []


def test_no_backlog_field_is_labelled_in_chinese_as_whereabouts_or_thoughts():
    words = ("行踪", "去向", "动向", "位置", "轨迹", "思想", "态度", "情绪", "想法", "稳控", "盯防")
    offending = [
        f"{model.__name__}.{field.name}"
        for model, field in _fields()
        if any(w in str(getattr(field, "verbose_name", "")) for w in words)
    ]
    assert offending == []


def test_the_check_would_catch_such_a_field():
    assert FORBIDDEN.search("petitioner_location")
    assert FORBIDDEN.search("last_seen_at")
    assert FORBIDDEN.search("attitude")
