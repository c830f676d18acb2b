"""The bad-input suite for mail, the delivery log and secrets.

Every case runs in a forked child under a memory cap and a time limit (tests/hostile.py),
mostly against a local SMTP server made to misbehave (tests/smtpd.py): one that loses its
final reply, acknowledges too late, echoes the login, answers with endless or hostile text,
never greets; and against delivery logs that are not databases, are damaged, locked or on a
full disk. The parent checks the promises: no recipient gets a briefing twice, credentials
appear nowhere, a mistake is one line and a non-zero exit, and time and memory stay bounded.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import socket
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from briefgen.config.load import load_config
from briefgen.pipeline import build
from briefgen.records import deliveries

from .conftest import AS_OF, ROOT, run_cli
from .hostile import (
    assert_clean_failure,
    assert_never_printed,
    assert_no_traceback,
    assert_one_line_messages,
    cli_result,
    run_limited,
)
from .smtpd import Authenticator, Recorder, free_port, login_forms, raw_server, smtp_server

pytest.importorskip("aiosmtpd")

USER = "bg-user-7f3a"
#: Not an environment variable name, so a config that names it by mistake fails validation.
SECRET = "Pa55-w0rd-xq9!"
#: Everything that must never be printed or stored: the login as given and as AUTH sends it.
SECRETS = login_forms(USER, SECRET)
CREDENTIALS = {"username_env": "BG_SMTP_USER", "password_env": "BG_SMTP_PASS"}
CREDENTIAL_ENV = {"BG_SMTP_USER": USER, "BG_SMTP_PASS": SECRET}
ANALYST = "analyst@example.com"
ZOE = "zoe@example.com"
#: Text a terminal would act on, or that would break a line of output.
#: The config of the rows :func:`write_log` puts in a log before a case.
SEEDED = "/x/other.yaml"
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def email_settings(port: int, **email: object) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "to": [ANALYST, f"Zoë Lindqvist <{ZOE}>"],
        "from": "Briefings Desk <briefings@example.com>",
        "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 5},
        "retry": {"attempts": 3, "first_delay": 0.01, "max_delay": 0.05},
    }
    settings.update(email)
    return settings


def write_config(path: Path, port: int, email: dict[str, Any] | None = None, log: Path | None = None) -> Path:
    """The sample briefing with a delivery section; only ``delivery`` changes between tests, so one
    build serves them all."""
    config = {
        "title": "Weekly Indo-Pacific Brief",
        "topic": {"keywords": ["alliance", "summit", "defense"], "entities": ["Japan", "South Korea"]},
        "sources": [str(ROOT / "samples" / "articles")],
        "output": {"formats": ["md", "pdf", "email"]},
        "delivery": {
            "email": email_settings(port, **(email or {})),
            "log": str(log or path.parent / "deliveries.sqlite"),
        },
    }
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(config path, output directory) of one build that every sending case reuses."""
    root = tmp_path_factory.mktemp("hostile-mail")
    config = write_config(root / "brief.yaml", 1)
    out = root / "out"
    build(load_config(config), AS_OF, out, ["md", "pdf", "email"])
    return config, out


class Setup:
    """One case's config (rewritten over the shared one), output directory and delivery log."""

    def __init__(self, built: tuple[Path, Path], tmp_path: Path, port: int, **email: object) -> None:
        self.config, self.out = built
        self.log = tmp_path / "deliveries.sqlite"
        write_config(self.config, port, email, self.log)

    def send(self, *extra: str, env: dict[str, str] | None = None) -> dict[str, Any]:
        """``briefgen send`` of the shared build (call inside a case)."""
        args = ("send", str(self.config), "--as-of", AS_OF.isoformat(), "--out", str(self.out), *extra)
        return cli_result(run_cli(*args, env=env))

    def command(self, name: str) -> dict[str, Any]:
        """``briefgen send`` or ``briefgen deliveries`` over this case's log (call inside a case)."""
        if name == "send":
            return self.send()
        return cli_result(run_cli("deliveries", "--log", str(self.log)))

    def rows(self) -> list[tuple[Any, ...]]:
        """Every column of every row of the log about this config (rows :func:`write_log` seeded aside)."""
        if not self.log.exists():
            return []
        db = sqlite3.connect(self.log)
        try:
            if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'messages'").fetchone():
                return []
            return db.execute("SELECT * FROM messages WHERE config != ? ORDER BY id", (SEEDED,)).fetchall()
        finally:
            db.close()


