from django.urls import path

from sources import views

app_name = "sources"
urlpatterns = [
    path("blogs/", views.blog_list, name="blogs"),
    path("blogs/follow/", views.blog_follow, name="blog_follow"),
    path("blogs/<int:blog_id>/unfollow/", views.blog_unfollow, name="blog_unfollow"),
    path("tags/follow/", views.hashtag_follow, name="hashtag_follow"),
    path("tags/<str:name>/", views.hashtag_page, name="hashtag"),
    path("tags/<str:name>/unfollow/", views.hashtag_unfollow, name="hashtag_unfollow"),
    path("sources/<int:source_id>/", views.source_detail, name="source"),
    path("sources/<int:source_id>/refresh/", views.source_refresh, name="source_refresh"),
    path("sources/<int:source_id>/resume/", views.source_resume, name="source_resume"),
]
