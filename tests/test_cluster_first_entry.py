"""A new story's entry, made by the one-member shortcut, is the entry the general path makes of
one member: its profile, its weights (kept as a byte per term) and their length."""

from __future__ import annotations

from digest.judgement.cluster import (
    _FIRST_WEIGHT,
    _NORM,
    _PROFILE,
    _WEIGHTS,
    _entry,
    _first,
)
from digest.judgement.signature import signature
from tests.test_cluster import REAL_NEWS


def _weights(stored: tuple[float, ...] | bytes) -> tuple[float, ...]:
    if isinstance(stored, bytes):
        return tuple(_FIRST_WEIGHT[code] for code in stored)
    return stored


def test_a_new_storys_entry_weighs_its_terms_as_the_general_path_does() -> None:
    long_leads = 0
    for item in REAL_NEWS:
        sig = signature(item.title, item.text)
        first = _first(sig, item.published_at)
        plain = _entry(
            dict.fromkeys(sig.terms, 1),
            dict.fromkeys(sig.title, 1),
            sig.cves,
            1,
            item.published_at,
            (sig.note,),
            (-1,),
            sig.names,
        )
        assert isinstance(first[_WEIGHTS], bytes)
        assert first[_PROFILE] == plain[_PROFILE]
        assert _weights(first[_WEIGHTS]) == plain[_WEIGHTS]
        assert first[_NORM] == plain[_NORM]
        long_leads += len(first[_PROFILE]) < len(sig.terms)
    assert long_leads  # the profile of some items is a part of their terms
