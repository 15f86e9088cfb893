"""Safe, polite HTTP fetching of feeds written by strangers.

- Address policy (digest/netguard.py) applied to every URL and to every address DNS returns, right
  before connecting to that exact address: no DNS-rebinding window. Redirects are followed here,
  one hop at a time (5 at most), each hop checked again.
- An overall deadline per fetch (a trickling server included), a cap on the *decoded* body enforced
  while decompressing, at most `per_host` requests per host and `max_connections` overall.
- Conditional GET (ETag / Last-Modified); concurrent fetches of one URL share one request.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import ipaddress
import socket
import ssl
import zlib
from collections import OrderedDict
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urljoin

import httpcore
import httpx

from core.feeds import FetchError
from digest.ingest.netguard import (
    AddressRefused,
    FetchPolicy,
    Target,
    literal_ip,
    log_allowlist,
)

__all__ = [
    "FetchResult",
    "FetchError",
    "PageLimits",
    "Fetcher",
    "USER_AGENT",
    "MAX_REDIRECTS",
    "DEFAULT_MAX_BYTES",
    "AddressRefused",
    "FetchPolicy",
    "log_allowlist",
]

USER_AGENT = "policybrief/0.1 (+https://github.com/policybrief/policybrief)"
MAX_REDIRECTS = 5
MiB = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MiB
MAX_RETRY_AFTER = 24 * 3600.0
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_HTTP_WORDS = {
    400: "bad request",
    401: "the server wants a login",
    403: "the server refused access",
    404: "not found",
    410: "gone: the feed was removed",
    429: "too many requests",
    500: "server error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}

# (host, port) -> addresses, in the resolver's order. Injectable so tests can pose as DNS.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]


@dataclass(frozen=True)
class PageLimits:
    """Limits for fetching one web page (an article) rather than a feed."""

    timeout: float = 15.0
    max_bytes: int = 2 * MiB
    accept: str = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
    noun: str = "page"  # what the too-large message calls it


@dataclass(frozen=True)
class FetchResult:
    """A 200 with its body and validators, or a 304 (empty body).

    `url` is the address finally fetched, after redirects: the base for the feed's relative links.
    """

    status: int
    url: str
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None  # the Content-Type header as sent
    content_location: str | None = None  # the Content-Location header as sent (may be relative)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def base_url(self) -> str:
        """The final URL after redirects (relative links resolve against it)."""
        return self.url


class _DnsFailure(Exception):
    def __init__(self, host: str) -> None:
        super().__init__(host)
        self.host = host


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the system resolver (getaddrinfo), addresses in its order, no duplicates."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise _DnsFailure(host) from None
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        addr = str(sockaddr[0])
        if addr not in seen:
            seen.append(addr)
    return seen


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that resolves once, checks every address, connects to a checked IP.

    httpcore keeps using the original host name for TLS (SNI, certificate check) and httpx for the
    Host header, so only the TCP connect goes to the address we vetted.
    """

    def __init__(self, policy: FetchPolicy, resolver: Resolver | None = None) -> None:
        self._policy = policy
        self._resolver: Resolver = resolver or system_resolver
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self._policy.check_port(host, port)
        literal = literal_ip(host)
        if literal is not None:
            addrs = [literal]
        else:
            addrs = []
            for raw in await self._resolver(host, port):
                try:
                    addrs.append(ipaddress.ip_address(raw.split("%", 1)[0]))
                except ValueError:
                    continue
            if not addrs:
                raise _DnsFailure(host)
        # Every address must pass: a name that also resolves privately is refused outright.
        for addr in addrs:
            self._policy.check_address(host, port, addr)
        last: Exception | None = None
        for addr in addrs:
            try:
                return await self._inner.connect_tcp(
                    str(addr),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused("refused: local sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@dataclass
class _Origin:
    """One origin's connection pool, and how many of its requests are under way."""

    pool: httpcore.AsyncConnectionPool
    busy: int = 0  # requests sent whose answers are not yet read and closed


class _Answer:
    """A response's body, its request counted as under way on its origin until it is closed."""

    def __init__(self, stream: AsyncIterable[bytes], origin: _Origin) -> None:
        self._stream = stream
        self._origin = origin
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for part in self._stream:
            yield part

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            close = getattr(self._stream, "aclose", None)
            if close is not None:
                await close()
        finally:
            self._origin.busy -= 1


class _OriginPools:
    """httpcore connection pools, one per origin (scheme, host, port), each of at most
    `per_origin` connections.

    httpcore's pool scans every connection it holds on each request and on each response's end:
    one pool for many hosts made a poll of many quick answers spend more time scanning than on
    the network. A pool per origin scans only that host's own connections. Beyond `max_origins`
    pools, those with no request under way are closed, least recently used first, so idle
    connections stay bounded (at `per_origin` x `max_origins`).
    """

    def __init__(
        self,
        backend: httpcore.AsyncNetworkBackend,
        *,
        per_origin: int,
        max_origins: int,
        keepalive_expiry: float | None,
        verify: ssl.SSLContext | bool,
    ) -> None:
        self._backend = backend
        self._per_origin = per_origin
        self._max_origins = max(1, max_origins)
        self._keepalive_expiry = keepalive_expiry
        self._verify = verify
        # built on the first https origin: loading the CA bundle costs ~20 ms of CPU that a poll
        # of plain-http feeds never needs
        self._tls = verify if isinstance(verify, ssl.SSLContext) else None
        self._origins: OrderedDict[tuple[bytes, bytes, int], _Origin] = OrderedDict()

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = httpx.create_ssl_context(verify=self._verify, trust_env=False)
        return self._tls

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        url_origin = request.url.origin
        key = (url_origin.scheme, url_origin.host, url_origin.port)
        surplus: list[httpcore.AsyncConnectionPool] = []
        origin = self._origins.get(key)
        if origin is None:
            pool = httpcore.AsyncConnectionPool(
                ssl_context=self._tls_context() if url_origin.scheme == b"https" else None,
                max_connections=self._per_origin,
                max_keepalive_connections=self._per_origin,
                keepalive_expiry=self._keepalive_expiry,
                http1=True,
                http2=False,
                network_backend=self._backend,
            )
            origin = self._origins[key] = _Origin(pool)
            surplus = self._surplus()
        else:
            self._origins.move_to_end(key)
        # counted before anything awaits: a pool is closed only when none of its requests is
        # under way, so one origin never has two pools holding connections
        origin.busy += 1
        try:
            for old in surplus:  # other hosts' idle sockets: closing them must not fail this
                with contextlib.suppress(Exception):
                    await old.aclose()
            response = await origin.pool.handle_async_request(request)
        except BaseException:
            origin.busy -= 1
            raise
        assert isinstance(response.stream, AsyncIterable)
        return httpcore.Response(
            status=response.status,
            headers=response.headers,
            content=_Answer(response.stream, origin),
            extensions=response.extensions,
        )

    def _surplus(self) -> list[httpcore.AsyncConnectionPool]:
        """Take out the least recently used pools beyond `max_origins` that serve no request."""
        surplus: list[httpcore.AsyncConnectionPool] = []
        extra = len(self._origins) - self._max_origins
        for key, origin in list(self._origins.items()):
            if extra <= 0:
                break
            if origin.busy == 0:
                del self._origins[key]
                surplus.append(origin.pool)
                extra -= 1
        return surplus

    async def aclose(self) -> None:
        origins = list(self._origins.values())
        self._origins.clear()
        for origin in origins:
            await origin.pool.aclose()

    async def __aenter__(self) -> _OriginPools:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx transport whose connections go through GuardedBackend, in a pool per host (at most
    `per_host` connections each); no proxies, no env config."""

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        limits: httpx.Limits,
        per_host: int = 2,
        resolver: Resolver | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        # httpx builds a pool of its own here, with a throwaway TLS context that loads no
        # certificates; the pools below replace it, and they verify certificates per `verify`
        super().__init__(trust_env=False, limits=limits, verify=False)
        self._pool = _OriginPools(  # type: ignore[assignment]
            GuardedBackend(policy, resolver),
            per_origin=per_host,
            # as many hosts as requests may be under way at once: a poll cycling through more
            # hosts than that would close one host's connections and reopen them soon after
            max_origins=limits.max_connections or 64,
            keepalive_expiry=limits.keepalive_expiry,
            verify=verify,
        )


def _accept_encoding() -> str:
    # Advertise only what we can decompress under the cap.
    return "gzip, deflate, br" if _brotli() is not None else "gzip, deflate"


def _brotli() -> Any:
    try:
        import brotli  # type: ignore[import-not-found]
    except ImportError:
        return None
    return brotli


def _size_words(n: int) -> str:
    return f"{n / MiB:g} MiB" if n >= MiB else f"{n} bytes"


class _BoundedBody:
    """Collects the decoded body, decompressing incrementally, never beyond `cap` bytes."""

    def __init__(self, encoding: str, cap: int, noun: str = "feed") -> None:
        self._cap = cap
        self._noun = noun
        self._size = 0
        self._chunks: list[bytes] = []
        self._encoding = encoding
        self._pending_deflate = b""
        self._brotli: Any = None
        self._z: Any = None
        if encoding == "gzip" or encoding == "x-gzip":
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = None  # decided on the first bytes: zlib-wrapped or raw
        elif encoding == "br":
            brotli = _brotli()
            if brotli is None:
                raise FetchError("the server used an unsupported compression (br)")
            self._brotli = brotli.Decompressor()
        elif encoding not in ("", "identity"):
            raise FetchError(f"the server used an unsupported compression ({encoding})")

    def _too_large(self) -> FetchError:
        return FetchError(
            f"the {self._noun} is larger than {_size_words(self._cap)}", kind="too_large"
        )

    def _keep(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._cap:
            raise self._too_large()
        if data:
            self._chunks.append(data)

    def feed(self, data: bytes) -> None:
        if not data:
            return
        if self._encoding in ("", "identity"):
            self._keep(data)
        elif self._brotli is not None:
            self._feed_brotli(data)
        else:
            if self._z is None:
                self._start_deflate(data)
                return
            self._inflate(data)

    def _start_deflate(self, data: bytes) -> None:
        # "deflate" is zlib-wrapped per the RFC, raw in some servers: try wrapped first.
        self._pending_deflate += data
        if len(self._pending_deflate) < 2:
            return
        head = self._pending_deflate
        self._pending_deflate = b""
        wrapped = (head[0] & 0x0F) == 8 and ((head[0] << 8) | head[1]) % 31 == 0
        self._z = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        self._inflate(head)

    def _inflate(self, data: bytes) -> None:
        try:
            while data:
                out = self._z.decompress(data, self._cap - self._size + 1)
                self._keep(out)
                data = self._z.unconsumed_tail
                if self._z.eof:
                    rest = self._z.unused_data
                    if rest and self._encoding in ("gzip", "x-gzip") and rest.strip(b"\0"):
                        self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)  # next gzip member
                        data = rest
                    else:
                        return
        except zlib.error:
            raise FetchError("the server sent corrupt compressed data") from None

    def _feed_brotli(self, data: bytes) -> None:
        # brotli's Python API has no output limit per call; small input chunks keep each bounded.
        try:
            for i in range(0, len(data), 1024):
                self._keep(self._brotli.process(data[i : i + 1024]))
        except FetchError:
            raise
        except Exception:
            raise FetchError("the server sent corrupt compressed data") from None

    def finish(self) -> bytes:
        if self._pending_deflate:
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)
            data, self._pending_deflate = self._pending_deflate, b""
            self._inflate(data)
        if self._z is not None:
            try:
                self._keep(self._z.flush(self._cap - self._size + 1))
            except zlib.error:
                raise FetchError("the server sent corrupt compressed data") from None
        return b"".join(self._chunks)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date), within [1 s, 24 h]."""
    if not value:
        return None
    value = value.strip()
    seconds: float
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 1.0), MAX_RETRY_AFTER)


