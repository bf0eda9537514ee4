from django.urls import path

from sources import views

app_name = "sources"
urlpatterns = [
    path("blogs/", views.blog_list, name="blogs"),
    path("blogs/follow/", views.blog_follow, name="blog_follow"),
    path("blogs/<int:blog_id>/unfollow/", views.blog_unfollow, name="blog_unfollow"),
]
