"""English-like text for generated blogs: titles, author names and post bodies.

Every function takes a `random.Random` and draws only from it, so the same seed always gives
the same text. Post bodies are HTML of roughly 1-1.5 KB: paragraphs, sometimes a list or a
blockquote, a relative `../about/` link and sometimes a root-relative `/static-img/<k>.png`
image. Nothing here is hostile; hostile payloads live in `simulator.faults`.
"""

from __future__ import annotations

import random
from html import escape

HASHTAGS = (
    "astronomy",
    "sub101",
    "edtech",
    "openscience",
    "pedagogy",
    "climate",
    "python",
    "reading",
)

# (blog title, tagline, main hashtag)
BLOG_TITLES = (
    ("Stargazing Notes", "Backyard astronomy, one clear night at a time", "astronomy"),
    ("The SUB101 Study Desk", "Working notes from an open course", "sub101"),
    ("Chalk and Code", "Teaching with, and about, technology", "edtech"),
    ("Open Lab Notebook", "Science done in the open, mistakes included", "openscience"),
    ("The Patient Teacher", "Slow thoughts on how people learn", "pedagogy"),
    ("Weather Underfoot", "Climate, soil and the local forecast", "climate"),
    ("Small Python Things", "Short programs that do one useful thing", "python"),
    ("Marginalia", "What I read, and what I wrote beside it", "reading"),
    ("Night Sky Almanac", "Dates, planets and the odd comet", "astronomy"),
    ("Classroom Commons", "Shared resources for shared classrooms", "edtech"),
    ("Carbon and Curriculum", "Teaching the climate we live in", "climate"),
    ("Field Notes on Learning", "Observations from a learning network", "pedagogy"),
    ("Tiny Experiments", "Reproducible, small and cheap", "openscience"),
    ("The Reading Room", "Books, papers and long articles", "reading"),
    ("Week by Week in SUB101", "A learner's diary of the course", "sub101"),
    ("Notebook of a Pythonista", "Learning to program in public", "python"),
)

FIRST_NAMES = (
    "Amara", "Ben", "Chiara", "Dmitri", "Elif", "Farah", "Gus", "Hana", "Ines", "Jonas",
    "Kofi", "Lena", "Mateo", "Noor", "Oskar", "Priya", "Quinn", "Rosa", "Sami", "Tove",
)  # fmt: skip
LAST_NAMES = (
    "Achebe", "Bergström", "Castillo", "Dubois", "Eriksen", "Fujita", "García", "Haddad",
    "Iyer", "Jansen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov",
)  # fmt: skip

TOPIC_NOUNS = {
    "astronomy": ("the Orion nebula", "Jupiter's moons", "a borrowed telescope",
                  "light pollution", "the Perseids", "variable stars", "the waxing moon"),
    "sub101": ("the week three reading", "our study group", "the first assignment",
               "peer feedback", "the course forum", "the reflection prompt"),
    "edtech": ("shared slide decks", "the learning platform", "open textbooks",
               "quiz tools", "classroom tablets", "video feedback"),
    "openscience": ("preregistration", "open data", "a lab notebook", "replication",
                    "preprints", "shared protocols"),
    "pedagogy": ("retrieval practice", "worked examples", "formative feedback",
                 "spaced repetition", "peer instruction", "wait time"),
    "climate": ("the soil moisture readings", "a rain gauge", "local heat records",
                "tree planting", "the river level", "carbon budgets"),
    "python": ("list comprehensions", "a small CSV parser", "type hints", "pytest fixtures",
               "the standard library", "a command-line tool"),
    "reading": ("a library book", "long-form essays", "my annotation habit",
                "a reading group", "second-hand paperbacks", "footnotes"),
}  # fmt: skip

ADJECTIVES = ("surprising", "quiet", "useful", "messy", "patient", "honest", "small",
              "careful", "generous", "stubborn", "bright", "slow")  # fmt: skip
TIMES = ("last weekend", "this morning", "the past fortnight", "a rainy Tuesday",
         "the holidays", "yesterday evening", "week two")  # fmt: skip
GERUNDS = ("taking notes by hand", "planning everything", "reading too fast",
           "working alone", "waiting for perfect conditions", "skipping the basics")  # fmt: skip

