"""``briefgen publish``: the client's archive as a static site. Which builds it holds (sent, named,
approved), newest first; relative links only and no local path; the Atom feed as feedparser reads
it; the same bytes on a second run; and the pages opened in headless Chromium, served from a
sub-directory of a plain static server on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
import yaml

from briefgen.config.load import load_config
from briefgen.pipeline import build
from briefgen.records.manifest import default_out_dir

from .conftest import AS_OF, ROOT, run_cli
from .smtpd import Recorder, smtp_server

pytest.importorskip("aiosmtpd")

EARLIER = AS_OF.replace(day=12)
PDF = "weekly-indo-pacific-brief-{}.pdf"


def write_config(project: Path, port: int, **delivery: object) -> Path:
    config = yaml.safe_load((ROOT / "configs" / "example.yaml").read_text(encoding="utf-8"))
    config.update(
        sources=["../articles"],
        output={"formats": ["html", "pdf", "email"]},
        branding={"client_name": "Acme Capital"},
        delivery={
            "email": {
                "to": ["desk@example.com"],
                "from": "Briefings <briefings@example.com>",
                "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 10},
            },
            **delivery,
        },
    )
    path = project / "configs" / "weekly.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A project whose config sent its briefings of 12 and 14 February; a third build (13 February)
    was made and never sent. Yields (project, config)."""
    root = tmp_path_factory.mktemp("publish") / "briefings"
    (root / "configs").mkdir(parents=True)
    (root / "briefgen.yaml").write_text("defaults: {}\n", encoding="utf-8")
    shutil.copytree(ROOT / "samples" / "articles", root / "articles")
    with smtp_server(Recorder()) as (port, server):
        config = write_config(root, port)
        loaded = load_config(config)
        for day in (EARLIER, AS_OF, AS_OF.replace(day=13)):
            build(loaded, day, default_out_dir(loaded, day), ["html", "pdf", "email"])
        for day in (EARLIER, AS_OF):
            sent = run_cli("send", str(config), "--as-of", day.isoformat())
            assert sent.returncode == 0, sent.stderr
        assert len(server.received) == 2
    yield root, config


def site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_the_site_holds_what_was_sent_newest_first_with_relative_links_only(project):
    root, config = project
    proc = run_cli("publish", cwd=root / "configs")  # the project the working directory is in
    assert proc.returncode == 0, proc.stderr
    site = root / "output" / "site" / "weekly"
    assert proc.stdout.strip() == f"weekly.yaml: 2 briefing(s) in {site} (2025-02-12, 2025-02-14)"
    files = site_files(site)
    assert sorted(files) == [
        "2025-02-12/index.html",
        f"2025-02-12/{PDF.format('2025-02-12')}",
        "2025-02-14/index.html",
        f"2025-02-14/{PDF.format('2025-02-14')}",
        "feed.xml",
        "index.html",
        "site.json",
    ]  # the build of the 13th never went out
    out = default_out_dir(load_config(config), AS_OF)
    assert files[f"2025-02-14/{PDF.format('2025-02-14')}"] == (out / "briefing.pdf").read_bytes()
    index = files["index.html"].decode("utf-8")
    assert index.index('id="b-2025-02-14"') < index.index('id="b-2025-02-12"')
    hrefs = re.findall(r'href="([^"]*)"', index)
    assert hrefs and all("://" not in h and not h.startswith("/") for h in hrefs), hrefs
    page = files["2025-02-14/index.html"].decode("utf-8")
    assert '<a href="../index.html">All briefings</a>' in page
    assert (out / "briefing.html").read_text(encoding="utf-8").split("<body", 1)[1].split(">", 1)[1] in page
    internal = [h for h in re.findall(r'href="([^"]*)"', page) if "://" not in h]
    assert all(not h.startswith("/") for h in internal), internal
    for name, data in files.items():  # no local path anywhere
        for local in (str(root), str(Path.home()), "file:"):
            assert local.encode() not in data, (name, local)

    again = run_cli("publish", str(root))
    assert again.returncode == 0 and again.stdout.strip().endswith("(nothing new)")
    assert site_files(site) == files  # the same bytes


def test_the_feed_as_a_feed_reader_reads_it(project):
    root, _ = project
    assert run_cli("publish", str(root)).returncode == 0
    site = root / "output" / "site" / "weekly"
    feed = feedparser.parse(
        (site / "feed.xml").read_bytes(),
        response_headers={
            "content-location": "https://host.example/a/feed.xml",
            "content-type": "application/atom+xml",  # as a static host serves .xml
        },
    )
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "Weekly Indo-Pacific Brief"
    assert [e.title for e in feed.entries] == [
        "Weekly Indo-Pacific Brief \u2014 14 February 2025",
        "Weekly Indo-Pacific Brief \u2014 12 February 2025",
    ]
    newest = feed.entries[0]
    assert newest.id.startswith("urn:uuid:") and newest.id != feed.entries[1].id
    assert newest.updated_parsed[:3] == (2025, 2, 14)
    assert newest.link == "https://host.example/a/2025-02-14/index.html"  # relative, resolved against the feed
    (enclosure,) = newest.enclosures
    pdf = site / "2025-02-14" / PDF.format("2025-02-14")
    assert enclosure.href == f"https://host.example/a/2025-02-14/{pdf.name}"
    assert (enclosure.type, int(enclosure.length)) == ("application/pdf", pdf.stat().st_size)
    assert newest.summary  # the bottom line


