"""Unsubscribing, against a real SMTP server and the one-click endpoint on 127.0.0.1: the list headers
of every message (RFC 2369, 2919, 8058), each recipient's own link and line in both parts,
``briefgen unsubscribe`` and the one-click POST honoured by the next ``send`` and ``batch --send``,
and links that hold no address and cannot be made without the secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import logging
import re
from pathlib import Path

import pytest
import yaml

from briefgen.commands.oneclick import Lists, serving
from briefgen.config.load import load_config
from briefgen.pipeline import build
from briefgen.records.deliveries import DeliveryLog
from briefgen.records.manifest import default_out_dir

from .conftest import AS_OF, ROOT, run_cli
from .smtpd import smtp_server

pytest.importorskip("aiosmtpd")

SECRET = "test-secret-for-links-0123456789"
ANALYST, ZOE = "analyst@example.com", "zoe@example.com"
ONE_CLICK_URL = "https://briefings.example.com/unsubscribe/"


def write_config(path: Path, port: int, **email: object) -> Path:
    settings = {
        "to": [ANALYST, f"Zoë Lindqvist <{ZOE}>"],
        "from": "Briefings Desk <briefings@example.com>",
        "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 10},
        "retry": {"attempts": 2, "first_delay": 0.01, "max_delay": 0.02},
        **email,
    }
    config = {
        "title": "Weekly Indo-Pacific Brief",
        "topic": {"keywords": ["alliance", "summit", "defense"], "entities": ["Japan", "South Korea"]},
        "sources": [str(ROOT / "samples" / "articles")],
        "output": {"formats": ["md", "pdf", "email"]},
        "delivery": {"email": settings, "log": "deliveries.sqlite"},
    }
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config whose briefing is built where ``send`` and ``batch`` look for it, so they reuse it."""
    root = tmp_path_factory.mktemp("unsubscribe")
    config = write_config(root / "brief.yaml", 1)
    loaded = load_config(config)
    build(loaded, AS_OF, default_out_dir(loaded, AS_OF), ["md", "pdf", "email"])
    return config


def configure(config: Path, port: int, **email: object) -> Path:
    write_config(config, port, **email)
    (config.parent / "deliveries.sqlite").unlink(missing_ok=True)
    return config


def expected_token(address: str, config_key: str = "brief.yaml") -> str:
    """The HMAC-SHA256 of the config and the address, as RFC 2104 defines it: made here independently."""
    mac = hmac.new(
        SECRET.encode(), b"briefgen-unsubscribe\0" + config_key.encode() + b"\0" + address.encode(), "sha256"
    )
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def send(config: Path, *extra: str, secret: str | None = SECRET):
    env = {"BRIEFGEN_UNSUBSCRIBE_SECRET": secret} if secret else {}
    return run_cli("send", str(config), "--as-of", AS_OF.isoformat(), *extra, env=env)


