from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The shell: home, settings screens, the page context, and the `serve` and `demo`
    commands that assemble every app. It may import every app; no app imports it."""

    name = "xinfang.site"
    label = "site"
    verbose_name = "站点"
