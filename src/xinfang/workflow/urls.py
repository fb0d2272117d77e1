from django.urls import path

from xinfang.workflow import views

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
    path("petitions/<int:pk>/recusal/", views.recusal_declare, name="recusal_declare"),
    path("supervision/<int:pk>/respond/", views.order_respond, name="order_respond"),
    path("supervision/<int:pk>/close/", views.order_close, name="order_close"),
    path("extensions/<int:pk>/approve/", views.extension_approve, name="extension_approve"),
    path("extensions/<int:pk>/refuse/", views.extension_refuse, name="extension_refuse"),
    path("follow-ups/<int:pk>/record/", views.follow_up_record, name="follow_up_record"),
    path("follow-ups/<int:pk>/reopen/", views.follow_up_reopen, name="follow_up_reopen"),
]
