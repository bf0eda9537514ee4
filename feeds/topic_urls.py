"""URLs of the topic pages."""

from django.urls import path

from feeds import topic_views

app_name = "topics"
urlpatterns = [path("topics/<slug:slug>/", topic_views.topic_page, name="topic")]
