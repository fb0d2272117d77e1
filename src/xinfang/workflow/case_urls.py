from django.urls import path

from xinfang.workflow import case_views as views

# The case screens keep their names under petitions: (petitions:detail, petitions:act, …).
app_name = "petitions"

urlpatterns = [
    path("petitions/", views.petition_list, name="list"),
    path("petitions/new/", views.petition_new, name="new"),
    path("petitions/lookup/", views.person_lookup, name="lookup"),
    path("petitions/similar/", views.similar_lookup, name="similar"),
    path("petitions/suggest-category/", views.category_suggest, name="suggest_category"),
    path("petitions/<int:pk>/", views.petition_detail, name="detail"),
    path("petitions/<int:pk>/receipt/", views.petition_receipt, name="receipt"),
    path(
        "petitions/<int:pk>/registration-receipt/",
        views.registration_receipt_view,
        name="registration_receipt",
    ),
    path("petitions/<int:pk>/act/<slug:action>/", views.petition_act, name="act"),
    path("petitions/<int:pk>/draft/", views.reply_draft, name="draft"),
    path("petitions/<int:pk>/same-matter/", views.same_matter_link_view, name="same_matter"),
    path("petitions/<int:pk>/personal-data/", views.personal_data, name="personal_data"),
    path("petitions/<int:pk>/attachments/", views.attachment_upload, name="attachments"),
    path("petitions/<int:pk>/co-handling/", views.co_handling_add_view, name="co_handling_add"),
    path(
        "petitions/<int:pk>/co-handling/<int:unit_id>/remove/",
        views.co_handling_remove_view,
        name="co_handling_remove",
    ),
    path(
        "petitions/<int:pk>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
    path("petitioners/<int:pk>/", views.petitioner_detail, name="petitioner"),
    path("petitioners/<int:pk>/merge/", views.petitioner_merge_view, name="petitioner_merge"),
]
