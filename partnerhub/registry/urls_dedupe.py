from django.urls import path

from partnerhub.registry import views_dedupe

urlpatterns = [
    path("", views_dedupe.duplicate_scans, name="duplicate_scans"),
]
