from django.urls import include, path

from partnerhub.screening import views

app_name = "screening"

urlpatterns = [
    path("lists/", views.source_list, name="source_list"),
    path("lists/new/", views.source_create, name="source_create"),
    path("lists/<int:pk>/", views.source_detail, name="source_detail"),
    path("lists/<int:pk>/edit/", views.source_edit, name="source_edit"),
    path("lists/<int:pk>/load/", views.snapshot_upload, name="snapshot_upload"),
    path("lists/<int:pk>/refresh/", views.source_refresh, name="source_refresh"),
    path("lists/snapshots/<int:pk>/", views.snapshot_detail, name="snapshot_detail"),
    path("lists/snapshots/<int:pk>/changes/", views.snapshot_changes, name="snapshot_changes"),
    path("lists/entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("", include("partnerhub.screening.urls_monitoring")),
]
