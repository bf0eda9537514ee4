"""URLs of the search page: /search/?q=... with the timeline's filters."""

from django.urls import path

from feeds import search_views

app_name = "search"
urlpatterns = [path("search/", search_views.results_view, name="results")]
