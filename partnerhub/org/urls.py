from django.urls import path

from partnerhub.org import views

app_name = "org"

urlpatterns = [
    path("", views.office_list, name="office_list"),
    path("new/", views.office_create, name="office_create"),
    path("<int:pk>/", views.office_detail, name="office_detail"),
    path("<int:pk>/edit/", views.office_edit, name="office_edit"),
]
