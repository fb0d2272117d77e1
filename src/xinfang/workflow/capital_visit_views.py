"""The case page's 进京/赴省集体访 mark: set or taken off with a note (the one service)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from xinfang.petitions.models import CapitalVisit
from xinfang.petitions.selectors import petition_get_for_user
from xinfang.workflow.services.capital_visit import petition_capital_visit_mark
from xinfang.workflow.views import _run


class CapitalVisitForm(forms.Form):
    kind = forms.ChoiceField(
        label="标记",
        choices=[*CapitalVisit.choices, ("", "取消标记")],
        required=False,
    )
    note = forms.CharField(label="说明", max_length=2000)


@login_required
@require_POST
def capital_visit_mark(request: HttpRequest, pk: int) -> HttpResponse:
    """Set or take off the case's 进京/赴省集体访 mark."""
    p = petition_get_for_user(request.user, pk)
    return _run(
        request,
        pk,
        CapitalVisitForm(request.POST),
        lambda d: petition_capital_visit_mark(petition=p, actor=request.user, **d),
        "已更新进京/赴省集体访标记，并记入办理过程。",
    )
