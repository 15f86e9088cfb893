"""Fetching against real local sockets: address policy, redirects, deadlines, caps, politeness."""

from __future__ import annotations

import asyncio
import gzip
import logging
import shutil
import ssl
import subprocess
import time
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from digest.ingest.fetch import USER_AGENT, Fetcher, FetchError, log_allowlist
from tests.fetchkit import FEED, LocalServer, Request, respond

HINT = "(unless the host is listed in POLICYBRIEF_FETCH_ALLOW)"


async def feed_ok(req: Request, w: asyncio.StreamWriter) -> None:
    if req.headers.get("if-none-match") == '"v1"':
        await respond(w, 304, b"", {"ETag": '"v1"'})
        return
    await respond(w, 200, FEED, {"ETag": '"v1"', "Last-Modified": "Sat, 28 Nov 2026 10:00:00 GMT"})


def redirect_to(location: str):  # type: ignore[no-untyped-def]
    async def handler(req: Request, w: asyncio.StreamWriter) -> None:
        await respond(w, 302, b"", {"Location": location})

    return handler


@pytest.fixture
async def server() -> AsyncIterator[LocalServer]:
    srv = await LocalServer({"/feed": feed_ok}).start()
    yield srv
    await srv.stop()


@pytest.fixture
async def fetcher(server: LocalServer) -> AsyncIterator[Fetcher]:
    f = Fetcher(allow=[server.hostport], timeout=5.0)
    yield f
    await f.aclose()


async def refused(fetcher: Fetcher, url: str) -> str:
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(url)
    assert info.value.kind == "refused"
    return info.value.reason


# ------------------------------------------------------------------ address policy


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (
            "http://127.0.0.1/",
            f"refused: 127.0.0.1 is a loopback address (this machine), not a public address {HINT}",
        ),
        (
            "http://10.0.0.1/",
            f"refused: 10.0.0.1 is a private address, not a public address {HINT}",
        ),
        (
            "http://169.254.169.254/latest/meta-data/",
            f"refused: 169.254.169.254 is a cloud metadata service, not a public address {HINT}",
        ),
        (
            "http://[::1]/",
            f"refused: ::1 is a loopback address (this machine), not a public address {HINT}",
        ),
        (
            "http://[::ffff:127.0.0.1]/",
            "refused: ::ffff:127.0.0.1 wraps 127.0.0.1, and 127.0.0.1 "
            f"is a loopback address (this machine), not a public address {HINT}",
        ),
        (
            "http://100.100.100.200/",
            f"refused: 100.100.100.200 is a cloud metadata service, not a public address {HINT}",
        ),
        (
            "http://2130706433/",
            "refused: 2130706433 means 127.0.0.1; 127.0.0.1 is a loopback "
            f"address (this machine), not a public address {HINT}",
        ),
        (
            "http://0177.0.0.1/",
            "refused: 0177.0.0.1 means 127.0.0.1; 127.0.0.1 is a loopback "
            f"address (this machine), not a public address {HINT}",
        ),
        (
            "http://0x7f000001/",
            "refused: 0x7f000001 means 127.0.0.1; 127.0.0.1 is a loopback "
            f"address (this machine), not a public address {HINT}",
        ),
        (
            "http://127.1/",
            "refused: 127.1 means 127.0.0.1; 127.0.0.1 is a loopback "
            f"address (this machine), not a public address {HINT}",
        ),
        (
            "http://100.64.0.1/",
            "refused: 100.64.0.1 is a carrier-grade NAT (shared) address, "
            f"not a public address {HINT}",
        ),
        (
            "http://[fe80::1]/",
            f"refused: fe80::1 is a link-local address, not a public address {HINT}",
        ),
        (
            "http://[fc00::1]/",
            f"refused: fc00::1 is a private address, not a public address {HINT}",
        ),
        (
            "http://[fd00:ec2::254]/",
            f"refused: fd00:ec2::254 is a cloud metadata service, not a public address {HINT}",
        ),
        (
            "http://224.0.0.1/",
            f"refused: 224.0.0.1 is a multicast address, not a public address {HINT}",
        ),
        (
            "http://0.0.0.0/",
            f"refused: 0.0.0.0 is an unspecified address, not a public address {HINT}",
        ),
        (
            "http://255.255.255.255/",
            f"refused: 255.255.255.255 is a broadcast address, not a public address {HINT}",
        ),
        (
            "http://240.0.0.1/",
            f"refused: 240.0.0.1 is a reserved address, not a public address {HINT}",
        ),
        (
            "http://[2002:a9fe:a9fe::]/",
            "refused: 2002:a9fe:a9fe:: wraps 169.254.169.254, and "
            f"169.254.169.254 is a cloud metadata service, not a public address {HINT}",
        ),
        (
            "http://[64:ff9b::a00:1]/",
            "refused: 64:ff9b::a00:1 wraps 10.0.0.1, and 10.0.0.1 is a "
            f"private address, not a public address {HINT}",
        ),
        ("file:///etc/passwd", "refused: only http and https addresses can be fetched (got file:)"),
        (
            "ftp://example.com/feed.xml",
            "refused: only http and https addresses can be fetched (got ftp:)",
        ),
        (
            "gopher://example.com/",
            "refused: only http and https addresses can be fetched (got gopher:)",
        ),
        (
            "http://example.com:6379/",
            "refused: port 6379 is not allowed (only 80 and 443, "
            "unless the host is listed in POLICYBRIEF_FETCH_ALLOW)",
        ),
    ],
)
async def test_refused_addresses_say_why(fetcher: Fetcher, url: str, reason: str) -> None:
    assert await refused(fetcher, url) == reason


