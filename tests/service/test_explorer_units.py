"""Explorer building blocks: sessions that expire and cannot be forged; escaped pages."""

from __future__ import annotations

from recsvc.service.explorer_html import Html, link, table, url
from recsvc.service.explorer_session import SESSION_SECONDS, new_session, session_valid

SECRET = b"\x01" * 32


def test_a_session_is_valid_until_it_expires_and_cannot_be_forged() -> None:
    value = new_session(SECRET, now=1000.0)
    assert session_valid(SECRET, value, now=1000.0 + SESSION_SECONDS - 1)
    assert not session_valid(SECRET, value, now=1000.0 + SESSION_SECONDS + 1)
    assert not session_valid(b"\x02" * 32, value, now=1000.0)  # another admin key
    expiry, signature = value.split(".")
    longer = f"{int(expiry) + 10**6}.{signature}"  # stretched expiry, old signature
    assert not session_valid(SECRET, longer, now=1000.0)
    for junk in ("", "abc", "1.2.3", ".", "9" * 40 + ".x", None):
        assert not session_valid(SECRET, junk, now=1000.0)


def test_every_value_is_escaped_and_ids_are_encoded_in_links() -> None:
    hostile = '<script>alert("x")</script>'
    html = table(["a"], [[hostile], [Html("<b>ok</b>")], [None]])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>ok</b>" in html and "&ndash;" in html
    assert url("employees", "a/../b?c") == "/explorer/employees/a%2F..%2Fb%3Fc"
    assert link(url("teams", '"x'), hostile).startswith('<a href="/explorer/teams/%22x">')
