from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    """Values every page template needs."""
    return {"SITE_NAME": "信访事项办理平台", "DEBUG": settings.DEBUG}
