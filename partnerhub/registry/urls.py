from django.urls import include, path

from partnerhub.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.partner_list, name="partner_list"),
    path("export.<str:fmt>", views.partner_export, name="partner_export"),
    path("new/", views.partner_create, name="partner_create"),
    path("new-this-year/", views.new_partners, name="new_partners"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/<int:pk>/edit/", views.category_edit, name="category_edit"),
    path("<int:pk>/", views.partner_detail, name="partner_detail"),
    path("<int:pk>/edit/", views.partner_edit, name="partner_edit"),
    path("<int:pk>/status/", views.partner_status, name="partner_status"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("<int:pk>/relationships/new/", views.relationship_create, name="relationship_create"),
    path("relationships/<int:pk>/delete/", views.relationship_delete, name="relationship_delete"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/export/", views.contact_export, name="contact_export"),
    path("contacts/<int:pk>/erase/", views.contact_erase, name="contact_erase"),
    path("roles/<int:pk>/end/", views.contact_role_end, name="contact_role_end"),
    path("duplicates/", include("partnerhub.registry.urls_dedupe")),
    path("import/", include("partnerhub.registry.urls_import")),
]
