"""Notifications through Apprise against local HTTP servers on 127.0.0.1: the exact payload of a JSON
webhook (over HTTP and, with a private CA, HTTPS), a Slack webhook reached through a local HTTPS
proxy, retries, refusals and in-doubt outcomes in the delivery log, and no token anywhere it could
be read."""

from __future__ import annotations

import base64
import json
import sqlite3
import sys
from pathlib import Path

import pytest
import yaml

from briefgen.config.load import load_config
from briefgen.deliver.message import subject_for
from briefgen.deliver.notify import notice_title, quiet, redacted, url_hash
from briefgen.deliver.smtp import deliver
from briefgen.pipeline import build
from briefgen.records.deliveries import DeliveryLog
from briefgen.records.manifest import OUTPUT_FILES

from .conftest import AS_OF, ROOT, briefing_data, run_cli
from .smtpd import free_port
from .webhooks import Hooks, tls_proxy, webhook_server

pytest.importorskip("apprise")

TOKEN = "Zq7TokenNeverShown9x"
SUBJECT = "Weekly Indo-Pacific Brief \u2014 week of 2025-02-14"


def write_config(path: Path, notify: list[object], **delivery: object) -> Path:
    config = {
        "title": "Weekly Indo-Pacific Brief",
        "topic": {"keywords": ["alliance", "summit", "defense"], "entities": ["Japan", "South Korea"]},
        "sources": [str(ROOT / "samples" / "articles")],
        "output": {"formats": ["md", "pdf", "email"]},
        "delivery": {
            "notify": notify,
            "log": "deliveries.sqlite",
            "notify_retry": {"attempts": 3, "first_delay": 0.01, "max_delay": 0.02},
            **delivery,
        },
    }
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("notify")
    config = write_config(root / "brief.yaml", ["json://127.0.0.1:1/x"])
    out = root / "out"
    build(load_config(config), AS_OF, out, ["md", "pdf", "email"])
    return config, out


def outputs(out: Path) -> dict[str, Path]:
    return {key: out / OUTPUT_FILES[key] for key in ("pdf", "email.html", "txt", "json")}


def configure(built: tuple[Path, Path], notify: list[object], **delivery: object):
    config, _ = built
    write_config(config, notify, **delivery)
    loaded = load_config(config)
    loaded.resolve("deliveries.sqlite").unlink(missing_ok=True)
    return loaded


def expected_body(out: Path, ending: str) -> str:
    """The notice as the briefing's own record says it should read: its bottom line, then its top
    stories' headlines (its first five key points without stories), then ``ending``."""
    data = briefing_data(out)
    sections = {s["name"]: s for s in data["sections"]}
    lines = ["Bottom line: " + " ".join(i["text"] for i in sections["bottom_line"]["items"]), ""]
    top = [s["headline"] for s in data.get("stories", []) if s.get("top")]
    if data.get("layout") == "stories" and top:
        lines += ["Top stories:", *(f"\u2022 {h}" for h in top)]
    else:
        lines += ["Key points:", *(f"\u2022 {i['text']}" for i in sections["key_points"]["items"][:5])]
    return "\n".join([*lines, "", ending])


def log_rows(loaded) -> list[tuple[str, str, str, int, str]]:
    with DeliveryLog(loaded.resolve("deliveries.sqlite"), readonly=True) as journal:
        return [(e.recipient, e.kind, e.status, e.attempts, e.detail) for e in journal.entries()]


def test_a_json_webhook_gets_the_exact_notice_with_the_pdf_once(built):
    config, out = built
    with webhook_server() as (port, hooks):
        url = f"json://127.0.0.1:{port}/hooks/{TOKEN}"
        loaded = configure(built, [url])
        first = run_cli("send", str(config), "--as-of", AS_OF.isoformat(), "--out", str(out), "--verbose")
        again = run_cli("send", str(config), "--as-of", AS_OF.isoformat(), "--out", str(out), "--verbose")
    assert first.returncode == 0, first.stderr
    assert again.returncode == 0, again.stderr
    (hit,) = hooks.hits  # once: the second run finds it in the log
    assert (hit.method, hit.path) == ("POST", f"/hooks/{TOKEN}")
    assert hit.headers["Content-Type"] == "application/json"
    pdf = (out / "briefing.pdf").read_bytes()
    assert hit.json() == {
        "version": "1.0",
        "title": SUBJECT,
        "message": expected_body(out, "The briefing is attached as a PDF."),
        "attachments": [
            {
                "filename": "weekly-indo-pacific-brief-2025-02-14.pdf",
                "base64": base64.b64encode(pdf).decode("ascii"),
                "mimetype": "application/pdf",
            }
        ],
        "type": "info",
    }
    shown = f"json://127.0.0.1:{port}/\u2026 #{url_hash(url)}"
    assert f"sent         {shown}" in first.stdout
    assert "already sent" in again.stdout and shown in again.stdout
    assert log_rows(loaded) == [(shown, "notify", "sent", 1, "")]
    log_bytes = loaded.resolve("deliveries.sqlite").read_bytes()
    for text in (first.stdout, first.stderr, again.stdout, again.stderr):
        assert TOKEN not in text
    assert TOKEN.encode() not in log_bytes
    listing = run_cli("deliveries", str(config))
    assert shown in listing.stdout and TOKEN not in listing.stdout


