"""Screening results: alerts and their review, re-screening runs, and "Screen now" for a partner.
Included from `screening/urls.py` without a namespace of its own, so the names are `screening:…`."""

from django.urls import path

from partnerhub.screening import views_monitoring as views

urlpatterns = [
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("partners/<int:pk>/screen/", views.partner_screen_now, name="partner_screen_now"),
]
