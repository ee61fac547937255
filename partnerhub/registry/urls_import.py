from django.urls import path

from partnerhub.registry import views_import

urlpatterns = [
    path("", views_import.import_start, name="import_start"),
]
