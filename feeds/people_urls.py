"""URLs of the people pages: /people/ (who you follow, who to follow) and each person's."""

from django.urls import path

from feeds import people_views

app_name = "people"
urlpatterns = [
    path("people/", people_views.people_list, name="list"),
    path("people/<int:person_id>/", people_views.person_page, name="person"),
    path("people/<int:person_id>/follow/", people_views.person_follow, name="follow"),
    path("people/<int:person_id>/unfollow/", people_views.person_unfollow, name="unfollow"),
]
