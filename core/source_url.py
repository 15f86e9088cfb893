"""Feed addresses in one canonical form, with their credentials kept apart and never shown.

Two spellings of one feed (`HTTP://Example.org:80//feed#top`, `https://user:pw@example.org/feed`)
have one canonical key: scheme and host lower case, default port dropped, fragment dropped, dot
segments and repeated slashes removed, credentials taken out. Sources are unique on that key; the
credentials are stored beside it and put back only into the address that is fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit, urlunsplit

__all__ = [
    "MASK",
    "SourceUrl",
    "split_source_url",
    "canonical_url",
    "shown_url",
    "fetch_url",
    "mask_credentials",
]

MASK = "\u2022\u2022\u2022"  # •••
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
# scheme://user:password@ (or scheme://token@) inside free text: error messages and log lines
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<info>[^/\s@?#]+)@")


@dataclass(frozen=True)
class SourceUrl:
    """A feed address split into its canonical key and its credentials ("user:password")."""

    key: str
    credentials: str | None = field(default=None, repr=False)

    @property
    def shown(self) -> str:
        """The address as people may see it: `https://user:•••@host/…`."""
        return shown_url(self.key, self.credentials)

    @property
    def fetched(self) -> str:
        """The address to fetch: the key with the credentials put back."""
        return fetch_url(self.key, self.credentials)


def _netloc(host: str, port: int | None, userinfo: str = "") -> str:
    shown_host = f"[{host}]" if ":" in host else host
    where = shown_host if port is None else f"{shown_host}:{port}"
    return f"{userinfo}@{where}" if userinfo else where


def _path(path: str) -> str:
    """Repeated slashes collapsed, `.` and `..` segments resolved, escapes in upper case."""
    segments: list[str] = []
    parts = [p for p in path.split("/") if p != ""]
    for part in parts:
        if part == ".":
            continue
        if part == "..":
            if segments:
                segments.pop()
            continue
        segments.append(part)
    trailing = path.endswith("/") or path.endswith("/.") or path.endswith("/..")
    joined = "/" + "/".join(segments)
    if trailing and segments:
        joined += "/"
    return _ESCAPE.sub(lambda m: m.group(0).upper(), joined)


def _parts(url: str) -> tuple[SplitResult, int | None]:
    text = url.strip()
    if any(ch.isspace() for ch in text):
        raise ValueError("the address contains spaces")
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        raise ValueError("the address has an invalid port") from None
    return parts, port


def split_source_url(url: str) -> SourceUrl:
    """The canonical key of `url` and its credentials; ValueError when it is not a URL with a
    host."""
    parts, port = _parts(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if not scheme or not host:
        raise ValueError("the address needs a scheme and a host, like https://example.org/feed")
    if port is not None and port == _DEFAULT_PORTS.get(scheme):
        port = None
    credentials = None
    if parts.username is not None or parts.password is not None:
        credentials = f"{parts.username or ''}:{parts.password or ''}"
        if credentials == ":":
            credentials = None
    key = urlunsplit((scheme, _netloc(host, port), _path(parts.path), parts.query, ""))
    return SourceUrl(key, credentials)


def canonical_url(url: str) -> str:
    """The key sources are deduplicated on (see the module docstring)."""
    return split_source_url(url).key


def _with_userinfo(key: str, userinfo: str) -> str:
    parts, port = _parts(key)
    host = parts.hostname or ""
    return urlunsplit(
        (parts.scheme, _netloc(host, port, userinfo), parts.path, parts.query, parts.fragment)
    )


def shown_url(key: str, credentials: str | None) -> str:
    """`key` with the user name shown and the password masked (`https://user:•••@host/…`)."""
    if not credentials:
        return key
    user, _, password = credentials.partition(":")
    # a user name alone may itself be the secret (a token): then nothing of it is shown
    return _with_userinfo(key, f"{user}:{MASK}" if user and password else MASK)


def fetch_url(key: str, credentials: str | None) -> str:
    """`key` with its credentials, for the fetcher only (which sends them to that host alone)."""
    return _with_userinfo(key, credentials) if credentials else key


def mask_credentials(text: str) -> str:
    """Any `scheme://user:password@` in free text, with the password masked."""

    def mask(m: re.Match[str]) -> str:
        user, _, password = m.group("info").partition(":")
        shown = f"{user}:{MASK}" if user and password else MASK
        return f"{m.group('scheme')}{shown}@"

    return _USERINFO.sub(mask, text)
