from django.urls import path

from xinfang.analytics import views, warning_views

app_name = "analytics"

urlpatterns = [
    path("analytics/", views.dashboard, name="dashboard"),
    path("analytics/warnings/", warning_views.warning_list, name="warnings"),
    path("analytics/warnings/rules/", warning_views.warning_rules_page, name="warning_rules"),
    path("analytics/warnings/<int:pk>/", warning_views.warning_detail, name="warning_detail"),
    path(
        "analytics/warnings/<int:pk>/acknowledge/",
        warning_views.warning_acknowledge_view,
        name="warning_acknowledge",
    ),
]
