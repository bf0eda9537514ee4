"""Misbehaving endpoints, one fixed path each, for tests of the guarded fetch path and parsers.

    /faults/500/feed.xml                 500 with an HTML error page
    /faults/malformed/feed.xml           200, RSS truncated mid-element
    /faults/html-200/feed.xml            200, an HTML error page (text/html) instead of a feed
    /faults/hostile/                     HTML page whose autodiscovery link points at ...
    /faults/hostile/feed.xml             valid RSS 2.0, 3 items full of script/XSS attempts in
                                         titles, content, authors and categories, plus harmless
                                         text ("Harmless text survives", "/safe/page" link)
    /faults/slow/feed.xml                valid start, then one byte per second for up to 60 s
    /faults/huge/feed.xml                ~30 MB of valid-looking RSS, no Content-Length
    /faults/gzip-bomb/feed.xml           Content-Encoding: gzip; ~120 KB inflating to 120 MiB
    /faults/redirect-loop                302 to itself
    /faults/redirect/<k>                 k redirects (mixed 301/302/303/307/308, relative
                                         Locations) ending at /blogs/0/feed.xml
    /faults/redirect-to-private          302 to http://169.254.169.254/latest/meta-data/
    /faults/redirect-to-loopback-name    302 to http://localhost:<same port>/blogs/0/feed.xml
    /faults/xxe/feed.xml                 RSS whose DOCTYPE declares SYSTEM "file:///etc/passwd"
    /faults/billion-laughs/feed.xml      RSS with the classic lol1..lol9 entity expansion
    /faults/404                          404

Streaming replies stop when the client disconnects or the server stops.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Iterator
from xml.sax.saxutils import escape

from simulator.replies import Reply, Request, html_page, not_found, redirect

RSS = "application/rss+xml; charset=utf-8"
RSS_START = b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
HUGE_BYTES = 30 * 1024 * 1024
BOMB_BYTES = 120 * 1024 * 1024
REDIRECT_CODES = (302, 301, 303, 307, 308)

Route = Callable[[Request], Reply]

HOSTILE_ITEMS = (
    (
        "<script>alert(1)</script>Scripted title",
        "<p>Harmless text survives</p><script>alert(1)</script>"
        '<img src=x onerror=alert(1)><a href="javascript:alert(1)">js link</a>'
        '<a href="&#106;avascript:alert(1)">entity js link</a>'
        '<p><a href="/safe/page">safe link</a></p>',
    ),
    (
        '<img src=x onerror=alert(1)> Image title <a href="javascript:alert(1)">x</a>',
        '<iframe src="http://127.0.0.1/evil"></iframe><style>body{display:none}</style>'
        '<p style="position:fixed;top:0">Styled paragraph</p>'
        "<svg onload=alert(1)><circle r=5 /></svg>"
        '<form action="/accounts/logout/" method="post"><input name="q" value="x">'
        "<button>Go</button></form><p>Harmless text survives</p>",
    ),
    (
        "Plain title with <b>bold</b> & an ampersand",
        '<p onclick="alert(1)">Click text</p><a href=" JaVaScRiPt:alert(1)">spaced js</a>'
        '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">data link</a>'
        '<img src="javascript:alert(1)"><p>Harmless text survives</p>'
        '<p><a href="/safe/page">safe link</a></p>',
    ),
)

XXE = b"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>XXE test</title><link>http://example.invalid/</link>
<description>External entity</description>
<item><title>&xxe;</title><guid>xxe-1</guid><description>&xxe;</description></item>
</channel></rss>
"""

