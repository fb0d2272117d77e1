from django.urls import path

from xinfang.prevention import apis

urlpatterns = [
    path("screening/reports/", apis.ScreeningReportApi.as_view(), name="screening-reports"),
    path("screening/parts/", apis.ScreeningPartApi.as_view(), name="screening-parts"),
    path(
        "screening/parts/<int:pk>/correction/",
        apis.ScreeningPartCorrectionApi.as_view(),
        name="screening-part-correction",
    ),
    path(
        "screening/compliance/",
        apis.ScreeningComplianceApi.as_view(),
        name="screening-compliance",
    ),
]
