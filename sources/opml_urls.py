"""URLs of the opml pages (being built)."""

from django.http import Http404
from django.urls import path


def _not_yet(request):
    raise Http404("Not built yet.")


app_name = "opml"
urlpatterns = [path("opml/", _not_yet, name="opml")]
