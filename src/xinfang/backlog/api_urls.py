from django.urls import path

from xinfang.backlog import apis

urlpatterns = [
    path("backlog/entries/", apis.EntryListApi.as_view(), name="backlog-entries"),
    path("backlog/entries/<int:pk>/", apis.EntryDetailApi.as_view(), name="backlog-entry"),
    path("backlog/entries/<int:pk>/steps/", apis.EntryStepApi.as_view(), name="backlog-steps"),
    path(
        "backlog/entries/<int:pk>/help-measures/",
        apis.EntryHelpApi.as_view(),
        name="backlog-help-measures",
    ),
    path("backlog/entries/<int:pk>/notes/", apis.EntryNoteApi.as_view(), name="backlog-notes"),
    *[
        path(
            f"backlog/entries/<int:pk>/{action}/",
            view.as_view(),
            name=f"backlog-entry-{action}",
        )
        for action, view in apis.ENTRY_ACTION_VIEWS.items()
    ],
    path("backlog/steps/<int:pk>/done/", apis.StepDoneApi.as_view(), name="backlog-step-done"),
    path("backlog/help-kinds/", apis.HelpKindListApi.as_view(), name="backlog-help-kinds"),
    path("backlog/meetings/", apis.MeetingListApi.as_view(), name="backlog-meetings"),
    path("backlog/meetings/<int:pk>/", apis.MeetingDetailApi.as_view(), name="backlog-meeting"),
    path(
        "backlog/meetings/<int:pk>/tasks/",
        apis.MeetingTaskApi.as_view(),
        name="backlog-meeting-tasks",
    ),
    path("backlog/tasks/<int:pk>/done/", apis.TaskDoneApi.as_view(), name="backlog-task-done"),
    path(
        "backlog/tasks/<int:pk>/supervision-order/",
        apis.TaskOrderApi.as_view(),
        name="backlog-task-order",
    ),
]
