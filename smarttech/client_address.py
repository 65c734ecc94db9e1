"""The visitor's own address, behind the reverse proxies we trust. Pure: no Django.

Each proxy appends the address it was reached from to `X-Forwarded-For`, so with N trusted proxies
the client is the Nth address from the right. Anything further left was written by the client
and may be forged; with no trusted proxy the header is not read at all.
"""

from ipaddress import ip_address


def client_address(remote_addr: str, forwarded_for: str, trusted_proxies: int) -> str:
    """The address to throttle logins by and to log, from the connection and the proxies' header."""
    if trusted_proxies <= 0:
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if not hops:
        return remote_addr
    # Fewer hops than proxies: the request came through fewer of them, and the first is the client.
    candidate = hops[-trusted_proxies] if len(hops) >= trusted_proxies else hops[0]
    try:
        return str(ip_address(candidate))
    except ValueError:
        return remote_addr
