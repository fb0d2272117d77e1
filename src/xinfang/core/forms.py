"""Form messages in words a clerk or a petitioner understands.

Django's own length message reads "确保该变量包含不超过 200 字符 (目前字符数 5000)。" ("variable",
"characters"): every CharField says "最多 200 字（现在 5000 字）" instead (set once in
CoreConfig.ready), and a form whose errors may be read away from their field names the field
too: "标题最多 200 字（现在 5000 字）".
"""

from __future__ import annotations

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

LENGTH_MESSAGES = {
    "max_length": "最多 %(limit_value)d 字（现在 %(show_value)d 字）",
    "min_length": "至少 %(limit_value)d 字（现在 %(show_value)d 字）",
}


def use_plain_length_messages() -> None:
    """Make LENGTH_MESSAGES every CharField's default (Field.run_validators puts a field's
    message in place of its validator's for the same code)."""
    forms.CharField.default_error_messages = {
        **forms.Field.default_error_messages,
        **getattr(forms.CharField, "default_error_messages", {}),
        **LENGTH_MESSAGES,
    }


def name_fields_in_length_messages(form: forms.BaseForm) -> None:
    """Put each field's label before its length message: "标题最多 200 字（现在 5000 字）"."""
    for field in form.fields.values():
        if isinstance(field, forms.CharField) and field.label:
            label = str(field.label).replace("%", "%%")
            field.error_messages = {
                **field.error_messages,
                **{code: label + text for code, text in LENGTH_MESSAGES.items()},
            }


def _attrs_html(attrs: dict) -> str:
    """Attributes as Django's widgets/attrs.html writes them: True a bare name, False none."""
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    """A <select> written in Python, the same HTML as Django's select.html: a list of a few
    hundred options (the ledger's units and categories) took ~15 ms through the widget
    templates, an include of option and attributes for every option."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:  # type: ignore[no-untyped-def]
        widget = self.get_context(name, value, attrs)["widget"]
        html = [format_html('<select name="{}"', widget["name"]), _attrs_html(widget["attrs"]), ">"]
        for group, options, _index in widget["optgroups"]:
            if group:
                html.append(format_html('\n  <optgroup label="{}">', group))
            for option in options:
                html.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',  # the template's newline
                        str(option["value"]),
                        mark_safe(_attrs_html(option["attrs"])),
                        option["label"],
                    )
                )
            if group:
                html.append("\n  </optgroup>")
        html.append("\n</select>")
        return mark_safe("".join(html))
