from django.urls import path

from feeds import views

app_name = "feeds"
urlpatterns = [
    path("", views.timeline_view, name="timeline"),
    path("items/<int:item_id>/", views.item_action, name="item"),
    path("items/<int:item_id>/<slug:action>/", views.item_action, name="item_action"),
    path("read/", views.mark_read, name="mark_read"),
    path("sidebar/counts/", views.sidebar_counts, name="sidebar_counts"),
]