def test_the_link_replaces_the_pdf_when_the_archive_has_a_public_address(built):
    _, out = built
    with webhook_server() as (port, hooks):
        site = {"base_url": "https://briefings.example.com/indo-pacific/"}
        loaded = configure(built, [f"json://127.0.0.1:{port}/hook"], site=site)
        report = deliver(loaded, AS_OF, outputs(out))
    assert report.complete
    (hit,) = hooks.hits
    link = "https://briefings.example.com/indo-pacific/2025-02-14/"
    assert hit.json()["attachments"] == []
    assert hit.json()["message"] == expected_body(out, f"Read the briefing: {link}")


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory):
    """A test CA, a server context with its certificate for 127.0.0.1 and the services' hosts, and its PEM file."""
    trustme = pytest.importorskip("trustme")
    import ssl

    authority = trustme.CA()
    cert = authority.issue_cert("127.0.0.1", "hooks.slack.com", "discord.com", "api.telegram.org")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    pem = tmp_path_factory.mktemp("ca") / "ca.pem"
    authority.cert_pem.write_to_path(str(pem))
    return context, pem


def test_a_jsons_webhook_with_a_private_ca(built, ca):
    context, pem = ca
    _, out = built
    with webhook_server(tls=context) as (port, hooks):
        loaded = configure(built, [f"jsons://127.0.0.1:{port}/secure/{TOKEN}"])
        untrusted = deliver(loaded, AS_OF, outputs(out), sleep=lambda s: None)
        with pytest.MonkeyPatch.context() as env:
            env.setenv("REQUESTS_CA_BUNDLE", str(pem))
            loaded = configure(built, [f"jsons://127.0.0.1:{port}/secure/{TOKEN}"])
            trusted = deliver(loaded, AS_OF, outputs(out))
    (refused,) = untrusted.outcomes
    assert refused.status == "failed" and refused.detail.startswith("TLS failed")
    assert refused.attempts == 1  # a certificate problem is not retried
    assert [o.status for o in trusted.outcomes] == ["sent"]
    (hit,) = hooks.hits
    assert hit.path == f"/secure/{TOKEN}" and hit.json()["title"] == SUBJECT


#: Services whose address Apprise fixes: (URL, the host it posts to, the path, what the service answers).
SERVICES = {
    "slack": (
        f"https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/c{TOKEN}CcCc",
        "hooks.slack.com",
        f"/services/T0AAAAAAA/B0BBBBBBB/c{TOKEN}CcCc",
        b"ok",
    ),
    "discord": (
        f"https://discord.com/api/webhooks/417429632418316298/{TOKEN}-dISC0rd",
        "discord.com",
        f"/api/webhooks/417429632418316298/{TOKEN}-dISC0rd",
        b"",
    ),
    "telegram": (
        f"tgram://123456789:{TOKEN}_bOt/987654321",
        "api.telegram.org",
        f"/bot123456789:{TOKEN}_bOt/sendMessage",
        b'{"ok": true, "result": {"message_id": 1}}',
    ),
}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_a_chat_service_reached_through_a_local_https_proxy(built, ca, service):
    """Apprise posts to the service's own host (https://hooks.slack.com/..., discord.com,
    api.telegram.org): a local proxy takes the CONNECT, ends TLS with the test CA's certificate for
    that host, and the local server answers as the service would."""
    context, pem = ca
    config, out = built
    url, host, path, answer = SERVICES[service]
    with webhook_server(Hooks(ok_body=answer)) as (_, hooks), tls_proxy(hooks, context) as proxy:
        configure(built, [{"url_env": "BG_CHAT_URL", "name": "Desk channel", "pdf": False}])
        env = {
            "BG_CHAT_URL": url,
            "HTTPS_PROXY": f"http://127.0.0.1:{proxy}",
            "https_proxy": f"http://127.0.0.1:{proxy}",
            "NO_PROXY": "",
            "no_proxy": "",
            "REQUESTS_CA_BUNDLE": str(pem),
        }
        proc = run_cli("send", str(config), "--as-of", AS_OF.isoformat(), "--out", str(out), "--verbose", env=env)
    assert proc.returncode == 0, proc.stderr
    assert hooks.connects == [f"{host}:443"]
    (hit,) = hooks.hits
    assert (hit.host, hit.method, hit.path) == (host, "POST", path)
    sent = json.dumps(hit.json(), ensure_ascii=False)
    assert SUBJECT in sent
    for line in expected_body(out, "x").splitlines()[:-2]:  # the notice, without a link or the PDF
        assert json.dumps(line, ensure_ascii=False)[1:-1] in sent, line
    assert f"sent         Desk channel #{url_hash(url)}" in proc.stdout
    for stream in (proc.stdout, proc.stderr):
        assert TOKEN not in stream


