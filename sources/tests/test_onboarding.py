from html.parser import HTMLParser

import pytest
from django.urls import reverse

from feeds.tests.factories import ItemFactory, PersonFactory
from sources.models import FollowedHashtag, FollowedPerson, Hashtag, Source, Topic
from sources.onboarding import parse_tags, suggest_hashtags
from sources.onboarding_views import SESSION_KEY
from sources.tests.factories import HashtagFactory

pytestmark = pytest.mark.django_db

STEPS = ["onboarding:start", "onboarding:hashtags", "onboarding:blogs", "onboarding:people"]


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """Following enqueues first polls; these tests only look at what was recorded."""
    from feeds.tasks import poll_source_task

    queued = []
    monkeypatch.setattr(poll_source_task, "delay", queued.append)
    return queued


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


def name_topic(client, name="Astronomy", description=""):
    return client.post(
        reverse("onboarding:start"), {"name": name, "description": description, "action": "next"}
    )


def names(suggestions):
    return [s.name for s in suggestions]


def test_anonymous_visitors_are_sent_to_log_in(client):
    for step in STEPS:
        response = client.get(reverse(step))

        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_a_new_sign_up_lands_on_the_first_step(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "password1": "a-long-passphrase",
            "password2": "a-long-passphrase",
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("onboarding:start")


def test_naming_a_topic_creates_a_private_personal_topic_owned_by_the_learner(
    learner_client, learner
):
    response = name_topic(learner_client, description="Night skies")

    assert response.url == reverse("onboarding:hashtags")
    topic = Topic.objects.get()
    assert (topic.name, topic.slug, topic.description) == ("Astronomy", "astronomy", "Night skies")
    assert topic.owner == learner
    assert topic.kind == Topic.Kind.PERSONAL
    assert topic.visibility == Topic.Visibility.PRIVATE
    assert learner_client.session[SESSION_KEY] == topic.pk


def test_going_back_to_the_first_step_edits_the_same_topic(learner_client):
    name_topic(learner_client, "Astronmy")

    page = learner_client.get(reverse("onboarding:start")).content.decode()
    name_topic(learner_client, "Astronomy")

    assert 'value="Astronmy"' in page
    assert list(Topic.objects.values_list("name", flat=True)) == ["Astronomy"]


def test_the_full_flow_lands_on_a_timeline_filtered_by_the_new_topic(
    learner_client, learner, allow_simulator
):
    name_topic(learner_client)

    page = learner_client.get(reverse("onboarding:hashtags")).content.decode()
    assert 'value="astrophotography"' in page
    response = learner_client.post(
        reverse("onboarding:hashtags"),
        {"chosen": ["astronomy", "stargazing"], "more": "#SUB101, openscience", "action": "next"},
    )
    assert response.url == reverse("onboarding:blogs")
    topic = Topic.objects.get()
    tags = {"astronomy", "stargazing", "sub101", "openscience"}
    assert set(topic.hashtags.values_list("name", flat=True)) == tags
    assert (
        set(FollowedHashtag.objects.filter(user=learner).values_list("hashtag__name", flat=True))
        == tags
    )
    assert (
        set(Source.objects.filter(hashtag__isnull=False).values_list("hashtag__name", flat=True))
        == tags
    )

    addresses = f"{allow_simulator.base_url}/blogs/0/\n{allow_simulator.feed_url(1)}\n"
    response = learner_client.post(
        reverse("onboarding:blogs"), {"addresses": addresses, "action": "next"}
    )
    assert response.url == reverse("onboarding:people")
    assert topic.blogs.count() == 2
    assert learner.followed_blogs.count() == 2

    stream = Source.objects.filter(hashtag__name="astronomy").first()
    prolific, occasional = PersonFactory(name="Ada Prolific"), PersonFactory(name="Bo Occasional")
    ItemFactory.create_batch(3, author=prolific, sources=[stream], title="Orion tonight")
    ItemFactory(author=occasional).hashtags.add(Hashtag.objects.get(name="sub101"))
    page = learner_client.get(reverse("onboarding:people")).content.decode()
    assert page.index("Ada Prolific") < page.index("Bo Occasional")
    assert "3 posts" in page

    response = learner_client.post(
        reverse("onboarding:people"), {"people": [prolific.pk], "action": "next"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"{reverse('feeds:timeline')}?topic=astronomy"
    assert list(topic.people.all()) == [prolific]
    assert FollowedPerson.objects.filter(user=learner, person=prolific).exists()
    assert SESSION_KEY not in learner_client.session
    body = response.content.decode()
    assert "Astronomy is ready: 4 hashtags, 2 blogs and 1 person." in body
    assert "Orion tonight" in body


def test_hashtags_are_suggested_from_the_topic_name():
    HashtagFactory(display="AstronomyClub")

    suggested = names(suggest_hashtags("Astronomy"))

    assert suggested[:5] == ["astronomy", "space", "astrophotography", "nasa", "stargazing"]
    assert "astronomyclub" in suggested


def test_a_class_code_in_the_topic_name_is_suggested_as_its_tag():
    suggested = suggest_hashtags("SUB101: Learning in the Open")

    assert "sub101" in names(suggested)
    assert "#SUB101" in [str(s) for s in suggested]


def test_the_most_followed_hashtags_are_suggested_for_any_topic(other_learner):
    FollowedHashtag.objects.create(user=other_learner, hashtag=HashtagFactory(display="EdTech"))

    assert "edtech" in names(suggest_hashtags("Knitting"))


def test_typed_hashtags_are_checked_one_by_one():
    tags, problems = parse_tags("#SUB101, open_science;#café sub-101 123 C++ #SUB101")

    assert tags == ["SUB101", "open_science", "café"]
    assert [p.tag for p in problems] == ["sub-101", "123", "C++"]
    assert "Did you mean #sub101?" in problems[0].message
    assert "at least one letter" in problems[1].message


def test_an_invalid_hashtag_is_reported_while_the_others_are_followed(learner_client, learner):
    name_topic(learner_client)

    response = learner_client.post(
        reverse("onboarding:hashtags"), {"more": "#SUB101 sub-101 123", "action": "next"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in page
    assert "sub-101: a hashtag holds only letters, digits and _" in page
    assert "123: a hashtag needs at least one letter." in page
    assert 'value="sub-101 123"' in page
    assert FollowedHashtag.objects.filter(user=learner, hashtag__name="sub101").exists()
    assert list(Topic.objects.get().hashtags.values_list("name", flat=True)) == ["sub101"]
    assert 'value="sub101" id="id_chosen_0" checked' in page


def test_unticking_a_hashtag_takes_it_out_of_the_topic(learner_client):
    name_topic(learner_client)
    url = reverse("onboarding:hashtags")
    learner_client.post(url, {"chosen": ["astronomy", "space"], "action": "next"})

    learner_client.post(url, {"chosen": ["astronomy"], "action": "next"})

    assert list(Topic.objects.get().hashtags.values_list("name", flat=True)) == ["astronomy"]


def test_a_bad_blog_address_is_reported_on_its_line_while_the_good_ones_are_kept(
    learner_client, allow_simulator
):
    name_topic(learner_client)
    bad = f"{allow_simulator.base_url}/faults/404"
    addresses = f"{allow_simulator.feed_url(2)}\n{bad}\nhttp://[oops\n"

    response = learner_client.post(
        reverse("onboarding:blogs"), {"addresses": addresses, "action": "next"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert f"Line 1, {bad}:" in page and "HTTP 404" in page
    assert "Line 2, http://[oops: This is not a web address" in page
    assert f">\n{bad}\nhttp://[oops</textarea>" in page
    topic = Topic.objects.get()
    assert topic.blogs.count() == 1
    assert f"Already in {topic.name}" in page


def test_too_many_blog_addresses_at_once_are_refused(learner_client):
    addresses = "\n".join(f"https://blog{n}.example.org/" for n in range(11))

    response = learner_client.post(
        reverse("onboarding:blogs"), {"addresses": addresses, "action": "next"}
    )

    assert response.status_code == 200
    assert "Paste at most 10 addresses" in response.content.decode()


def test_the_people_step_says_kindly_when_no_posts_have_arrived_yet(learner_client):
    name_topic(learner_client)
    learner_client.post(reverse("onboarding:hashtags"), {"chosen": ["astronomy"]})

    page = learner_client.get(reverse("onboarding:people")).content.decode()

    assert "Nobody to suggest yet" in page
    assert "Skip and finish" in page


def test_skipping_a_step_saves_nothing_and_moves_on(learner_client, learner):
    name_topic(learner_client)

    response = learner_client.post(
        reverse("onboarding:hashtags"), {"chosen": ["astronomy"], "more": "x", "action": "skip"}
    )

    assert response.url == reverse("onboarding:blogs")
    assert not FollowedHashtag.objects.exists()


def test_skipping_the_topic_still_follows_what_the_learner_picks(learner_client, learner):
    learner_client.post(reverse("onboarding:start"), {"name": "", "action": "skip"})

    learner_client.post(reverse("onboarding:hashtags"), {"more": "#SUB101", "action": "next"})
    response = learner_client.post(reverse("onboarding:people"), {"action": "next"})

    assert not Topic.objects.exists()
    assert FollowedHashtag.objects.filter(user=learner, hashtag__name="sub101").exists()
    assert response.url == reverse("feeds:timeline")


def test_another_learner_never_sees_this_learners_topic(client, learner, other_learner):
    client.force_login(learner)
    name_topic(client, "Secret Stars")
    topic = Topic.objects.get()
    client.force_login(other_learner)
    session = client.session
    session[SESSION_KEY] = topic.pk  # as if the id leaked into their session
    session.save()

    pages = [client.get(reverse(step)).content.decode() for step in STEPS]
    client.post(reverse("onboarding:hashtags"), {"more": "#stolen", "action": "next"})
    timeline = client.get(reverse("feeds:timeline"), {"topic": topic.slug}).content.decode()

    assert all("Secret Stars" not in page for page in pages)
    assert "Secret Stars" not in timeline
    assert not topic.hashtags.exists()


class _FormAudit(HTMLParser):
    """Collects the ids of labelled controls, the controls, and checkboxes outside a fieldset
    with a legend."""

    def __init__(self):
        super().__init__()
        self.labelled, self.controls, self.loose_checkboxes = set(), [], []
        self.fieldsets, self.legends = 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label" and attrs.get("for"):
            self.labelled.add(attrs["for"])
        elif tag == "fieldset":
            self.fieldsets += 1
        elif tag == "legend":
            self.legends += 1
        elif tag in ("input", "textarea", "select") and attrs.get("type") not in (
            "hidden",
            "submit",
        ):
            self.controls.append(attrs.get("id"))
            if attrs.get("type") == "checkbox" and not (self.fieldsets and self.legends):
                self.loose_checkboxes.append(attrs.get("id"))

    def handle_endtag(self, tag):
        if tag == "fieldset":
            self.fieldsets -= 1


def test_every_step_labels_its_fields_and_groups_its_checkboxes(learner_client):
    name_topic(learner_client)
    HashtagFactory(display="Astronomy")
    ItemFactory(author=PersonFactory(name="Ada")).hashtags.add(Hashtag.objects.get())
    learner_client.post(reverse("onboarding:hashtags"), {"chosen": ["astronomy"]})

    for n, step in enumerate(STEPS, start=1):
        page = learner_client.get(reverse(step)).content.decode()
        audit = _FormAudit()
        audit.feed(page)

        assert f"Step {n} of 4" in page
        assert 'aria-current="step"' in page
        controls = [c for c in audit.controls if c != "site-search"]
        assert controls, step
        assert set(controls) <= audit.labelled, step
        assert not audit.loose_checkboxes, step