async def test_port_6379_on_an_allowed_host_is_refused(server: LocalServer) -> None:
    # 127.0.0.1:<port> is allowed; the same host on the Redis port is not.
    redis = await LocalServer({"/": feed_ok}).start()
    try:
        async with Fetcher(allow=[server.hostport]) as f:
            reason = await refused(f, f"http://127.0.0.1:{redis.port}/")
        assert reason == (
            f"refused: port {redis.port} is not allowed (only 80 and 443, unless the host is "
            "listed in POLICYBRIEF_FETCH_ALLOW)"
        )
        assert redis.hits == {}
        async with Fetcher(allow=[server.hostport]) as f:
            assert await refused(f, "http://127.0.0.1:6379/") == (
                "refused: port 6379 is not allowed (only 80 and 443, unless the host is "
                "listed in POLICYBRIEF_FETCH_ALLOW)"
            )
    finally:
        await redis.stop()


async def test_allowed_host_is_fetched_with_our_user_agent(
    fetcher: Fetcher, server: LocalServer
) -> None:
    result = await fetcher.fetch(f"{server.base}/feed")
    assert result.status == 200
    assert result.body == FEED
    assert result.etag == '"v1"'
    assert server.last_headers["user-agent"] == USER_AGENT
    assert "https://github.com/" in server.last_headers["user-agent"]
    assert "br" not in server.last_headers["accept-encoding"]  # no brotli decoder installed


async def test_the_address_check_is_made_on_the_address_dns_returns(server: LocalServer) -> None:
    calls: list[str] = []

    async def dns(host: str, port: int) -> list[str]:
        calls.append(host)
        return {"rebind.test": ["127.0.0.1"], "split.test": ["93.184.216.34", "10.1.2.3"]}[host]

    async with Fetcher(resolver=dns) as f:
        assert await refused(f, "http://rebind.test/feed") == (
            "refused: rebind.test resolves to 127.0.0.1; 127.0.0.1 is a loopback address "
            f"(this machine), not a public address {HINT}"
        )
        # every address a name resolves to must be public, not just the first
        assert await refused(f, "https://split.test/feed") == (
            f"refused: split.test resolves to 10.1.2.3; 10.1.2.3 is a private address, "
            f"not a public address {HINT}"
        )
    assert calls == ["rebind.test", "split.test"]  # one resolution per connection, no second look
    assert server.hits == {}


