"""core.forms.QuickSelect: the ledger's long lists written in Python, the same HTML as
Django's select templates (options, groups, the chosen one, escaping, attributes)."""

from __future__ import annotations

from django import forms

from xinfang.core.forms import QuickSelect
from xinfang.petitions.forms import LedgerFilterForm
from xinfang.units.selectors import units_visible_to

CHOICES = [
    ("", "全部"),
    (1, "东城街道"),
    ("组", [(2, "<b>&“引号”</b>"), (3, '"第三"')]),
    (4, "西城街道"),
]


def _both(value, attrs=None) -> tuple[str, str]:
    quick = QuickSelect(attrs={"class": "form-select", **(attrs or {})}, choices=CHOICES)
    plain = forms.Select(attrs={"class": "form-select", **(attrs or {})}, choices=CHOICES)
    given = {"id": "id_unit", "aria-invalid": "true", "disabled": True, "hidden": False}
    return quick.render("unit", value, attrs=given), plain.render("unit", value, attrs=given)


def test_a_quick_select_writes_what_the_templates_write():
    for value in (None, "", 1, "3", "x"):
        quick, plain = _both(value)
        assert quick == plain, value
    quick, _ = _both(3)
    assert '<option value="3" selected>&quot;第三&quot;</option>' in quick
    assert "&lt;b&gt;&amp;“引号”&lt;/b&gt;" in quick and " disabled" in quick
    assert "hidden" not in quick


def test_the_ledgers_long_lists_are_quick_selects(org, dc_registrar):
    form = LedgerFilterForm({}, units=units_visible_to(dc_registrar))
    for name in ("unit", "category", "accused_unit"):
        assert isinstance(form.fields[name].widget, QuickSelect), name
