"""API routes of supervision, included under /api/v1/ (see supervision_apis.py)."""

from django.urls import path

from xinfang.workflow import supervision_apis as apis

urlpatterns = [
    path("supervision-orders/", apis.SupervisionOrderListApi.as_view(), name="supervision-orders"),
    path(
        "supervision-orders/<int:pk>/respond/",
        apis.SupervisionOrderRespondApi.as_view(),
        name="supervision-order-respond",
    ),
    path(
        "supervision-orders/<int:pk>/close/",
        apis.SupervisionOrderCloseApi.as_view(),
        name="supervision-order-close",
    ),
    path("extension-requests/", apis.ExtensionRequestListApi.as_view(), name="extension-requests"),
    path("recusals/", apis.RecusalApi.as_view(), name="recusals"),
    path(
        "extension-requests/<int:pk>/approve/",
        apis.ExtensionApproveApi.as_view(),
        name="extension-request-approve",
    ),
    path(
        "extension-requests/<int:pk>/refuse/",
        apis.ExtensionRefuseApi.as_view(),
        name="extension-request-refuse",
    ),
]
