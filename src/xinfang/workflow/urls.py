from django.urls import path

from xinfang.workflow import accusation_views, capital_visit_views, views

app_name = "workflow"

urlpatterns = [
    path("supervision/", views.supervision_list, name="supervision"),
    path("my/owned/", views.owned_list, name="owned"),
    path("extensions/", views.extension_list, name="extensions"),
    path("follow-ups/", views.follow_up_list, name="follow_ups"),
    path("petitions/<int:pk>/owner/", views.ownership_assign, name="ownership_assign"),
    path("petitions/<int:pk>/supervise/", views.order_issue, name="order_issue"),
    path(
        "petitions/<int:pk>/extension-request/", views.extension_request, name="extension_request"
    ),
    path("petitions/<int:pk>/hearings/", views.hearing_record, name="hearing_record"),
    path("petitions/<int:pk>/case-notes/", views.case_note_add, name="case_note_add"),
    path("petitions/<int:pk>/recusal/", views.recusal_declare, name="recusal_declare"),
    path("supervision/<int:pk>/respond/", views.order_respond, name="order_respond"),
    path("supervision/<int:pk>/close/", views.order_close, name="order_close"),
    path("extensions/<int:pk>/approve/", views.extension_approve, name="extension_approve"),
    path("extensions/<int:pk>/refuse/", views.extension_refuse, name="extension_refuse"),
    path("follow-ups/<int:pk>/record/", views.follow_up_record, name="follow_up_record"),
    path("follow-ups/<int:pk>/reopen/", views.follow_up_reopen, name="follow_up_reopen"),
    path(
        "petitions/<int:pk>/capital-visit/mark/",
        capital_visit_views.capital_visit_mark,
        name="capital_visit_mark",
    ),
    # Accusations after registration and verification requests (accusation_views.py).
    path(
        "petitions/<int:pk>/accusation/mark/",
        accusation_views.accusation_mark,
        name="accusation_mark",
    ),
    path(
        "petitions/<int:pk>/accusation/unmark/",
        accusation_views.accusation_unmark,
        name="accusation_unmark",
    ),
    path(
        "petitions/<int:pk>/accusation/verification/",
        accusation_views.verification_send,
        name="verification_send",
    ),
    path("verification-requests/", accusation_views.inbox, name="verification_inbox"),
    path(
        "verification-requests/<int:pk>/",
        accusation_views.inbox_detail,
        name="verification_detail",
    ),
]
