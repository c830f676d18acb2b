"""Email delivery against a real SMTP server on 127.0.0.1: what arrives, retries, refusals,
the delivery log, credentials and TLS."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
import yaml

from briefgen.config.load import load_config
from briefgen.deliver.smtp import deliver
from briefgen.errors import ConfigError, DeliveryError
from briefgen.pipeline import build
from briefgen.records.deliveries import DeliveryLog, LogEntry
from briefgen.records.manifest import OUTPUT_FILES

from .conftest import AS_OF, ROOT, run_cli
from .smtpd import Authenticator, Recorder, free_port, smtp_server

pytest.importorskip("aiosmtpd")

SECRET = "s3cret-Pa55word-never-logged"


def write_config(path: Path, port: int, **email: object) -> Path:
    """The example briefing with a delivery section; only ``delivery`` changes between tests,
    so one build serves them all."""
    settings = {
        "to": ["analyst@example.com", "Zoë Lindqvist <zoe@example.com>"],
        "from": "Briefings Desk <briefings@example.com>",
        "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 10},
        "retry": {"attempts": 3, "first_delay": 0.01, "max_delay": 0.05},
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
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(config path, output directory) of one build shared by the tests of this module."""
    root = tmp_path_factory.mktemp("deliver")
    config = write_config(root / "brief.yaml", 1)
    out = root / "out"
    build(load_config(config), AS_OF, out, ["md", "pdf", "email"])
    return config, out


def outputs(out: Path) -> dict[str, Path]:
    return {key: out / OUTPUT_FILES[key] for key in ("pdf", "email.html", "txt", "json")}


def configure(built: tuple[Path, Path], port: int, **email: object):
    config, _ = built
    write_config(config, port, **email)
    loaded = load_config(config)
    log = loaded.resolve("deliveries.sqlite")
    log.unlink(missing_ok=True)
    return loaded


def log_entries(loaded) -> list[LogEntry]:
    with DeliveryLog(loaded.resolve("deliveries.sqlite"), readonly=True) as journal:
        return journal.entries()


def parts(msg: EmailMessage) -> tuple[str, str, bytes, str | None]:
    plain, rich = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain is not None and rich is not None
    (attachment,) = list(msg.iter_attachments())
    return plain.get_content(), rich.get_content(), attachment.get_content(), attachment.get_filename()


def test_each_recipient_gets_one_intact_message(built):
    bcc = "archive@example.com"
    with smtp_server() as (port, server):
        loaded = configure(built, port, cc=["desk@example.com"], bcc=[bcc], reply_to="replies@example.com")
        report = deliver(loaded, AS_OF, outputs(built[1]))
    assert report.complete
    assert [o.status for o in report.outcomes] == ["sent"] * 4
    got = server.by_recipient()
    assert sorted(got) == sorted(["analyst@example.com", "zoe@example.com", "desk@example.com", bcc])
    out = built[1]
    pdf_sha = hashlib.sha256((out / "briefing.pdf").read_bytes()).hexdigest()
    ids = set()
    for rcpt, received in got.items():
        assert received.rcpt_tos == [rcpt]  # one envelope recipient per message
        assert received.mail_from == "briefings@example.com"
        msg = received.message
        assert msg["Subject"] == "Weekly Indo-Pacific Brief \u2014 week of 2025-02-14"
        assert "=?utf-8?" in received.raw.split(b"\r\n\r\n")[0].decode("ascii")  # encoded on the wire
        assert msg["From"] == "Briefings Desk <briefings@example.com>"
        assert msg["To"] == "analyst@example.com, Zoë Lindqvist <zoe@example.com>"
        assert msg["Cc"] == "desk@example.com"
        assert msg["Reply-To"] == "replies@example.com"
        assert msg["Bcc"] is None and bcc.encode() not in received.raw.split(b"\r\n\r\n")[0]
        assert msg["Date"] and msg["Auto-Submitted"] == "auto-generated"
        ids.add(msg["Message-ID"])
        assert msg.get_content_type() == "multipart/mixed"
        text, html, pdf, name = parts(msg)
        assert hashlib.sha256(pdf).hexdigest() == pdf_sha
        assert name == "weekly-indo-pacific-brief-2025-02-14.pdf"
        # The build's parts, with this recipient's own address and unsubscribe link in their places.
        link = "mailto:replies@example.com?subject=unsubscribe%20brief.example.com"
        assert msg["List-Unsubscribe"] == f"<{link}>"
        mine = {"%%recipient.address%%": rcpt, "%%recipient.unsubscribe_url%%": link}
        built_text = (out / "briefing.txt").read_text(encoding="utf-8")
        built_html = (out / "briefing.email.html").read_text(encoding="utf-8")
        for marker, value in mine.items():
            assert marker in built_text and marker in built_html
            built_text, built_html = built_text.replace(marker, value), built_html.replace(marker, value)
        assert text.replace("\r\n", "\n") == built_text
        assert html.replace("\r\n", "\n") == built_html
    assert len(ids) == 4
    entries = log_entries(loaded)
    assert {e.message_id for e in entries} == ids
    assert {(e.status, e.attempts, e.as_of, e.pdf_sha256) for e in entries} == {("sent", 1, "2025-02-14", pdf_sha)}
    assert {e.config for e in entries} == {str(loaded.path)}


