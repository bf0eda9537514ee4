"""The one guarded HTTP path: every outbound request in PLN Hub goes through `request()`
(`get()` for the common case), or through a `requests_session()` handed to a library that
makes its own requests (tweepy), whose adapter calls `request()`.

Rules (see SECURITY.md): http/https only; every address the host resolves to must be public,
checked with `ipaddress` on the resolved address; the connection is pinned to the checked
address (so DNS rebinding fails); redirects are followed by hand, at most five, each hop
checked again; connect timeout 5 s, total deadline enforced while the body is read; the body
is capped after decompression. Non-2xx statuses are returned, not raised.

Settings, read on every call: `PLN_NET_ALLOWED_PRIVATE_HOSTS` (exact "host:port" strings, IPv6
as "[::1]:8000", whose address check is skipped: the simulator), `PLN_NET_MAX_BYTES`,
`PLN_NET_TIMEOUT`, `PLN_USER_AGENT`.
"""

from __future__ import annotations

import contextlib
import functools
import http
import io
import ipaddress
import os
import re
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import certifi
import requests
import requests.adapters
import requests.structures
import requests.utils
import urllib3
from django.conf import settings
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    HTTPError,
    NewConnectionError,
    ReadTimeoutError,
    SSLError,
)

from sources.watchdog import watchdog

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CONNECT_TIMEOUT = 5.0
CHUNK = 64 * 1024
USER_AGENT = "PLNHub/0.1 (+https://github.com/pln-hub)"
# Headers that must not follow a redirect to another origin.
CREDENTIAL_HEADERS = ("authorization", "cookie", "proxy-authorization")
# Headers describing a request body, dropped when a redirect turns the request into a GET.
BODY_HEADERS = ("content-length", "content-type", "content-encoding", "transfer-encoding")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_SHARED_V4 = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class FetchError(Exception):
    """A fetch failed. `message` is short and readable: it is shown to users."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BlockedAddress(FetchError):
    """The scheme is not http/https, or the host resolves to a non-public address."""


class TooLarge(FetchError):
    """The body (after decompression) is over the size cap."""


class FetchTimeout(FetchError):
    """Connecting or reading took longer than allowed."""


class TooManyRedirects(FetchError):
    """More than `MAX_REDIRECTS` redirects."""


class ConnectFailed(FetchError):
    """DNS failure, connection refused or reset, TLS error."""


@dataclass(frozen=True)
class Response:
    url: str  # final URL, after redirects
    status: int
    headers: Mapping[str, str]  # case-insensitive
    body: bytes

    @property
    def content_type(self) -> str:
        """The lower-cased media type without parameters, e.g. "application/rss+xml"."""
        return self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class _Hop:
    scheme: str
    host: str  # from the URL: lower-cased, IDNA-encoded, IPv6 without brackets
    port: int
    target: str  # path and query

    @property
    def host_port(self) -> str:
        """ "host:port" as the allowlist spells it (IPv6 in brackets)."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def netloc(self) -> str:
        """The Host header: the port is left out when it is the scheme's default."""
        default = self.port == (443 if self.scheme == "https" else 80)
        return self.host_port.rsplit(":", 1)[0] if default else self.host_port


def get(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    max_bytes: int | None = None,
    timeout: float | None = None,
) -> Response:
    """GET `url` under the rules above and return the final response, whatever its status.

    Raises BlockedAddress, ConnectFailed, FetchTimeout, TooLarge, TooManyRedirects, or
    FetchError for anything else (a corrupt compressed body).
    """
    return request("GET", url, headers=headers, max_bytes=max_bytes, timeout=timeout)


