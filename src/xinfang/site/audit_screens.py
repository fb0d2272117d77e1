"""The admins' screen of who read what: who looked at a person's cases, what a staff member
looked at. Looking is itself recorded, like any other read of personal data."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xinfang.audit.models import CaseRead
from xinfang.audit.reads import case_read_record
from xinfang.audit.selectors import (
    case_ids_of_people,
    case_reads_audited_by,
    case_reads_by,
    case_reads_of_cases,
    people_by_identifier,
    staff_audited_by,
)
from xinfang.core.bounds import parse_pk
from xinfang.petitions.models import Petitioner
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.site.admin_screens import admin_required
from xinfang.units.models import Staff

PER_PAGE = 50
# Cases linked in a row of a long list; the rest are counted.
LINKS_PER_ROW = 8


class ReadsForm(forms.Form):
    id_number = forms.CharField(label="身份证号", required=False, max_length=40)
    phone = forms.CharField(label="电话", required=False, max_length=40)
    staff = forms.CharField(label="工作人员（用户名）", required=False, max_length=150)
    start = forms.DateField(label="起始日期", required=False)
    end = forms.DateField(label="截止日期", required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("起始日期不能晚于截止日期。")
        return data


def _rows(user: Staff, page) -> list[dict]:
    """Each read of the page with the tracking codes of its first cases that `user` may see
    (one query for the page). A read that showed cases hidden from the admin (an accusation
    against their unit) counts them and hides its query, which may name the reporter."""
    reads = list(page)
    ids = {pk for r in reads for pk in r.ids}
    visible = petitions_visible_to(user).filter(pk__in=ids)
    codes = dict(visible.values_list("pk", "tracking_code")) if ids else {}
    rows = []
    for r in reads:
        mine = [pk for pk in r.ids if pk in codes]
        rows.append(
            {
                "read": r,
                "cases": [(pk, codes[pk]) for pk in mine[:LINKS_PER_ROW]],
                "more": len(mine) - min(len(mine), LINKS_PER_ROW),
                "hidden": len(r.ids) - len(mine),
            }
        )
    return rows


@admin_required
def reads_page(request: HttpRequest) -> HttpResponse:
    """Who read a person's cases (by identity number, phone, or ?person= from their page),
    or what one staff member read, in a date range; newest first, 50 a page."""
    form = ReadsForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    start, end = data.get("start"), data.get("end")
    people: list[Petitioner] = []
    person_pk = parse_pk(request.GET.get("person", ""))
    if person_pk is not None:
        people = list(Petitioner.objects.filter(pk=person_pk))
    elif data.get("id_number") or data.get("phone"):
        people = people_by_identifier(id_number=data["id_number"], phone=data["phone"])
    staff = None
    case_ids: list[int] = []
    searched_person = person_pk is not None or bool(data.get("id_number") or data.get("phone"))
    if searched_person:
        # Only the cases the admin may see: an accusation's reporter stays unknown to the
        # accused unit's admin, who is told the person is not found.
        case_ids = list(
            petitions_visible_to(request.user)
            .filter(pk__in=case_ids_of_people(people))
            .values_list("pk", flat=True)
        )
        if not case_ids:
            people = []
        reads = case_reads_of_cases(case_ids, start=start, end=end)
    elif data.get("staff"):
        # Only staff of the admin's units and below: a street's admin does not audit the district.
        staff = staff_audited_by(request.user).filter(username=data["staff"].strip()).first()
        reads = case_reads_by(staff, start=start, end=end) if staff else CaseRead.objects.none()
    else:
        reads = case_reads_by(None, start=start, end=end)
    reads = case_reads_audited_by(request.user, reads)
    page = Paginator(reads, PER_PAGE).get_page(request.GET.get("page"))
    rows = _rows(
        request.user, page
    )  # before this look is recorded: it is not part of its own answer
    # Looking at the trail is a read too: of the person's cases when a person was asked for.
    case_read_record(
        actor=request.user,
        kind=CaseRead.Kind.AUDIT,
        petition_ids=case_ids,
        query=request.GET.urlencode(),
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "settings/reads.html",
        {
            "form": form,
            "people": people,
            "searched_person": searched_person,
            "staff": staff,
            "staff_asked": bool(data.get("staff")),
            "page": page,
            "rows": rows,
            "retention_days": settings.AUDIT_READ_RETENTION_DAYS,
            "querystring_prefix": f"{params.urlencode()}&" if params else "",
        },
    )
