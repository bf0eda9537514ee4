"""Atom feeds of timeline views, and the settings page listing a learner's feed links."""

from django.urls import path

from feeds import syndication_views as views

app_name = "syndication"
urlpatterns = [
    path("feeds/atom/", views.timeline_atom, name="timeline_atom"),
    path("tags/<str:name>/atom/", views.hashtag_atom, name="hashtag_atom"),
    path("settings/feeds/", views.feed_links, name="links"),
    path("settings/feeds/revoke/", views.revoke_feed_links, name="revoke"),
]