def test_a_busy_service_is_retried_with_backoff_then_sent(built):
    _, out = built
    sleeps: list[float] = []
    with webhook_server(Hooks(replies=[503, 429])) as (port, hooks):
        loaded = configure(built, [f"json://127.0.0.1:{port}/hook"])
        report = deliver(loaded, AS_OF, outputs(out), sleep=sleeps.append)
    assert [o.status for o in report.outcomes] == ["sent"]
    assert len(hooks.hits) == 3 and sleeps == [0.01, 0.02]
    ((_, _, status, attempts, _),) = log_rows(loaded)
    assert (status, attempts) == ("sent", 3)


def test_a_refusal_is_not_retried_and_an_unreachable_service_is_deferred(built):
    _, out = built
    nobody = free_port()
    with webhook_server(Hooks(replies=[400])) as (port, hooks):
        loaded = configure(built, [f"json://127.0.0.1:{port}/hook/{TOKEN}", f"json://127.0.0.1:{nobody}/hook/{TOKEN}"])
        report = deliver(loaded, AS_OF, outputs(out), sleep=lambda s: None)
    refused, unreachable = report.outcomes
    assert (refused.status, refused.attempts, refused.detail) == ("failed", 1, "HTTP 400 Bad Request")
    assert len(hooks.hits) == 1
    assert (unreachable.status, unreachable.attempts) == ("deferred", 3)
    assert unreachable.detail == "could not connect (refused or unreachable)"
    assert not report.complete
    assert [r[2] for r in log_rows(loaded)] == ["failed", "deferred"]
    assert TOKEN.encode() not in loaded.resolve("deliveries.sqlite").read_bytes()


@pytest.mark.parametrize("reply", ["hang", "drop"])
def test_a_lost_answer_is_in_doubt_and_never_sent_again_on_its_own(built, reply):
    config, out = built
    with webhook_server(Hooks(replies=[reply], hang_seconds=3)) as (port, hooks):
        url = f"json://127.0.0.1:{port}/hook?rto=1"
        loaded = configure(built, [url])
        first = deliver(loaded, AS_OF, outputs(out), sleep=lambda s: None)
        second = deliver(loaded, AS_OF, outputs(out), sleep=lambda s: None)
        assert len(hooks.hits) == 1  # the first went out; nobody knows whether it arrived
        again = run_cli(
            "send",
            str(config),
            "--as-of",
            AS_OF.isoformat(),
            "--out",
            str(out),
            "--resend",
            "--recipient",
            url_hash(url),
        )
    assert [o.status for o in first.outcomes] == ["in doubt"]
    assert first.outcomes[0].attempts == 1
    assert [o.status for o in second.outcomes] == ["in doubt"]
    assert again.returncode == 0, again.stderr
    assert len(hooks.hits) == 2
    assert [r[2] for r in log_rows(loaded)] == ["sending", "sent"]


def test_an_apprise_url_from_the_environment_that_is_not_set_is_one_line(built):
    config, out = built
    configure(built, [{"url_env": "BG_NOT_SET_URL"}])
    proc = run_cli("send", str(config), "--as-of", AS_OF.isoformat(), "--out", str(out))
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        "briefgen: error: environment variable BG_NOT_SET_URL (delivery.notify.0.url_env) is not set"
    )


def test_without_the_notify_extra_it_is_one_line_naming_it(built, monkeypatch):
    config, out = built
    configure(built, [f"json://127.0.0.1:1/{TOKEN}"])
    monkeypatch.setitem(sys.modules, "apprise", None)  # as when briefgen[notify] is not installed
    proc = run_cli("send", str(config), "--as-of", AS_OF.isoformat(), "--out", str(out))
    check = run_cli("validate", str(config))
    assert proc.returncode == 1
    line = "delivery.notify needs Apprise, which is not installed: pip install 'briefgen[notify]'"
    assert proc.stderr.strip().splitlines()[-1] == f"briefgen: error: {line}"
    assert check.returncode == 1 and line in check.stderr


