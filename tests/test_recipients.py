"""Recipients from a CSV file beside the YAML's: what a row may hold, every bad one named by file and
line (``validate`` and ``send``), each row addressed alone with its own fields, and a recipient
added later getting the very build the others got."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from briefgen.config.load import load_config
from briefgen.config.recipients import MAX_CSV_BYTES, read_recipients_csv
from briefgen.pipeline import build
from briefgen.records.manifest import default_out_dir

from .conftest import AS_OF, ROOT, run_cli
from .smtpd import smtp_server

pytest.importorskip("aiosmtpd")


def write_config(path: Path, port: int, csv: str | None = "people.csv", **email: object) -> Path:
    settings = {
        "to": ["desk@example.com"],
        "from": "Briefings Desk <briefings@example.com>",
        "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 10},
        **({"recipients_csv": csv} if csv else {}),
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
    root = tmp_path_factory.mktemp("recipients")
    config = write_config(root / "brief.yaml", 1)
    loaded = load_config(config)
    build(loaded, AS_OF, default_out_dir(loaded, AS_OF), ["md", "pdf", "email"])
    return config


def test_rows_their_fields_and_every_problem_with_its_line(tmp_path):
    csv = tmp_path / "people.csv"
    csv.write_text(
        "\ufeffAddress, Name ,Team,Region,\n"  # a BOM, spaces and case in the header, a trailing comma
        "ann@example.com,Ann Lee,desk,APAC,\n"
        "\n"
        '"bob@example.com","Lee, Bob","ops\nnights",EMEA\n'  # a quoted field over two lines
        "not-an-address,Nobody,desk,\n"
        ",No Address,desk,\n"
        "cy@example.com,Cy,desk,APAC,x,y\n"
        "Dee <dee@example.com>,Ignored,desk,\n",
        encoding="utf-8",
    )
    rows, problems = read_recipients_csv(csv)
    assert [(r.kind, r.address, r.line) for r in rows] == [
        ("list", "Ann Lee <ann@example.com>", 2),
        ("list", '"Lee, Bob" <bob@example.com>', 4),
        ("list", "Dee <dee@example.com>", 9),
    ]
    assert rows[1].field_map() == {"name": "Lee, Bob", "team": "ops\nnights", "region": "EMEA"}
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (6, "'not-an-address' is not an email address"),
        (7, "no address"),
        (8, "6 fields, but the header names 5"),
    ]
    assert all(p.file == csv for p in problems)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "is empty: it needs a header row with an address column"),
        (b"name,team\nAnn,desk\n", "line 1: the header row has no address column (name one column address or email)"),
        (b"email,unsubscribe_url\na@example.com,x\n", "line 1: column 'unsubscribe_url' is set by briefgen"),
        (b"email,na-me\na@example.com,x\n", "line 1: column 'na-me' is not a field name"),
        (b"email\na@example.com\n\xff\xfe\n", "line 3: not UTF-8 text: save the file as UTF-8"),
        (b'email\n"a@example.com\n', "not valid CSV"),
    ],
)
def test_a_file_that_cannot_be_read_as_recipients_says_why(tmp_path, content, problem):
    csv = tmp_path / "people.csv"
    csv.write_bytes(content)
    _, problems = read_recipients_csv(csv)
    assert problems and problem in str(problems[0]), [str(p) for p in problems]


def test_a_fifo_or_a_huge_file_is_never_read_whole(tmp_path):
    import os

    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    assert [p.message for p in read_recipients_csv(fifo)[1]] == ["cannot read it: not a regular file"]
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as f:
        f.truncate(MAX_CSV_BYTES + 1)
    assert [p.message for p in read_recipients_csv(huge)[1]] == ["cannot read it: larger than 16 MiB"]
    assert [p.message for p in read_recipients_csv(tmp_path / "nope.csv")[1]] == ["no such file"]


def test_validate_names_the_file_and_line_of_every_bad_row(built):
    config = built
    csv = config.parent / "people.csv"
    csv.write_text("address,name\nann@example.com,Ann\nann@@example.com,Typo\nzed@example.com,\x00Zed\n")
    proc = run_cli("validate", str(config))
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert f"{csv}: line 3: 'ann@@example.com' is not one email address" in lines
    assert any(line.startswith(f"{csv}: line 4: ") for line in lines), lines
    csv.write_text("address,name\nann@example.com,Ann\n")
    assert run_cli("validate", str(config)).stdout.strip() == "ok"


def test_each_row_gets_a_message_addressed_to_them_and_a_bad_row_is_reported(built):
    config = built
    csv = config.parent / "people.csv"
    csv.write_text("address,name,team\nann@example.com,Ann Lee,desk\nbad@,Bad,x\ndesk@example.com,Dup,x\n")
    with smtp_server() as (port, server):
        write_config(config, port)
        (config.parent / "deliveries.sqlite").unlink(missing_ok=True)
        proc = run_cli("send", str(config), "--as-of", AS_OF.isoformat())
    assert proc.returncode == 3
    got = server.by_recipient()
    assert sorted(got) == ["ann@example.com", "desk@example.com"]  # the YAML's desk@ once
    ann = got["ann@example.com"].message
    assert ann["To"] == "Ann Lee <ann@example.com>" and ann["Cc"] is None
    assert "Sent to ann@example.com." in ann.get_body(("plain",)).get_content()
    assert got["desk@example.com"].message["To"] == "desk@example.com"
    errors = [line for line in proc.stderr.splitlines() if line.startswith("briefgen: error")]
    assert errors == ["briefgen: error: 1 of 3 recipient(s) did not get the briefing: bad@ (failed)"]
    assert f"{csv}, line 3: 'bad@' is not" in proc.stdout


def test_a_recipient_added_later_gets_the_build_the_others_got(built):
    """The CSV is read when sending, so a new row changes nothing of the build: the next send reuses
    it, sends only to the new recipient, and their PDF and text are the others' byte for byte."""
    config = built
    csv = config.parent / "people.csv"
    csv.write_text("address\nann@example.com\n")
    with smtp_server() as (port, server):
        write_config(config, port)
        (config.parent / "deliveries.sqlite").unlink(missing_ok=True)
        first = run_cli("send", str(config), "--as-of", AS_OF.isoformat())
        csv.write_text("address\nann@example.com\nnew@example.com\n")
        later = run_cli("send", str(config), "--as-of", AS_OF.isoformat())
    assert first.returncode == 0 and later.returncode == 0, later.stderr
    assert "reusing the briefing" in later.stderr
    assert [r.rcpt_tos[0] for r in server.received] == ["desk@example.com", "ann@example.com", "new@example.com"]
    assert later.stdout.count("already sent") == 2
    ann, new = server.received[1].message, server.received[2].message

    def pdf(msg) -> str:
        (part,) = list(msg.iter_attachments())
        return hashlib.sha256(part.get_content()).hexdigest()

    def text(msg) -> str:
        body: str = msg.get_body(("plain",)).get_content()
        return body

    assert pdf(ann) == pdf(new)
    assert text(ann).split("Sent to")[0] == text(new).split("Sent to")[0]