def request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    max_bytes: int | None = None,
    timeout: float | None = None,
) -> Response:
    """Send `method` to `url` under the rules above; return the final response, whatever its
    status. Redirects are followed as browsers do: a 303, or a 301/302 answering anything but
    GET/HEAD, becomes a bodiless GET; 307/308 repeat the method and body.

    Raises what `get` raises.
    """
    method = method.upper()
    limit = max_bytes if max_bytes is not None else _setting("PLN_NET_MAX_BYTES", 10 << 20)
    total = timeout if timeout is not None else _setting("PLN_NET_TIMEOUT", 20.0)
    deadline = time.monotonic() + total
    sent = urllib3.HTTPHeaderDict(headers or {})
    for _ in range(MAX_REDIRECTS + 1):
        hop = _parse(url)
        response = _request(hop, _resolve_and_check(hop), sent, deadline, total, method, body)
        try:
            location = response.headers.get("Location")
            if response.status not in REDIRECT_STATUSES or not location:
                bodiless = response.status in (204, 304) or method == "HEAD"
                content = b"" if bodiless else _read_capped(response, limit, deadline, total)
                response.release_conn()  # read to the end: the connection can be reused
                return Response(url, response.status, response.headers, content)
        finally:
            response.close()  # after release_conn() this leaves the pooled connection alone
        next_url = urljoin(url, location.strip())
        if _origin(next_url) != _origin(url):
            for name in CREDENTIAL_HEADERS:
                sent.discard(name)
        if _redirect_drops_body(response.status, method):
            method, body = "GET", None
            for name in BODY_HEADERS:
                sent.discard(name)
        url = next_url
    raise TooManyRedirects(f"Too many redirects (over {MAX_REDIRECTS})")


def _redirect_drops_body(status: int, method: str) -> bool:
    return method not in ("GET", "HEAD") and status in (301, 302, 303)


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _parse(url: str) -> _Hop:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f", not {scheme}:" if scheme else ""
        raise BlockedAddress(f"Only http and https addresses can be fetched{shown}")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise BlockedAddress(f"Invalid port in {url}") from None
    if not parts.hostname:
        raise BlockedAddress(f"No host in {url}")
    try:
        host = parts.hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise BlockedAddress(f"Invalid host name in {url}") from None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Hop(scheme, host, port, target)


def _resolve_and_check(hop: _Hop) -> list[str]:
    """Resolve once; refuse if any address is non-public (unless allowlisted); return them."""
    try:
        infos = socket.getaddrinfo(hop.host, hop.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise ConnectFailed(f"Could not connect to {hop.host}: name not found") from None
    addresses = list(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))
    if not addresses:
        raise ConnectFailed(f"Could not connect to {hop.host}: name not found")
    allowed = {h.lower() for h in _setting("PLN_NET_ALLOWED_PRIVATE_HOSTS", ())}
    if hop.host_port not in allowed:
        for address in addresses:
            if not is_public(ipaddress.ip_address(address)):
                raise BlockedAddress(f"Address {address} is not public")
    return addresses


