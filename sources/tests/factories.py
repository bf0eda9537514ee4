import factory

from sources.models import Blog, FollowedBlog, Group, Hashtag, Membership, Source


class HashtagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hashtag
        django_get_or_create = ["name"]

    display = factory.Sequence(lambda n: f"Topic{n}")
    name = factory.LazyAttribute(lambda o: o.display.lower())


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    platform = "feed"
    url = factory.Sequence(lambda n: f"https://blog{n}.example.org/feed/")
    title = factory.Sequence(lambda n: f"Blog {n}")


class BlogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Blog

    source = factory.SubFactory(SourceFactory)
    feed_url = factory.LazyAttribute(lambda o: o.source.url)
    site_url = factory.LazyAttribute(lambda o: o.source.url.removesuffix("feed/"))
    title = factory.LazyAttribute(lambda o: o.source.title)


class FollowedBlogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowedBlog

    user = factory.SubFactory("accounts.tests.factories.UserFactory")
    blog = factory.SubFactory(BlogFactory)


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Study group {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    group = factory.SubFactory(GroupFactory)
    user = factory.SubFactory("accounts.tests.factories.UserFactory")
