"""Fetching ``http(s)://`` sources: timeouts, a size limit, a clear user agent and an on-disk cache.

A weekly briefing re-reads the same pages and feeds; the cache keeps a run fast and
polite (fresh entries are not fetched again, stale ones are revalidated with
``If-None-Match`` / ``If-Modified-Since``), and lets a run go on with the last good copy
when a site is down.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._version import __version__
from .errors import ArticleError

logger = logging.getLogger(__name__)

USER_AGENT = f"briefgen/{__version__} (news briefing generator)"


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


@dataclass(frozen=True)
class Fetched:
    url: str
    body: bytes
    content_type: str
    from_cache: bool


def fetch(url: str, cache_dir: Path, *, max_age: float, timeout: float, max_bytes: int) -> Fetched:
    """Return the body of ``url``, from the cache when it is younger than ``max_age`` seconds."""
    key = hashlib.sha256(url.encode("utf-8")).hexdigest()
    body_path, meta_path = cache_dir / f"{key}.body", cache_dir / f"{key}.json"
    meta: dict[str, Any] = {}  # JSON this module wrote to the cache
    if meta_path.is_file() and body_path.is_file():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
    cached = bool(meta)
    if cached and time.time() - float(meta.get("fetched", 0)) < max_age:
        return Fetched(url, body_path.read_bytes(), str(meta.get("content_type", "")), True)

    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml,application/xml,application/json;q=0.9,*/*;q=0.5",
    }
    if cached and meta.get("etag"):
        headers["If-None-Match"] = str(meta["etag"])
    if cached and meta.get("last_modified"):
        headers["If-Modified-Since"] = str(meta["last_modified"])
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise ArticleError(
                    url, f"too large ({int(length) // 1024 // 1024} MB > {max_bytes // 1024 // 1024} MB)"
                )
            body = response.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise ArticleError(url, f"too large (over {max_bytes // 1024 // 1024} MB)")
            content_type = response.headers.get("Content-Type", "")
            meta = {
                "url": url,
                "fetched": time.time(),
                "content_type": content_type,
                "etag": response.headers.get("ETag"),
                "last_modified": response.headers.get("Last-Modified"),
            }
    except urllib.error.HTTPError as exc:
        if exc.code == 304 and cached:
            meta["fetched"] = time.time()
            _write_meta(meta_path, meta)
            return Fetched(url, body_path.read_bytes(), str(meta.get("content_type", "")), True)
        return _stale_or_fail(url, f"HTTP {exc.code} {exc.reason}", cached, body_path, meta)
    except ArticleError:
        raise
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return _stale_or_fail(url, f"unreachable ({reason})", cached, body_path, meta)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        body_path.write_bytes(body)
        _write_meta(meta_path, meta)
    except OSError as exc:
        logger.warning("cannot cache %s: %s", url, exc.strerror or exc)
    return Fetched(url, body, content_type, False)


def _write_meta(path: Path, meta: dict[str, object]) -> None:
    path.write_text(json.dumps(meta), encoding="utf-8")


def _stale_or_fail(url: str, reason: str, cached: bool, body_path: Path, meta: dict[str, object]) -> Fetched:
    if cached:
        logger.warning("%s: %s; using the copy cached earlier", url, reason)
        return Fetched(url, body_path.read_bytes(), str(meta.get("content_type", "")), True)
    raise ArticleError(url, reason)
