from django.urls import path

from xinfang.accountability import views

app_name = "accountability"

urlpatterns = [
    path("accountability/", views.item_list, name="list"),
    path("accountability/<int:pk>/", views.item_detail, name="detail"),
    path("accountability/<int:pk>/explain/", views.item_explain, name="explain"),
    path("accountability/<int:pk>/decide/", views.item_decide, name="decide"),
]