async def test_allowed_name_connects_to_the_checked_address_and_keeps_the_host(
    server: LocalServer,
) -> None:
    async def dns(host: str, port: int) -> list[str]:
        assert host == "feeds.internal"
        return ["127.0.0.1"]

    async with Fetcher(allow=[f"feeds.internal:{server.port}"], resolver=dns) as f:
        result = await f.fetch(f"http://feeds.internal:{server.port}/feed")
    assert result.body == FEED
    assert server.last_headers["host"] == f"feeds.internal:{server.port}"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
async def test_https_connects_to_the_checked_address_with_the_name_for_sni_and_certificate(
    tmp_path: Path,
) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=feeds.internal",
            "-addext",
            "subjectAltName=DNS:feeds.internal",
        ],
        check=True,
        capture_output=True,
    )
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    sni: list[str | None] = []
    server_ctx.sni_callback = lambda sock, name, ctx: sni.append(name)  # type: ignore[assignment]
    srv = await LocalServer({"/feed": feed_ok}, tls=server_ctx).start()
    client_ctx = ssl.create_default_context(cafile=str(cert))

    async def dns(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    try:
        allow = [f"feeds.internal:{srv.port}"]
        async with Fetcher(allow=allow, resolver=dns, verify=client_ctx) as f:
            result = await f.fetch(f"https://feeds.internal:{srv.port}/feed")
            assert result.body == FEED
            assert sni == ["feeds.internal"]
            assert srv.last_headers["host"] == f"feeds.internal:{srv.port}"
        # the same server by its IP: the certificate does not name it, so no connection
        async with Fetcher(allow=[srv.hostport], verify=client_ctx) as f:
            with pytest.raises(FetchError) as info:
                await f.fetch(srv.base + "/feed")
        assert info.value.reason == (
            "could not connect securely: the server's certificate was not accepted"
        )
    finally:
        await srv.stop()


async def test_unknown_host_name_is_a_plain_network_error() -> None:
    async with Fetcher() as f:
        with pytest.raises(FetchError) as info:
            await f.fetch("http://no-such-host.invalid/feed")
    assert info.value.reason == "could not find the server no-such-host.invalid (DNS lookup failed)"
    assert info.value.kind == "network"


def test_allow_list_is_logged_at_start_up(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("policybrief.test")
    with caplog.at_level(logging.INFO, logger="policybrief.test"):
        log_allowlist(["Feeds.Internal", "127.0.0.1:8080"], logger)
        log_allowlist([], logger)
    assert [r.getMessage() for r in caplog.records] == [
        "POLICYBRIEF_FETCH_ALLOW is set: these hosts may be fetched even on private addresses "
        "or other ports: 127.0.0.1:8080, feeds.internal"
    ]


# ------------------------------------------------------------------ redirects


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        (
            "http://127.0.0.2/feed",
            "refused: 127.0.0.2 is a loopback address (this machine), "
            f"not a public address {HINT} (reached by a redirect)",
        ),
        (
            "http://169.254.169.254/latest/meta-data/",
            "refused: 169.254.169.254 is a cloud "
            f"metadata service, not a public address {HINT} (reached by a redirect)",
        ),
        (
            "file:///etc/passwd",
            "refused: only http and https addresses can be fetched "
            "(got file:) (reached by a redirect)",
        ),
    ],
)
async def test_redirect_from_allowed_host_to_refused_address(
    server: LocalServer, fetcher: Fetcher, location: str, reason: str
) -> None:
    server.routes["/moved"] = redirect_to(location)
    assert await refused(fetcher, f"{server.base}/moved") == reason


async def test_redirect_to_a_port_not_allowed_on_the_next_host(server: LocalServer) -> None:
    other = await LocalServer({"/feed": feed_ok}, host="127.0.0.2").start()
    try:
        server.routes["/moved"] = redirect_to(f"{other.base}/feed")
        async with Fetcher(allow=[server.hostport]) as f:
            assert await refused(f, f"{server.base}/moved") == (
                f"refused: port {other.port} is not allowed (only 80 and 443, unless the host "
                "is listed in POLICYBRIEF_FETCH_ALLOW) (reached by a redirect)"
            )
        assert other.hits == {}
    finally:
        await other.stop()


