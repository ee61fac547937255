from django.urls import path

from partnerhub.core import views

app_name = "core"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("system/jobs/", views.jobs, name="jobs"),
]
