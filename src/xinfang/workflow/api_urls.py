"""API routes of supervision, included under /api/v1/ (see supervision_apis.py)."""

from django.urls import path

from xinfang.workflow import accusation_apis
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
    path(
        "petitions/<int:pk>/capital-visit/mark/",
        accusation_apis.PetitionCapitalVisitApi.as_view(),
        name="petition-capital-visit",
    ),
    # Accusations after registration and their verification requests (accusation_apis.py);
    # two segments after the id, so the one-segment action route does not take them.
    path(
        "petitions/<int:pk>/accusation/mark/",
        accusation_apis.PetitionAccusationMarkApi.as_view(),
        name="petition-accusation-mark",
    ),
    path(
        "petitions/<int:pk>/accusation/unmark/",
        accusation_apis.PetitionAccusationUnmarkApi.as_view(),
        name="petition-accusation-unmark",
    ),
    path(
        "petitions/<int:pk>/accusation/verification-requests/",
        accusation_apis.PetitionVerificationRequestsApi.as_view(),
        name="petition-verification-requests",
    ),
    path(
        "verification-requests/",
        accusation_apis.VerificationInboxApi.as_view(),
        name="verification-requests",
    ),
    path(
        "verification-requests/<int:pk>/",
        accusation_apis.VerificationInboxDetailApi.as_view(),
        name="verification-request",
    ),
    path(
        "verification-requests/<int:pk>/answer/",
        accusation_apis.VerificationAnswerApi.as_view(),
        name="verification-request-answer",
    ),
]
