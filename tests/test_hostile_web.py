"""Websites that misbehave: dripping answers, endless and bombed bodies, bad redirects, secrets in URLs.

Every case builds the sample briefing plus one or more URLs served by a site this module starts
on 127.0.0.1 (a raw socket server, for byte-level control), runs through
:func:`tests.hostile.run_limited` under a time limit that proves there is no hang, and checks
the promises: the bad URL is skipped with one warning line naming it (never its password), the
sample articles beside it still make the briefing, and nothing is read that should not be.
"""

from __future__ import annotations

import base64
import gzip
import json
import shutil
import socket
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, run_cli
from .hostile import (
    SAMPLE_KEPT,
    SAMPLE_TOPIC,
    assert_never_printed,
    assert_no_traceback,
    assert_one_line_messages,
    cli_result,
    run_limited,
)

FEED = (Path(__file__).parent / "fixtures" / "harbor-feed.rss").read_bytes()
FEED_TITLE = "Navies plan June drill near Jeju"
#: Seconds a site may take (fetch.timeout in the configs below) and seconds a case may take.
TIMEOUT = 2
LIMIT = 20
TOPIC = SAMPLE_TOPIC
PASSWORD = "s3cr3t-Pa55"

Route = Callable[[socket.socket, dict[str, str]], None]


class RawSite:
    """A site on 127.0.0.1 whose routes write raw bytes to the connection, in the test process.

    Each connection gets a thread; a route that drips or streams forever stops when the client
    hangs up. ``requests`` records every request's path and headers.
    """

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(30)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            path = head[0].split(" ")[1]
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
            self.requests.append((path, headers))
            self.routes.get(path, not_found)(conn, headers)
        except OSError:
            pass  # the client hung up: what a dripping route waits for
        finally:
            conn.close()

    def close(self) -> None:
        self.closed = True
        self.listener.close()


