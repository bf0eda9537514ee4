"""A topic's page: everything it gathers and who contributes most. Private topics exist
only for their owner, members and coordinators."""

from django.shortcuts import get_object_or_404, render

from feeds import people, timeline


def topic_page(request, slug: str):
    topic = get_object_or_404(people.readable_topics(request.user), slug=slug)
    after = timeline.Cursor.decode(request.GET.get("after"))
    items = timeline.visible_items(request.user).filter(timeline.topic_condition(topic))
    page = timeline.page(items, after=after, user=request.user, with_cards=True)
    context = {"page": page, "filters": None, "is_first_page": after is None, "topic": topic}
    if request.htmx and after:
        return render(request, "feeds/_items.html", context)
    context |= {
        "contributors": people.top_contributors(items),
        "contributors_days": people.CONTRIBUTORS_WINDOW.days,
        "hashtags": list(topic.hashtags.order_by("name")),
        "is_mine": timeline.my_topics(request.user).filter(pk=topic.pk).exists(),
    }
    return render(request, "feeds/topic.html", context)
