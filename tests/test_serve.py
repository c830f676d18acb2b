"""``briefgen serve`` over HTTP, without a browser: the editor bar, the guards on every request
(Host, the cookie the printed URL gives, the page's token, file names), edits that rebuild at
once, a watcher that rebuilds when an article changes or a file of the build is removed or edited,
a failed rebuild that keeps the last good page, and approval."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import lxml.html
import pytest
import yaml

from briefgen.commands import serve
from briefgen.commands.serve import Preview, PreviewServer, check_pause, serving
from briefgen.records.approval import approval_problem, build_problems, read_approval
from briefgen.records.edits import read_edits

from .conftest import AS_OF, ROOT, briefing_data, rewrite, run_cli, section_items

#: How long to wait for a build before giving up; a build of the example takes seconds.
PATIENCE = 120.0


def make_project(root: Path, formats: list[str]) -> Path:
    """The example briefing in a project of its own under ``root``: its config, articles and output."""
    (root / "briefgen.yaml").write_text("defaults: {}\n", encoding="utf-8")
    shutil.copytree(ROOT / "samples" / "articles", root / "articles")
    config = yaml.safe_load((ROOT / "configs" / "example.yaml").read_text(encoding="utf-8"))
    config.update(sources=["../articles"], output={"formats": formats})
    path = root / "configs" / "example.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    server: PreviewServer,
    method: str,
    path: str,
    form: dict[str, str] | None = None,
    *,
    token: str | None = None,
    host: str | None = None,
    headers: dict[str, str] | None = None,
    signed_in: bool = True,
) -> Reply:
    """One request as it is written, Host header and path included; with the server's cookie
    unless ``signed_in`` is false (``headers`` may give another)."""
    sent = {"Host": f"127.0.0.1:{server.port}" if host is None else host}
    if signed_in:
        sent["Cookie"] = f"{server.cookie_name}={server.session}"
    sent.update(headers or {})
    if token is not None:
        sent["X-Briefgen-Token"] = token
    body = None
    if form is not None:
        body = urlencode(form).encode()
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=PATIENCE)
    try:
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()


def status(server: PreviewServer) -> dict[str, Any]:
    reply = call(server, "GET", "/status")
    assert reply.status == 200
    data: dict[str, Any] = reply.json()
    return data


def wait_for(server: PreviewServer, done: Any, what: str) -> dict[str, Any]:
    """The first ``/status`` that ``done`` accepts."""
    deadline = time.monotonic() + PATIENCE
    while True:
        now = status(server)
        if done(now):
            return now
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {PATIENCE:.0f} s; last status {now}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PreviewServer, Path]]:
    """One server for the module, on any free port, over a copy of the example project; and its output directory."""
    root = tmp_path_factory.mktemp("serve")
    config = make_project(root, ["md", "html"])
    preview = Preview(config, AS_OF)
    with serving(preview, 0, interval=0.25) as server:
        wait_for(server, lambda s: s["build"] >= 1, "first build")
        yield server, preview.out_dir


def test_builds_into_the_configs_output_directory(served):
    server, out = served
    assert out == server.preview.config_path.parent.parent / "output" / "example" / AS_OF.isoformat()
    for name in ("briefing.html", "briefing.md", "briefing.json", "manifest.json"):
        assert (out / name).is_file()
    assert server.address == f"http://127.0.0.1:{server.port}/"
    assert server.url == f"{server.address}?token={server.secret}"
    assert server.server_address[0] == "127.0.0.1"


def test_the_page_is_the_briefing_with_the_editor_bar(served):
    server, out = served
    reply = call(server, "GET", "/")
    assert reply.status == 200
    page = reply.body.decode()
    written = (out / "briefing.html").read_text(encoding="utf-8")
    assert 'id="bg-editor"' in page and server.token in page
    assert server.secret not in page and server.session not in page
    assert page.index('id="bg-editor"') < page.rindex("</body>")
    assert 'id="bg-editor"' not in written and server.token not in written  # only when served
    assert page.startswith(written[: written.index("</main>")])
    policy = reply.headers["Content-Security-Policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in page and "default-src 'none'" in policy
    assert call(server, "GET", "/").headers["Content-Security-Policy"] != policy  # a fresh nonce each time
    assert reply.headers["Cache-Control"] == "no-store"


def test_every_request_needs_the_cookie_the_printed_url_gives(served):
    server, out = served
    build = str(status(server)["build"])
    approved = read_approval(out)
    before = read_edits(out)
    item = section_items(out, "key_points")[0]["id"]
    refusals = [
        call(server, "GET", "/", signed_in=False),
        call(server, "HEAD", "/", signed_in=False),
        call(server, "GET", "/status", signed_in=False),
        call(server, "GET", "/briefing.json", signed_in=False),
        call(server, "GET", "/sources/1.txt", signed_in=False),
        call(server, "POST", "/approve", {"build": build}, token=server.token, signed_in=False),
        call(server, "POST", "/drop", {"item": item}, token=server.token, signed_in=False),
        call(server, "POST", f"/approve?token={server.secret}", {"build": build}, token=server.token, signed_in=False),
    ]
    for wrong in (
        f"{server.cookie_name}=not-the-session",
        f"{server.cookie_name}=",
        f"briefgen-{server.port + 1}={server.session}",  # another server's cookie
        f"{server.cookie_name}{server.session}",
        f"x{server.cookie_name}={server.session}",
    ):
        refusals.append(call(server, "GET", "/", signed_in=False, headers={"Cookie": wrong}))
        refusals.append(call(server, "GET", "/status", signed_in=False, headers={"Cookie": wrong}))
    refusals.append(call(server, "GET", "/?token=not-the-secret", signed_in=False))
    refusals.append(call(server, "GET", f"/?token={server.secret[:-1]}", signed_in=False))
    refusals.append(call(server, "GET", f"/?token={server.session}", signed_in=False))
    for reply in refusals:
        assert reply.status == 403
        assert "Set-Cookie" not in reply.headers
        assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
    body = refusals[0].body.decode()
    assert body.count("\n") == 1 and "open the URL that `briefgen serve` printed" in body
    for reply in refusals[1:]:
        assert reply.body in (refusals[0].body, b"")  # HEAD: no body
        for secret in (server.token, server.secret, server.session):
            assert secret.encode() not in reply.body
    assert read_approval(out) == approved and read_edits(out) == before
    # Other cookies of 127.0.0.1 (other servers on other ports) come along, and are no matter.
    other = f"other=1; briefgen-{server.port + 1}=x; {server.cookie_name}={server.session}; last=2"
    assert call(server, "GET", "/status", signed_in=False, headers={"Cookie": other}).status == 200


def test_the_printed_url_signs_the_browser_in_and_leaves_the_address_bar(served):
    server, _ = served
    address = urlsplit(server.url)
    reply = call(server, "GET", f"{address.path}?{address.query}", signed_in=False)
    assert reply.status == 303 and reply.body == b""
    assert reply.headers["Location"] == server.address
    name, _, rest = reply.headers["Set-Cookie"].partition("=")
    value, *attributes = [part.strip() for part in rest.split(";")]
    assert name == server.cookie_name and value == server.session
    assert sorted(attributes) == ["HttpOnly", "Path=/", "SameSite=Strict"]
    page = call(server, "GET", "/", signed_in=False, headers={"Cookie": f"{name}={value}"})
    assert page.status == 200 and 'id="bg-editor"' in page.body.decode()
    # Any path: back to the same one, other parameters kept; never to another host.
    for path, location in (
        (f"/briefing.md?token={server.secret}", "/briefing.md"),
        (f"/status?x=1&token={server.secret}", "/status?x=1"),
        (f"//evil.example/?token={server.secret}", "/evil.example/"),
        (f"/\\evil.example/?token={server.secret}", "/%5Cevil.example/"),
    ):
        reply = call(server, "GET", path, signed_in=False)
        assert reply.status == 303, path
        assert reply.headers["Location"] == f"http://127.0.0.1:{server.port}{location}"
    reply = call(server, "GET", f"/?token={server.secret}", signed_in=False, host=f"localhost:{server.port}")
    assert reply.headers["Location"] == f"http://localhost:{server.port}/"
    assert call(server, "GET", f"/?token={server.secret}", signed_in=False, host="evil.example").status == 403


def test_serve_prints_the_url_to_open(tmp_path):
    config = make_project(tmp_path, ["html"])
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONWARNINGS": "ignore"}
    process = subprocess.Popen(
        [sys.executable, "-m", "briefgen", "serve", str(config), "--as-of", AS_OF.isoformat(), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        shown = re.fullmatch(
            r"serving Weekly Indo-Pacific Brief at http://127\.0\.0\.1:([0-9]+)/\?token=([A-Za-z0-9_-]{40,}) "
            r"\(Ctrl-C to stop\)\n",
            line,
        )
        assert shown, line
        conn = http.client.HTTPConnection("127.0.0.1", int(shown[1]), timeout=PATIENCE)
        conn.request("GET", f"/?token={shown[2]}")
        response = conn.getresponse()
        assert response.status == 303 and response.headers["Set-Cookie"].startswith(f"briefgen-{shown[1]}=")
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", int(shown[1]), timeout=PATIENCE)
        conn.request("GET", "/status")
        assert conn.getresponse().status == 403
        conn.close()
    finally:
        # Ctrl-C stops it at once, unless the tests run with SIGINT ignored (as a background job
        # of a script), which the server inherits: then it is killed rather than waited for.
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def test_a_post_without_the_token_is_forbidden(served):
    server, out = served
    item = section_items(out, "key_points")[0]["id"]
    before = read_edits(out)
    assert call(server, "POST", "/drop", {"item": item}).status == 403
    assert call(server, "POST", "/drop", {"item": item}, token="not-the-token").status == 403
    assert call(server, "POST", "/approve", {"build": str(status(server)["build"])}).status == 403
    assert read_edits(out) == before
    assert item in {i["id"] for i in section_items(out, "key_points")}


def test_a_request_for_another_host_is_refused(served):
    server, out = served
    for host in (f"evil.example:{server.port}", "127.0.0.1", f"127.0.0.1:{server.port + 1}", ""):
        reply = call(server, "GET", "/", host=host)
        assert reply.status == 403 and server.token.encode() not in reply.body
    assert call(server, "GET", "/", host=f"localhost:{server.port}").status == 200
    item = section_items(out, "key_points")[0]["id"]
    reply = call(server, "POST", "/drop", {"item": item}, token=server.token, host=f"evil.example:{server.port}")
    assert reply.status == 403
    reply = call(server, "POST", "/drop", {"item": item}, token=server.token, headers={"Origin": "http://evil.example"})
    assert reply.status == 403
    assert item not in read_edits(out).drop


def test_dropping_an_item_rebuilds_with_the_next_best_sentence(served):
    server, out = served
    before = section_items(out, "key_points")
    build = status(server)["build"]
    dropped = before[0]["id"]
    reply = call(server, "POST", "/drop", {"item": dropped}, token=server.token)
    assert reply.status == 200, reply.body
    assert reply.json()["build"] == build + 1 and reply.json()["error"] is None
    assert dropped in read_edits(out).drop
    after = section_items(out, "key_points")
    assert dropped not in json.dumps(briefing_data(out)["sections"])
    assert len(after) == len(before)  # the next best sentence took its place
    assert {i["id"] for i in after} - {i["id"] for i in before}
    assert f'data-item="{dropped}"' not in call(server, "GET", "/").body.decode()
    unknown = call(server, "POST", "/drop", {"item": dropped}, token=server.token)  # no longer in the briefing
    assert unknown.status == 400 and "no quoted item" in unknown.json()["error"]


def test_a_note_is_the_analysts_never_a_quote(served):
    server, out = served
    text = "Our view: the vote <b>slips</b> & the budget waits."
    reply = call(server, "POST", "/note", {"text": text, "section": "key_points"}, token=server.token)
    assert reply.status == 200, reply.body
    assert reply.json()["notes"] == [{"text": text, "section": "key_points"}]
    page = call(server, "GET", "/").body.decode()
    assert "<b>slips</b>" not in page  # text, never markup
    tree = lxml.html.fromstring(page)
    (aside,) = tree.xpath("//aside[contains(@class, 'analyst-note')][contains(., 'the vote')]")
    assert text in aside.text_content()
    assert aside.xpath("ancestor::section/@data-section") == ["key_points"]
    for quoted in tree.xpath("//sup[contains(@class, 'cite')] | //mark[contains(@class, 'quote')] | //*[@data-item]"):
        assert "the vote" not in quoted.text_content()
    assert text not in json.dumps(briefing_data(out)["sections"])
    top = call(server, "POST", "/note", {"text": "Read with last week's.", "section": "top"}, token=server.token)
    assert [n["section"] for n in top.json()["notes"]] == ["key_points", None]
    bad = call(server, "POST", "/note", {"text": "x", "section": "nowhere"}, token=server.token)
    assert bad.status == 400
    assert call(server, "POST", "/note", {"text": "   "}, token=server.token).status == 400
    removed = call(server, "POST", "/note/remove", {"index": "0", "text": text}, token=server.token)
    assert removed.status == 200 and removed.json()["notes"] == [{"text": "Read with last week's.", "section": None}]
    assert "the vote" not in call(server, "GET", "/").body.decode()
    call(server, "POST", "/note/remove", {"index": "0", "text": "Read with last week's."}, token=server.token)
    assert read_edits(out).notes == ()
    assert call(server, "POST", "/note/remove", {"index": "0", "text": text}, token=server.token).status == 409


def test_a_note_is_removed_only_if_it_is_the_one_shown(served):
    server, out = served
    for text in ("First view.", "Second view."):
        assert call(server, "POST", "/note", {"text": text, "section": "top"}, token=server.token).status == 200
    build = status(server)["build"]
    # edits.yaml edited by hand while the page shows both notes: the first is gone, the second moved up.
    dropped = list(read_edits(out).drop)
    rewrite(out / "edits.yaml", yaml.safe_dump({"drop": dropped, "notes": [{"text": "Second view."}]}))
    wait_for(server, lambda s: s["build"] > build and len(s["notes"]) == 1, "rebuild after edits.yaml changed")
    stale = call(server, "POST", "/note/remove", {"index": "0", "text": "First view."}, token=server.token)
    assert stale.status == 409 and "no longer the one shown" in stale.json()["error"]
    gone = call(server, "POST", "/note/remove", {"index": "1", "text": "Second view."}, token=server.token)
    assert gone.status == 409 and "no note 2" in gone.json()["error"]
    assert call(server, "POST", "/note/remove", {"index": "0"}, token=server.token).status == 400
    assert call(server, "POST", "/note/remove", {"text": "Second view."}, token=server.token).status == 400
    assert [n.text for n in read_edits(out).notes] == ["Second view."]
    removed = call(server, "POST", "/note/remove", {"index": "0", "text": "Second view."}, token=server.token)
    assert removed.status == 200 and removed.json()["notes"] == []
    assert read_edits(out).notes == ()


def test_a_build_changed_on_disk_is_built_again(served):
    server, out = served
    for name, damage, reason in (
        ("briefing.md", lambda path: path.unlink(), "briefing.md is missing"),
        (
            "briefing.html",
            lambda path: path.write_text(path.read_text(encoding="utf-8") + "<p>added</p>"),
            "briefing.html is not as built",
        ),
        ("sources/1.txt", lambda path: path.unlink(), "sources/1.txt: missing"),
        ("manifest.json", lambda path: path.unlink(), "no finished build"),
    ):
        build = status(server)["build"]
        written = (out / name).read_bytes()
        damage(out / name)
        now = wait_for(server, lambda s, b=build: s["build"] > b, f"rebuild after {name} was changed")
        assert now["error"] is None and now["reason"].startswith(reason), now
        assert (out / name).read_bytes() == written  # the same inputs: the same file
    # Approving a build whose file is gone: it is built again first, and the page must be reloaded.
    build = status(server)["build"]
    (out / "briefing.md").unlink()
    stale = call(server, "POST", "/approve", {"build": str(build)}, token=server.token)
    assert stale.status == 409 and "rebuilt since this page was loaded" in stale.json()["error"]
    assert (out / "briefing.md").is_file()
    reply = call(server, "POST", "/approve", {"build": str(status(server)["build"])}, token=server.token)
    assert reply.status == 200, reply.body
    assert approval_problem(out) is None
    (out / "notes-to-self.txt").write_text("not the build's", encoding="utf-8")  # no matter
    time.sleep(1.0)
    assert status(server)["approval"] is None and approval_problem(out) is None
    (out / "approval.json").unlink()  # as the other tests expect it: not approved
    wait_for(server, lambda s: s["approval"] is not None, "approval gone")


def test_the_watcher_hashes_the_build_only_once_its_files_change(served, monkeypatch):
    server, out = served
    calls: list[Path] = []
    original = build_problems

    def counted(out_dir: Path) -> list[str]:
        calls.append(out_dir)
        return original(out_dir)

    monkeypatch.setattr(serve, "build_problems", counted)
    build = status(server)["build"]
    time.sleep(1.0)  # four checks at least
    assert calls == []
    os.utime(out / "briefing.md")  # touched, not changed
    deadline = time.monotonic() + PATIENCE
    while not calls and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    assert calls == [out]  # looked at once, found intact
    assert status(server)["build"] == build


def test_the_watcher_waits_longer_when_a_check_takes_long(served):
    server, _ = served
    assert 0 < server.preview.check_seconds < 10
    assert check_pause(1.0, 0.01) == 1.0
    assert check_pause(1.0, 0.5) == 2.5
    assert check_pause(0.25, 3.0) == 15.0


def test_editing_an_article_rebuilds(served):
    server, _ = served
    build = status(server)["build"]
    article = server.preview.config_path.parent.parent / "articles" / "lantern-institute-commentary.txt"
    with article.open("a", encoding="utf-8") as handle:
        handle.write("\nA closing line added by the editor's colleague.\n")
    now = wait_for(server, lambda s: s["build"] > build, "rebuild after an article changed")
    assert "lantern-institute-commentary.txt changed" in now["reason"]
    assert now["error"] is None


def test_a_failed_rebuild_keeps_the_last_good_page(served):
    server, _ = served
    config = server.preview.config_path
    good = config.read_text(encoding="utf-8")
    page = call(server, "GET", "/").body.decode()
    build = status(server)["build"]
    try:
        rewrite(config, good + "window: {days: seven}\n")
        failed = wait_for(server, lambda s: s["error"] is not None, "error after the config broke")
        assert "window" in failed["error"] and "\n" not in failed["error"]
        assert failed["build"] == build
        again = call(server, "GET", "/").body.decode()
        assert again[: again.index('id="bg-editor"')] == page[: page.index('id="bg-editor"')]
    finally:
        rewrite(config, good)
    cleared = wait_for(server, lambda s: s["error"] is None, "error cleared once the config is fixed")
    assert cleared["build"] == build  # the same inputs as the page shown: nothing to rebuild


def test_approving_the_page_shown(served):
    server, out = served
    build = status(server)["build"]
    stale = call(server, "POST", "/approve", {"build": str(build - 1)}, token=server.token)
    assert stale.status == 409 and "rebuilt since this page was loaded" in stale.json()["error"]
    assert approval_problem(out) is not None
    reply = call(server, "POST", "/approve", {"build": str(build)}, token=server.token)
    assert reply.status == 200, reply.body
    assert (out / "approval.json").is_file()
    assert approval_problem(out) is None
    now = reply.json()
    assert now["approval"] is None and now["approved_by"] and now["approved_at"]
    assert status(server)["approval"] is None


def test_the_builds_files_are_served_and_nothing_else(served):
    server, out = served
    for name in ("briefing.md", "briefing.json", "sources/1.txt", "manifest.json"):
        reply = call(server, "GET", f"/{name}")
        assert reply.status == 200 and reply.body == (out / name).read_bytes()
    assert call(server, "GET", "/briefing.json").headers["Content-Type"] == "application/json"
    (out / "notes-to-self.txt").write_text("private", encoding="utf-8")
    for path in (
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/sources/../edits.yaml",
        "/sources/..%2f..%2fconfigs%2fexample.yaml",
        "/edits.yaml",
        "/notes-to-self.txt",
        "//etc/passwd",
        "/briefing.pdf",  # not built
    ):
        reply = call(server, "GET", path)
        assert reply.status == 404, path
        assert b"root:" not in reply.body and b"private" not in reply.body
    assert call(server, "POST", "/elsewhere", {}, token=server.token).status == 404


def test_serve_says_when_the_port_is_taken(tmp_path):
    config = make_project(tmp_path, ["html"])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run_cli("serve", str(config), "--port", str(taken.getsockname()[1]))
    assert result.returncode == 1
    assert "cannot listen on 127.0.0.1:" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_briefing_that_went_out_is_neither_edited_nor_built_again(tmp_path):
    """Every recipient of one briefing gets the same one: once the delivery log shows it went out,
    an edit is refused with how to send a correction, and a changed article does not rebuild it."""
    from briefgen.config import load_config
    from briefgen.records.deliveries import DeliveryLog, delivery_log_path

    config = make_project(tmp_path, ["md", "html", "pdf", "email"])
    preview = Preview(config, AS_OF)
    assert preview.check()
    out = preview.out_dir
    built = {name: (out / name).read_bytes() for name in ("briefing.html", "briefing.pdf", "briefing.json")}
    loaded = load_config(config)
    with DeliveryLog(delivery_log_path(loaded)) as journal:
        journal.claim(str(loaded.path), AS_OF, "desk@example.com", "to", "<1@example.com>", "0" * 64, False)
        journal.update("<1@example.com>", "sent", 1)
    item = section_items(out, "key_points")[0]["id"]
    for edit in (lambda: preview.drop(item), lambda: preview.add_note("A late thought.", None)):
        with pytest.raises(serve.Conflict, match=r"went out to 1 recipient\(s\) already, and an edit would give"):
            edit()
    assert not (out / "edits.yaml").exists()
    (tmp_path / "articles" / "late.txt").write_text("Late\n\nA late alliance story.\n", encoding="utf-8")
    preview.check()
    assert {name: (out / name).read_bytes() for name in built} == built
    assert preview.snapshot().reason.startswith("kept:")
