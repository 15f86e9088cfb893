"""HTTP fetching of feeds (interface; hardened in issue 3)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

__all__ = ["FetchResult", "FetchError", "Fetcher", "USER_AGENT"]

USER_AGENT = "policybrief/0.1 (+https://github.com/policybrief/policybrief)"


@dataclass(frozen=True)
class FetchResult:
    """A 200 with its body and validators, or a 304 (empty body)."""

    status: int
    url: str
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class FetchError(Exception):
    """A failed fetch. `reason` is plain words for admins; `retry_after` is set for 429/503."""

    def __init__(self, reason: str, *, kind: str = "network", retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind  # refused | timeout | too_large | http | network | not_a_feed
        self.retry_after = retry_after


class Fetcher:
    """Conditional GET with timeouts and redirects."""

    def __init__(self, *, timeout: float = 20.0, transport: httpx.AsyncBaseTransport | None = None):
        self._client = httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=True,
            max_redirects=5,
            headers={"User-Agent": USER_AGENT},
            transport=transport,
        )

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET `url`, sending the validators; raises FetchError on failure."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            resp = await self._client.get(url, headers=headers)
        except httpx.TimeoutException:
            raise FetchError("timed out", kind="timeout") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"network error: {type(exc).__name__}", kind="network") from None
        if resp.status_code == 304:
            return FetchResult(304, str(resp.url), etag=etag, last_modified=last_modified)
        if resp.status_code >= 400:
            raise FetchError(f"HTTP {resp.status_code}", kind="http")
        return FetchResult(
            200,
            str(resp.url),
            resp.content,
            resp.headers.get("etag"),
            resp.headers.get("last-modified"),
        )

    async def aclose(self) -> None:
        await self._client.aclose()