def errors(result: dict[str, Any]) -> list[str]:
    return [line for line in result["stderr"].splitlines() if line.startswith("briefgen: error")]


def assert_one_line_output(result: dict[str, Any], verbose: bool = False) -> None:
    """No escape sequence or line-breaking character reaches the terminal; stderr is one line per
    message (but for the traceback ``--verbose`` asks for)."""
    if not verbose:
        assert_no_traceback(result)
        assert_one_line_messages(result["stderr"])
    for stream in ("stdout", "stderr"):
        assert not UNSAFE.search(result[stream]), f"{stream}: {result[stream]!r}"


# ----------------------------------------------------------------------------- 1. never sent twice


@pytest.mark.parametrize("reply", ["keep+drop", "keep+slow"], ids=["dropped-after-data", "slow-final-ack"])
def test_a_lost_final_reply_is_in_doubt_and_never_sent_again(built, tmp_path, reply):
    """The server took the data; its reply never came: the message may have arrived, so it is
    never retried or re-sent on its own, only with --resend --recipient."""
    recorder = Recorder(data_replies=[reply], stall_seconds=3.0)
    with smtp_server(recorder) as (port, server):
        setup = Setup(
            built,
            tmp_path,
            port,
            to=[ANALYST],
            smtp={"host": "127.0.0.1", "port": port, "timeout": 1, "security": "none"},
        )
        first = run_limited(setup.send, time_limit=30)
        result = first.ok()
        assert len(server.received) == 1, "sent twice"
        assert result["code"] == 3 and "in doubt" in result["stdout"], result
        assert errors(result) == [
            f"briefgen: error: 1 of 1 recipient(s) did not get the briefing: {ANALYST} (in doubt)"
        ]
        warnings = [line for line in result["stderr"].splitlines() if "warning" in line]
        assert len(warnings) == 1 and "may have arrived" in warnings[0] and "--resend" in warnings[0], warnings
        assert_one_line_output(result)
        ((status, attempts),) = [(r[6], r[7]) for r in setup.rows()]
        assert (status, attempts) == ("sending", 1)

        second = run_limited(setup.send, time_limit=30).ok()
        assert len(server.received) == 1, "re-sent without --resend"
        assert second["code"] == 3 and "in doubt" in second["stdout"]
        assert_one_line_output(second)

        resent = run_limited(lambda: setup.send("--resend", "--recipient", ANALYST), time_limit=30).ok()
        assert resent["code"] == 0, resent
        assert len(server.received) == 2
    assert first.seconds < 15


def test_one_recipient_in_doubt_does_not_stop_the_others(built, tmp_path):
    with smtp_server(Recorder(data_replies=["keep+drop"])) as (port, server):
        setup = Setup(built, tmp_path, port)
        result = run_limited(setup.send, time_limit=30).ok()
        assert sorted(r.rcpt_tos[0] for r in server.received) == [ANALYST, ZOE]
    assert result["code"] == 3
    assert [r[6] for r in setup.rows()] == ["sending", "sent"]
    assert_one_line_output(result)


