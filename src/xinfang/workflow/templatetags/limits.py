"""`{% limit "conclude_by" %}`: a time limit as the rule in force says ("60日", "5个工作日")."""

from __future__ import annotations

from django import template

from xinfang.workflow.deadlines import limit_words, rules_load

register = template.Library()


@register.simple_tag(takes_context=True)
def limit(context, key: str) -> str:
    # The rules are read once per rendering, however many limits the page prints.
    rules = context.render_context.get("deadline_rules")
    if rules is None:
        rules = context.render_context["deadline_rules"] = rules_load()
    return limit_words(key, rules)
