"""API routes of analytics, included under /api/v1/ (see apis.py)."""

from django.urls import path

from xinfang.analytics import apis

urlpatterns = [
    path("indicators/", apis.IndicatorListApi.as_view(), name="indicators"),
]
