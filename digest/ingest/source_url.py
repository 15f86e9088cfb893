"""The one check every source passes before it is saved, however it comes in.

`sources add` (CLI and chat), `sources import` (OPML), the config file and the default sources all
call `admit_source`: http or https, a host, port 80 or 443, no loopback, private or metadata
address (unless POLICYBRIEF_FETCH_ALLOW allows the host), then the canonical form with the
credentials kept apart (core/source_url.py). What DNS says is checked again at every fetch.
"""

from __future__ import annotations

from urllib.parse import unquote

from core.source_url import MASK, SourceUrl, mask_credentials, split_source_url
from core.sources import NewSource
from digest.ingest.netguard import AddressRefused, FetchPolicy

__all__ = ["MAX_URL", "SourceRefused", "MaskedPassword", "admit_url", "admit_source"]

MAX_URL = 2048
_LOCAL_NAMES = ("localhost", "localhost.localdomain")


class SourceRefused(ValueError):
    """The address may not become a source; `reason` says why in plain words, without secrets."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MaskedPassword(SourceRefused):
    """The address carries a password masked by an export (`user:•••@`): it cannot be fetched."""

    def __init__(self, key: str) -> None:
        super().__init__(
            "its password was masked when it was exported; add it again with its password "
            "(policybrief sources add)"
        )
        self.key = key


def _is_local_name(host: str) -> bool:
    # RFC 6761: localhost and every name under it are this machine, whatever DNS would say
    return host in _LOCAL_NAMES or host.endswith(".localhost")


def admit_url(url: str, policy: FetchPolicy) -> SourceUrl:
    """`url` split into its canonical key and credentials; SourceRefused when it may not be
    polled."""
    if len(url) > MAX_URL:
        raise SourceRefused(f"the address is longer than {MAX_URL} characters")
    try:
        address = split_source_url(url)
    except ValueError as exc:
        raise SourceRefused(f"not a feed address: {exc}") from None
    if address.credentials is not None and MASK in unquote(address.credentials):
        raise MaskedPassword(address.key)
    try:
        target = policy.check_url(address.key)
    except AddressRefused as exc:
        raise SourceRefused(mask_credentials(exc.reason)) from None
    if _is_local_name(target.host) and not policy.host_allowed(target.host, target.port):
        raise SourceRefused(
            f"refused: {target.host} is this machine, not a public address "
            "(unless the host is listed in POLICYBRIEF_FETCH_ALLOW)"
        )
    return address


def admit_source(
    url: str,
    name: str,
    policy: FetchPolicy,
    *,
    jurisdiction: str | None = None,
    official: bool = False,
    full_text: bool = False,
) -> NewSource:
    """A source ready to save: its canonical address, credentials apart, and a display name."""
    address = admit_url(url, policy)
    label = (mask_credentials(name.strip()) or address.shown)[:200]
    return NewSource(
        address.key,
        label,
        jurisdiction,
        official,
        credentials=address.credentials,
        full_text=full_text,
    )
