from django.urls import path

from partnerhub.agreements import views

app_name = "agreements"

urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("export.<str:fmt>", views.agreement_export, name="export"),
    path("advisor/", views.advisor_page, name="advisor"),
    path("new/", views.agreement_create_page, name="create"),
    path("new/parties/search/", views.party_search, name="party_search"),
    path("new/parties/", views.party_choose, name="party_choose"),
    path("<int:pk>/", views.agreement_detail, name="detail"),
    path("<int:pk>/edit/", views.version_edit, name="edit"),
    path("<int:pk>/act/<str:act>/", views.agreement_act, name="act"),
    path("<int:pk>/results/", views.results_add, name="results_add"),
    path("<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("<int:pk>/letters/", views.letter_generate, name="letter_generate"),
    path("<int:pk>/documents/<int:doc>/", views.document_download, name="document"),
]
