from django.conf import settings
from django.http import HttpRequest

from xinfang.demo.status import demo_load_status
from xinfang.notifications.selectors import unread_count
from xinfang.site.navigation import small_desk_menu
from xinfang.units.models import Membership


def site(request: HttpRequest) -> dict:
    """Values every page template needs: the site name, the user's roles, the unread count,
    and the demo load still running in the background (for the banner)."""
    load = demo_load_status()
    context = {
        "SITE_NAME": "信访事项办理平台",
        "DEBUG": settings.DEBUG,
        "demo_loading": load if load is not None and load.running else None,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["my_roles"] = set(
            Membership.objects.filter(staff=user).values_list("role", flat=True)
        )
        context["unread"] = unread_count(user)
        context["small_desk"] = small_desk_menu(user)
    return context
