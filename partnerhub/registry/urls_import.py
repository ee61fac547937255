from django.urls import path

from partnerhub.registry import views_import

urlpatterns = [
    path("", views_import.import_start, name="import_start"),
    path("<int:pk>/columns/", views_import.import_map, name="import_map"),
    path("<int:pk>/check/", views_import.import_preview, name="import_preview"),
    path("<int:pk>/progress/", views_import.import_progress, name="import_progress"),
    path("<int:pk>/confirm/", views_import.import_confirm, name="import_confirm"),
    path("<int:pk>/import/", views_import.import_done, name="import_done"),
    path("<int:pk>/retry/", views_import.import_retry, name="import_retry"),
]
