"""OPML import and export of followed blogs."""

from django.urls import path

from sources import opml_views as views

app_name = "opml"
urlpatterns = [
    path("blogs/opml/", views.opml_page, name="opml"),
    path("blogs/opml/export/", views.opml_export, name="export"),
]
