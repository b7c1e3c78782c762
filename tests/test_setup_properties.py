"""What the setup wizard reads from outside, under arbitrary input: the forwarding and host
headers that decide "the server's own machine", and the setup code as typed."""

from __future__ import annotations

from ipaddress import IPv4Address

from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from reelhouse.http.deps import from_loopback
from reelhouse.users.setup import CODE_ALPHABET, normalized_code

header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80
)  # what an HTTP header may carry


def request(peer: str, headers: list[tuple[str, str]]) -> Request:
    raw = [(name.encode(), value.encode("latin-1")) for name, value in headers]
    return Request({"type": "http", "client": (peer, 1234), "headers": raw})


@given(header_text, header_text, header_text, header_text)
def test_any_headers_give_an_answer(
    forwarded_for: str, forwarded: str, real: str, host: str
) -> None:
    headers = [
        ("x-forwarded-for", forwarded_for),
        ("forwarded", forwarded),
        ("x-real-ip", real),
        ("host", host),
    ]
    assert from_loopback(request("127.0.0.1", headers)) in (True, False)
    assert from_loopback(request("203.0.113.9", headers)) is False  # never from elsewhere


@given(st.ip_addresses(v=4), st.sampled_from(["127.0.0.1:8420", "localhost", "[::1]:80"]))
def test_a_forwarded_address_elsewhere_is_never_local(address: IPv4Address, host: str) -> None:
    headers = [("x-forwarded-for", f"127.0.0.1, {address}"), ("host", host)]
    assert from_loopback(request("127.0.0.1", headers)) is address.is_loopback


@given(st.sampled_from(["localhost:8420", "LOCALHOST", "127.0.0.1", "127.8.9.1:1", "[::1]:8420"]))
def test_loopback_hosts_are_local(host: str) -> None:
    assert from_loopback(request("127.0.0.1", [("host", host)])) is True


@given(st.sampled_from(["evil.example", "evil.example:8420", "10.0.0.1:8420", "[::2]:80", ""]))
def test_other_hosts_are_not(host: str) -> None:
    assert from_loopback(request("127.0.0.1", [("host", host)])) is False


@given(st.text(CODE_ALPHABET, min_size=12, max_size=12), st.sampled_from(["-", " ", "", " - "]))
def test_a_code_reads_the_same_however_typed(code: str, separator: str) -> None:
    typed = separator.join((code[:4], code[4:8], code[8:])).lower()
    assert normalized_code(typed) == code
