"""PDFs, Word documents, mailboxes and gzip files that are broken or built to exhaust a reader: each
is one warning line naming it, the build beside it goes on, and none takes unbounded memory or
time. Every case runs forked under a memory cap and a time limit (tests/hostile.py); the files are
made here, with the libraries that write them."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import zipfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from briefgen.ingest import documents, mail

from .conftest import ROOT, run_cli
from .hostile import SAMPLE_KEPT, SAMPLE_TOPIC, assert_no_traceback, assert_one_line_messages, cli_result, run_limited
from .test_forms import mbox_of, newsletter, word_document, write_report

LIMIT = 60


@pytest.fixture(scope="module", autouse=True)
def _warm(warm_model: None) -> None:
    """Every case here forks a process that reads and analyses articles."""


def project(tmp_path: Path, **settings: Any) -> Path:
    """The sample articles in ``tmp_path/articles`` and a config over them."""
    shutil.copytree(ROOT / "samples" / "articles", tmp_path / "articles")
    config: dict[str, Any] = {
        "title": "Weekly Indo-Pacific Brief",
        "topic": SAMPLE_TOPIC,
        "sources": ["articles"],
        "window": {"days": 7},
        "output": {"formats": ["md"]},
        **settings,
    }
    path = tmp_path / "c.yaml"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def build(
    config: Path, time_limit: float = LIMIT, memory_cap: int | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Build ``config`` in a limited child: the CLI's result and ingest.json; the samples are still kept."""
    out = config.parent / "out"

    def case() -> dict[str, Any]:
        return cli_result(run_cli("build", str(config), "--as-of", "2025-02-14", "--out", str(out)))

    outcome = run_limited(case, time_limit=time_limit, **({"memory_cap": memory_cap} if memory_cap else {}))
    result = outcome.ok()
    assert result["code"] == 0, result
    assert_no_traceback(result)
    assert_one_line_messages(result["stderr"])
    report = json.loads((out / "ingest.json").read_text(encoding="utf-8"))
    assert report["counts"].get("kept", 0) >= SAMPLE_KEPT, report["counts"]
    return result, report


def warning_about(stderr: str, name: str) -> str:
    """The one warning that names ``name`` (given with its colon: other lines may name a file's articles, ``NAME#3``)."""
    lines = [line for line in stderr.splitlines() if line.startswith("briefgen: warning:") and name in line]
    assert len(lines) == 1, f"want one warning naming {name}: {stderr!r}"
    return lines[0]


