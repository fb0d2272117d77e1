from django.urls import path

from xinfang.analytics import ranking_views, views

app_name = "analytics"

urlpatterns = [
    path("analytics/", views.dashboard, name="dashboard"),
    path("analytics/indicators.xlsx", ranking_views.indicators_export, name="indicators_export"),
    path("analytics/ranking/", ranking_views.ranking_page, name="ranking"),
    path("analytics/ranking/publish/", ranking_views.ranking_publish_view, name="ranking_publish"),
    path("analytics/ranking/export.xlsx", ranking_views.ranking_export, name="ranking_export"),
]
