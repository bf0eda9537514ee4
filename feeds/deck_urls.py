"""URLs of the deck: the page of columns, and one column's next page or news."""

from django.urls import path

from feeds import deck_views

app_name = "deck"
urlpatterns = [
    path("deck/", deck_views.deck_view, name="deck"),
    path("deck/column/", deck_views.column_view, name="column"),
]
