"""``briefgen serve`` in a real headless browser: the URL it prints lets the browser in (and no
one else), a citation leads to its highlighted quote in the evidence view, dropping a quote from
the page replaces it, and approving from the page is what lets ``send`` go through with
``delivery.require_approval``.

Drives Debian's chromium through its chromedriver, named explicitly so that nothing is ever
downloaded; skipped where either is missing or cannot start.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from briefgen.commands.serve import Preview, PreviewServer, serving
from briefgen.records.approval import approval_problem
from briefgen.records.edits import read_edits

from .conftest import AS_OF, ROOT, briefing_data, rewrite, run_cli, section_items
from .smtpd import Recorder, smtp_server

pytest.importorskip("aiosmtpd")
webdriver = pytest.importorskip("selenium.webdriver")

from selenium.common.exceptions import WebDriverException  # noqa: E402 - after the skip when Selenium is absent
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
    pytest.skip(f"needs {CHROMIUM} and {CHROMEDRIVER} (Debian's chromium and chromium-driver)", allow_module_level=True)

#: How long to wait for a build or a page before giving up; the example builds in seconds.
PATIENCE = 120.0
CHROME_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1200,900",
)
RECIPIENT = "desk@example.com"


@pytest.fixture(scope="module")
def mail() -> Iterator[tuple[int, Recorder]]:
    with smtp_server() as (port, recorder):
        yield port, recorder


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, mail: tuple[int, Recorder]
) -> Iterator[tuple[PreviewServer, Path]]:
    """The example briefing served from a project of its own, sent by email only once approved."""
    root = tmp_path_factory.mktemp("browser")
    (root / "briefgen.yaml").write_text("defaults: {}\n", encoding="utf-8")
    shutil.copytree(ROOT / "samples" / "articles", root / "articles")
    config = yaml.safe_load((ROOT / "configs" / "example.yaml").read_text(encoding="utf-8"))
    config.update(
        sources=["../articles"],
        output={"formats": ["md", "html"]},
        delivery={
            "require_approval": True,
            "email": {
                "to": [RECIPIENT],
                "from": "Briefings <briefings@example.com>",
                "smtp": {"host": "127.0.0.1", "port": mail[0], "security": "none", "timeout": 10},
            },
        },
    )
    path = root / "configs" / "example.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    preview = Preview(path, AS_OF)
    with serving(preview, 0) as server:
        yield server, preview.out_dir


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    try:
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    except WebDriverException as exc:
        pytest.skip(f"chromedriver cannot start chromium: {(exc.msg or str(exc)).splitlines()[0]}")
    driver.set_page_load_timeout(PATIENCE)
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver: WebDriver, script: str, *args: Any) -> Any:
    """The first truthy value of ``script``, run again until it is (a page reloading in between is no matter)."""

    def check(d: WebDriver) -> Any:
        try:
            return d.execute_script(script, *args)
        except WebDriverException:
            return None

    return WebDriverWait(driver, PATIENCE, poll_frequency=0.1).until(check)


def open_page(driver: WebDriver, server: PreviewServer) -> int:
    """Load the page by the URL ``briefgen serve`` prints, once the first build is shown and the bar
    is ready; the build it shows."""
    WebDriverWait(driver, PATIENCE, poll_frequency=0.1).until(lambda _: server.preview.snapshot().build >= 1)
    driver.get(server.url)
    build: int = wait(
        driver,
        "return document.querySelector('.bg-drop') && JSON.parse(document.getElementById('bg-editor-data').textContent).build",
    )
    return build


def click(driver: WebDriver, element: WebElement) -> None:
    """Click as a reader does: the element brought into the middle of the window first, clear of the bar."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def test_the_printed_url_lets_the_browser_in_and_leaves_the_address_bar(browser, served):
    server, _ = served
    browser.delete_all_cookies()
    browser.get(server.address)  # without the secret: nothing of the briefing
    assert "open the URL that `briefgen serve` printed" in browser.find_element(By.TAG_NAME, "body").text
    assert browser.find_elements(By.ID, "bg-editor") == []
    open_page(browser, server)
    assert browser.current_url == server.address  # the secret is out of the address bar and the history
    assert server.session not in browser.execute_script("return document.cookie")  # HttpOnly
    (cookie,) = [c for c in browser.get_cookies() if c["name"] == server.cookie_name]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    browser.get(server.address + "briefing.md")  # the build's files with the same cookie
    assert browser.find_element(By.TAG_NAME, "body").text.startswith("#")


def test_a_citation_leads_to_its_quote_highlighted_in_the_evidence(browser, served):
    server, out = served
    open_page(browser, server)
    item = section_items(out, "key_points")[1]
    link = browser.find_element(By.CSS_SELECTOR, f'[data-item="{item["id"]}"] a.cite-link')
    assert link.get_attribute("href").endswith(f"#q-{item['id']}")
    click(browser, link)
    assert wait(browser, "return location.hash") == f"#q-{item['id']}"
    target = browser.execute_script("return document.querySelector(':target')")
    assert target is not None and target.tag_name == "mark"
    assert target.get_attribute("id") == f"q-{item['id']}" and "quote" in target.get_attribute("class").split()
    assert target.text == item["text"]
    seen = browser.execute_script(
        """const r = arguments[0].getBoundingClientRect(), bar = document.getElementById('bg-editor').getBoundingClientRect();
        return {top: r.top, bottom: r.bottom, height: innerHeight, bar: bar.top};""",
        target,
    )
    assert seen["top"] >= 0 and seen["bottom"] <= seen["height"]
    assert seen["bottom"] <= seen["bar"]  # not under the editor bar either
    background = "return getComputedStyle(arguments[0]).backgroundColor"
    other = browser.find_element(By.CSS_SELECTOR, f"mark.quote:not([id='q-{item['id']}'])")
    assert browser.execute_script(background, target) != browser.execute_script(background, other)
    back = target.find_element(By.XPATH, "following-sibling::a[contains(@class, 'back')][1]")
    click(browser, back)
    assert wait(browser, "return location.hash") == f"#cite-{item['id']}"


