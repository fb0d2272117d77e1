from django.urls import path

from xinfang.backlog import views

app_name = "backlog"

urlpatterns = [
    path("backlog/", views.board, name="board"),
    path("backlog/entries/", views.entries, name="entries"),
    path("backlog/new/", views.entry_new, name="entry_new"),
    path("backlog/<int:pk>/", views.entry, name="entry"),
    path("backlog/<int:pk>/<slug:action>/", views.entry_action, name="entry_action"),
    path("backlog/steps/<int:pk>/done/", views.step_done, name="step_done"),
    path("backlog/meetings/", views.meetings, name="meetings"),
    path("backlog/meetings/new/", views.meeting_new, name="meeting_new"),
    path("backlog/meetings/<int:pk>/", views.meeting, name="meeting"),
    path("backlog/meetings/<int:pk>/tasks/", views.meeting_task_add, name="meeting_task_add"),
    path("backlog/meetings/<int:pk>/minutes.docx", views.meeting_minutes, name="minutes"),
    path("backlog/tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("backlog/tasks/<int:pk>/order/", views.task_order, name="task_order"),
]
