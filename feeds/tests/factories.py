import datetime

import factory
from django.utils import timezone
from django.utils.html import escape

from feeds.models import Item, Person


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    platform = "feed"
    external_id = factory.Sequence(lambda n: f"blog.example.org|Author {n}")
    name = factory.Sequence(lambda n: f"Author {n}")


class ItemFactory(factory.django.DjangoModelFactory):
    """An item; pass `sources=[source]` to make it part of that Source's stream."""

    class Meta:
        model = Item
        skip_postgeneration_save = True

    platform = "feed"
    external_id = factory.Sequence(lambda n: f"blog.example.org|post-{n}")
    title = factory.Sequence(lambda n: f"Post {n}")
    html = factory.LazyAttribute(lambda item: f"<p>{escape(item.text)}</p>")
    author = factory.SubFactory(PersonFactory)
    published_at = factory.Sequence(lambda n: timezone.now() - datetime.timedelta(minutes=n))

    class Params:
        text = "Body"  # the plain text of the default HTML

    @factory.post_generation
    def sources(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.sources.add(*extracted)