@pytest.mark.parametrize(
    ("recorder", "timeout"),
    [
        (Recorder(rcpt_replies=["drop"]), 5.0),
        (Recorder(rcpt_replies=["stall"], stall_seconds=2.0), 0.5),
        (Recorder(rcpt_replies=["451 4.7.1 greylisted, try again"]), 5.0),
        (Recorder(data_replies=["421 4.3.2 try again later"]), 5.0),
    ],
    ids=["dropped-before-data", "timeout-before-data", "4xx-before-data", "4xx-after-data"],
)
def test_failures_before_the_data_or_refusals_after_it_are_retried(built, tmp_path, recorder, timeout):
    """Before the final dot nothing was handed over, and a 4xx reply to the dot is a definite
    "not taken": both are retried, and exactly one copy arrives."""
    with smtp_server(recorder) as (port, server):
        smtp = {"host": "127.0.0.1", "port": port, "security": "none", "timeout": timeout}
        setup = Setup(built, tmp_path, port, to=[ANALYST], smtp=smtp)
        result = run_limited(setup.send, time_limit=30).ok()
        assert len(server.received) == 1
    assert result["code"] == 0, result
    assert [(r[6], r[7]) for r in setup.rows()] == [("sent", 2)]
    assert_one_line_output(result)


# ----------------------------------------------------------------------------- 2. secrets


def assert_no_secret(setup: Setup, *results: dict[str, Any]) -> None:
    """No form of the login in any output, in any column of any row of the log, or in its bytes."""
    texts = [r[stream] for r in results for stream in ("stdout", "stderr")]
    texts += [" ".join(map(str, row)) for row in setup.rows()]
    for secret in SECRETS:
        assert_never_printed(secret, *texts)
        if setup.log.exists():
            assert secret.encode() not in setup.log.read_bytes()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("verbose", [False, True], ids=["quiet", "verbose"])
def test_a_535_that_echoes_the_login_shows_it_nowhere(built, tmp_path, verbose):
    recorder = Recorder()
    auth = Authenticator(recorder, "someone-else", "another-password", echo=True)
    with smtp_server(recorder, authenticator=auth, auth_required=True, auth_require_tls=False) as (port, server):
        setup = Setup(built, tmp_path, port, **CREDENTIALS)
        result = run_limited(lambda: setup.send(*(["-v"] if verbose else []), env=CREDENTIAL_ENV), time_limit=30).ok()
        assert server.received == [] and recorder.logins and recorder.logins[0] == (USER, SECRET)
    assert result["code"] == 3 and "535" in result["stdout"], result
    assert_one_line_output(result, verbose)
    assert_no_secret(setup, result)
    assert any("535" in str(row) for row in setup.rows())


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_refusal_after_login_that_echoes_the_password_shows_it_nowhere(built, tmp_path):
    recorder = Recorder(refuse={ZOE: f"550 5.1.1 {ZOE} unknown (you are {USER}, password {SECRET})"})
    auth = Authenticator(recorder, USER, SECRET)
    with smtp_server(recorder, authenticator=auth, auth_required=True, auth_require_tls=False) as (port, server):
        setup = Setup(built, tmp_path, port, **CREDENTIALS)
        result = run_limited(lambda: setup.send("-v", env=CREDENTIAL_ENV), time_limit=30).ok()
        assert [r.rcpt_tos for r in server.received] == [[ANALYST]]
    assert result["code"] == 3 and "550 5.1.1" in result["stdout"]
    assert_one_line_output(result, verbose=True)
    assert_no_secret(setup, result)


@pytest.mark.parametrize("key", ["password_env", "username_env"])
def test_a_secret_put_in_an_env_field_is_not_echoed(tmp_path, key):
    """A password pasted where the name of its variable belongs is reported without its value."""
    setup_config = tmp_path / "c.yaml"
    write_config(setup_config, 2525, {**CREDENTIALS, key: SECRET})

    def case() -> list[dict[str, Any]]:
        return [cli_result(run_cli(cmd, str(setup_config))) for cmd in ("validate", "send")]

    validate, send = run_limited(case).ok()
    assert validate["code"] == 1 and f"delivery.email.{key}" in validate["stderr"]
    assert_clean_failure(send, contains=f"delivery.email.{key}")
    for result in (validate, send):
        assert_no_traceback(result)
        assert_never_printed(SECRET, result["stdout"], result["stderr"])


