"""The address policy on its own (no sockets): allow-list spellings and what each entry permits."""

from __future__ import annotations

import pytest

from digest.ingest.netguard import AddressRefused, FetchPolicy, literal_ip, parse_allow


def test_allow_entries_are_normalised() -> None:
    assert parse_allow("Feeds.Internal, 127.0.0.1:8080 ,[::1]:8443;0x7f000001:81, ") == {
        "feeds.internal",
        "127.0.0.1:8080",
        "::1:8443",
        "127.0.0.1:81",
    }
    assert parse_allow(None) == frozenset()
    assert parse_allow(["a.example", "b.example:8080"]) == {"a.example", "b.example:8080"}


def test_a_host_entry_allows_private_addresses_on_80_and_443_only() -> None:
    policy = FetchPolicy.from_entries(["10.0.0.5"])
    assert policy.check_url("http://10.0.0.5/feed").port == 80
    assert policy.check_url("https://10.0.0.5/feed").port == 443
    with pytest.raises(AddressRefused) as info:
        policy.check_url("http://10.0.0.5:8080/feed")
    assert info.value.reason.startswith("refused: port 8080 is not allowed")
    with pytest.raises(AddressRefused):
        policy.check_url("http://10.0.0.6/feed")  # only the listed host


def test_a_host_port_entry_allows_that_port_only() -> None:
    policy = FetchPolicy.from_entries(["[::1]:8443"])
    assert policy.check_url("https://[::1]:8443/").host == "::1"
    with pytest.raises(AddressRefused):
        policy.check_url("https://[::1]:8444/")


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("[::ffff:7f00:1]", "::ffff:7f00:1"),
        ("10.0.0.1.", "10.0.0.1"),
    ],
)
def test_every_ip_spelling_is_recognised(spelling: str, address: str) -> None:
    assert str(literal_ip(spelling)) == address


@pytest.mark.parametrize("name", ["example.com", "deadbeef", "1.example", "feeds-01.example"])
def test_names_are_not_mistaken_for_addresses(name: str) -> None:
    assert literal_ip(name) is None


def test_public_addresses_pass() -> None:
    policy = FetchPolicy()
    for url in ("http://93.184.216.34/", "https://[2606:2800:220:1::1]/", "http://example.com/"):
        policy.check_url(url)
