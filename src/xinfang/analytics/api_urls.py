"""API routes of analytics, included under /api/v1/ (see apis.py, assessment_apis.py)."""

from django.urls import path

from xinfang.analytics import apis, assessment_apis

urlpatterns = [
    path("indicators/", apis.IndicatorListApi.as_view(), name="indicators"),
    path("assessment/rankings/", assessment_apis.RankingApi.as_view(), name="assessment-rankings"),
]