def test_a_secret_that_looks_like_a_variable_name_is_not_echoed(tmp_path):
    """``password_env: Hunter2Secret`` validates (it could name a variable) but is not shown when unset."""
    config = tmp_path / "c.yaml"
    write_config(config, 2525, {"username_env": "BG_SMTP_USER", "password_env": "Hunter2Secret"})
    result = run_limited(lambda: cli_result(run_cli("send", str(config), env={"BG_SMTP_USER": USER}))).ok()
    assert_clean_failure(result, contains="delivery.email.password_env", code=1)
    assert_never_printed("Hunter2Secret", result["stdout"], result["stderr"])


def test_a_password_that_is_not_ascii_is_one_clear_error(built, tmp_path):
    with smtp_server() as (port, server):
        setup = Setup(built, tmp_path, port, **CREDENTIALS)
        result = run_limited(lambda: setup.send(env={**CREDENTIAL_ENV, "BG_SMTP_PASS": "pässwörd-ß"})).ok()
        assert server.received == []
    assert_clean_failure(result, contains="BG_SMTP_PASS", code=1)
    assert_never_printed("pässwörd-ß", result["stdout"], result["stderr"])


def test_dry_run_messages_hold_no_credentials(built, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(built[1], out)
    setup = Setup(built, tmp_path, free_port(), **CREDENTIALS)
    setup.out = out
    result = run_limited(lambda: setup.send("--dry-run", "-v", env=CREDENTIAL_ENV)).ok()
    assert result["code"] == 0, result
    emls = sorted(out.glob("*.eml"))
    assert len(emls) == 2
    for eml in emls:
        data = eml.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data
    assert_no_secret(setup, result)


# ----------------------------------------------------------------------------- 2. server replies: one line


HOSTILE_REPLIES = {
    "multi-line": b"550-5.1.1 first line\r\n550-5.1.1 second line\r\n550 5.1.1 third line",
    "escapes": b"550 5.1.1 \x1b[2J\x1b[31mred\x1b[0m \x1b]0;pwned\x07 bell\x07 nul\x00 del\x7f end",
    "separators": "550 5.1.1 a\u2028b\u2029c \u202eevil\u202c \x85 end".encode(),
    "enormous-line": b"550 5.1.1 " + b"x" * 8000,
    "many-lines": b"\r\n".join([b"550-5.1.1 " + b"y" * 90] * 400 + [b"550 5.1.1 last"]),
    "not-utf8": b"550 5.1.1 \xff\xfe\xc3 latin-1: caf\xe9",
}


@pytest.mark.parametrize("reply", HOSTILE_REPLIES.values(), ids=HOSTILE_REPLIES.keys())
def test_a_server_reply_is_shown_and_stored_in_one_short_line(built, tmp_path, reply):
    with smtp_server(Recorder(refuse={ZOE: reply})) as (port, server):
        setup = Setup(built, tmp_path, port)
        outcome = run_limited(setup.send, time_limit=30)
        result = outcome.ok()
        assert [r.rcpt_tos for r in server.received] == [[ANALYST]]
    assert result["code"] == 3
    assert_one_line_output(result)
    (line,) = [line for line in result["stdout"].splitlines() if ZOE in line]
    assert "550" in line and len(line) < 420, line
    detail = setup.rows()[1][8]
    assert detail.startswith("550") and len(detail) <= 300 and not UNSAFE.search(detail), detail
    assert outcome.peak_rss_mb < 2000


# ----------------------------------------------------------------------------- 3. the subject


@pytest.mark.parametrize(
    "subject",
    [
        "{title:>10000000000}",
        "{title:>2000000000}",
        "{title:.2000000000}",
        "{title:x^201}",
        "{as_of:%10000000000Y}",
        "{as_of:%_5000d}",
        "{title:{as_of}}",
    ],
)
def test_a_subject_with_a_huge_width_is_one_clear_error(tmp_path, subject):
    config = tmp_path / "c.yaml"
    write_config(config, 2525, {"subject": subject})

    def case() -> list[dict[str, Any]]:
        return [cli_result(run_cli(cmd, str(config))) for cmd in ("validate", "send")]

    outcome = run_limited(case, time_limit=20)
    validate, send = outcome.ok()
    assert validate["code"] == 1 and "delivery.email.subject (line " in validate["stderr"], validate
    assert_no_traceback(validate)
    assert_clean_failure(send, contains="delivery.email.subject (line ", code=1)
    assert outcome.seconds < 10


def test_a_long_or_hostile_subject_is_cut_and_cleaned(built, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(built[1], out)
    subject = "Brief\x1b[31m \u202e\u2028{title:>200}\x00 " + "long " * 150 + "\r\nBcc: evil@example.com"
    setup = Setup(built, tmp_path, free_port(), subject=subject)
    setup.out = out
    result = run_limited(lambda: setup.send("--dry-run")).ok()
    assert result["code"] == 0, result
    for eml in out.glob("*.eml"):
        raw = eml.read_bytes()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert msg["Bcc"] is None and b"evil@" not in raw
        assert len(msg["Subject"]) <= 250 and not UNSAFE.search(msg["Subject"]), msg["Subject"]


# ----------------------------------------------------------------------------- 3. addresses


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("to", "Ops\u2028Desk <ops@example.com>", "U+2028"),
        ("to", "Ops\u2029Desk <ops@example.com>", "U+2029"),
        ("cc", "Ops\u202eDesk <ops@example.com>", "U+202E"),
        ("bcc", "Ops\x00Desk <ops@example.com>", "U+0000"),
        ("to", "Ops\x9bDesk <ops@example.com>", "U+009B"),
        ("from", "Briefings\u2028Desk <briefings@example.com>", "U+2028"),
        ("reply_to", "Replies\u2066Desk <r@example.com>", "U+2066"),
        ("to", "analyst@example.com\r\nBcc: evil@example.com", "analyst@example.com"),
        ("from", "Briefings\r\nBcc: evil@example.com <b@example.com>", "Briefings"),
    ],
)
def test_an_address_with_control_or_separator_characters_is_rejected(tmp_path, key, value, named):
    config = tmp_path / "c.yaml"
    write_config(config, 2525, {key: [value] if key in ("to", "cc", "bcc") else value})
    path = f"delivery.email.{key}" + (".0" if key in ("to", "cc", "bcc") else "")

    def case() -> list[dict[str, Any]]:
        return [cli_result(run_cli(cmd, str(config))) for cmd in ("validate", "send")]

    validate, send = run_limited(case, time_limit=20).ok()
    assert validate["code"] == 1 and f"{path} (line " in validate["stderr"], validate
    assert_clean_failure(send, contains=f"{path} (line ", code=1)
    assert named in errors(send)[0]
    for result in (validate, send):
        assert_no_traceback(result)
        assert not UNSAFE.search(result["stderr"]), result["stderr"]


