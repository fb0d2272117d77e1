from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from xinfang.core.middleware import page_not_found as staff_page_not_found
from xinfang.portal.views.public import not_found as portal_not_found
from xinfang.prevention.selectors import duty_today_for
from xinfang.units.models import Role
from xinfang.units.selectors import staff_memberships
from xinfang.workflow.workbench import workbench_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """My work: what needs the user now, most urgent first."""
    memberships = staff_memberships(request.user)
    roles = {m.role for m in memberships}
    if roles == {Role.INFORMANT} and not request.user.is_superuser:
        # An informant has no cases: they land on their reporting task (issue 20).
        return redirect("prevention:home")
    today = timezone.localdate()
    return render(
        request,
        "core/home.html",
        {
            "workbench": workbench_for(request.user, today=today),
            "duty_today": duty_today_for(request.user, today=today),
            "memberships": memberships,
            "today": today,
        },
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: the public site's own page under /portal/, the workbench's elsewhere."""
    if request.path.startswith("/portal/"):
        return portal_not_found(request)
    return staff_page_not_found(request, exception)