def raw_headers(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[0].decode("ascii")


def test_every_message_has_the_list_headers_and_its_own_unsubscribe_link(built):
    with smtp_server() as (port, server):
        configure(built, port, unsubscribe={"url": ONE_CLICK_URL})
        proc = send(built)
    assert proc.returncode == 0, proc.stderr
    assert "reusing the briefing" in proc.stderr
    got = server.by_recipient()
    assert sorted(got) == [ANALYST, ZOE]
    mailto = "mailto:briefings@example.com?subject=unsubscribe%20brief.example.com"
    for rcpt, received in got.items():
        msg = received.message
        link = ONE_CLICK_URL + expected_token(rcpt)
        assert rcpt not in link and "@" not in link.removeprefix("https://")
        assert msg["List-Id"] == '"Weekly Indo-Pacific Brief" <brief.example.com>'
        assert msg["List-Unsubscribe"] == f"<{mailto}>, <{link}>"
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        head = raw_headers(received.raw)
        # Written as they are, folded between the links, never as RFC 2047 encoded words.
        assert f"List-Unsubscribe: <{mailto}>,\r\n <{link}>\r\n" in head
        assert not re.search(r"^List-[^:]*:.*=\?", head, re.MULTILINE)
        text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
        html = msg.get_body(("html",)).get_content()
        assert text.rstrip().endswith(f"Sent to {rcpt}. Unsubscribe: {link}")
        assert f'Sent to {rcpt}. <a href="{link}">Unsubscribe</a>' in html
        assert "%%recipient" not in text + html


def test_without_a_one_click_url_the_link_is_mailto_and_no_post_header(built):
    with smtp_server() as (port, server):
        configure(built, port, to=[ANALYST], reply_to="desk@example.com", list_id="indo-pacific.example.com")
        assert send(built, secret=None).returncode == 0
    (received,) = server.received
    msg = received.message
    mailto = "mailto:desk@example.com?subject=unsubscribe%20indo-pacific.example.com"
    assert msg["List-Unsubscribe"] == f"<{mailto}>"
    assert msg["List-Unsubscribe-Post"] is None  # RFC 8058 3.1: only beside an HTTPS link
    assert msg["List-Id"] == '"Weekly Indo-Pacific Brief" <indo-pacific.example.com>'
    assert f"Unsubscribe: {mailto}" in msg.get_body(("plain",)).get_content()


def test_a_one_click_url_without_its_secret_is_one_line_and_sends_nothing(built):
    with smtp_server() as (port, server):
        configure(built, port, unsubscribe={"url": ONE_CLICK_URL})
        unset = send(built, secret=None)
        short = send(built, secret="short")
    assert server.received == []
    assert not (built.parent / "deliveries.sqlite").exists()  # stopped before anything was recorded
    for proc, why in ((unset, "is not set"), (short, "is shorter than 16 characters")):
        assert proc.returncode == 1
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith(
            f"briefgen: error: environment variable BRIEFGEN_UNSUBSCRIBE_SECRET (delivery.email.unsubscribe.secret_env) {why}"
        )
    assert "short" not in short.stderr.replace("shorter", "")


def test_unsubscribe_is_honoured_by_the_next_batch_until_resubscribed(built, tmp_path):
    config = built
    with smtp_server() as (port, server):
        configure(config, port)
        gone = run_cli("unsubscribe", f"Zoë <{ZOE.upper()}>", "--config", str(config))
        assert gone.returncode == 0, gone.stderr
        assert gone.stdout.startswith(f"unsubscribed {ZOE} from brief.yaml's briefing")
        batch = run_cli("batch", str(config), "--as-of", AS_OF.isoformat(), "--send")
        assert batch.returncode == 0, batch.stderr
        assert [r.rcpt_tos for r in server.received] == [[ANALYST]]
        assert "1/1" in batch.stdout  # the unsubscribed are not counted as missing
        listing = run_cli("deliveries", str(config))
        assert re.search(rf"unsubscribed  {re.escape(ZOE)} +from brief.yaml  \(command\)", listing.stdout)
        again = run_cli("unsubscribe", ZOE, "--config", str(config), "--resubscribe")
        assert again.returncode == 0 and again.stdout.startswith(f"re-subscribed {ZOE}")
        resent = send(config, secret=None)
        assert resent.returncode == 0, resent.stderr
        assert sorted(r.rcpt_tos[0] for r in server.received) == [ANALYST, ZOE]
        assert "already sent" in resent.stdout

        # From every config of the log: the next send reaches no one, and says why.
        log = config.parent / "deliveries.sqlite"
        every = run_cli("unsubscribe", ANALYST, "--all", "--log", str(log))
        assert every.returncode == 0 and "every config's briefing" in every.stdout
        run_cli("unsubscribe", ZOE, "--all", "--log", str(log))
        last = send(config, "--resend", secret=None)
        assert len(server.received) == 2  # not even --resend reaches them
    assert last.returncode == 0, last.stderr
    assert last.stdout.count("unsubscribed") == 2 and "from every config's briefings" in last.stdout
    both = run_cli("unsubscribe", ZOE, "--config", str(config), "--all")
    assert both.returncode == 2 and "give --config CONFIG or --all" in both.stderr


def test_the_one_click_endpoint_unsubscribes_by_post_only(built, monkeypatch, caplog):
    config = built
    monkeypatch.setenv("BRIEFGEN_UNSUBSCRIBE_SECRET", SECRET)
    caplog.set_level(logging.DEBUG, logger="briefgen")
    with smtp_server() as (port, server):
        configure(config, port, unsubscribe={"url": ONE_CLICK_URL})
        token = expected_token(ZOE)
        with serving(Lists([config]), 0) as endpoint:

            def ask(method: str, path: str, body: bytes | None = None, kind: str = "application/x-www-form-urlencoded"):
                conn = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=10)
                headers = {"Host": "briefings.example.com", "Content-Type": kind} if body is not None else {}
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                return response.status, response.read().decode("utf-8")

            # A reader (or a link scanner) opening the link sees a button, and nothing changes.
            status, page = ask("GET", f"/unsubscribe/{token}")
            assert status == 200 and '<form method="post">' in page and 'value="One-Click"' in page
            assert ask("GET", f"/unsubscribe/{expected_token('someone@example.com')}")[0] == 404
            assert ask("POST", f"/unsubscribe/{token}", b"something=else")[0] == 400
            assert not (config.parent / "deliveries.sqlite").exists()  # nothing recorded yet
            # The mail client's POST (RFC 8058), form-encoded; and multipart, as some send it.
            assert ask("POST", f"/unsubscribe/{token}", b"List-Unsubscribe=One-Click")[0] == 200
            multipart = b'--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b--\r\n'
            other = expected_token(ANALYST)
            assert ask("POST", f"/u/{other}", multipart, "multipart/form-data; boundary=b")[0] == 200
            bad_key = base64.urlsafe_b64encode(hashlib.sha256(b"not the secret").digest()).decode().rstrip("=")
            assert ask("POST", f"/unsubscribe/{bad_key}", b"List-Unsubscribe=One-Click")[0] == 404
        with DeliveryLog(config.parent / "deliveries.sqlite", readonly=True) as journal:
            gone = {(u.address, u.via) for u in journal.unsubscribes(str(config.resolve()))}
        assert gone == {(ZOE, "one-click"), (ANALYST, "one-click")}
        proc = send(config)
        assert server.received == []
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("unsubscribed") == 2
    assert token not in caplog.text and other not in caplog.text


def test_a_recipient_of_the_log_is_found_after_leaving_the_config(built, monkeypatch):
    """Someone removed from the config still holds last week's link: the log's addresses are known too."""
    config = built
    monkeypatch.setenv("BRIEFGEN_UNSUBSCRIBE_SECRET", SECRET)
    with smtp_server() as (port, _):
        configure(config, port, unsubscribe={"url": ONE_CLICK_URL})
        assert send(config).returncode == 0
        write_config(config, port, to=[ANALYST], unsubscribe={"url": ONE_CLICK_URL})
        lists = Lists([config])
        found = lists.find(expected_token(ZOE))
    assert found is not None and found.address == ZOE
    assert lists.find("x" * 43) is None and lists.find("../../etc/passwd") is None