def test_a_public_address_makes_the_feed_absolute_and_the_email_link_to_the_page(project, tmp_path):
    root, config = project
    copy = root / "configs" / "public.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["delivery"]["site"] = {"base_url": "https://briefings.acme.example/weekly", "dir": str(tmp_path / "site")}
    data["output"] = {"formats": ["email", "pdf"]}
    copy.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    try:
        out = tmp_path / "out"
        built = run_cli("build", str(copy), "--as-of", AS_OF.isoformat(), "--out", str(out))
        assert built.returncode == 0, built.stderr
        link = "https://briefings.acme.example/weekly/2025-02-14/"
        assert f"Read this briefing on the web: {link}" in (out / "briefing.txt").read_text(encoding="utf-8")
        assert f'<a href="{link}">Read this briefing on the web</a>' in (out / "briefing.email.html").read_text(
            encoding="utf-8"
        )
        loaded = load_config(copy)
        shutil.copytree(out, default_out_dir(loaded, AS_OF))
        published = run_cli("publish", str(copy), "--as-of", AS_OF.isoformat())
        assert published.returncode == 0, published.stderr
        feed = feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes())
        # This build has no page (html is not among its formats): the entry leads to its PDF.
        assert feed.entries[0].link == f"https://briefings.acme.example/weekly/2025-02-14/{PDF.format('2025-02-14')}"
        assert [link["href"] for link in feed.feed.links if link["rel"] == "self"] == [
            "https://briefings.acme.example/weekly/feed.xml"
        ]
    finally:
        copy.unlink()


def test_an_unsent_build_is_published_only_when_named_and_approved_when_required(project, tmp_path):
    root, config = project
    copy = root / "configs" / "reviewed.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["delivery"]["require_approval"] = True
    data["delivery"]["site"] = {"dir": str(tmp_path / "site")}
    copy.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    try:
        loaded = load_config(copy)
        day = AS_OF.replace(day=13)
        out = default_out_dir(loaded, day)
        shutil.copytree(default_out_dir(load_config(config), day), out)
        manifest = out / "manifest.json"
        manifest.write_text(manifest.read_text().replace(str(config.resolve()), str(copy.resolve())))
        assert (
            run_cli("publish", str(copy))
            .stdout.strip()
            .endswith("0 briefing(s) in " + str(tmp_path / "site") + " (nothing new)")
        )
        refused = run_cli("publish", str(copy), "--as-of", day.isoformat())
        assert refused.returncode == 1
        assert "not published: the briefing is not approved" in refused.stderr
        assert run_cli("approve", str(out)).returncode == 0
        named = run_cli("publish", str(copy), "--as-of", day.isoformat())
        assert named.returncode == 0, named.stderr
        assert (tmp_path / "site" / "2025-02-13" / "index.html").is_file()
        missing = run_cli("publish", str(copy), "--as-of", "2025-01-01")
        assert missing.returncode == 1 and "no finished build of 2025-01-01" in missing.stderr
    finally:
        copy.unlink()


# ----------------------------------------------------------------------------- in a browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip(f"needs {CHROMIUM} and {CHROMEDRIVER} (Debian's chromium and chromium-driver)")
    options = Options()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--window-size=1200,900",
    ):
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    try:
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    except WebDriverException as exc:
        pytest.skip(f"chromedriver cannot start chromium: {(exc.msg or str(exc)).splitlines()[0]}")
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def static_host(project) -> Iterator[str]:
    """A plain static file server on 127.0.0.1 over ``output/site/``: the archive deployed under a
    sub-directory (``/weekly/``), as on any static host."""
    root, _ = project
    assert run_cli("publish", str(root)).returncode == 0

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(root / "output" / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/weekly/"
    finally:
        server.shutdown()
        server.server_close()


def test_the_archive_reads_in_a_browser_from_a_static_host(browser, static_host, project):
    from selenium.webdriver.common.by import By

    root, _ = project
    browser.get(static_host + "index.html")
    assert browser.title == "Weekly Indo-Pacific Brief"
    items = browser.find_elements(By.CSS_SELECTOR, "li.briefing h2 a")
    assert [a.text for a in items] == ["Weekly Indo-Pacific Brief", "Weekly Indo-Pacific Brief"]
    dates = [t.get_attribute("datetime") for t in browser.find_elements(By.CSS_SELECTOR, "li.briefing time")]
    assert dates == ["2025-02-14", "2025-02-12"]
    items[0].click()
    assert browser.current_url == static_host + "2025-02-14/index.html"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Weekly Indo-Pacific Brief"
    assert browser.find_elements(By.CSS_SELECTOR, "mark.quote")  # the evidence view came along
    pdf = browser.find_element(By.CSS_SELECTOR, "nav.archive a[href$='.pdf']").get_attribute("href")
    assert pdf == static_host + "2025-02-14/" + PDF.format("2025-02-14")
    # Every link of the site's own leads to a file it has.
    for page in ("index.html", "2025-02-14/index.html", "2025-02-12/index.html"):
        browser.get(static_host + page)
        links = browser.execute_script(
            "return [...document.querySelectorAll('a[href]')].map(a => a.href).filter(h => h.startsWith(arguments[0]))",
            static_host,
        )
        for link in links:
            target = root / "output" / "site" / "weekly" / link.removeprefix(static_host).split("#")[0]
            assert target.is_file() or (target / "index.html").is_file(), link
    browser.find_element(By.LINK_TEXT, "All briefings").click()
    assert browser.current_url == static_host + "index.html"


def test_the_archive_reads_from_the_disk_too(browser, project):
    from selenium.webdriver.common.by import By

    root, _ = project
    assert run_cli("publish", str(root)).returncode == 0
    index = (root / "output" / "site" / "weekly" / "index.html").as_uri()
    browser.get(index)
    browser.find_elements(By.CSS_SELECTOR, "li.briefing h2 a")[1].click()
    assert browser.current_url.endswith("/2025-02-12/index.html")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Weekly Indo-Pacific Brief"
