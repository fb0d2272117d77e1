"""Marking a search's words in the ledger: escaped first, then wrapped in <mark>."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from xinfang.textmining.highlight import marked_html, snippet_html

register = template.Library()


@register.filter
def marked(text: str, terms: list[str]) -> SafeString:
    """`text` escaped, each search term in it wrapped in <mark> (just escaped without terms)."""
    return mark_safe(marked_html(str(text or ""), terms or []))


@register.filter
def snippet_marked(text: str, terms: list[str]) -> SafeString:
    """A short piece of `text` around the first term, identifiers masked, terms marked."""
    return mark_safe(snippet_html(str(text or ""), terms or []))
