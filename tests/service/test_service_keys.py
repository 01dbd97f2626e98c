"""Key helpers: hashing for RECSVC_API_KEYS, random keys, and the name:sha256hex parser."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recsvc.keys import (
    MIN_KEY_LENGTH,
    generate_api_key,
    hash_api_key,
    parse_key_entries,
    parse_key_entry,
)
from recsvc.service.security import KeyRing

printable_keys = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E),
    min_size=MIN_KEY_LENGTH,
    max_size=80,
)


@given(printable_keys)
def test_hash_is_sha256_hex_and_round_trips_through_the_ring(key):
    digest = hash_api_key(key)
    assert digest == hashlib.sha256(key.encode()).hexdigest()
    ring = KeyRing([parse_key_entry(f"client-1:{digest}", variable="X")])
    assert ring.match(key) == "client-1"
    assert ring.match(key + "x") is None and ring.match(key[:-1]) is None


@pytest.mark.parametrize(
    "bad", ["short", "with space 0123456789", "tab\t0123456789abcdef", "é" * 20]
)
def test_weak_or_odd_keys_are_refused_without_echo(bad):
    with pytest.raises(ValueError) as info:
        hash_api_key(bad)
    assert bad not in str(info.value)


def test_generated_keys_are_random_strong_and_hashable():
    keys = {generate_api_key() for _ in range(20)}
    assert len(keys) == 20
    for key in keys:
        assert len(key) >= 40
        assert len(hash_api_key(key)) == 64


def test_entries_parse_with_names_in_order():
    a, b = hash_api_key("a" * 20), hash_api_key("b" * 20)
    entries = parse_key_entries(f"lms:{a}, hr-portal:{b.upper()},", variable="RECSVC_API_KEYS")
    assert [(e.name, e.digest.hex()) for e in entries] == [("lms", a), ("hr-portal", b)]
    assert a not in repr(entries)  # the digest stays out of reprs (and so out of logs)
    ring = KeyRing(entries)
    assert ring.names == ("lms", "hr-portal")
    assert ring.match("b" * 20) == "hr-portal" and ring.match("c" * 20) is None


def test_bare_digest_needs_a_default_name():
    digest = hash_api_key("a" * 20)
    assert parse_key_entry(digest, variable="V", default_name="admin").name == "admin"
    with pytest.raises(ValueError, match="name:sha256hex"):
        parse_key_entry(digest, variable="V")


def test_an_empty_ring_is_disabled_and_matches_nothing():
    ring = KeyRing([])
    assert not ring.enabled and ring.match("a" * 20) is None
