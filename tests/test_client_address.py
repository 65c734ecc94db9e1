"""Which address is the visitor's, behind the proxies we trust (smarttech.client_address: pure)."""

import pytest

from smarttech.client_address import client_address


@pytest.mark.parametrize(
    ("forwarded_for", "trusted", "expected"),
    [
        ("203.0.113.5", 1, "203.0.113.5"),
        ("6.6.6.6, 203.0.113.5", 1, "203.0.113.5"),  # the left one is the visitor's own claim
        ("6.6.6.6, 203.0.113.5, 10.1.1.1", 2, "203.0.113.5"),  # load balancer, then nginx
        ("203.0.113.5", 2, "203.0.113.5"),  # through fewer proxies than configured
        ("2001:db8::1", 1, "2001:db8::1"),
        ("6.6.6.6", 0, "127.0.0.1"),  # no proxy trusted: the header is not read
        ("", 1, "127.0.0.1"),
        ("not an address", 1, "127.0.0.1"),
        ("6.6.6.6, <script>", 1, "127.0.0.1"),
    ],
)
def test_it_takes_the_address_the_outermost_trusted_proxy_saw(forwarded_for, trusted, expected):
    assert client_address("127.0.0.1", forwarded_for, trusted) == expected
