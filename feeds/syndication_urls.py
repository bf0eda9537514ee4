"""URLs of the syndication pages (being built)."""

from django.http import Http404
from django.urls import path


def _not_yet(request):
    raise Http404("Not built yet.")


app_name = "syndication"
urlpatterns = [path("syndication/", _not_yet, name="links")]