def test_a_dry_run_writes_each_notice_and_validate_names_an_unknown_service(built):
    config, out = built
    with webhook_server() as (port, hooks):
        url = f"json://127.0.0.1:{port}/hook/{TOKEN}"
        configure(built, [url])
        proc = run_cli("send", str(config), "--as-of", AS_OF.isoformat(), "--out", str(out), "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert hooks.hits == []
    written = out / f"briefing.notify.{url_hash(url)}.json"
    record = json.loads(written.read_text(encoding="utf-8"))
    assert record["title"] == SUBJECT and record["attachment"] == "weekly-indo-pacific-brief-2025-02-14.pdf"
    assert record["body"] == expected_body(out, "The briefing is attached as a PDF.")
    assert TOKEN not in written.read_text(encoding="utf-8")
    assert not (config.parent / "deliveries.sqlite").exists()

    configure(built, ["nosuchservice://host/path", f"json://127.0.0.1:1/{TOKEN}"])
    check = run_cli("validate", str(config))
    assert check.returncode == 1
    assert "delivery.notify.0 (line" in check.stderr
    assert "Apprise does not recognise this URL (nosuchservice://\u2026)" in check.stderr
    assert "delivery.notify.1" not in check.stderr and TOKEN not in check.stderr


def test_a_target_is_shown_without_its_token():
    assert redacted(f"json://127.0.0.1:8080/hook/{TOKEN}?x={TOKEN}") == "json://127.0.0.1:8080/\u2026"
    assert redacted(f"slack://{TOKEN}/B0B/C0C/#desk") == "slack://\u2026"
    assert redacted(f"tgram://{TOKEN}/12345") == "tgram://\u2026"
    assert redacted(f"https://user:{TOKEN}@hooks.example.com/{TOKEN}") == "https://hooks.example.com/\u2026"


def test_quoted_text_pings_no_one():
    assert quiet("Watch @everyone and @here, <!channel>; mail a@here.example") == (
        "Watch @\u200beveryone and @\u200bhere, <\u200b!channel>; mail a@here.example"
    )


def test_the_log_never_holds_the_url(built, tmp_path):
    """What the log stores of a target: the redacted form and a hash, in the recipient's column."""
    _, out = built
    with webhook_server() as (port, _):
        url = f"json://127.0.0.1:{port}/h/{TOKEN}"
        loaded = configure(built, [url])
        deliver(loaded, AS_OF, outputs(out))
    rows = sqlite3.connect(loaded.resolve("deliveries.sqlite")).execute("SELECT * FROM messages").fetchall()
    assert all(TOKEN not in str(cell) for row in rows for cell in row)
    assert rows[0][3] == f"json://127.0.0.1:{port}/\u2026 #{url_hash(url)}"


def test_a_notice_s_title_is_in_the_briefing_s_language_as_its_email_subject_is(tmp_path):
    path = write_config(tmp_path / "brief.yaml", ["json://127.0.0.1:1/x"])
    assert notice_title(load_config(path), AS_OF) == SUBJECT  # English: as it has always been
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump({**config, "language": "de"}, allow_unicode=True), encoding="utf-8")
    assert notice_title(load_config(path), AS_OF) == "Weekly Indo-Pacific Brief \u2014 Woche bis 2025-02-14"
    email = {"to": ["analyst@example.com"], "from": "desk@example.com", "subject": "{title}, {window_start:%d. %B}"}
    config["delivery"]["email"] = email
    path.write_text(yaml.safe_dump({**config, "language": "fr"}, allow_unicode=True), encoding="utf-8")
    loaded = load_config(path)
    assert notice_title(loaded, AS_OF) == subject_for(loaded, AS_OF) == "Weekly Indo-Pacific Brief, 08. février"


def test_a_notice_is_written_in_the_briefing_s_language(tmp_path):
    from briefgen.deliver.notify import notice_for
    from briefgen.records.headlines import Headlines

    path = write_config(tmp_path / "brief.yaml", ["json://127.0.0.1:1/x"])
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["delivery"]["site"] = {"dir": "site", "base_url": "https://briefs.example/"}
    heads = Headlines("Brief", AS_OF, ("Der Gipfel endete am Freitag.",), ("Gipfel in Honolulu",), True)
    bodies = {}
    for language in ("en", "de"):
        path.write_text(yaml.safe_dump({**config, "language": language}, allow_unicode=True), encoding="utf-8")
        notice = notice_for(load_config(path), AS_OF, heads, tmp_path / "briefing.pdf")
        bodies[language] = notice.body(attached=True, linked=True)
    assert bodies["en"] == (
        "Bottom line: Der Gipfel endete am Freitag.\n\nTop stories:\n\u2022 Gipfel in Honolulu\n\n"
        "Read the briefing: https://briefs.example/2025-02-14/\nThe briefing is attached as a PDF."
    )
    assert bodies["de"] == (
        "Das Wichtigste: Der Gipfel endete am Freitag.\n\nTop-Themen:\n\u2022 Gipfel in Honolulu\n\n"
        "Briefing lesen: https://briefs.example/2025-02-14/\nDas Briefing ist als PDF angehängt."
    )
