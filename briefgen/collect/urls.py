"""Canonical URLs: one spelling per article address, so an article seen again is known again.

The same article reaches a feed reader under many spellings: ``HTTP://Example.com:80/a#top``,
``https://example.com/a?utm_source=rss``. Following the URL normalisations of RFC 3986 (section
6.2.2: case of the scheme and host, default port, empty path) plus the removal of the fragment and
of the campaign-tracking parameters that feeds add (Google Analytics' ``utm_*``, Facebook's
``fbclid``, Google Ads' ``gclid``, Mailchimp's ``mc_cid`` / ``mc_eid``), two spellings of one
address become one string. Nothing else is changed: a trailing slash or another query parameter
may name another page.
"""

from __future__ import annotations

import urllib.parse

from briefgen.ingest.fetch import public_url

#: Query parameters that only track a visit, never choose the page (see the module's docstring).
TRACKING = ("fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "_ga", "yclid")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_web(url: str | None) -> bool:
    """Whether ``url`` is an ``http(s)://`` address with a host."""
    if not url:
        return False
    try:
        parts = urllib.parse.urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.hostname)


def canonical_url(url: str) -> str:
    """``url`` in its one spelling (see the module's docstring); without credentials. A string that
    is not an ``http(s)`` address is returned stripped, as it is."""
    url = public_url(url.strip())
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 address is written in brackets
        host = f"[{host}]"
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    query = "&".join(
        pair
        for pair in parts.query.split("&")
        if pair and not _tracking(urllib.parse.unquote_plus(pair.split("=", 1)[0]).lower())
    )
    return urllib.parse.urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def _tracking(name: str) -> bool:
    return name.startswith("utm_") or name in TRACKING


def host_of(url: str) -> str:
    """The host a request to ``url`` goes to, lower case (what a delay between requests is kept per)."""
    try:
        return (urllib.parse.urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: what robots.txt rules are kept per (RFC 9309, section 2.3)."""
    try:
        parts = urllib.parse.urlsplit(public_url(url))
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}" + (f":{port}" if port and port != _DEFAULT_PORTS.get(scheme) else "")
