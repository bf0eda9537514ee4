"""Forms of the onboarding wizard's four steps. Choices come from `sources.onboarding`."""

from collections.abc import Sequence

from django import forms
from django.http import QueryDict
from django.utils.html import format_html

from feeds.models import Person
from sources.hashtags import normalise
from sources.onboarding import Suggestion, TagProblem

MAX_ADDRESSES = 10  # each may cost a few requests of autodiscovery, inside this request


class TopicForm(forms.Form):
    name = forms.CharField(
        label="Topic name",
        max_length=120,
        help_text="What you want to learn about, like Astronomy, or your course, like SUB101.",
        widget=forms.TextInput(attrs={"placeholder": "Astronomy", "autocomplete": "off"}),
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        max_length=2000,
        help_text="A note to yourself: why this topic, what you hope to learn.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not normalise(name):
            raise forms.ValidationError("A topic name needs at least one letter or digit.")
        return name


class HashtagsForm(forms.Form):
    chosen = forms.MultipleChoiceField(
        label="Suggested hashtags", required=False, widget=forms.CheckboxSelectMultiple
    )
    more = forms.CharField(
        label="Other hashtags",
        required=False,
        max_length=2000,
        help_text="Separate them with spaces or commas; your class tag is welcome: #SUB101",
        widget=forms.TextInput(
            attrs={"placeholder": "#SUB101 #OpenScience", "autocomplete": "off"}
        ),
    )

    def __init__(self, *args, suggestions: Sequence[Suggestion], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.suggestions = {s.name: s for s in suggestions}
        self.fields["chosen"].choices = [(s.name, str(s)) for s in suggestions]
        self.fields["chosen"].initial = [s.name for s in suggestions if s.chosen]

    @property
    def offered(self) -> list[str]:
        return list(self.suggestions)

    def chosen_tags(self) -> list[str]:
        """The ticked hashtags in their display form (the casing a new Hashtag keeps)."""
        return [self.suggestions[name].display for name in self.cleaned_data["chosen"]]

    @classmethod
    def with_problems(
        cls, problems: Sequence[TagProblem], *, suggestions: Sequence[Suggestion]
    ) -> "HashtagsForm":
        """The step shown again after a save: only the tags that failed are left in the text
        field, each with its error; what was saved shows as ticked."""
        data = QueryDict(mutable=True)
        data.setlist("chosen", [s.name for s in suggestions if s.chosen])
        data["more"] = " ".join(p.tag for p in problems)
        form = cls(data, suggestions=suggestions)
        form.full_clean()
        for problem in problems:
            form.add_error("more", problem.message)
        return form


class BlogsForm(forms.Form):
    addresses = forms.CharField(
        label="Blog addresses, one per line",
        required=False,
        help_text="A site's address is enough: PLN Hub finds its RSS, Atom or JSON feed. "
        f"Up to {MAX_ADDRESSES} at a time.",
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "placeholder": "https://example.org/blog/\nanother-blog.example.net",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )

    def clean_addresses(self) -> list[str]:
        lines = self.cleaned_data["addresses"].splitlines()
        addresses = list(dict.fromkeys(line.strip() for line in lines if line.strip()))
        if len(addresses) > MAX_ADDRESSES:
            raise forms.ValidationError(
                f"Paste at most {MAX_ADDRESSES} addresses at a time; add the rest afterwards."
            )
        return addresses

    @classmethod
    def with_failures(cls, failed: Sequence[tuple[str, str]]) -> "BlogsForm":
        """The step shown again: only the addresses that failed, one per line, each with its
        error."""
        form = cls({"addresses": "\n".join(address for address, _ in failed)})
        form.full_clean()
        for line, (address, message) in enumerate(failed, start=1):
            form.add_error("addresses", f"Line {line}, {address}: {message}")
        return form


class PeopleForm(forms.Form):
    people = forms.TypedMultipleChoiceField(
        label="People to follow", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, people: Sequence[Person], chosen: set[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.offered = list(people)
        self.fields["people"].choices = [(p.pk, _person_label(p)) for p in people]
        self.fields["people"].initial = [p.pk for p in people if p.pk in chosen]

    def chosen_people(self) -> list[Person]:
        ids = set(self.cleaned_data["people"])
        return [p for p in self.offered if p.pk in ids]


def _person_label(person: Person) -> str:
    posts = getattr(person, "posts", 0)
    return format_html(
        '<span class="person-name">{}</span> <span class="person-meta">{}{} · {} post{}</span>',
        person,
        f"{person.handle} · " if person.handle and person.handle != str(person) else "",
        person.get_platform_display(),
        posts,
        "" if posts == 1 else "s",
    )
