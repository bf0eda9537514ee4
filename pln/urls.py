"""Root URLs: the timeline at /, blogs under /blogs/, accounts by allauth, the admin."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "PLN Hub administration"
admin.site.site_title = "PLN Hub admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("sources.urls")),
    path("", include("feeds.urls")),
    path("", include("feeds.deck_urls")),
    path("", include("feeds.people_urls")),
    path("", include("feeds.topic_urls")),
    path("", include("feeds.search_urls")),
    path("", include("feeds.syndication_urls")),
    path("", include("sources.onboarding_urls")),
    path("", include("sources.opml_urls")),
]
