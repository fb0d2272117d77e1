from django.conf import settings
from django.http import HttpRequest

from xinfang.units.models import Membership


def site(request: HttpRequest) -> dict:
    """Values every page template needs: the site name, the user's roles, the unread count."""
    context = {"SITE_NAME": "信访事项办理平台", "DEBUG": settings.DEBUG}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from xinfang.notifications.selectors import unread_count

        context["my_roles"] = set(
            Membership.objects.filter(staff=user).values_list("role", flat=True)
        )
        context["unread"] = unread_count(user)
    return context
