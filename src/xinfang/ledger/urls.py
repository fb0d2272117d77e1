from django.urls import path, re_path

from xinfang.ledger import notice_views, views

app_name = "ledger"

urlpatterns = [
    path("ledger/import/", views.import_upload, name="upload"),
    re_path(
        r"^ledger/import/sample-(?P<kind>bad|fixed)\.xlsx$", views.import_sample, name="sample"
    ),
    path("ledger/import/<int:pk>/", views.import_detail, name="import"),
    path("ledger/import/<int:pk>/errors.xlsx", views.import_errors, name="import-errors"),
    path("ledger/export.xlsx", views.export_xlsx, name="export-xlsx"),
    path("ledger/export.csv", views.export_csv, name="export-csv"),
    path("ledger/exports/<int:pk>/", views.export_detail, name="export"),
    path("ledger/exports/<int:pk>/file", views.export_download, name="export-file"),
    path(
        "petitions/<int:pk>/notices/<slug:kind>/",
        notice_views.notice_issue_view,
        name="notice-issue",
    ),
    path("settings/notice-templates/", notice_views.notice_templates, name="notice-templates"),
]