async def test_allowed_redirect_chain_of_five_is_followed(
    server: LocalServer, fetcher: Fetcher
) -> None:
    for i in range(5):
        server.routes[f"/r{i}"] = redirect_to(f"/r{i + 1}" if i < 4 else "/feed")
    result = await fetcher.fetch(f"{server.base}/r0")
    assert result.body == FEED
    assert result.url == f"{server.base}/feed"


async def test_six_redirects_stop(server: LocalServer, fetcher: Fetcher) -> None:
    for i in range(6):
        server.routes[f"/r{i}"] = redirect_to(f"/r{i + 1}" if i < 5 else "/feed")
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(f"{server.base}/r0")
    assert info.value.reason == "too many redirects (more than 5)"
    assert server.hits["/feed"] == 0


async def test_redirect_loop_stops(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/a"] = redirect_to("/b")
    server.routes["/b"] = redirect_to(f"{server.base}/a")
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(f"{server.base}/a")
    assert info.value.reason == "the address redirects in a loop"
    assert server.hits["/a"] == 1 and server.hits["/b"] == 1


# ------------------------------------------------------------------ bounds


async def test_trickling_server_is_abandoned_at_the_deadline(server: LocalServer) -> None:
    async def trickle(req: Request, w: asyncio.StreamWriter) -> None:
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(1000):
            w.write(b"x")
            await w.drain()
            await asyncio.sleep(2)

    async def slow_headers(req: Request, w: asyncio.StreamWriter) -> None:
        for ch in b"HTTP/1.1 200 OK\r\n":
            w.write(bytes([ch]))
            await w.drain()
            await asyncio.sleep(2)

    server.routes["/trickle"] = trickle
    server.routes["/slow-headers"] = slow_headers
    async with Fetcher(allow=[server.hostport], timeout=1.5) as f:
        for path in ("/trickle", "/slow-headers"):
            started = time.monotonic()
            with pytest.raises(FetchError) as info:
                await f.fetch(server.base + path)
            elapsed = time.monotonic() - started
            assert info.value.reason == "timed out: no complete answer within 1.5 s"
            assert info.value.kind == "timeout"
            assert 1.4 < elapsed < 2.5


async def test_compressed_feeds_are_decoded(server: LocalServer, fetcher: Fetcher) -> None:
    raw = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    raw_deflate = raw.compress(FEED) + raw.flush()

    def sender(body: bytes, enc: str):  # type: ignore[no-untyped-def]
        async def handler(req: Request, w: asyncio.StreamWriter) -> None:
            await respond(w, 200, body, {"Content-Encoding": enc})

        return handler

    server.routes["/gz"] = sender(gzip.compress(FEED), "gzip")
    server.routes["/two-members"] = sender(
        gzip.compress(FEED[:50]) + gzip.compress(FEED[50:]), "gzip"
    )
    server.routes["/zlib"] = sender(zlib.compress(FEED), "deflate")
    server.routes["/raw"] = sender(raw_deflate, "deflate")
    server.routes["/bad"] = sender(b"this is not gzip at all", "gzip")
    server.routes["/zstd"] = sender(b"whatever", "zstd")
    for path in ("/gz", "/two-members", "/zlib", "/raw"):
        assert (await fetcher.fetch(server.base + path)).body == FEED, path
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(server.base + "/bad")
    assert info.value.reason == "the server sent corrupt compressed data"
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(server.base + "/zstd")
    assert info.value.reason == "the server used an unsupported compression (zstd)"


async def test_small_cap_applies_to_the_decoded_size(server: LocalServer) -> None:
    big = FEED * 100  # ~39 KB, compresses to a few hundred bytes

    async def gz(req: Request, w: asyncio.StreamWriter) -> None:
        await respond(w, 200, gzip.compress(big), {"Content-Encoding": "gzip"})

    server.routes["/gz"] = gz
    async with Fetcher(allow=[server.hostport], max_bytes=10_000) as f:
        with pytest.raises(FetchError) as info:
            await f.fetch(server.base + "/gz")
    assert info.value.kind == "too_large"
    assert info.value.reason == "the feed is larger than 10000 bytes"


async def test_at_most_two_connections_per_host(server: LocalServer) -> None:
    async def slow(req: Request, w: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.05)
        await respond(w, 200, FEED)

    for i in range(12):
        server.routes[f"/f{i}"] = slow
    async with Fetcher(allow=[server.hostport]) as f:
        results = await asyncio.gather(*(f.fetch(f"{server.base}/f{i}") for i in range(12)))
    assert all(r.body == FEED for r in results)
    assert server.max_open == 2


async def test_concurrent_fetches_of_one_url_make_one_request(server: LocalServer) -> None:
    async def slow(req: Request, w: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.2)
        await respond(w, 200, FEED)

    server.routes["/shared"] = slow
    async with Fetcher(allow=[server.hostport]) as f:
        results = await asyncio.gather(*(f.fetch(f"{server.base}/shared") for _ in range(25)))
        assert [r.body for r in results] == [FEED] * 25
        assert server.hits["/shared"] == 1
        await f.fetch(f"{server.base}/shared")  # once finished, a later poll fetches again
    assert server.hits["/shared"] == 2


# ------------------------------------------------------------------ politeness


async def test_conditional_get_gets_304(server: LocalServer, fetcher: Fetcher) -> None:
    first = await fetcher.fetch(f"{server.base}/feed")
    again = await fetcher.fetch(
        f"{server.base}/feed", etag=first.etag, last_modified=first.last_modified
    )
    assert again.not_modified and again.body == b""
    assert again.etag == '"v1"'
    assert server.last_headers["if-none-match"] == '"v1"'
    assert server.last_headers["if-modified-since"] == "Sat, 28 Nov 2026 10:00:00 GMT"


async def test_a_re_poll_of_304s_keeps_one_connection(
    server: LocalServer, fetcher: Fetcher
) -> None:
    # a warm re-poll of many sources on one host must not reconnect for each unchanged feed
    first = await fetcher.fetch(f"{server.base}/feed")
    for _ in range(20):
        again = await fetcher.fetch(
            f"{server.base}/feed", etag=first.etag, last_modified=first.last_modified
        )
        assert again.not_modified
    assert server.connections == 1


async def test_retry_after_is_reported(server: LocalServer, fetcher: Fetcher) -> None:
    async def busy(req: Request, w: asyncio.StreamWriter) -> None:
        await respond(w, 429, b"slow down", {"Retry-After": "120"})

    async def down(req: Request, w: asyncio.StreamWriter) -> None:
        await respond(w, 503, b"maintenance", {"Retry-After": "Fri, 31 Dec 2099 23:59:59 GMT"})

    async def gone(req: Request, w: asyncio.StreamWriter) -> None:
        await respond(w, 404, b"")

    server.routes.update({"/busy": busy, "/down": down, "/gone": gone})
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(f"{server.base}/busy")
    assert info.value.retry_after == 120
    assert info.value.reason == "the server asked us to wait 120 s (HTTP 429, too many requests)"
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(f"{server.base}/down")
    assert info.value.retry_after == 24 * 3600  # capped at a day
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(f"{server.base}/gone")
    assert info.value.retry_after is None
    assert info.value.reason == "HTTP 404 (not found)"


async def test_nothing_listening_is_a_connection_error(server: LocalServer) -> None:
    port = server.port
    await server.stop()
    async with Fetcher(allow=[f"127.0.0.1:{port}"]) as f:
        with pytest.raises(FetchError) as info:
            await f.fetch(f"http://127.0.0.1:{port}/feed")
    assert info.value.reason == "could not connect to the server"
