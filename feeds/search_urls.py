"""URLs of the search pages (being built)."""

from django.http import Http404
from django.urls import path


def _not_yet(request):
    raise Http404("Not built yet.")


app_name = "search"
urlpatterns = [path("search/", _not_yet, name="results")]
