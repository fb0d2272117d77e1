from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xinfang.units.selectors import staff_memberships


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The staff workbench's front page."""
    return render(request, "core/home.html", {"memberships": staff_memberships(request.user)})