def test_421_twice_then_accepted_arrives_once(built):
    sleeps: list[float] = []
    recorder = Recorder(data_replies=["421 4.3.2 try again later", "421 4.3.2 try again later"])
    with smtp_server(recorder) as (port, server):
        loaded = configure(
            built, port, to=["analyst@example.com"], retry={"attempts": 4, "first_delay": 0.01, "max_delay": 0.015}
        )
        report = deliver(loaded, AS_OF, outputs(built[1]), sleep=sleeps.append)
    assert report.complete
    assert len(server.received) == 1 and server.data_commands == 3
    assert sleeps == [0.01, 0.015]  # doubling, capped at max_delay
    (entry,) = log_entries(loaded)
    assert (entry.status, entry.attempts) == ("sent", 3)


def test_dropped_connection_is_retried(built):
    # Before the message data: once the data is handed over, a lost reply leaves it in doubt instead
    # (tests/test_hostile_mail.py).
    with smtp_server(Recorder(rcpt_replies=["drop"])) as (port, server):
        loaded = configure(built, port, to=["analyst@example.com"])
        report = deliver(loaded, AS_OF, outputs(built[1]), sleep=lambda s: None)
    assert report.complete and report.outcomes[0].attempts == 2
    assert len(server.received) == 1


def test_a_timeout_is_retried(built):
    with smtp_server(Recorder(rcpt_replies=["stall"], stall_seconds=1.5)) as (port, server):  # before the data
        smtp = {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 0.5}
        loaded = configure(built, port, to=["analyst@example.com"], smtp=smtp)
        report = deliver(loaded, AS_OF, outputs(built[1]), sleep=lambda s: None)
    assert report.complete and report.outcomes[0].attempts == 2
    assert len(server.received) == 1


def test_550_for_one_recipient_is_reported_and_the_others_still_get_it(built):
    recorder = Recorder(refuse={"gone@example.com": "550 5.1.1 <gone@example.com>: no such user"})
    with smtp_server(recorder) as (port, server):
        config, out = built
        configure(built, port, to=["analyst@example.com", "gone@example.com", "zoe@example.com"])
        proc = run_cli("send", str(config), "--as-of", AS_OF.isoformat(), "--out", str(out))
    assert proc.returncode == 3
    assert sorted(server.by_recipient()) == ["analyst@example.com", "zoe@example.com"]
    errors = [line for line in proc.stderr.splitlines() if line.startswith("briefgen: error")]
    assert errors == ["briefgen: error: 1 of 3 recipient(s) did not get the briefing: gone@example.com (failed)"]
    assert "550 5.1.1" in proc.stdout
    assert "reusing the briefing" in proc.stderr  # no second build
    rows = (
        sqlite3.connect(config.parent / "deliveries.sqlite")
        .execute("SELECT recipient, status, attempts, detail FROM messages ORDER BY id")
        .fetchall()
    )
    assert rows[1] == ("gone@example.com", "failed", 1, "550 5.1.1 <gone@example.com>: no such user")
    assert [r[1] for r in rows] == ["sent", "failed", "sent"]


