from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from xinfang.accountability import apis as accountability
from xinfang.api.docs import DocsView
from xinfang.api.errors import not_found
from xinfang.ledger import apis as ledger
from xinfang.notifications import apis as notifications
from xinfang.petitions import dictionary_apis as dictionary
from xinfang.portal import apis as portal
from xinfang.units.apis import UnitListApi
from xinfang.units.signin_apis import TokenListApi, TokenObtainApi, TokenRevokeApi
from xinfang.workflow import apis as workflow
from xinfang.workflow import case_apis as petitions
from xinfang.workflow import case_note_apis
from xinfang.workflow import similar_apis as similar

app_name = "api"

urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="token"),
    path("auth/tokens/", TokenListApi.as_view(), name="tokens"),
    path("auth/tokens/<int:pk>/", TokenRevokeApi.as_view(), name="token-revoke"),
    path(
        "accountability-items/",
        accountability.ItemListApi.as_view(),
        name="accountability-items",
    ),
    path(
        "accountability-items/<int:pk>/",
        accountability.ItemDetailApi.as_view(),
        name="accountability-item",
    ),
    path(
        "accountability-items/<int:pk>/explanation/",
        accountability.ItemExplanationApi.as_view(),
        name="accountability-item-explanation",
    ),
    path(
        "accountability-items/<int:pk>/decision/",
        accountability.ItemDecisionApi.as_view(),
        name="accountability-item-decision",
    ),
    path("units/", UnitListApi.as_view(), name="units"),
    path("categories/", petitions.CategoryListApi.as_view(), name="categories"),
    path(
        "category-suggestions/",
        petitions.CategorySuggestApi.as_view(),
        name="category-suggestions",
    ),
    path("similar-cases/", similar.SimilarCasesApi.as_view(), name="similar-cases"),
    path("petitions/", petitions.PetitionListCreateApi.as_view(), name="petitions"),
    path("petitions/<int:pk>/", petitions.PetitionDetailApi.as_view(), name="petition"),
    path(
        "petitions/<int:pk>/personal-data/",
        petitions.PetitionPersonalDataApi.as_view(),
        name="petition-personal-data",
    ),
    path(
        "petitions/<int:pk>/attachments/",
        petitions.PetitionAttachmentApi.as_view(),
        name="petition-attachments",
    ),
    path(
        "petitions/<int:pk>/co-handling/",
        petitions.PetitionCoHandlingApi.as_view(),
        name="petition-co-handling",
    ),
    path(
        "petitions/<int:pk>/co-handling/<int:unit_id>/remove/",
        petitions.PetitionCoHandlingRemoveApi.as_view(),
        name="petition-co-handling-remove",
    ),
    path(
        "petitions/<int:pk>/case-notes/",
        case_note_apis.PetitionCaseNotesApi.as_view(),
        name="petition-case-notes",
    ),
    path(
        "petitions/<int:pk>/receipt/",
        petitions.PetitionReceiptApi.as_view(),
        name="petition-receipt",
    ),
    path(
        "petitions/<int:pk>/reply-draft/",
        workflow.ReplyDraftApi.as_view(),
        name="petition-reply-draft",
    ),
    path(
        "petitions/<int:pk>/same-matter/",
        similar.PetitionSameMatterApi.as_view(),
        name="petition-same-matter",
    ),
    path(
        "petitions/<int:pk>/reply-consistency/",
        similar.PetitionReplyConsistencyApi.as_view(),
        name="petition-reply-consistency",
    ),
    # Before the action route, which would read "rating" as an action.
    path("petitions/<int:pk>/rating/", portal.PetitionRatingApi.as_view(), name="petition-rating"),
    path(
        "petitions/<int:pk>/query-password/",
        portal.QueryPasswordApi.as_view(),
        name="petition-query-password",
    ),
    path(
        "petitions/<int:pk>/<slug:action>/",
        workflow.PetitionActionApi.as_view(),
        name="petition-action",
    ),
    path("petitioners/history/", petitions.PersonHistoryApi.as_view(), name="person-history"),
    path(
        "petitions/<int:pk>/documents/<slug:kind>.docx",
        ledger.PetitionDocumentApi.as_view(),
        name="petition-document",
    ),
    path("ledger/imports/", ledger.LedgerImportCreateApi.as_view(), name="ledger-imports"),
    path("ledger/imports/<int:pk>/", ledger.LedgerImportDetailApi.as_view(), name="ledger-import"),
    path("ledger/exports/", ledger.LedgerExportCreateApi.as_view(), name="ledger-exports"),
    path(
        "ledger/exports/<int:pk>/", ledger.LedgerExportDetailApi.as_view(), name="ledger-export-job"
    ),
    path(
        "ledger/exports/<int:pk>/file/",
        ledger.LedgerExportFileApi.as_view(),
        name="ledger-export-file",
    ),
    re_path(
        r"^ledger/exports/(?P<kind>xlsx|csv)/$",
        ledger.LedgerExportApi.as_view(),
        name="ledger-export",
    ),
    path("dictionary/", dictionary.DictionaryApi.as_view(), name="dictionary"),
    path("dictionary/<int:pk>/", dictionary.DictionaryWordApi.as_view(), name="dictionary-word"),
    path("notifications/", notifications.NotificationListApi.as_view(), name="notifications"),
    path(
        "notifications/read-all/",
        notifications.NotificationReadAllApi.as_view(),
        name="notifications-read-all",
    ),
    path(
        "notifications/<int:pk>/read/",
        notifications.NotificationReadApi.as_view(),
        name="notification-read",
    ),
    path("", include("xinfang.workflow.api_urls")),
    path("", include("xinfang.prevention.api_urls")),
    path("", include("xinfang.analytics.api_urls")),
    path("", include("xinfang.backlog.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    # Last: what no route above matches, in the API's error body (paths without the final
    # slash still get Django's redirect to the slashed one).
    re_path(r"^[\s\S]*/$", not_found, name="not-found"),
]