@pytest.mark.parametrize(
    ("key", "value"),
    [("helo", "relay.example.com\r\nRSET"), ("helo", "relay example"), ("host", "127.0.0.1\x00.example.com")],
)
def test_a_host_name_that_would_break_an_smtp_command_is_rejected(tmp_path, key, value):
    config = tmp_path / "c.yaml"
    write_config(config, 2525, {"smtp": {"host": "127.0.0.1", "port": 2525, "security": "none", key: value}})
    result = run_limited(lambda: cli_result(run_cli("send", str(config)))).ok()
    assert_clean_failure(result, contains=f"delivery.email.smtp.{key} (line ", code=1)
    assert not UNSAFE.search(result["stderr"])


# ----------------------------------------------------------------------------- 3. the delivery log


def write_log(path: Path, rows: int) -> None:
    """A valid delivery log with ``rows`` sent messages, written by briefgen itself."""
    from briefgen.records.deliveries import DeliveryLog

    with DeliveryLog(path) as journal:
        for i in range(rows):
            mid = f"<{i}.seed@example.com>"
            journal.claim(SEEDED, AS_OF, f"r{i}@example.com", "to", mid, "0" * 64, False)
            journal.update(mid, "sent", 1)


def not_a_log(kind: str, path: Path) -> None:
    if kind == "garbage":
        path.write_bytes(b"this is not a database\n" * 200)
    elif kind == "foreign-database":
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE recipes (name TEXT)")
        db.commit()
        db.close()
    elif kind == "fifo":
        os.mkfifo(path)


