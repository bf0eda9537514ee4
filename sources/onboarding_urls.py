"""URLs of the onboarding wizard, under /welcome/ (where a new sign-up lands)."""

from django.urls import path

from sources import onboarding_views as views

app_name = "onboarding"
urlpatterns = [
    path("welcome/", views.topic_step, name="start"),
    path("welcome/hashtags/", views.hashtags_step, name="hashtags"),
    path("welcome/blogs/", views.blogs_step, name="blogs"),
    path("welcome/people/", views.people_step, name="people"),
]