def decisions(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [a for a in report["articles"] if Path(a["path"].split("#")[0]).name == name]


def test_every_new_form_is_listed_by_inspect_and_counted_by_the_build(tmp_path):
    config = project(tmp_path)
    articles = tmp_path / "articles"
    write_report(articles / "outlook.pdf")
    word_document(articles / "notes.docx")
    (articles / "daily.eml").write_bytes(bytes(newsletter()))
    (articles / "inbox.mbox").write_bytes(mbox_of(bytes(newsletter())))
    page = articles / "pacific-ledger-ministers-agree-data-link.html"
    (articles / "ledger.html.gz").write_bytes(gzip.compress(page.read_bytes()))
    page.unlink()

    def case() -> dict[str, Any]:
        return cli_result(run_cli("inspect", str(config), "--as-of", "2025-02-14", "--json"))

    result = run_limited(case, time_limit=LIMIT).ok()
    assert result["code"] == 0, result
    report = json.loads(result["stdout"])
    forms = {
        name: {d["form"] for d in decisions(report, name)}
        for name in ("outlook.pdf", "notes.docx", "daily.eml", "inbox.mbox", "ledger.html.gz")
    }
    assert forms == {
        "outlook.pdf": {"pdf"},
        "notes.docx": {"docx"},
        "daily.eml": {"email"},
        "inbox.mbox": {"email"},
        "ledger.html.gz": {"html.gz"},
    }
    statuses = {d["status"] for name in forms for d in decisions(report, name)}
    assert not statuses & {"unreadable", "skipped"}, statuses
    assert sum(report["counts"].values()) == len(report["articles"])
    _, built = build(config)
    assert {d["status"] for name in forms for d in decisions(built, name)} == statuses


def test_a_truncated_pdf_is_one_warning(tmp_path):
    config = project(tmp_path)
    whole = write_report(tmp_path / "whole.pdf").read_bytes()
    (tmp_path / "articles" / "cut.pdf").write_bytes(whole[: len(whole) // 3])
    result, _ = build(config)
    line = warning_about(result["stderr"], "cut.pdf:")
    assert "PDF" in line or "text layer" in line or "pages" in line, line


def test_a_pdf_of_more_pages_than_the_bound_is_read_to_the_bound(tmp_path, monkeypatch):
    """Twice the page bound: read to the bound, with one warning. The bound is lowered to 100 pages here
    (the forked build inherits it), so the case takes a second; at the real bound of 1,000 pages a
    2,000-page PDF reads in about 7 s."""
    monkeypatch.setattr(documents, "MAX_PAGES", 100)
    config = project(tmp_path)
    # A different line on each page (a line repeated at the top of pages is a running header).
    pages = [f"Entry {hashlib.sha256(str(n).encode()).hexdigest()[:16]} of a very long report." for n in range(200)]
    (tmp_path / "articles" / "long.pdf").write_bytes(text_pdf(pages))
    result, _ = build(config, memory_cap=768 << 20)
    assert "read the first 100 of its 200 pages" in warning_about(result["stderr"], "long.pdf:")


def text_pdf(lines: list[str]) -> bytes:
    """A PDF of one page per line, set in Helvetica (a standard font: no font file), written with pypdf."""
    import io

    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = writer._add_object(  # pypdf's way to add an indirect object
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for text in lines:
        page = writer.add_blank_page(width=595, height=842)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        content = DecodedStreamObject()
        content.set_data(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_zip_bomb_word_document_is_one_warning(tmp_path):
    config = project(tmp_path)
    bomb = tmp_path / "articles" / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/_rels/document.xml.rels", "<Relationships/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(64):  # 64 MiB of XML: refused by what the directory records, before any of it is read
                member.write(b" " * (1 << 20))
    result, report = build(config, memory_cap=384 << 20)
    assert "too large once decompressed" in warning_about(result["stderr"], "bomb.docx:")
    assert [d["status"] for d in decisions(report, "bomb.docx")] == ["unreadable"]


def test_a_gzip_bomb_is_one_warning_and_never_inflated_whole(tmp_path):
    config = project(tmp_path)
    # 1,024 gzip members of a megabyte each: a GiB of page, made in a moment.
    member = gzip.compress(b" " * (1 << 20))
    (tmp_path / "articles" / "bomb.html.gz").write_bytes(gzip.compress(b"<html><body><p>") + member * 1024)
    result, report = build(config, memory_cap=512 << 20)
    assert "too large once decompressed (over 8 MB, limits.max_bytes)" in warning_about(
        result["stderr"], "bomb.html.gz"
    )
    assert [d["status"] for d in decisions(report, "bomb.html.gz")] == ["unreadable"]


def test_an_mbox_of_tens_of_thousands_of_tiny_messages_is_read_to_the_bound(tmp_path, monkeypatch):
    """A flood of messages: only the newest up to the bound are read, with one warning. The bound is
    lowered to 100 messages here (the forked build inherits it) so the case stays short."""
    monkeypatch.setattr(mail, "MAX_MESSAGES", 100)
    config = project(tmp_path, limits={"max_bytes": 64 << 20})
    tiny = EmailMessage()
    tiny["From"] = "a@b.example"
    tiny["Subject"] = "x"
    tiny["Date"] = "Wed, 12 Feb 2025 07:30:00 +0000"
    tiny.set_content("hi\n")
    (tmp_path / "articles" / "flood.mbox").write_bytes(mbox_of(*[bytes(tiny)] * 20_000))
    result, report = build(config)
    assert "read only its newest 100 of 20,000 messages" in warning_about(result["stderr"], "flood.mbox:")
    assert len(decisions(report, "flood.mbox")) == 100


def test_a_broken_email_and_an_empty_mailbox_are_one_warning_each(tmp_path):
    config = project(tmp_path)
    articles = tmp_path / "articles"
    (articles / "nothing.eml").write_bytes(b"From: a@b.example\nDate: Wed, 12 Feb 2025 07:30:00 +0000\nSubject: x\n\n")
    (articles / "junk.mbox").write_bytes(b"\x00\x01\x02 not a mailbox")
    deep = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (n, n) for n in range(5_000))
    (articles / "nested.eml").write_bytes(
        b"From: a@b.example\nDate: Wed, 12 Feb 2025 07:30:00 +0000\nSubject: x\nMIME-Version: 1.0\n" + deep
    )
    result, _ = build(config)
    for name in ("nothing.eml", "junk.mbox", "nested.eml"):
        warning_about(result["stderr"], f"{name}:")