def is_public(ip: IPAddress) -> bool:
    """True if `ip` is a globally routable unicast address (embedded IPv4 checked too)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public(ip.ipv4_mapped)
        if ip.sixtofour is not None and not is_public(ip.sixtofour):
            return False
        if any(ip in net for net in _NAT64):
            return False  # translated to IPv4 by a local gateway: refuse outright
        if ip.teredo is not None or ip.is_site_local:
            return False
    elif ip in _SHARED_V4:
        return False
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _request(
    hop: _Hop,
    ips: list[str],
    headers: urllib3.HTTPHeaderDict,
    deadline: float,
    total: float,
    method: str = "GET",
    body: bytes | None = None,
) -> urllib3.BaseHTTPResponse:
    """Send the request to the checked `ips` in turn (never re-resolving `hop.host`) until one
    accepts the connection; the body is left unread."""
    sent = urllib3.HTTPHeaderDict({"User-Agent": _setting("PLN_USER_AGENT", USER_AGENT)})
    sent["Accept-Encoding"] = "gzip, deflate"
    sent.update(headers)
    sent["Host"] = hop.netloc  # the name we checked, sent to the address we checked
    for attempt, ip in enumerate(ips, start=1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchTimeout(f"Timed out after {total:g} s")
        timeout = urllib3.Timeout(connect=min(CONNECT_TIMEOUT, remaining), read=remaining)
        pool = _pool(hop, ip)
        try:
            # Redirects and decoding are ours; the connection stays with the response.
            return pool.urlopen(
                method,
                hop.target,
                body=body,
                headers=sent,
                redirect=False,
                retries=False,
                timeout=timeout,
                preload_content=False,
                decode_content=True,
                assert_same_host=False,
                release_conn=False,
            )
        except ConnectTimeoutError as exc:  # NewConnectionError (refused, ...) is a subclass
            if attempt < len(ips):
                continue  # another checked address may answer
            if isinstance(exc, NewConnectionError):
                raise ConnectFailed(f"Could not connect to {hop.host}: {_reason(exc)}") from None
            raise FetchTimeout(f"Timed out connecting to {hop.host}") from None
        except ReadTimeoutError:
            raise FetchTimeout(f"Timed out after {total:g} s") from None
        except SSLError as exc:
            reason = _reason(exc)
            raise ConnectFailed(f"Could not connect to {hop.host}: TLS error ({reason})") from None
        except HTTPError as exc:
            raise ConnectFailed(f"Could not connect to {hop.host}: {_reason(exc)}") from None
    raise ConnectFailed(f"Could not connect to {hop.host}")


def _pool(hop: _Hop, ip: str) -> urllib3.HTTPConnectionPool:
    """A keep-alive connection pool for `hop` at the checked address `ip`. Pools are keyed by
    address, port and (for TLS) the checked host name, so a connection is only ever reused
    for an address that passed the checks of the request now using it."""
    if hop.scheme == "http":
        return _pools().connection_from_host(ip, hop.port, "http")
    tls = {"server_hostname": hop.host, "assert_hostname": hop.host}
    return _pools().connection_from_host(ip, hop.port, "https", pool_kwargs=tls)


def _pools() -> urllib3.PoolManager:
    return _pools_of(os.getpid())


@functools.cache
def _pools_of(pid: int) -> urllib3.PoolManager:
    """One pool manager per process (a forked worker must not share its parent's sockets):
    the 256 most recently used hosts keep up to 8 idle connections each."""
    return urllib3.PoolManager(
        num_pools=256,
        maxsize=8,
        retries=False,
        cert_reqs="CERT_REQUIRED",
        ca_certs=certifi.where(),
    )


def _read_capped(
    response: urllib3.BaseHTTPResponse, limit: int, deadline: float, total: float
) -> bytes:
    """Read the decoded body in chunks, stopping at `limit` bytes or at the deadline."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"Feed too large (over {_size(limit)})")
    # Each read may block for up to the read timeout chosen at connect time, so a watchdog
    # shuts the socket at the deadline: a dripping or silent server is cut off on time.
    expired = threading.Event()
    remaining = max(0.0, deadline - time.monotonic())
    alarm = watchdog().arm(remaining, functools.partial(_cut_off, response, expired))
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := response.read1(CHUNK):
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"Feed too large (over {_size(limit)})")
            chunks.append(chunk)
    except (HTTPError, OSError) as exc:
        if expired.is_set() or isinstance(exc, ReadTimeoutError | TimeoutError):
            raise FetchTimeout(f"Timed out after {total:g} s") from None
        if isinstance(exc, DecodeError):
            raise FetchError("Could not decode the compressed response") from None
        raise ConnectFailed(f"Connection broke off while reading: {_reason(exc)}") from None
    finally:
        watchdog().disarm(alarm)
    if expired.is_set():
        raise FetchTimeout(f"Timed out after {total:g} s")
    return b"".join(chunks)


def _cut_off(response: urllib3.BaseHTTPResponse, expired: threading.Event) -> None:
    expired.set()
    with contextlib.suppress(ValueError, RuntimeError, OSError):
        response.shutdown()  # a blocked read returns at once


def _reason(exc: BaseException) -> str:
    """The last readable part of a urllib3 error, e.g. "Connection refused"."""
    text = re.sub(r"\[[^\]]*\]\s*|\s*\(_ssl\.c:\d+\)", "", str(exc)).rsplit(": ", 1)[-1]
    return text.strip(" ()'\"") or type(exc).__name__


def _size(limit: int) -> str:
    return f"{limit / (1 << 20):g} MB" if limit >= 1 << 20 else f"{limit / 1024:g} KB"


