"""API routes of analytics, included under /api/v1/ (see apis.py, assessment_apis.py)."""

from django.urls import path

from xinfang.analytics import apis, assessment_apis, report_apis, topic_apis, warning_apis

urlpatterns = [
    path("indicators/", apis.IndicatorListApi.as_view(), name="indicators"),
    path("assessment/rankings/", assessment_apis.RankingApi.as_view(), name="assessment-rankings"),
    path("reports/", report_apis.ReportListApi.as_view(), name="reports"),
    path("reports/<int:pk>/", report_apis.ReportDetailApi.as_view(), name="report"),
    path("reports/<int:pk>/file", report_apis.ReportFileApi.as_view(), name="report-file"),
    path("warnings/", warning_apis.WarningListApi.as_view(), name="warnings"),
    path("topics/", topic_apis.TopicListApi.as_view(), name="topics"),
    path("topics/refresh/", topic_apis.TopicRefreshApi.as_view(), name="topics-refresh"),
    path(
        "warnings/<int:pk>/acknowledge/",
        warning_apis.WarningAcknowledgeApi.as_view(),
        name="warning_acknowledge",
    ),
]
