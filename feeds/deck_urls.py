"""URLs of the deck pages (being built)."""

from django.http import Http404
from django.urls import path


def _not_yet(request):
    raise Http404("Not built yet.")


app_name = "deck"
urlpatterns = [path("deck/", _not_yet, name="deck")]
