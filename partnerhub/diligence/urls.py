from django.urls import path

from partnerhub.diligence import views

app_name = "diligence"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("partners/<int:partner_pk>/open/", views.case_open, name="case_open"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/exclusions/", views.case_exclusions, name="case_exclusions"),
    path("cases/<int:pk>/risks/", views.case_risks, name="case_risks"),
    path("cases/<int:pk>/mitigations/", views.mitigation_add, name="mitigation_add"),
    path(
        "cases/<int:pk>/mitigations/<int:mitigation_pk>/remove/",
        views.mitigation_remove,
        name="mitigation_remove",
    ),
    path("cases/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path(
        "cases/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("cases/<int:pk>/do/<slug:action>/", views.case_action, name="case_action"),
]
