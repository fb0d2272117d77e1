from django.urls import path

from xinfang.site import admin_screens as views
from xinfang.site import audit_screens

app_name = "settings"

urlpatterns = [
    path("", views.settings_index, name="index"),
    path("changes/", views.changes_page, name="changes"),
    path("reads/", audit_screens.reads_page, name="reads"),
    path("units/", views.units_page, name="units"),
    path("units/<int:pk>/add/", views.unit_add, name="unit_add"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("categories/", views.categories_page, name="categories"),
    path("categories/add/", views.category_add, name="category_add"),
    path("categories/<int:pk>/edit/", views.category_edit, name="category_edit"),
    path("rules/", views.rules_page, name="rules"),
    path("calendar/", views.calendar_page, name="calendar"),
    path("assessment/", views.assessment_page, name="assessment"),
    path("dictionary/", views.dictionary_page, name="dictionary"),
    path("dictionary/<int:pk>/remove/", views.dictionary_remove, name="dictionary_remove"),
]