TITLE_TEMPLATES = (
    "What {noun} taught me about {noun2}",
    "Notes on {noun}",
    "A {adj} week with {noun}",
    "Why I stopped {gerund}",
    "Five small things about {noun}",
    "Revisiting {noun}, {time}",
    "{Noun} and {noun2}: a first look",
    "Questions I still have about {noun}",
)
SENTENCE_TEMPLATES = (
    "I spent {time} with {noun}, and it was more {adj} than I expected.",
    "If you are new to {noun}, start with {noun2}; the rest follows more easily.",
    "{Name} pointed me to {noun}, which I had somehow missed.",
    "My notes from {time} are short: {noun} is {adj}, and {noun2} is not.",
    "The group kept coming back to {noun}, so I wrote this down before I forgot it.",
    "There is a lesson here about {noun2}, even if it took me a while to see it.",
    "I used to think {noun} was only for experts, but that is not true.",
    "Since I stopped {gerund}, {noun} has become a lot less {adj}.",
    "A {adj} detail: nobody mentioned {noun2} until the very end.",
    "Next time I will try {noun} earlier, and give it more time.",
    "Half of what I know about {noun} I learned by getting it wrong first.",
    "We compared notes on {noun} and found we had asked the same {adj} question.",
    "It is easy to forget how much {noun2} depends on {noun}.",
    "Someone in the forum asked whether {noun} was worth the effort; I think it is.",
    "I keep a short list of open questions, and {noun} is at the top of it again.",
    "The {adj} part was not {noun} itself but explaining it to a friend.",
)
QUOTES = (
    "The best way to learn something is to explain it to someone else.",
    "Write down what you noticed, not what you expected to notice.",
    "Small steps taken often beat big steps taken rarely.",
    "A good question is worth more than a quick answer.",
)


def _fill(template: str, rng: random.Random, topic: str) -> str:
    nouns = TOPIC_NOUNS[topic]
    noun, noun2 = rng.sample(nouns, 2)
    words = {
        "noun": noun,
        "noun2": noun2,
        "Noun": noun[:1].upper() + noun[1:],
        "adj": rng.choice(ADJECTIVES),
        "time": rng.choice(TIMES),
        "gerund": rng.choice(GERUNDS),
        "Name": rng.choice(FIRST_NAMES),
    }
    return template.format(**words)


def blog_title(n: int) -> tuple[str, str, str]:
    """Return (title, tagline, main hashtag) for blog `n`; titles repeat with a suffix."""
    title, tagline, tag = BLOG_TITLES[n % len(BLOG_TITLES)]
    if n >= len(BLOG_TITLES):
        title = f"{title} ({n // len(BLOG_TITLES) + 1})"
    return title, tagline, tag


def author_names(rng: random.Random) -> list[str]:
    """Two or three distinct full names."""
    firsts = rng.sample(FIRST_NAMES, rng.randint(2, 3))
    return [f"{first} {rng.choice(LAST_NAMES)}" for first in firsts]


def post_categories(rng: random.Random, main: str) -> list[str]:
    """One to three hashtags, the blog's main one first."""
    others = [tag for tag in HASHTAGS if tag != main]
    return [main, *rng.sample(others, rng.randint(0, 2))]


def post_title(rng: random.Random, topic: str) -> str:
    title = _fill(rng.choice(TITLE_TEMPLATES), rng, topic)
    return title[:1].upper() + title[1:]


def _paragraph(rng: random.Random, topic: str, deck: list[str]) -> str:
    """Two or three sentences; templates come off `deck`, so a post rarely repeats one."""
    sentences = []
    for _ in range(rng.randint(2, 3)):
        if not deck:
            deck.extend(rng.sample(SENTENCE_TEMPLATES, len(SENTENCE_TEMPLATES)))
        sentences.append(_fill(deck.pop(), rng, topic))
    return "<p>" + escape(" ".join(sentences), quote=False) + "</p>"


def post_html(rng: random.Random, topic: str, *, image: int | None, min_chars: int = 900) -> str:
    """An HTML body of about 1-1.5 KB (at least `min_chars` before its closing paragraph);
    `image` adds `<img src="/static-img/<image>.png">`."""
    deck: list[str] = []
    parts = [_paragraph(rng, topic, deck)]
    if rng.random() < 0.4:
        items = rng.sample(TOPIC_NOUNS[topic], 3)
        parts.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>")
    elif rng.random() < 0.5:
        parts.append(f"<blockquote><p>{escape(rng.choice(QUOTES))}</p></blockquote>")
    if image is not None:
        alt = escape(rng.choice(TOPIC_NOUNS[topic]))
        parts.append(f'<p><img src="/static-img/{image}.png" alt="{alt}"></p>')
    while sum(map(len, parts)) < min_chars:
        parts.append(_paragraph(rng, topic, deck))
    parts.append('<p>More about this blog on the <a href="../about/">about page</a>.</p>')
    return "\n".join(parts)


def summary(html_body: str) -> str:
    """The first paragraph's text, for `<description>`/`summary` fields (plain text)."""
    first = html_body.split("</p>", 1)[0].removeprefix("<p>")
    return first.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