_LOLS = "".join(
    f'<!ENTITY lol{i} "{("&" + ("lol" if i == 1 else f"lol{i - 1}") + ";") * 10}">'
    for i in range(1, 10)
)
BILLION_LAUGHS = f"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE rss [<!ENTITY lol "lol">{_LOLS}]>
<rss version="2.0"><channel><title>Laughs</title><link>http://example.invalid/</link>
<description>Entity expansion</description>
<item><title>&lol9;</title><guid>lol-1</guid><description>&lol9;</description></item>
</channel></rss>
""".encode()


def _hostile_feed(base: str) -> bytes:
    items = "".join(
        f"<item><title>{escape(title)}</title><link>{base}/faults/hostile/{i}</link>"
        f"<guid>{base}/faults/hostile/{i}</guid>"
        f"<dc:creator>{escape('<script>alert(1)</script>Eve')}</dc:creator>"
        f"<category>{escape('<svg onload=alert(1)>')}</category><category>reading</category>"
        f"<description>{escape(html)}</description>"
        f"<content:encoded><![CDATA[{html}]]></content:encoded></item>"
        for i, (title, html) in enumerate(HOSTILE_ITEMS)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{escape('<script>alert(1)</script>Hostile blog')}</title>"
        f"<link>{base}/faults/hostile/</link><description>XSS attempts</description>"
        f"{items}</channel></rss>\n"
    ).encode()


_bomb_lock = threading.Lock()
_bomb_cache: bytes | None = None


def gzip_bomb() -> bytes:
    """~120 KB of gzip that inflates to an RSS start plus 120 MiB of spaces (built once)."""
    global _bomb_cache
    with _bomb_lock:
        if _bomb_cache is None:
            packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
            parts = [packer.compress(RSS_START + b"<title>")]
            block = b" " * (1024 * 1024)
            parts += [packer.compress(block) for _ in range(BOMB_BYTES // len(block))]
            parts.append(packer.flush())
            _bomb_cache = b"".join(parts)
        return _bomb_cache


def _slow(request: Request) -> Iterator[bytes]:
    yield RSS_START + b"<title>Slow"
    for _ in range(60):
        if request.site.stopping.wait(1.0):
            return
        yield b"."
    yield b"</title></channel></rss>\n"


def _huge(request: Request) -> Iterator[bytes]:
    item = b"<item><title>Padding</title><description>" + b"x" * 900 + b"</description></item>\n"
    block = item * (64 * 1024 // len(item))
    yield RSS_START + b"<title>Huge</title>"
    for _ in range(HUGE_BYTES // len(block)):
        if request.site.stopping.is_set():
            return
        yield block
    yield b"</channel></rss>\n"


def _stream(chunks: Callable[[Request], Iterator[bytes]]) -> Route:
    return lambda request: Reply(
        200, headers={"Content-Type": RSS}, stream=chunks(request), gzip=False
    )


def _fixed(body: bytes, content_type: str = RSS) -> Route:
    return lambda request: Reply(200, body, {"Content-Type": content_type})


def _redirect_chain(request: Request) -> Reply:
    k_text = request.path.removeprefix("/faults/redirect/")
    if not k_text.isdigit() or int(k_text) > 50:
        return not_found()
    k = int(k_text)
    code = REDIRECT_CODES[k % len(REDIRECT_CODES)]
    if k <= 1:
        return redirect("/blogs/0/feed.xml", code)
    # Alternate relative and root-relative Locations so clients must resolve both.
    return redirect(str(k - 1) if k % 2 else f"/faults/redirect/{k - 1}", code)


def _hostile_page(request: Request) -> Reply:
    link = '<link rel="alternate" type="application/rss+xml" title="Hostile" href="feed.xml">'
    return html_page("Hostile blog", "<h1>Hostile blog</h1>", head=link)


def _bomb(request: Request) -> Reply:
    headers = {"Content-Type": RSS, "Content-Encoding": "gzip"}
    return Reply(200, gzip_bomb(), headers, gzip=False)


ROUTES: dict[str, Route] = {
    "/faults/500/feed.xml": lambda r: html_page(
        "Server error", "<h1>Internal Server Error</h1>", status=500
    ),
    "/faults/malformed/feed.xml": _fixed(RSS_START + b"<title>Broken</title><item><title>Cut"),
    "/faults/html-200/feed.xml": lambda r: html_page(
        "Error", "<h1>Something went wrong</h1><p>Please try again later.</p>"
    ),
    "/faults/hostile/": _hostile_page,
    "/faults/hostile/feed.xml": lambda r: Reply(
        200, _hostile_feed(r.site.base_url), {"Content-Type": RSS}
    ),
    "/faults/slow/feed.xml": _stream(_slow),
    "/faults/huge/feed.xml": _stream(_huge),
    "/faults/gzip-bomb/feed.xml": _bomb,
    "/faults/redirect-loop": lambda r: redirect("/faults/redirect-loop"),
    "/faults/redirect-to-private": lambda r: redirect("http://169.254.169.254/latest/meta-data/"),
    "/faults/redirect-to-loopback-name": lambda r: redirect(
        f"http://localhost:{r.site.port}/blogs/0/feed.xml"
    ),
    "/faults/xxe/feed.xml": _fixed(XXE),
    "/faults/billion-laughs/feed.xml": _fixed(BILLION_LAUGHS),
    "/faults/404": lambda r: not_found(),
}


def handle(request: Request) -> Reply:
    """Serve the fault routes listed in the module docstring; anything else is 404."""
    if request.path.startswith("/faults/redirect/"):
        return _redirect_chain(request)
    return ROUTES.get(request.path, lambda r: not_found())(request)