def answer(status: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


def ok(body: bytes, ctype: str = "application/rss+xml", **extra: str) -> Route:
    def route(conn: socket.socket, _: dict[str, str]) -> None:
        conn.sendall(answer("200 OK", {"Content-Type": ctype, "Content-Length": str(len(body)), **extra}, body))

    return route


def not_found(conn: socket.socket, _: dict[str, str]) -> None:
    conn.sendall(answer("404 Not Found", {"Content-Length": "0"}))


def redirect(location: str, status: str = "302 Found") -> Route:
    def route(conn: socket.socket, _: dict[str, str]) -> None:
        conn.sendall(answer(status, {"Location": location, "Content-Length": "0"}))

    return route


def drip(prefix: bytes, byte: bytes, every: float = 0.2) -> Route:
    """Send ``prefix``, then one ``byte`` every ``every`` seconds until the client hangs up."""

    def route(conn: socket.socket, _: dict[str, str]) -> None:
        conn.sendall(prefix)
        for _n in range(100_000):
            time.sleep(every)
            conn.sendall(byte)

    return route


def endless(headers: dict[str, str]) -> Route:
    """Headers, then 64 KiB blocks for as long as the client reads."""

    def route(conn: socket.socket, _: dict[str, str]) -> None:
        conn.sendall(answer("200 OK", headers))
        block = b"<p>filler text about the alliance summit</p>\n" * 1400
        for _n in range(1_000_000):
            conn.sendall(block)

    return route


def hold(data: bytes) -> Route:
    """Send ``data`` and then keep the connection open, silent, for a long time."""

    def route(conn: socket.socket, _: dict[str, str]) -> None:
        conn.sendall(data)
        conn.settimeout(60)
        conn.recv(1)  # returns when the client hangs up

    return route


def needs_password(body: bytes) -> Route:
    expected = "Basic " + base64.b64encode(f"briefer:{PASSWORD}".encode()).decode()

    def route(conn: socket.socket, headers: dict[str, str]) -> None:
        if headers.get("authorization") != expected:
            conn.sendall(answer("401 Unauthorized", {"WWW-Authenticate": 'Basic realm="feeds"', "Content-Length": "0"}))
        else:
            ok(body)(conn, headers)

    return route


def gzip_bomb(inflated: int) -> bytes:
    """A gzip member that inflates to ``inflated`` zero bytes (about 1000 times smaller)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    parts = [packer.compress(block) for _ in range(inflated >> 20)]
    return b"".join(parts) + packer.flush()


@pytest.fixture(scope="module", autouse=True)
def _warm(warm_model: None) -> None:
    """Every case here forks a process that reads and analyses articles."""


@pytest.fixture
def site():
    sites: list[RawSite] = []

    def make(routes: dict[str, Route]) -> RawSite:
        sites.append(RawSite(routes))
        return sites[-1]

    yield make
    for s in sites:
        s.close()


def project(tmp_path: Path, urls: list[str], **settings: Any) -> Path:
    """The sample articles plus ``urls`` as sources; returns the config file."""
    shutil.copytree(ROOT / "samples" / "articles", tmp_path / "articles")
    config: dict[str, Any] = {
        "title": "Weekly Indo-Pacific Brief",
        "topic": TOPIC,
        "sources": ["articles", *urls],
        "window": {"days": 7},
        "output": {"formats": ["md", "html"]},
        "fetch": {"cache_dir": "cache", "timeout": TIMEOUT},
        **settings,
    }
    path = tmp_path / "c.yaml"
    path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    return path


def build(config: Path, time_limit: float = LIMIT) -> tuple[dict[str, Any], dict[str, Any], float]:
    """Build ``config`` in a limited child; the CLI's result, ingest.json and the seconds taken."""
    out = config.parent / "out"

    def case() -> dict[str, Any]:
        return cli_result(run_cli("build", str(config), "--as-of", "2025-02-14", "--out", str(out)))

    outcome = run_limited(case, time_limit=time_limit)
    result = outcome.ok()
    assert result["code"] == 0, result
    assert_no_traceback(result)
    assert_one_line_messages(result["stderr"])
    report = json.loads((out / "ingest.json").read_text(encoding="utf-8"))
    assert report["counts"].get("kept", 0) >= SAMPLE_KEPT, report["counts"]
    return result, report, outcome.seconds


def warning_about(stderr: str, url: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("briefgen: warning:") and url in line]
    assert len(lines) == 1, f"want one warning naming {url}: {stderr!r}"
    return lines[0]


def decision(report: dict[str, Any], url: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [a for a in report["articles"] if a["path"] == url]
    assert len(found) == 1, f"want one decision about {url}: {found}"
    return found[0]


# ----------------------------------------------------------------------------- hangs


@pytest.mark.parametrize(
    ("name", "route"),
    [
        ("status line", drip(b"H", b"T")),
        ("headers", drip(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: ", b"a")),
        ("body", drip(answer("200 OK", {"Content-Type": "text/html", "Content-Length": "100000"}, b"<p>"), b"a")),
    ],
)
def test_a_dripping_site_is_given_up_at_the_deadline(site, tmp_path, name, route):
    s = site({"/drip": route})
    url = f"{s.base}/drip"
    result, report, seconds = build(project(tmp_path, [url]))
    assert seconds < TIMEOUT + 8, f"{name}: took {seconds:.1f} s"
    line = warning_about(result["stderr"], url)
    assert f"within {TIMEOUT} s" in line, line
    assert decision(report, url)["status"] == "unreadable"


def test_a_silent_site_is_given_up_at_the_deadline(site, tmp_path):
    s = site({"/silent": hold(b"")})
    url = f"{s.base}/silent"
    result, _, seconds = build(project(tmp_path, [url]))
    assert seconds < TIMEOUT + 8
    warning_about(result["stderr"], url)


def test_the_deadline_spans_redirects(site, tmp_path):
    """Each hop answers in time, but the whole fetch may not take longer than fetch.timeout."""

    def slow_hop(n: int) -> Route:
        def route(conn: socket.socket, _: dict[str, str]) -> None:
            time.sleep(TIMEOUT * 0.6)
            conn.sendall(answer("302 Found", {"Location": f"/hop/{n + 1}", "Content-Length": "0"}))

        return route

    s = site({f"/hop/{n}": slow_hop(n) for n in range(8)})
    url = f"{s.base}/hop/0"
    result, _, seconds = build(project(tmp_path, [url]))
    assert seconds < TIMEOUT + 8
    assert f"within {TIMEOUT} s" in warning_about(result["stderr"], url)


# ----------------------------------------------------------------------------- size


def test_an_endless_body_is_cut_at_the_limit(site, tmp_path):
    s = site({"/endless": endless({"Content-Type": "text/html"})})
    url = f"{s.base}/endless"
    config = project(tmp_path, [url], limits={"max_bytes": 256 * 1024})
    result, report, seconds = build(config)
    assert "too large" in warning_about(result["stderr"], url)
    assert decision(report, url)["status"] == "unreadable"
    assert seconds < 10


def test_a_huge_declared_length_is_refused_before_reading(site, tmp_path):
    headers = {"Content-Type": "text/html", "Content-Length": str(10**15)}
    s = site({"/huge": hold(answer("200 OK", headers, b"<p>"))})
    url = f"{s.base}/huge"
    result, _, seconds = build(project(tmp_path, [url]))
    assert "too large" in warning_about(result["stderr"], url)
    assert seconds < TIMEOUT + 3  # refused at once, not at the deadline


def test_a_gzip_bomb_is_cut_at_the_limit(site, tmp_path):
    bomb = gzip_bomb(512 << 20)  # 512 MiB of zeros in about half a megabyte
    headers = {"Content-Encoding": "gzip"}
    s = site({"/bomb": ok(bomb, "text/html", **headers)})
    url = f"{s.base}/bomb"
    config = project(tmp_path, [url])
    out = config.parent / "out"

    def case() -> dict[str, Any]:
        return cli_result(run_cli("build", str(config), "--as-of", "2025-02-14", "--out", str(out)))

    outcome = run_limited(case, time_limit=LIMIT, memory_cap=256 << 20)
    result = outcome.ok()
    assert result["code"] == 0, result
    assert_one_line_messages(result["stderr"])
    assert "too large" in warning_about(result["stderr"], url)


def test_a_gzip_encoded_page_is_decoded(site, tmp_path):
    s = site({"/feed.xml": ok(gzip.compress(FEED), "application/rss+xml", **{"Content-Encoding": "gzip"})})
    url = f"{s.base}/feed.xml"
    _, report, _ = build(project(tmp_path, [url]))
    assert decision(report, f"{url}#0")["title"] == FEED_TITLE


def test_an_unknown_content_encoding_is_refused(site, tmp_path):
    s = site({"/br": ok(b"\x1b\x2f\x00\xa4" * 50, "text/html", **{"Content-Encoding": "br"})})
    url = f"{s.base}/br"
    result, report, _ = build(project(tmp_path, [url]))
    assert "br" in warning_about(result["stderr"], url)
    assert decision(report, url)["status"] == "unreadable"


def test_a_truncated_body_is_not_taken_for_a_page(site, tmp_path):
    page = (ROOT / "samples" / "articles" / "pacific-ledger-what-comes-next.html").read_bytes()
    cut = answer("200 OK", {"Content-Type": "text/html", "Content-Length": str(len(page))}, page[: len(page) // 3])
    s = site({"/cut": lambda conn, _: conn.sendall(cut)})
    url = f"{s.base}/cut"
    result, report, _ = build(project(tmp_path, [url]))
    assert "closed" in warning_about(result["stderr"], url)
    assert decision(report, url)["status"] == "unreadable"


# ----------------------------------------------------------------------------- not what it claims


def test_a_binary_body_labelled_html_is_refused(site, tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40
    s = site({"/page.html": ok(png, "text/html; charset=utf-8")})
    url = f"{s.base}/page.html"
    result, report, _ = build(project(tmp_path, [url]))
    assert "binary" in warning_about(result["stderr"], url)
    assert decision(report, url)["status"] == "unreadable"


def test_an_invalid_status_line_is_one_warning(site, tmp_path):
    s = site({"/spam": hold(b"SPAM SPAM SPAM\r\nEGGS\r\n\r\n")})
    url = f"{s.base}/spam"
    result, report, _ = build(project(tmp_path, [url]))
    warning_about(result["stderr"], url)
    assert decision(report, url)["status"] == "unreadable"


def test_a_reason_phrase_with_control_characters_is_one_line(site, tmp_path):
    status = "503 Down\x1b[31m for\x0bmaintenance\x07" + "!" * 3000
    s = site({"/down": lambda conn, _: conn.sendall(answer(status, {"Content-Length": "0"}))})
    url = f"{s.base}/down"
    result, _, _ = build(project(tmp_path, [url]))
    line = warning_about(result["stderr"], url)
    assert "\x1b" not in line and "\x07" not in line
    assert len(line) < 1000, line


@pytest.mark.parametrize("target", ["ftp://127.0.0.1:{port}/feed.xml", "file:///etc/passwd", "data:text/html,<p>x"])
def test_a_redirect_off_the_web_is_refused(site, tmp_path, target):
    s = site({})
    s.routes["/moved"] = redirect(target.format(port=s.port))
    url = f"{s.base}/moved"
    result, report, _ = build(project(tmp_path, [url]))
    line = warning_about(result["stderr"], url)
    assert "redirect" in line and "http" in line, line
    assert decision(report, url)["status"] == "unreadable"
    out = tmp_path / "out"
    for name in ("briefing.md", "briefing.html", "ingest.json", "briefing.json"):
        assert "root:x:0:0" not in (out / name).read_text(encoding="utf-8")


def test_a_redirect_loop_is_one_line(site, tmp_path):
    s = site({"/a": redirect("/b"), "/b": redirect("/a", "301 Moved Permanently")})
    url = f"{s.base}/a"
    result, _, _ = build(project(tmp_path, [url]))
    assert "redirect loop" in warning_about(result["stderr"], url)


def test_too_many_redirects_is_one_line(site, tmp_path):
    s = site({f"/hop/{n}": redirect(f"/hop/{n + 1}", "307 Temporary Redirect") for n in range(40)})
    url = f"{s.base}/hop/0"
    result, _, _ = build(project(tmp_path, [url]))
    assert "redirects" in warning_about(result["stderr"], url)
    assert len(s.requests) <= 12


def test_a_port_out_of_range_is_one_warning(tmp_path):
    url = "http://127.0.0.1:99999/feed.xml"
    result, report, _ = build(project(tmp_path, [url]))
    assert "port" in warning_about(result["stderr"], url).lower()
    assert decision(report, url)["status"] == "unreadable"


def test_a_file_url_in_sources_reads_nothing(tmp_path):
    config = project(tmp_path, ["file:///etc/passwd"])
    result, report, _ = build(config)
    assert "file:///etc/passwd" in result["stderr"]
    for name in ("briefing.md", "briefing.html", "ingest.json"):
        assert "root:x:0:0" not in (tmp_path / "out" / name).read_text(encoding="utf-8")
    assert all("passwd" not in a["path"] for a in report["articles"])


# ----------------------------------------------------------------------------- secrets in URLs


def every_text(tmp_path: Path) -> list[str]:
    """Every file under ``tmp_path`` but the config, as text (PDF bytes as latin-1)."""
    texts = []
    for path in sorted(tmp_path.rglob("*")):
        if path.is_file() and path.name != "c.yaml":
            texts.append(path.read_bytes().decode("latin-1"))
    return texts


def test_a_password_in_a_url_is_used_and_never_shown(site, tmp_path):
    s = site({"/feed.xml": needs_password(FEED)})
    url = f"http://briefer:{PASSWORD}@127.0.0.1:{s.port}/feed.xml"
    shown = f"{s.base}/feed.xml"
    config = project(tmp_path, [url], output={"formats": ["md", "html", "pdf", "email"]})
    result, report, _ = build(config, time_limit=60)
    assert decision(report, f"{shown}#0")["status"] == "kept"
    assert decision(report, f"{shown}#0")["title"] == FEED_TITLE
    assert [h.get("authorization", "").startswith("Basic ") for _, h in s.requests] == [True]
    texts = every_text(tmp_path)
    assert any(name.endswith(".json") for name in map(str, (tmp_path / "cache").iterdir()))
    assert_never_printed(PASSWORD, result["stdout"], result["stderr"], *texts)
    assert_never_printed("briefer:", result["stdout"], result["stderr"], *texts)


def test_a_password_is_not_shown_when_the_site_is_down(site, tmp_path):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # nothing listens there now
    url = f"http://briefer:{PASSWORD}@127.0.0.1:{port}/feed.xml"
    result, report, _ = build(project(tmp_path, [url, f"https://briefer:{PASSWORD}@127.0.0.1:{port}/x"]))
    line = warning_about(result["stderr"], f"http://127.0.0.1:{port}/feed.xml")
    assert "unreachable" in line
    assert decision(report, f"http://127.0.0.1:{port}/feed.xml")["status"] == "unreadable"
    assert_never_printed(PASSWORD, result["stdout"], result["stderr"], *every_text(tmp_path))


def test_a_password_is_not_sent_to_another_site_on_redirect(site, tmp_path):
    other = site({"/feed.xml": ok(FEED)})
    s = site({"/feed.xml": redirect(f"{other.base}/feed.xml"), "/here": redirect("/feed2.xml")})
    s.routes["/feed2.xml"] = needs_password(FEED)
    moved = f"http://briefer:{PASSWORD}@127.0.0.1:{s.port}/feed.xml"
    same = f"http://briefer:{PASSWORD}@127.0.0.1:{s.port}/here"
    result, report, _ = build(project(tmp_path, [moved, same]))
    assert [h.get("authorization") for _, h in other.requests] == [None]
    assert decision(report, f"{s.base}/here#0")["status"] in ("kept", "duplicate")  # same site: credentials kept
    assert_never_printed(PASSWORD, result["stdout"], result["stderr"], *every_text(tmp_path))


def test_every_fetch_warning_is_one_line(site, tmp_path):
    s = site(
        {
            "/a": redirect("/b"),
            "/b": redirect("/a"),
            "/ftp": redirect("ftp://127.0.0.1/x"),
            "/spam": hold(b"\x00\xff garbage\r\n\r\n"),
            "/500": lambda conn, _: conn.sendall(answer("500 Oops\tmulti  space", {"Content-Length": "0"})),
            "/empty": ok(b"", "text/html"),
        }
    )
    urls = [f"{s.base}{p}" for p in ("/a", "/ftp", "/spam", "/500", "/empty", "/404")]
    result, _, _ = build(project(tmp_path, urls))
    for url in urls:
        warning_about(result["stderr"], url)