def test_sending_twice_delivers_once_and_resend_delivers_again(built):
    config, out = built
    with smtp_server() as (port, server):
        configure(built, port)
        args = ("send", str(config), "--as-of", AS_OF.isoformat(), "--out", str(out))
        first = run_cli(*args)
        second = run_cli(*args)
        assert len(server.received) == 2
        third = run_cli(*args, "--resend")
        assert len(server.received) == 4
        fourth = run_cli(*args, "--resend", "--recipient", "zoe@example.com")
    assert [p.returncode for p in (first, second, third, fourth)] == [0, 0, 0, 0], second.stderr
    assert second.stdout.count("already sent") == 2
    assert sorted(r.rcpt_tos[0] for r in server.received) == ["analyst@example.com"] * 2 + ["zoe@example.com"] * 3
    ids = [r.message["Message-ID"] for r in server.received]
    assert len(set(ids)) == 5
    listing = run_cli("deliveries", str(config))
    assert listing.returncode == 0 and listing.stdout.count(" sent ") == 5


def test_build_send_builds_then_sends(built, tmp_path):
    config, _ = built
    with smtp_server() as (port, server):
        configure(built, port, to=["analyst@example.com"])
        proc = run_cli(
            "build", str(config), "--as-of", AS_OF.isoformat(), "--out", str(tmp_path), "--format", "md", "--send"
        )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "briefing.pdf").is_file() and (tmp_path / "briefing.txt").is_file()  # sending needs them
    (received,) = server.received
    _, _, pdf, _ = parts(received.message)
    assert pdf == (tmp_path / "briefing.pdf").read_bytes()