# --- A requests.Session for libraries that make their own requests (tweepy) -----------------


class GuardedRequestError(requests.exceptions.ConnectionError):
    """What a `requests_session()` request raises when the guarded path refused or failed it.

    A requests exception, so libraries handle it as a network error; `error` is the FetchError
    (its `message` is readable, and `BlockedAddress` marks a refusal).
    """

    def __init__(self, error: FetchError, *, request: requests.PreparedRequest) -> None:
        super().__init__(error.message, request=request)
        self.error = error


# For libraries that take the response class as a parameter (tweepy's `return_type`), so their
# callers need not import requests.
RequestsResponse = requests.Response
# net has already decoded the body, so these would describe bytes the caller never sees.
_DECODED_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def requests_session(
    *, rewrite_from: str | None = None, rewrite_to: str | None = None
) -> requests.Session:
    """A requests.Session whose every request goes through `request()`: same scheme check,
    address check and allowlist, pinning, redirect handling, size cap and timeouts.

    With `rewrite_from`/`rewrite_to`, a URL starting with the `rewrite_from` origin (e.g.
    tweepy's hard-coded "https://api.twitter.com") is sent to `rewrite_to` instead (the
    configured API base URL, or the simulator). Requests raise GuardedRequestError.
    """
    session = requests.Session()
    session.trust_env = False  # no proxies or .netrc credentials from the environment
    session.max_redirects = MAX_REDIRECTS  # net follows them itself; this is a backstop
    # net sends its own User-Agent (unless the library sets one) and only the encodings it
    # decodes, so requests' defaults go.
    for name in ("User-Agent", "Accept-Encoding"):
        session.headers.pop(name, None)
    adapter = _GuardedAdapter(rewrite_from=rewrite_from, rewrite_to=rewrite_to)
    for prefix in list(session.adapters):
        session.adapters.pop(prefix)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class _GuardedAdapter(requests.adapters.HTTPAdapter):
    def __init__(self, *, rewrite_from: str | None, rewrite_to: str | None) -> None:
        super().__init__(max_retries=0)
        self.rewrite_from = (rewrite_from or "").rstrip("/")
        self.rewrite_to = (rewrite_to or "").rstrip("/")

    def send(  # type: ignore[override]
        self,
        prepared: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | None = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        url = self._rewrite(prepared.url or "")
        headers = {k: v for k, v in prepared.headers.items() if k.lower() != "connection"}
        body = prepared.body
        if isinstance(body, str):
            body = body.encode()
        if body is not None and not isinstance(body, bytes):
            refused = FetchError("Streamed request bodies are not supported")
            raise GuardedRequestError(refused, request=prepared)
        try:
            answer = request(
                prepared.method or "GET",
                url,
                headers=headers,
                body=body,
                timeout=_capped_timeout(timeout),
            )
        except FetchError as exc:
            raise GuardedRequestError(exc, request=prepared) from exc
        return self._response(answer, prepared)

    def _rewrite(self, url: str) -> str:
        source = self.rewrite_from
        if source and self.rewrite_to and url[len(source) : len(source) + 1] in ("", "/", "?"):
            if url[: len(source)].lower() == source.lower():
                return self.rewrite_to + url[len(source) :]
        return url

    def _response(self, answer: Response, prepared: requests.PreparedRequest) -> requests.Response:
        response = requests.Response()
        response.status_code = answer.status
        response.headers = requests.structures.CaseInsensitiveDict(
            {k: answer.headers[k] for k in answer.headers if k.lower() not in _DECODED_HEADERS}
        )
        response._content = answer.body
        response._content_consumed = True
        response.raw = io.BytesIO(answer.body)
        response.url = answer.url
        response.reason = _reason_phrase(answer.status)
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response.request = prepared
        response.connection = self
        return response


def _capped_timeout(timeout: float | tuple[float, float] | None) -> float:
    """The library's timeout if it is a shorter single number, else ours."""
    ours = float(_setting("PLN_NET_TIMEOUT", 20.0))
    if isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > 0:
        return min(float(timeout), ours)
    return ours


def _reason_phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""
