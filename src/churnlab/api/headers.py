"""The headers every HTML page of the app is sent with: its Content-Security-Policy, and the rest
that keep a browser from sniffing, framing, caching it or telling other sites where it was.

Examples
--------
>>> page_headers("default-src 'none'")["X-Frame-Options"]
'DENY'
"""

from __future__ import annotations

__all__ = ["page_headers"]


def page_headers(csp: str) -> dict[str, str]:
    """The headers of a page whose Content-Security-Policy is ``csp``."""
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
    }
