"""Create the demo learner, a coordinator and a small network on the local simulator."""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from feeds.search_index import index_backlog
from sources.discovery import DiscoveryError
from sources.following import follow_blog, follow_hashtag
from sources.hashtags import display_form, normalise
from sources.models import Group, Hashtag, Membership, Topic

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "learn-together"  # noqa: S105 - printed for the newcomer; local demo only
ADMIN_EMAIL = "coordinator@example.com"
DEMO_HASHTAGS = ["#SUB101", "#astronomy"]


class Command(BaseCommand):
    help = "Seed a demo learner who follows blogs served by the local platform simulator."

    def add_arguments(self, parser):
        parser.add_argument(
            "--simulator",
            default=os.environ.get("PLN_SIMULATOR_URL", "http://127.0.0.1:8765"),
            help="base URL of the running simulator (python -m simulator)",
        )
        parser.add_argument("--blogs", type=int, default=8, help="how many blogs to follow")

    def handle(self, *args, simulator: str, blogs: int, **options):
        learner = _user(DEMO_EMAIL, display_name="Demo Learner")
        _user(ADMIN_EMAIL, display_name="Demo Coordinator", staff=True)
        with transaction.atomic():
            _network(learner)
        base = simulator.rstrip("/")
        addresses = [f"{base}/blogs/{n}/" for n in range(blogs)] + [f"{base}/wp/0/"]
        for address in addresses:
            try:
                with transaction.atomic():
                    follow_blog(learner, address)
            except DiscoveryError as exc:
                message = f"Is the simulator running at {simulator}? {exc.message}"
                raise CommandError(message) from exc
        for tag in DEMO_HASHTAGS:  # searched on every platform the settings switch on
            with transaction.atomic():
                follow_hashtag(learner, tag)
        index_backlog(limit=100_000)  # searchable at once, without waiting for the worker
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready. Log in as {DEMO_EMAIL} / {DEMO_PASSWORD} "
                f"(admin: {ADMIN_EMAIL} / {DEMO_PASSWORD})."
            )
        )


def _user(email: str, *, display_name: str, staff: bool = False) -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "display_name": display_name,
            "is_staff": staff,
            "is_superuser": staff,
            "role": User.Role.COORDINATOR if staff else User.Role.LEARNER,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _hashtag(tag: str) -> Hashtag:
    return Hashtag.objects.get_or_create(
        name=normalise(tag), defaults={"display": display_form(tag)}
    )[0]


def _network(learner: User) -> None:
    astronomy, _ = Topic.objects.get_or_create(
        slug="astronomy", defaults={"name": "Astronomy", "owner": learner}
    )
    astronomy.hashtags.add(_hashtag("astronomy"), _hashtag("openscience"))
    course, _ = Topic.objects.get_or_create(
        slug="sub101",
        defaults={
            "name": "SUB101: Learning in the Open",
            "owner": learner,
            "kind": Topic.Kind.COURSE,
            "visibility": Topic.Visibility.PUBLIC,
            "class_hashtag": _hashtag("SUB101"),
        },
    )
    course.members.add(learner)
    for name, privacy in [
        ("Stargazers", Group.Privacy.OPEN),
        ("SUB101 study group", Group.Privacy.CLOSED),
    ]:
        group, _ = Group.objects.get_or_create(
            name=name, defaults={"privacy": privacy, "created_by": learner}
        )
        Membership.objects.get_or_create(
            group=group, user=learner, defaults={"role": Membership.Role.ADMIN}
        )