def test_dry_run_writes_eml_files_and_sends_nothing(built, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(built[1], out)
    with smtp_server() as (port, server):
        loaded = configure(built, port)
        report = deliver(loaded, AS_OF, outputs(out), dry_run=True)
    assert server.received == [] and server.data_commands == 0
    assert not loaded.resolve("deliveries.sqlite").exists()
    assert [o.status for o in report.outcomes] == ["written", "written"] and report.complete
    emls = sorted(out.glob("*.eml"))
    assert [p.name for p in emls] == ["briefing.analyst@example.com.eml", "briefing.zoe@example.com.eml"]
    import email
    import email.policy

    msg = email.message_from_bytes(emls[0].read_bytes(), policy=email.policy.default)
    assert msg["Subject"] == "Weekly Indo-Pacific Brief \u2014 week of 2025-02-14"
    assert parts(msg)[2] == (out / "briefing.pdf").read_bytes()


def test_unreachable_server_backs_off_and_defers_everyone(built):
    sleeps: list[float] = []
    port = free_port()  # nothing listens there
    loaded = configure(built, port, retry={"attempts": 4, "first_delay": 1, "max_delay": 3})
    report = deliver(loaded, AS_OF, outputs(built[1]), sleep=sleeps.append)
    assert sleeps == [1, 2, 3]
    assert [o.status for o in report.outcomes] == ["deferred", "deferred"]
    assert report.outcomes[1].detail.startswith("not tried: ")
    assert not report.complete
    (entry,) = log_entries(loaded)
    assert (entry.status, entry.attempts) == ("deferred", 4)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_credentials_come_from_the_environment_and_never_show(built):
    config, out = built
    recorder = Recorder()
    auth = Authenticator(recorder, "briefgen", SECRET)
    with smtp_server(recorder, authenticator=auth, auth_required=True, auth_require_tls=False) as (port, server):
        configure(built, port, to=["analyst@example.com"], username_env="BG_SMTP_USER", password_env="BG_SMTP_PASS")
        args = ("send", str(config), "--as-of", AS_OF.isoformat(), "--out", str(out), "--verbose")
        unset = run_cli(*args, env={"BG_SMTP_USER": "briefgen"})
        wrong = run_cli(*args, env={"BG_SMTP_USER": "briefgen", "BG_SMTP_PASS": SECRET + "x"})
        right = run_cli(*args, env={"BG_SMTP_USER": "briefgen", "BG_SMTP_PASS": SECRET})
    assert unset.returncode == 1
    assert (
        unset.stderr.strip().splitlines()[-1]
        == "briefgen: error: environment variable BG_SMTP_PASS (delivery.email.password_env) is not set"
    )
    assert wrong.returncode == 3 and "535" in wrong.stdout
    assert right.returncode == 0, right.stderr
    # A refused login is not retried: smtplib tries each mechanism the server offers once.
    assert recorder.logins[-1] == ("briefgen", SECRET)
    assert set(recorder.logins[:-1]) == {("briefgen", SECRET + "x")} and len(recorder.logins) <= 3
    assert len(server.received) == 1
    body_line = (out / "briefing.txt").read_text(encoding="utf-8").splitlines()[6]
    log_bytes = (config.parent / "deliveries.sqlite").read_bytes()
    for proc in (unset, wrong, right):
        for stream in (proc.stdout, proc.stderr):
            assert SECRET not in stream
            assert body_line not in stream  # no message content in logs either
    assert SECRET.encode() not in log_bytes


def test_plain_text_credentials_to_a_remote_host_are_refused(built):
    loaded = configure(
        built, 25, smtp={"host": "smtp.example.com", "security": "none"}, username_env="U", password_env="P"
    )
    os.environ.update(U="user", P=SECRET)
    try:
        with pytest.raises(DeliveryError, match="refusing to send SMTP credentials unencrypted") as err:
            deliver(loaded, AS_OF, outputs(built[1]))
    finally:
        del os.environ["U"], os.environ["P"]
    assert SECRET not in str(err.value)


def test_a_crash_mid_send_leaves_an_accurate_record(built):
    config, out = built
    recipients = ["first@example.com", "second@example.com", "third@example.com"]
    recorder = Recorder(hold={"second@example.com"})
    with smtp_server(recorder) as (port, server):
        configure(built, port, to=recipients)
        args = [
            sys.executable,
            "-m",
            "briefgen.cli",
            "send",
            str(config),
            "--as-of",
            AS_OF.isoformat(),
            "--out",
            str(out),
        ]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert recorder.holding.wait(60), "the second message never reached the server"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        db = sqlite3.connect(config.parent / "deliveries.sqlite")
        rows = db.execute("SELECT recipient, status FROM messages ORDER BY id").fetchall()
        db.close()
        # The first went out; the second was with the server (in doubt); the third was never composed.
        assert rows == [("first@example.com", "sent"), ("second@example.com", "sending")]
        recorder.hold.clear()
        recorder.release.set()
        again = run_cli("send", str(config), "--as-of", AS_OF.isoformat(), "--out", str(out))
        assert again.returncode == 3
        assert "in doubt" in again.stdout and "second@example.com (in doubt)" in again.stderr
        assert [r.rcpt_tos for r in server.received] == [["first@example.com"], ["third@example.com"]]
        resent = run_cli(
            "send",
            str(config),
            "--as-of",
            AS_OF.isoformat(),
            "--out",
            str(out),
            "--resend",
            "--recipient",
            "second@example.com",
        )
        assert resent.returncode == 0, resent.stderr
        assert [r.rcpt_tos[0] for r in server.received][-1] == "second@example.com"
        assert len(server.received) == 3


def test_overlapping_runs_take_turns_on_the_log(tmp_path):
    import threading

    path = tmp_path / "deliveries.sqlite"
    first = DeliveryLog(path)
    opened = threading.Event()

    def second_run() -> None:
        DeliveryLog(path).close()
        opened.set()

    thread = threading.Thread(target=second_run)
    thread.start()
    assert not opened.wait(0.5)  # waits while the first run holds the log
    first.close()
    assert opened.wait(10)
    thread.join()
    DeliveryLog(path, readonly=True).close()  # readers never wait


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    root = tmp_path_factory.mktemp("tls")
    ca_file = root / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    import ssl

    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    return ca_file, server_ctx


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_a_private_ca(built, tls, security):
    ca_file, server_ctx = tls
    kwargs = (
        {"tls_context": server_ctx, "require_starttls": True} if security == "starttls" else {"ssl_context": server_ctx}
    )
    with smtp_server(**kwargs) as (port, server):
        loaded = configure(
            built,
            port,
            to=["analyst@example.com"],
            smtp={"host": "127.0.0.1", "port": port, "security": security, "ca_file": str(ca_file)},
        )
        report = deliver(loaded, AS_OF, outputs(built[1]))
    assert report.complete and len(server.received) == 1


def test_an_untrusted_certificate_fails_at_once_without_retrying(built, tls):
    _, server_ctx = tls
    sleeps: list[float] = []
    with smtp_server(ssl_context=server_ctx) as (port, server):
        loaded = configure(built, port, smtp={"host": "127.0.0.1", "port": port, "security": "ssl"})
        report = deliver(loaded, AS_OF, outputs(built[1]), sleep=sleeps.append)
    assert sleeps == [] and server.received == []
    assert [o.status for o in report.outcomes] == ["failed", "failed"]
    assert "certificate" in report.outcomes[0].detail.lower() or "verify" in report.outcomes[0].detail.lower()


def test_delivery_config_problems_are_reported_with_their_paths(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "sources: [x]\n"
        "delivery:\n"
        "  email:\n"
        "    to: [not-an-address]\n"
        "    from: briefings@example.com\n"
        "    subject: '{title} {week}'\n"
        "    smtp: {security: tls, port: 0}\n"
        "    password: hunter2\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    problems = err.value.problems
    assert any(p.startswith("delivery.email.to.0 (line 4): 'not-an-address' is not an email address") for p in problems)
    assert any(p.startswith("delivery.email.subject (line 6): unknown subject field {week}") for p in problems)
    assert any(p.startswith("delivery.email.smtp.security (line 7)") for p in problems)
    assert any(p.startswith("delivery.email.smtp.port (line 7)") for p in problems)
    assert "delivery.email.password (line 8): unknown key; did you mean 'password_env'?" in problems
    # Recipients are each config's own: a config without any loads (a project's defaults give the
    # sender and server to every config), and only sending it is refused.
    path.write_text(f"sources: [{ROOT / 'samples' / 'articles'}]\ndelivery:\n  email:\n    from: a@example.com\n")
    assert load_config(path).config.delivery.email is not None
    proc = run_cli("send", str(path), "--as-of", AS_OF.isoformat(), "--dry-run")
    assert (proc.returncode, proc.stderr.strip()) == (
        1,
        f"briefgen: error: {path} has no recipients: add delivery.email.to (or cc, bcc) to send it",
    )


def test_send_without_delivery_settings_is_one_clear_error():
    proc = run_cli("send", str(ROOT / "configs" / "example.yaml"), "--as-of", AS_OF.isoformat())
    assert proc.returncode == 1
    assert (
        proc.stderr.strip()
        == "briefgen: error: "
        + str(ROOT / "configs" / "example.yaml")
        + " has no delivery.email section: nothing to send"
    )


def test_a_changed_config_is_rebuilt_before_sending(built, tmp_path):
    """A build of another version of the config is not what the config would send now."""
    import shutil

    from briefgen.pipeline import ensure_built
    from briefgen.records.manifest import send_formats
    from briefgen.reuse import reusable

    _, out = built
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    loaded = configure(built, 1)
    found, why = reusable(loaded, AS_OF, copy, ["pdf", "txt"])
    assert found is not None, why
    assert reusable(loaded, AS_OF.replace(day=13), copy, ["pdf"]) == (None, "the build is of 2025-02-14")
    (copy / "briefing.txt").write_text("edited by hand\n", encoding="utf-8")
    assert reusable(loaded, AS_OF, copy, ["pdf", "txt"]) == (None, "briefing.txt is not as built")
    formats = send_formats(["md"])
    first = ensure_built(loaded, AS_OF, copy, formats)
    assert first.built and first.reason == "briefing.txt is not as built"
    assert first.outputs["txt"].read_text(encoding="utf-8") != "edited by hand\n"
    again = ensure_built(loaded, AS_OF, copy, formats)
    assert (again.outputs, again.built, again.reason) == (first.outputs, False, "unchanged")


def test_a_dry_run_never_writes_through_a_link_planted_for_its_message(tmp_path):
    proc = run_cli("init", str(tmp_path / "proj"))
    assert proc.returncode == 0, proc.stderr
    config = tmp_path / "proj" / "configs" / "weekly.yaml"
    assert run_cli("build", str(config)).returncode == 0
    out = tmp_path / "proj" / "output" / "weekly" / "2025-02-14"
    outside = tmp_path / "outside.txt"
    outside.write_text("mine\n", encoding="utf-8")
    (out / "briefing.client@example.com.eml").symlink_to(outside)
    sent = run_cli("send", str(config), "--dry-run")
    errors = [line for line in sent.stderr.splitlines() if line.startswith("briefgen: error:")]
    assert sent.returncode == 1 and len(errors) == 1, sent.stderr
    assert "briefing.client@example.com.eml is a symbolic link" in errors[0]
    assert outside.read_text(encoding="utf-8") == "mine\n"
