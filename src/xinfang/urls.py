from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from xinfang.core import health
from xinfang.site import signin_views, views

admin.site.site_header = "信访事项办理平台 · 系统管理"
admin.site.site_title = "信访事项办理平台"
admin.site.index_title = "系统管理"
# A database failure outside a view is a 503 too (core/middleware.py).
handler500 = "xinfang.core.middleware.server_error"
handler404 = "xinfang.site.views.page_not_found"
handler403 = "xinfang.core.middleware.permission_denied"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/login/", signin_views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("xinfang.site.signin_urls")),
    # The admin signs in through the same page (password, then the second factor).
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="login", query_string=True),
        name="admin-login",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include("xinfang.site.api_urls")),
    path("notifications/", include("xinfang.notifications.urls")),
    path("settings/", include("xinfang.site.settings_urls")),
    path("", include("xinfang.workflow.case_urls")),
    # Supervision: /supervision/, /my/owned/, /extensions/, /follow-ups/ and the case's forms.
    path("", include("xinfang.workflow.urls")),
    # The ledger's Excel import and export: /ledger/import/, /ledger/export.xlsx|.csv.
    path("", include("xinfang.ledger.urls")),
    # The public site (/portal/, /open311/v2/) and prevention (/prevention/, its public pages).
    path("", include("xinfang.portal.urls")),
    path("", include("xinfang.prevention.urls")),
    # The backlog register and joint meetings (/backlog/).
    path("", include("xinfang.backlog.urls")),
    # The leader's dashboard and the indicators (/analytics/).
    path("", include("xinfang.analytics.urls")),
    # Accountability records (责任追究): /accountability/.
    path("", include("xinfang.accountability.urls")),
    path("", views.home, name="home"),
]