def _http_error(response: httpx.Response) -> FetchError:
    code = response.status_code
    words = _HTTP_WORDS.get(code, "server error" if code >= 500 else "request refused")
    if code in (429, 503):
        retry = parse_retry_after(response.headers.get("retry-after"))
        if retry is not None:
            return FetchError(
                f"the server asked us to wait {retry:g} s (HTTP {code}, {words})",
                kind="http",
                retry_after=retry,
            )
    return FetchError(f"HTTP {code} ({words})", kind="http")


class Fetcher:
    """Conditional GET of untrusted URLs under the address policy, deadlines and size caps.

    `allow`: POLICYBRIEF_FETCH_ALLOW entries. `timeout`: overall deadline per fetch (connect,
    headers, redirects and body). `transport` replaces the guarded transport (tests only; the URL
    rules still apply, the per-address check does not).
    """

    def __init__(
        self,
        *,
        allow: Iterable[str] | str | None = None,
        timeout: float = 20.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        per_host: int = 2,
        max_connections: int = 64,
        user_agent: str = USER_AGENT,
        resolver: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.policy = FetchPolicy.from_entries(allow)
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.per_host = per_host
        limits = httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
        )
        self._client = httpx.AsyncClient(
            transport=transport
            or GuardedTransport(
                self.policy, limits=limits, per_host=per_host, resolver=resolver, verify=verify
            ),
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,  # we follow them ourselves, re-checking each hop
            trust_env=False,
            headers={
                "User-Agent": user_agent,
                "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
                "text/xml;q=0.9, */*;q=0.5",
                "Accept-Encoding": _accept_encoding(),
            },
        )
        self._global = asyncio.Semaphore(max_connections)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._inflight: dict[tuple[str, str | None, str | None], asyncio.Task[FetchResult]] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch_page(self, url: str, limits: PageLimits) -> FetchResult:
        """GET a web page under `limits`: the same address rules, redirects, per-host slots and
        Retry-After reporting as feeds, with the page's own deadline and size cap."""
        return await self._fetch(url, None, None, limits)

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET `url`, sending the validators; raises FetchError on failure.

        Concurrent calls for the same URL and validators share one request.
        """
        key = (url, etag, last_modified)
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._fetch(url, etag, last_modified))
            self._inflight[key] = task
            task.add_done_callback(lambda t, k=key: self._done(k, t))  # type: ignore[misc]
        # shield: one caller giving up must not cancel the request the others wait on.
        return await asyncio.shield(task)

    def _done(self, key: tuple[str, str | None, str | None], task: asyncio.Task[Any]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()  # mark retrieved: every waiter may have gone

    def _host_sem(self, target: Target) -> asyncio.Semaphore:
        # per host and port: two services on one address are two servers to be polite to
        key = f"{target.host}:{target.port}"
        sem = self._hosts.get(key)
        if sem is None:
            sem = self._hosts[key] = asyncio.Semaphore(self.per_host)
        return sem

    async def _fetch(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        page: PageLimits | None = None,
    ) -> FetchResult:
        timeout = page.timeout if page is not None else self.timeout
        try:
            target = self.policy.check_url(url)
        except AddressRefused as exc:
            raise FetchError(exc.reason, kind="refused") from None
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if page is not None:
            headers["Accept"] = page.accept
        # the host's slot first, then a global one: a source waiting for its busy host must
        # not hold a slot that a source on another host could use
        sem = self._host_sem(target)
        await sem.acquire()
        held: asyncio.Semaphore | None = sem
        try:
            async with self._global:
                # The deadline starts once we hold a slot: queueing behind our own limits is not
                # the server's slowness.
                async with asyncio.timeout(timeout):
                    current = url
                    seen = {url}
                    for _hop in range(MAX_REDIRECTS + 1):
                        result, location = await self._one_hop(current, headers, etag, page)
                        if result is not None:
                            return result
                        assert location is not None
                        if location in seen:
                            raise FetchError("the address redirects in a loop", kind="http")
                        seen.add(location)
                        try:
                            nxt = self.policy.check_url(location)
                        except AddressRefused as exc:
                            raise FetchError(
                                f"{exc.reason} (reached by a redirect)", kind="refused"
                            ) from None
                        current = location
                        if (nxt.host, nxt.port) != (target.host, target.port):
                            assert held is not None
                            held.release()
                            held = None
                            sem = self._host_sem(nxt)
                            await sem.acquire()
                            held = sem
                            target = nxt
                    raise FetchError(f"too many redirects (more than {MAX_REDIRECTS})", kind="http")
        except TimeoutError:
            raise FetchError(
                f"timed out: no complete answer within {timeout:g} s", kind="timeout"
            ) from None
        finally:
            if held is not None:
                held.release()

    async def _one_hop(
        self, url: str, headers: dict[str, str], etag: str | None, page: PageLimits | None = None
    ) -> tuple[FetchResult | None, str | None]:
        """One request: a result, or the next URL of a redirect."""
        try:
            request = self._client.build_request("GET", url, headers=headers)
            response = await self._client.send(request, stream=True)
        except AddressRefused as exc:
            raise FetchError(exc.reason, kind="refused") from None
        except _DnsFailure as exc:
            raise FetchError(
                f"could not find the server {exc.host} (DNS lookup failed)", kind="network"
            ) from None
        except httpx.TimeoutException:
            raise TimeoutError from None
        except httpx.InvalidURL:
            raise FetchError("refused: the address is not a valid URL", kind="refused") from None
        except httpx.ConnectError as exc:
            if "CERTIFICATE" in str(exc).upper() or "SSL" in str(exc).upper():
                raise FetchError(
                    "could not connect securely: the server's certificate was not accepted",
                    kind="network",
                ) from None
            raise FetchError("could not connect to the server", kind="network") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"network error ({type(exc).__name__})", kind="network") from None
        try:
            code = response.status_code
            if code in _REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    raise FetchError(
                        f"the server redirected without saying where (HTTP {code})", kind="http"
                    )
                return None, urljoin(url, location.strip())
            if code == 304:
                # read the (empty) rest of the answer: a connection whose answer was not read
                # to its end is closed, and a re-poll of many 304s would reconnect every time
                await response.aread()
                return (
                    FetchResult(
                        304,
                        url,
                        etag=response.headers.get("etag") or etag,
                        last_modified=response.headers.get("last-modified")
                        or headers.get("If-Modified-Since"),
                    ),
                    None,
                )
            if code >= 400 or code < 200:
                raise _http_error(response)
            if page is None:
                body = await self._read_body(response, self.max_bytes, "feed")
            else:
                body = await self._read_body(response, page.max_bytes, page.noun)
            return (
                FetchResult(
                    code,
                    url,
                    body,
                    response.headers.get("etag"),
                    response.headers.get("last-modified"),
                    response.headers.get("content-type"),
                    response.headers.get("content-location"),
                ),
                None,
            )
        finally:
            await response.aclose()

    async def _read_body(self, response: httpx.Response, cap: int, noun: str) -> bytes:
        encoding = response.headers.get("content-encoding", "").strip().lower()
        declared = response.headers.get("content-length", "")
        if encoding in ("", "identity") and declared.isdigit() and int(declared) > cap:
            raise FetchError(f"the {noun} is larger than {_size_words(cap)}", kind="too_large")
        sink = _BoundedBody(encoding, cap, noun)
        try:
            async for chunk in response.aiter_raw():
                sink.feed(chunk)
        except httpx.TimeoutException:
            raise TimeoutError from None
        except httpx.HTTPError as exc:
            raise FetchError(
                f"network error while reading the feed ({type(exc).__name__})", kind="network"
            ) from None
        return sink.finish()


class FeedFetcher(Protocol):
    """What polling needs of a fetcher: `Fetcher`, or a test double."""

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult: ...
