from django.urls import path

from partnerhub.registry import views_dedupe

urlpatterns = [
    path("", views_dedupe.duplicate_scans, name="duplicate_scans"),
    path("scans/start/", views_dedupe.duplicate_scan_start, name="duplicate_scan_start"),
    path("scans/<int:pk>/", views_dedupe.duplicate_scan_detail, name="duplicate_scan"),
    path("compare/<int:a>/<int:b>/", views_dedupe.duplicate_compare, name="duplicate_compare"),
    path(
        "compare/<int:a>/<int:b>/not-duplicate/",
        views_dedupe.duplicate_not_duplicate,
        name="duplicate_not_duplicate",
    ),
    path("merges/", views_dedupe.merge_list, name="merge_list"),
    path("merges/<int:pk>/", views_dedupe.merge_detail, name="merge_detail"),
    path("merges/<int:pk>/revert/", views_dedupe.merge_revert, name="merge_revert"),
]