def test_dropping_a_quote_from_the_page_replaces_it(browser, served):
    server, out = served
    build = open_page(browser, server)
    before = section_items(out, "key_points")
    dropped = before[0]
    row = browser.find_element(By.CSS_SELECTOR, f'section[data-section="key_points"] li[data-item="{dropped["id"]}"]')
    click(browser, row.find_element(By.CSS_SELECTOR, "button.bg-drop"))
    # The page reloads by itself once the server has rebuilt without the quote.
    wait(
        browser,
        """const data = document.getElementById('bg-editor-data');
        return data && JSON.parse(data.textContent).build > arguments[0] && document.readyState === 'complete';""",
        build,
    )
    assert dropped["id"] in read_edits(out).drop
    rows = browser.find_elements(By.CSS_SELECTOR, 'section[data-section="key_points"] li[data-item]')
    assert len(rows) == len(before)  # the next best sentence took its place
    # Quoted nowhere in the briefing's sections (the evidence view may still show it as context).
    shown = " ".join(e.text for e in browser.find_elements(By.CSS_SELECTOR, "section[data-section]"))
    assert dropped["text"] not in shown
    assert [r.get_attribute("data-item") for r in rows] == [i["id"] for i in section_items(out, "key_points")]


def test_a_note_added_from_the_page_shows_as_the_analysts(browser, served):
    server, out = served
    build = open_page(browser, server)
    options = browser.find_elements(By.CSS_SELECTOR, "#bg-note-section option")
    assert [o.get_attribute("value") for o in options] == ["top", *(s["name"] for s in briefing_data(out)["sections"])]
    text = "Our view: <i>the vote</i> slips to March."
    browser.find_element(By.ID, "bg-note-text").send_keys(text)
    browser.find_element(By.CSS_SELECTOR, "#bg-note-section option[value='why_it_matters']").click()
    click(browser, browser.find_element(By.CSS_SELECTOR, "#bg-note-form button[type='submit']"))
    wait(
        browser, "return JSON.parse(document.getElementById('bg-editor-data').textContent).build > arguments[0]", build
    )
    note = browser.find_element(By.CSS_SELECTOR, 'section[data-section="why_it_matters"] aside.analyst-note')
    assert text in note.text
    assert browser.find_elements(By.CSS_SELECTOR, "aside.analyst-note i") == []  # shown as text, not markup
    (listed,) = browser.find_elements(By.CSS_SELECTOR, "#bg-notes li")
    assert text in listed.text
    build = open_page(browser, server)
    click(browser, browser.find_element(By.CSS_SELECTOR, "#bg-notes li button"))
    wait(
        browser, "return JSON.parse(document.getElementById('bg-editor-data').textContent).build > arguments[0]", build
    )
    assert browser.find_elements(By.CSS_SELECTOR, "aside.analyst-note") == []
    assert read_edits(out).notes == ()


def test_a_failed_rebuild_shows_in_a_banner_over_the_last_good_page(browser, served):
    server, _ = served
    config = server.preview.config_path
    good = config.read_text(encoding="utf-8")
    build = open_page(browser, server)
    assert not browser.find_element(By.ID, "bg-banner").is_displayed()
    try:
        rewrite(config, good.replace("title:", "titel:", 1))
        wait(browser, "const b = document.getElementById('bg-banner'); return !b.hidden && b.textContent")
        banner = browser.find_element(By.ID, "bg-banner")
        assert "titel" in banner.text and banner.is_displayed()
        assert browser.find_elements(By.CSS_SELECTOR, "[data-item]")  # the last good page stays
    finally:
        rewrite(config, good)
    wait(browser, "return document.getElementById('bg-banner').hidden")
    assert json.loads(browser.find_element(By.ID, "bg-editor-data").get_attribute("textContent"))["build"] == build


def test_approving_from_the_page_lets_the_briefing_be_sent(browser, served, mail):
    server, out = served
    _, received = mail
    config = str(server.preview.config_path)
    open_page(browser, server)
    assert approval_problem(out) is not None
    refused = run_cli("send", config, "--as-of", AS_OF.isoformat())
    assert refused.returncode == 1 and "not approved" in refused.stderr
    assert received.received == []
    approval = browser.find_element(By.ID, "bg-approval")
    assert approval.text.startswith("Not approved")
    click(browser, browser.find_element(By.ID, "bg-approve"))
    wait(
        browser,
        "const a = document.getElementById('bg-approval'); return a && a.textContent.startsWith('Approved by ')",
    )
    assert not browser.find_element(By.ID, "bg-approve").is_enabled()
    assert approval_problem(out) is None
    sent = run_cli("send", config, "--as-of", AS_OF.isoformat())
    assert sent.returncode == 0, sent.stderr
    assert "reusing the briefing" in sent.stderr  # the very build that was approved
    assert [r.rcpt_tos for r in received.received] == [[RECIPIENT]]
