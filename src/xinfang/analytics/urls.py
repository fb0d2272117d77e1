from django.urls import path

from xinfang.analytics import ranking_views, report_views, topic_views, views, warning_views

app_name = "analytics"

urlpatterns = [
    path("analytics/", views.dashboard, name="dashboard"),
    path("analytics/warnings/", warning_views.warning_list, name="warnings"),
    path("analytics/topics/", topic_views.topics_page, name="topics"),
    path("analytics/topics/refresh/", topic_views.topics_refresh, name="topics_refresh"),
    path("analytics/warnings/rules/", warning_views.warning_rules_page, name="warning_rules"),
    path("analytics/warnings/<int:pk>/", warning_views.warning_detail, name="warning_detail"),
    path(
        "analytics/warnings/<int:pk>/acknowledge/",
        warning_views.warning_acknowledge_view,
        name="warning_acknowledge",
    ),
    path("analytics/indicators.xlsx", ranking_views.indicators_export, name="indicators_export"),
    path("analytics/ranking/", ranking_views.ranking_page, name="ranking"),
    path("analytics/ranking/publish/", ranking_views.ranking_publish_view, name="ranking_publish"),
    path("analytics/reports/", report_views.report_list, name="reports"),
    path("analytics/reports/new/", report_views.report_request_view, name="report_request"),
    path("analytics/reports/template/", report_views.report_template_view, name="report_template"),
    path("analytics/reports/<int:pk>/", report_views.report_detail, name="report"),
    path("analytics/reports/<int:pk>/file", report_views.report_download, name="report_file"),
    path("analytics/ranking/export.xlsx", ranking_views.ranking_export, name="ranking_export"),
]