@pytest.mark.parametrize("kind", ["garbage", "foreign-database", "fifo"])
@pytest.mark.parametrize("command", ["deliveries", "send"])
def test_a_log_that_is_not_a_delivery_log_is_one_clear_error(built, tmp_path, kind, command):
    with smtp_server() as (port, server):
        setup = Setup(built, tmp_path, port)
        not_a_log(kind, setup.log)
        before = setup.log.read_bytes() if kind != "fifo" else b""

        result = run_limited(lambda: setup.command(command), time_limit=20).ok()
        assert server.received == []
    assert_clean_failure(result, contains=str(setup.log), code=1)
    assert "not a briefgen delivery log" in errors(result)[0], result
    if kind != "fifo":
        assert setup.log.read_bytes() == before  # left as it was


@pytest.mark.parametrize("command", ["deliveries", "send"])
def test_a_damaged_log_is_one_clear_error(built, tmp_path, command):
    with smtp_server() as (port, server):
        setup = Setup(built, tmp_path, port)
        write_log(setup.log, 200)
        size = setup.log.stat().st_size
        with setup.log.open("r+b") as f:  # a torn page: garbage in the middle of the file
            f.seek(size // 2 - 512)
            f.write(b"\xa5" * 1024)

        result = run_limited(lambda: setup.command(command), time_limit=20).ok()
        assert server.received == []
    assert_clean_failure(result, contains=str(setup.log), code=1)
    assert "is damaged" in errors(result)[0], result


@pytest.mark.parametrize("command", ["deliveries", "send"])
def test_a_log_locked_by_another_process_is_one_clear_error(built, tmp_path, command, monkeypatch):

    monkeypatch.setattr(deliveries, "LOG_BUSY_TIMEOUT", 1.0)  # the wait is the same at any length
    with smtp_server() as (port, server):
        setup = Setup(built, tmp_path, port)
        write_log(setup.log, 3)
        holder = sqlite3.connect(setup.log, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            outcome = run_limited(lambda: setup.command(command), time_limit=30)
            result = outcome.ok()
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert server.received == []
    assert_clean_failure(result, contains=str(setup.log), code=1)
    assert "locked by another process; try again later" in errors(result)[0], result
    assert outcome.seconds < 15


def test_a_log_that_cannot_record_a_sent_message_stops_the_run_and_leaves_it_in_doubt(built, tmp_path, monkeypatch):
    """Another process locks the log while the server takes the first message: the run stops with
    one line, that message stays in doubt (never sent again on its own), the second is not sent."""

    monkeypatch.setattr(deliveries, "LOG_BUSY_TIMEOUT", 1.0)
    holder: list[sqlite3.Connection] = []
    setup: Setup | None = None

    def lock_the_log(rcpts: list[str]) -> None:
        if not holder and setup is not None:
            db = sqlite3.connect(setup.log, isolation_level=None, check_same_thread=False)
            db.execute("BEGIN EXCLUSIVE")
            holder.append(db)

    with smtp_server(Recorder(on_data=lock_the_log)) as (port, server):
        setup = Setup(built, tmp_path, port)
        try:
            result = run_limited(setup.send, time_limit=30).ok()
        finally:
            for db in holder:
                db.execute("ROLLBACK")
                db.close()
        assert [r.rcpt_tos for r in server.received] == [[ANALYST]]
        assert_clean_failure(result, contains="locked by another process", code=1)
        assert f"the message to {ANALYST} went out" in errors(result)[0]
        assert [(r[3], r[6]) for r in setup.rows()] == [(ANALYST, "sending")]
        again = run_limited(setup.send, time_limit=30).ok()
        assert sorted(r.rcpt_tos[0] for r in server.received) == [ANALYST, ZOE]  # the first not again
    assert again["code"] == 3 and f"{ANALYST} (in doubt)" in errors(again)[0]


@pytest.mark.parametrize("limit", [0, 2048, 12288, 20000], ids=lambda n: f"fsize-{n}")
def test_a_full_disk_under_the_log_is_one_clear_error_and_nothing_unrecorded_goes_out(built, tmp_path, limit):
    """The log's file may not grow past ``limit`` bytes (RLIMIT_FSIZE, as on a full disk): the run
    stops with one line, and what the server got is exactly what the log records as sent or in doubt."""
    bcc = [f"reader{i:02d}@example.com" for i in range(40)]
    with smtp_server() as (port, server):
        setup = Setup(built, tmp_path, port, to=[ANALYST], bcc=bcc)
        if limit:
            write_log(setup.log, 1)
        outcome = run_limited(setup.send, time_limit=60, file_size_limit=limit)
        result = outcome.ok()
        received = sorted(r.rcpt_tos[0] for r in server.received)
    recorded = sorted(r[3] for r in setup.rows() if r[6] in ("sent", "sending"))
    assert received == recorded
    assert_clean_failure(result, contains=f"delivery log {setup.log}", code=1)
    assert not re.search(r"cannot rollback|no transaction", result["stderr"])


# ----------------------------------------------------------------------------- 4. servers that break SMTP


def silent(conn: socket.socket, stop: threading.Event) -> None:
    """Accepts the connection and never says a word."""
    stop.wait()


def endless_ehlo(conn: socket.socket, stop: threading.Event) -> None:
    """Greets, then answers EHLO with a multi-line reply that never ends."""
    conn.sendall(b"220 relay.example.com ESMTP\r\n")
    conn.recv(1024)
    line = b"250-" + b"z" * 1000 + b"\r\n"
    chunk = line * 64
    while not stop.is_set():
        conn.sendall(chunk)


def trickle(conn: socket.socket, stop: threading.Event) -> None:
    """A greeting that comes one byte at a time and never ends."""
    conn.sendall(b"220 ")
    while not stop.wait(0.05):
        conn.sendall(b"x")


@pytest.mark.parametrize("talk", [silent, endless_ehlo, trickle], ids=["no-greeting", "endless-reply", "trickle"])
def test_a_server_that_breaks_the_protocol_costs_bounded_time_and_memory(built, tmp_path, talk):
    with raw_server(talk) as port:
        smtp = {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 0.5}
        setup = Setup(built, tmp_path, port, smtp=smtp, retry={"attempts": 2, "first_delay": 0.01})
        outcome = run_limited(setup.send, time_limit=30, memory_cap=512 * 1024 * 1024)
        result = outcome.ok()
    assert result["code"] == 3
    assert_one_line_output(result)
    assert [r[6] for r in setup.rows()] == ["deferred"]
    assert outcome.seconds < 10
    assert outcome.peak_rss_mb < 2000


@pytest.mark.parametrize("kind", ["not-a-certificate", "directory", "fifo", "missing", "huge"])
def test_a_bad_ca_file_is_one_clear_error(built, tmp_path, kind):
    ca = tmp_path / "ca.pem"
    if kind == "not-a-certificate":
        ca.write_text("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    elif kind == "directory":
        ca.mkdir()
    elif kind == "fifo":
        os.mkfifo(ca)
    elif kind == "huge":
        with ca.open("wb") as f:
            f.truncate(64 * 1024 * 1024)
    with smtp_server() as (port, server):  # a live server: a FIFO read when connecting would block there
        smtp = {"host": "127.0.0.1", "port": port, "security": "starttls", "ca_file": str(ca)}
        setup = Setup(built, tmp_path, port, smtp=smtp)
        outcome = run_limited(setup.send, time_limit=20, memory_cap=512 * 1024 * 1024)
        result = outcome.ok()
        assert server.received == []
    assert_clean_failure(result, contains="ca_file", code=1)
    assert str(ca) in errors(result)[0]
    assert setup.rows() == []
