"""Generated blogs: their state (`BlogSet`) and their routes.

Routes (n = 0-based blog number, k = 0-based post number, oldest first):
    /                         index of all blogs (for people poking at the demo)
    /blogs/<n>/               home page; its <head> has a feed autodiscovery <link> (relative)
    /blogs/<n>/<feed file>    the blog's feed; format by n % 4 (see `simulator.formats`):
                              0 feed.xml (RSS 2.0), 1 atom.xml (Atom), 2 feed.json (JSON Feed),
                              3 index.rdf (RSS 1.0); other feed files of that blog are 404
    /blogs/<n>/posts/<k>/     a post page
    /blogs/<n>/about/         about page (also at /blogs/<n>/posts/about/, where the posts'
                              relative `../about/` link lands when resolved against a post)

Feeds support conditional GET (ETag, Last-Modified) and list the newest `posts_per_blog`
posts, newest first. Everything is deterministic from the seed except dates, which are
relative to when the `BlogSet` was created. `BlogSet` is thread-safe.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape

from simulator import formats, prose
from simulator.replies import (
    Reply,
    Request,
    conditional,
    html_page,
    method_not_allowed,
    not_found,
    redirect,
)


@dataclass(frozen=True)
class Post:
    blog: int
    index: int
    title: str
    author: str
    published: datetime
    categories: tuple[str, ...]
    html: str

    @property
    def path(self) -> str:
        return f"/blogs/{self.blog}/posts/{self.index}/"


@dataclass
class Blog:
    index: int
    title: str
    tagline: str
    topic: str
    authors: list[str]
    posts: list[Post] = field(default_factory=list)  # oldest first
    version: int = 0  # bumped on every change; keys the rendered-feed cache

    @property
    def format(self) -> formats.FeedFormat:
        return formats.FORMATS[self.index % len(formats.FORMATS)]

    @property
    def path(self) -> str:
        return f"/blogs/{self.index}/"


class BlogSet:
    """`count` blogs generated from `seed`, each starting with `posts_per_blog` posts."""

    def __init__(
        self, *, count: int, seed: int, posts_per_blog: int, post_chars: int = 900
    ) -> None:
        self.seed = seed
        self.posts_per_blog = posts_per_blog
        self.post_chars = post_chars  # a post's HTML is at least this long (plus a last line)
        self._lock = threading.Lock()
        self._cache: dict[tuple[int, str], tuple[int, bytes]] = {}
        start = datetime.now(UTC).replace(microsecond=0)
        self.blogs = [self._make_blog(n, start) for n in range(count)]

    def _make_blog(self, n: int, start: datetime) -> Blog:
        rng = random.Random(f"{self.seed}:{n}:blog")  # noqa: S311 (demo text, not secrets)
        title, tagline, topic = prose.blog_title(n)
        blog = Blog(n, title, tagline, topic, prose.author_names(rng))
        # Newest post a few minutes to hours ago, older ones every 2.5-5 hours before it.
        moment = start - timedelta(minutes=rng.randint(10, 360))
        dates = []
        for _ in range(self.posts_per_blog):
            dates.append(moment)
            moment -= timedelta(minutes=rng.randint(150, 300))
        for k, published in enumerate(reversed(dates)):
            blog.posts.append(self._make_post(blog, k, published))
        return blog

    def _make_post(self, blog: Blog, k: int, published: datetime) -> Post:
        rng = random.Random(f"{self.seed}:{blog.index}:{k}")  # noqa: S311
        image = k if rng.random() < 0.3 else None
        return Post(
            blog=blog.index,
            index=k,
            title=prose.post_title(rng, blog.topic),
            author=rng.choice(blog.authors),
            published=published,
            categories=tuple(prose.post_categories(rng, blog.topic)),
            html=prose.post_html(rng, blog.topic, image=image, min_chars=self.post_chars),
        )

    def get(self, n: int) -> Blog | None:
        return self.blogs[n] if 0 <= n < len(self.blogs) else None

    def add_post(self, n: int) -> Post:
        """Publish a new newest post on blog `n` (IndexError if there is no such blog)."""
        blog = self.blogs[n]
        with self._lock:
            now = datetime.now(UTC).replace(microsecond=0)
            published = max(now, blog.posts[-1].published + timedelta(seconds=1))
            post = self._make_post(blog, len(blog.posts), published)
            blog.posts.append(post)
            blog.version += 1
            return post

    def snapshot(self, blog: Blog) -> tuple[int, list[Post]]:
        """(version, the newest `posts_per_blog` posts, newest first), read consistently."""
        with self._lock:
            return blog.version, blog.posts[::-1][: self.posts_per_blog]

    def feed_body(self, blog: Blog, base_url: str) -> tuple[bytes, datetime]:
        """The rendered feed and its last-modified time; cached until the blog changes."""
        version, posts = self.snapshot(blog)
        # Unlocked on purpose: two threads racing here just render the same bytes twice.
        cached = self._cache.get((blog.index, base_url))
        if cached is None or cached[0] != version:
            cached = (version, blog.format.render(blog, posts, base_url))
            self._cache[(blog.index, base_url)] = cached
        return cached[1], posts[0].published


def handle(request: Request) -> Reply:
    """Serve the index, blog home pages, feeds, post pages and about pages."""
    if request.method not in ("GET", "HEAD"):
        return method_not_allowed()
    blogs = request.site.blogs
    if request.path in ("/", "/blogs/", "/blogs"):
        return _index(blogs)
    parts = request.path.removeprefix("/blogs/").split("/")
    blog = blogs.get(int(parts[0])) if parts[0].isdigit() else None
    if blog is None:
        return not_found()
    rest = parts[1:]
    if not rest:
        return redirect(blog.path, 301)
    if rest == [""]:
        return _home(blogs, blog)
    if rest in (["about", ""], ["posts", "about", ""]):
        return _about(blog)
    if len(rest) == 3 and rest[0] == "posts" and rest[1].isdigit() and rest[2] == "":
        return _post_page(blog, int(rest[1]))
    if rest == [blog.format.filename]:
        body, last_modified = blogs.feed_body(blog, request.site.base_url)
        return conditional(request, body, blog.format.content_type, last_modified=last_modified)
    return not_found()


def _index(blogs: BlogSet) -> Reply:
    links = "".join(
        f'<li><a href="{b.path}">{escape(b.title)}</a> ({b.format.name})</li>' for b in blogs.blogs
    )
    return html_page("PLN simulator", f"<h1>PLN simulator</h1><ul>{links}</ul>")


def _home(blogs: BlogSet, blog: Blog) -> Reply:
    _, posts = blogs.snapshot(blog)
    fmt = blog.format
    head = (
        f'<link rel="alternate" type="{fmt.discovery_type}" '
        f'title="{escape(blog.title)} ({fmt.name})" href="{fmt.discovery_href(blog.index)}">'
    )
    items = "".join(
        f'<li><a href="posts/{p.index}/">{escape(p.title)}</a> '
        f"<time>{p.published:%Y-%m-%d}</time></li>"
        for p in posts[:5]
    )
    body = (
        f"<header><h1>{escape(blog.title)}</h1><p>{escape(blog.tagline)}</p></header>"
        f'<main><ul class="posts">{items}</ul></main><footer><a href="about/">About</a></footer>'
    )
    return html_page(blog.title, body, head=head)


def _post_page(blog: Blog, k: int) -> Reply:
    if k >= len(blog.posts):
        return not_found()
    post = blog.posts[k]
    body = (
        f'<article><h1>{escape(post.title)}</h1><p class="byline">{escape(post.author)}, '
        f'<time datetime="{post.published.isoformat()}">{post.published:%d %B %Y}</time></p>'
        f'{post.html}</article><p><a href="../../">Back to {escape(blog.title)}</a></p>'
    )
    return html_page(post.title, body)


def _about(blog: Blog) -> Reply:
    authors = ", ".join(escape(a) for a in blog.authors)
    body = f"<h1>About {escape(blog.title)}</h1><p>{escape(blog.tagline)}. By {authors}.</p>"
    return html_page(f"About {blog.title}", body)
