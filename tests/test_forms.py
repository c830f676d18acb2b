"""The forms analysts hold beside web pages: gzipped files, PDF reports, Word documents and email
newsletters, each read from files these tests make (WeasyPrint and pypdf for PDFs, python-docx for
Word, Python's ``email`` package for messages, ``gzip`` for compressed files)."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import zipfile
import zlib
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from briefgen.config.defaults import Limits
from briefgen.errors import ArticleError
from briefgen.ingest import documents, mail
from briefgen.ingest.clean import clean
from briefgen.ingest.documents import Line, drop_furniture
from briefgen.ingest.readers import detect_form, read_file, read_url, sniff_binary
from briefgen.ingest.sources import check_file, find_sources
from briefgen.models import HEADING, LIST_ITEM, PARAGRAPH

from .conftest import ROOT

SAMPLES = ROOT / "samples" / "articles"
FIXTURES = ROOT / "tests" / "fixtures"

# ----------------------------------------------------------------------------- a report as a PDF

#: Paragraphs of a made-up briefing report, long enough to fill three narrow pages.
REPORT = [
    "The defense ministers of the United States, Japan and South Korea agreed in Honolulu to connect "
    "their missile-warning radars in real time, a step officials described as the most significant "
    "since the partnership was formalised.",
    "Under the arrangement, data from each country's early-warning systems will be shared within "
    "seconds of a launch, and a permanent secretariat will coordinate the governments' exercises, "
    "intelligence exchanges and procurement planning.",
    "Officials in Seoul said the secretariat would open in April once the National Assembly approves "
    "its first-year budget, and that it would employ about forty people seconded from the three "
    "governments.",
    "Analysts noted that previous attempts at trilateral cooperation stalled whenever relations "
    "between Seoul and Tokyo deteriorated, most recently over compensation for wartime forced labour "
    "and a dispute over radar lock-on incidents.",
    "The Pacific Shield exercise near Jeju in June is expected to be the largest trilateral naval "
    "drill to date, with about twenty ships, live missile-defense firing and the first operational "
    "test of the shared radar network.",
    "Procurement officials will meet in Tokyo in October to review interoperability requirements for "
    "communications equipment, the report said, and to consider a common maintenance arrangement for "
    "patrol aircraft.",
]
ITEMS = ["A shared radar network before June", "A secretariat in Seoul from April", "Ministerial talks in October"]
REPORT_HTML = """<html lang="en"><head><title>Quarterly outlook: the trilateral partnership</title>
<meta name="author" content="Jane Roe"><meta name="dcterms.created" content="2025-02-10">
<style>
@page {{ size: A6; margin: 1.6cm 1.2cm;
  @top-left {{ content: "Harbor Analytics"; font-size: 7pt; }}
  @top-right {{ content: "Weekly report"; font-size: 7pt; }}
  @bottom-center {{ content: "Page " counter(page) " of " counter(pages); font-size: 7pt; }} }}
body {{ font-family: serif; font-size: 10pt; line-height: 1.35; }}
p {{ margin: 0 0 0.5em; text-align: justify; hyphens: auto; }}
h1 {{ font-size: 18pt; }} h2 {{ font-size: 13pt; }}
</style></head><body>
<h1>Quarterly outlook: the trilateral partnership</h1>
<h2>What was agreed</h2>{first}
<ul>{items}</ul>
<h2>What comes next</h2>{second}
</body></html>"""


def write_report(path: Path, *, title: str | None = None, paragraphs: list[str] = REPORT) -> Path:
    import weasyprint

    half = len(paragraphs) // 2
    html = REPORT_HTML.format(
        first="".join(f"<p>{p}</p>" for p in paragraphs[:half]),
        items="".join(f"<li>{item}</li>" for item in ITEMS),
        second="".join(f"<p>{p}</p>" for p in paragraphs[half:] * 3),  # enough text for several pages
    )
    if title is not None:
        html = html.replace("<title>Quarterly outlook: the trilateral partnership</title>", f"<title>{title}</title>")
    weasyprint.HTML(string=html).write_pdf(path)
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(tmp_path_factory.mktemp("pdf") / "report.pdf")


def test_a_pdf_report_is_read_as_paragraphs_with_its_metadata(report):
    from pypdf import PdfReader

    raw = "\n".join(page.extract_text() for page in PdfReader(report).pages)
    assert len(PdfReader(report).pages) >= 3 and ("\u2010\n" in raw or "-\n" in raw), (
        "the test needs page and line breaks"
    )
    assert detect_form(report, report.read_bytes()) == "pdf"
    (article,) = read_file(report)
    assert (article.form, article.title, article.author, article.date, article.date_source) == (
        "pdf",
        "Quarterly outlook: the trilateral partnership",
        "Jane Roe",
        dt.date(2025, 2, 10),
        "page",
    )
    texts = [b.text for b in article.blocks]
    for paragraph in REPORT:
        assert paragraph in texts  # whole, hyphenated words joined, across line, column and page breaks
    assert [b.text for b in article.blocks if b.kind == LIST_ITEM] == ITEMS
    assert [b.text for b in article.blocks if b.kind == HEADING][:2] == ["What was agreed", "What comes next"]
    body = " ".join(texts)
    for furniture in ("Harbor Analytics", "Weekly report", "Page 1 of", "of 3", "\u2010", "\u00ad"):
        assert furniture not in body


@pytest.mark.parametrize(
    ("line_end", "next_line", "joined"),
    [
        ("the govern-", "ment said", "the government said"),
        ("a new anti-", "leftist campaign", "a new anti-leftist campaign"),
        ("Zaken, a 23-", "year-old secretary", "Zaken, a 23-year-old secretary"),
        ("the Indo-", "Pacific region", "the Indo-Pacific region"),
        ("London Bridge Hospit\u2010", "al on Wednesday", "London Bridge Hospital on Wednesday"),
        ("a soft hy\u00ad", "phen", "a soft hyphen"),
        ("the storm --", "which ended", "the storm -- which ended"),
        ("it ended.", "Then", "it ended. Then"),
    ],
)
def test_words_broken_at_a_line_end_are_made_whole(line_end, next_line, joined):
    assert documents._join(line_end, next_line, documents._Hyphens("en")) == joined


def line(text: str, y: float, page: int, x: float = 72.0) -> Line:
    return Line(text, x, y, 10.0, False, page)


def test_running_headers_footers_and_page_numbers_go_and_the_text_stays():
    body = [REPORT[n].split(", ")[:2] for n in range(3)]
    pages = [
        [
            line("Harbor Analytics | Weekly report", 800, n),
            line(body[n][0], 700, n),
            line(body[n][1], 680, n),
            line(f"Page {n + 1} of 3", 40, n),
        ]
        for n in range(3)
    ]
    kept = drop_furniture(pages)
    assert [[x.text for x in page] for page in kept] == body
    # One page: a page number goes, a first line that is not one stays.
    single = [[line("Harbor Analytics", 800, 0), line("Body.", 700, 0), line("- 1 -", 40, 0)]]
    assert [x.text for x in drop_furniture(single)[0]] == ["Harbor Analytics", "Body."]


def test_a_pdf_without_a_text_layer_is_one_clear_error(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)  # as a scan without OCR has no text
    path = tmp_path / "scan.pdf"
    with open(path, "wb") as f:
        writer.write(f)
    with pytest.raises(ArticleError, match=r"no text layer: scanned PDF\?"):
        read_file(path)


def test_an_encrypted_pdf_is_refused_unless_it_opens_without_a_password(report, tmp_path):
    from pypdf import PdfReader, PdfWriter

    def encrypted(user: str, name: str) -> Path:
        writer = PdfWriter(clone_from=PdfReader(report))
        writer.encrypt(user_password=user, owner_password="owner-secret", algorithm="AES-128")
        path: Path = tmp_path / name
        with open(path, "wb") as f:
            writer.write(f)
        return path

    with pytest.raises(ArticleError, match="encrypted PDF: it needs a password to open"):
        read_file(encrypted("reader-secret", "locked.pdf"))
    (article,) = read_file(encrypted("", "restricted.pdf"))  # only copying and printing are restricted
    assert REPORT[0] in [b.text for b in article.blocks]


def test_software_names_are_not_titles_and_nothing_is_invented(tmp_path):
    (named,) = read_file(write_report(tmp_path / "a.pdf", title="Microsoft Word - outlook_final.docx"))
    assert named.title == "Quarterly outlook: the trilateral partnership"  # the heading set largest on page 1
    import weasyprint

    bare = tmp_path / "bare.pdf"
    weasyprint.HTML(string="<p>" + REPORT[0] + "</p><p>" + REPORT[1] + "</p>").write_pdf(bare)
    (article,) = read_file(bare)
    assert (article.title, article.author, article.date, article.publisher) == (None, None, None, None)


def test_a_damaged_pdf_is_one_clear_error(report, tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    with pytest.raises(ArticleError, match=r"not a readable PDF|no text layer"):
        read_file(broken)
    misnamed = tmp_path / "report.pdf"
    misnamed.write_text("not a pdf at all, only some words", encoding="utf-8")
    with pytest.raises(ArticleError, match="not a readable PDF"):
        read_file(misnamed)


def test_the_character_bound_is_what_limits_max_chars_allows():
    ceiling = next(m.le for m in Limits.model_fields["max_chars"].metadata if hasattr(m, "le"))
    assert ceiling == documents.MAX_CHARS


# ----------------------------------------------------------------------------- gzip


def test_a_gzipped_page_feed_or_pdf_reads_as_what_it_holds(tmp_path, report):
    page = SAMPLES / "pacific-ledger-ministers-agree-data-link.html"
    feed = FIXTURES / "harbor-feed.rss"
    for source, name in ((page, "page.html.gz"), (feed, "feed.xml.gz"), (report, "report.pdf.gz")):
        packed = tmp_path / name
        packed.write_bytes(gzip.compress(source.read_bytes()))
        assert detect_form(packed, packed.read_bytes()) == "gzip"
        plain, inflated = read_file(source), read_file(packed)
        assert [(a.title, a.blocks, a.date, a.url) for a in inflated] == [
            (a.title, a.blocks, a.date, a.url) for a in plain
        ]
        assert {a.form for a in inflated} == {f"{a.form}.gz" for a in plain}
    # Gzip content under an ordinary name (a download saved as it came), and a ".gz" name over plain text.
    (tmp_path / "saved.html").write_bytes(gzip.compress(page.read_bytes()))
    assert read_file(tmp_path / "saved.html")[0].title == read_file(page)[0].title
    (tmp_path / "already.html.gz").write_bytes(page.read_bytes())
    assert read_file(tmp_path / "already.html.gz")[0].form == "html"


def test_a_gzip_bomb_is_refused_at_the_limit_without_inflating_the_rest(tmp_path):
    bomb = tmp_path / "bomb.html.gz"
    bomb.write_bytes(gzip_bomb(64 << 20))
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(ArticleError, match=r"too large once decompressed \(over 8 MB, limits.max_bytes\)"):
        check_file(bomb, 8 << 20)  # what a build does before it reads, with its config's limit
    with pytest.raises(ArticleError, match="too large once decompressed"):
        read_file(bomb, 8 << 20)
    check_file(bomb, 128 << 20)  # within a larger limit it is an ordinary file


def gzip_bomb(size: int, unit: bytes = b" " * (1 << 20)) -> bytes:
    """A gzip stream that inflates to ``size`` bytes, made without holding them."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = [packer.compress(b"<html><body><p>" + unit[: (1 << 20) - 15])]
    out += [packer.compress(unit) for _ in range(size // len(unit) - 1)]
    return b"".join([*out, packer.flush()])


def test_a_cut_gzip_is_read_as_far_as_it_goes_with_one_warning(tmp_path, caplog):
    lines = "".join(f'{{"title": "Story {n}", "text": "Line {n} of a wire export with words."}}\n' for n in range(400))
    packed = gzip.compress(lines.encode())
    cut = tmp_path / "wire.jsonl.gz"
    cut.write_bytes(packed[: len(packed) * 2 // 3])
    articles = read_file(cut)
    assert 0 < len(articles) < 400 and articles[0].title == "Story 0" and articles[0].form == "jsonl.gz"
    assert [r.getMessage() for r in caplog.records if "ends early" in r.getMessage()] == [
        f"{cut}: the compressed data ends early or is damaged after {articles_size(packed, len(packed) * 2 // 3)}; "
        "read as far as it goes"
    ]


def articles_size(packed: bytes, kept: int) -> str:
    from briefgen.ingest.sources import size_text

    return size_text(len(zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(packed[:kept])))


def test_a_gzip_inside_a_gzip_is_refused(tmp_path):
    twice = tmp_path / "twice.html.gz"
    twice.write_bytes(gzip.compress(gzip.compress(b"<html><body><p>Hello there, reader.</p></body></html>")))
    with pytest.raises(ArticleError, match="compressed twice"):
        read_file(twice)


# ----------------------------------------------------------------------------- Word


def word_document(path: Path, *, properties: bool = True) -> Path:
    import docx

    document = docx.Document()
    if properties:
        core = document.core_properties
        core.title = "Trilateral partnership: notes for the client"
        core.author = "Mina Cho"
        core.created = dt.datetime(2025, 2, 11, 9, 30, tzinfo=dt.UTC)
        core.modified = dt.datetime(2025, 2, 12, 17, 0, tzinfo=dt.UTC)
    document.add_paragraph("Trilateral partnership: notes for the client", style="Title")
    document.add_heading("What was agreed", level=1)
    document.add_paragraph(REPORT[0])
    for item in ITEMS:
        document.add_paragraph(item, style="List Bullet")
    document.add_heading("Who pays", level=2)
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, (("Country", "Share"), ("South Korea", "40 percent")), strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_paragraph(REPORT[1])
    document.save(str(path))
    return path


def test_a_word_document_gives_headings_paragraphs_list_items_tables_and_properties(tmp_path):
    path = word_document(tmp_path / "notes.docx")
    assert detect_form(path, path.read_bytes()) == "docx"
    (article,) = read_file(path)
    assert (article.form, article.title, article.author, article.date) == (
        "docx",
        "Trilateral partnership: notes for the client",
        "Mina Cho",
        dt.date(2025, 2, 11),
    )
    assert [(b.kind, b.text) for b in article.blocks] == [
        (HEADING, "What was agreed"),
        (PARAGRAPH, REPORT[0]),
        *[(LIST_ITEM, item) for item in ITEMS],
        (HEADING, "Who pays"),
        (PARAGRAPH, "Country Share"),
        (PARAGRAPH, "South Korea 40 percent"),
        (PARAGRAPH, REPORT[1]),
    ]


def test_a_word_document_without_properties_invents_none(tmp_path):
    (article,) = read_file(word_document(tmp_path / "bare.docx", properties=False))
    # python-docx's own template says "python-docx" wrote it on 2013-12-23: not the document's author or date.
    assert (article.title, article.author, article.date) == ("Trilateral partnership: notes for the client", None, None)


def test_a_zip_bomb_word_document_is_refused_from_its_directory(tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(64):
                member.write(b" " * (1 << 20))
    assert path.stat().st_size < 1 << 20
    with pytest.raises(ArticleError, match="too large once decompressed"):
        check_file(path, 8 << 20)
    with pytest.raises(ArticleError, match="too large once decompressed"):
        read_file(path, 8 << 20)


def test_a_file_named_docx_that_is_not_one_says_so(tmp_path):
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    with pytest.raises(ArticleError, match="not a Word document"):
        read_file(path)


# ----------------------------------------------------------------------------- email

TRACKER = "https://click.mail.meridianwire.example/ls/click?upn=Zx9aQ3"
STORY = [
    "The United States, Japan and South Korea agreed on Tuesday to connect their missile-warning radars "
    "in real time, the three defense ministers said after talks in Honolulu.",
    "The link will let each country see launches tracked by the others within seconds, officials said, "
    "and it is due to be working before the Pacific Shield exercise in June.",
    "South Korea will host a permanent secretariat for the partnership, a first for the three allies, "
    "which have met only at irregular summits until now.",
]
NEWSLETTER_HTML = f"""<!DOCTYPE html><html><head><title>Meridian Wire Daily</title></head><body>
<div style="display:none;max-height:0;overflow:hidden">Inbox preview: radar links and a new secretariat.</div>
<table width="100%"><tr><td align="center"><a href="{TRACKER}&v=1">View this email in your browser</a></td></tr></table>
<table width="600" align="center"><tr><td><img src="https://cdn.example/logo.png" alt="Meridian Wire"></td></tr>
<tr><td><h2><a href="{TRACKER}&s=1">Allies agree to link missile-warning radars</a></h2>
<p>{STORY[0]}</p><p>{STORY[1]}</p><h2>A secretariat in Seoul</h2><p>{STORY[2]}</p>
<p>Read the full story: <a href="https://www.meridianwire.example/2025/02/11/radar-link?utm_source=nl&amp;id=7">here</a></p>
</td></tr><tr><td><p><a href="{TRACKER}&f=1">Forward this email to a friend</a></p></td></tr>
<tr><td style="font-size:11px;color:#888">
<p>You received this email because you signed up for Meridian Wire Daily.</p>
<p><a href="{TRACKER}&u=1">Unsubscribe</a> | <a href="{TRACKER}&p=1">Update your preferences</a></p>
<p>Meridian Wire, 100 Harbor Street, Springfield, IL 62701</p><p>&copy; 2025 Meridian Wire. All rights reserved.</p>
</td></tr></table></body></html>"""
NEWSLETTER_FURNITURE = (
    "Inbox preview",
    "View this email",
    "Forward this email",
    "You received this email",
    "Unsubscribe",
    "preferences",
    "Harbor Street",
    "\u00a9",
    "All rights reserved",
    "Read the full story",
    "click.mail",
)


def newsletter(*, archived: str | None = None, html: str = NEWSLETTER_HTML) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Meridian Wire Daily <news@mail.meridianwire.example>"
    msg["To"] = "analyst@example.com"
    msg["Subject"] = "Fwd: Allies sign Honolulu accord \u2014 and what\u2019s next for the caf\u00e9 talks"
    msg["Date"] = format_datetime(dt.datetime(2025, 2, 12, 22, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))))
    msg["Message-ID"] = "<abc123@mail.meridianwire.example>"
    if archived:
        msg["Archived-At"] = f"<{archived}>"
    msg.set_content(f"View this email in your browser: {TRACKER}\n\n{STORY[0]}\n\nUnsubscribe: {TRACKER}&u=1\n")
    msg.add_alternative(html, subtype="html")
    return msg


def test_a_newsletter_is_read_without_its_furniture(tmp_path):
    path = tmp_path / "daily.eml"
    path.write_bytes(bytes(newsletter()))
    assert b"=?utf-8?" in path.read_bytes()  # the subject travels as RFC 2047 encoded words
    assert detect_form(path, path.read_bytes()) == "email"
    (article,) = read_file(path)
    assert (article.form, article.title, article.publisher, article.author, article.date, article.url) == (
        "email",
        "Allies sign Honolulu accord \u2014 and what\u2019s next for the caf\u00e9 talks",
        "Meridian Wire Daily",
        None,
        dt.date(2025, 2, 12),  # the day in the sender's time zone
        None,  # its only "view in browser" link is a tracking redirect
    )
    text = clean(article, 0).text
    for sentence in STORY:
        assert sentence in text
    for furniture in NEWSLETTER_FURNITURE:
        assert furniture not in text, furniture


def test_a_newsletter_url_is_its_archive_address_without_tracking(tmp_path):
    path = tmp_path / "daily.eml"
    path.write_bytes(bytes(newsletter(archived="https://archive.meridianwire.example/2025/02/12/?utm_campaign=d&x=1")))
    (article,) = read_file(path)
    assert article.url == "https://archive.meridianwire.example/2025/02/12/?x=1"


def test_a_plain_text_newsletter_in_a_legacy_charset(tmp_path):
    msg = EmailMessage()
    msg["From"] = "news@mail.meridianwire.example"
    msg["Subject"] = "=?iso-8859-1?q?Caf=E9_diplomacy?="
    msg["Date"] = "Tue, 11 Feb 2025 08:00:00 +0000"
    msg["Message-ID"] = "<p1@meridianwire.example>"
    body = (
        f"{STORY[0]}\n\nMore: {TRACKER}&s=2\n\n"
        "Background: https://www.meridianwire.example/background?utm_source=newsletter&utm_medium=email&page=2\n\n"
        "The minister\u2019s caf\u00e9 remarks were long enough to count as a paragraph of their own.\n"
    )
    msg.set_content(body.replace("\u2019", "'"), charset="iso-8859-1", cte="quoted-printable")
    path = tmp_path / "plain.eml"
    path.write_bytes(bytes(msg))
    (article,) = read_file(path)
    assert (article.title, article.publisher, article.date) == (
        "Caf\u00e9 diplomacy",
        "meridianwire.example",
        dt.date(2025, 2, 11),
    )
    text = " ".join(b.text for b in article.blocks)
    assert "minister's caf\u00e9 remarks" in text and STORY[0] in text
    assert "https://www.meridianwire.example/background?page=2" in text
    assert "click.mail" not in text and "utm_" not in text


@pytest.mark.parametrize(
    ("url", "public"),
    [
        ("https://www.example.com/story?utm_source=nl&utm_medium=email&id=7", "https://www.example.com/story?id=7"),
        ("https://click.example.com/ls/click?upn=abc123", None),
        (
            "https://links.example.com/track?u=https%3A%2F%2Fnews.example%2F2025%2Fstory%3Futm_source%3Dx",
            "https://news.example/2025/story",
        ),
        (
            "https://x.r.us-east-1.awstrack.me/L0/https:%2F%2Fnews.example%2Fstory/1/0100abc=",
            "https://news.example/story",
        ),
        ("https://news.example/redirect/2/eyJlIjoiaHR0cHM6Ly9", None),
        (
            "https://www.example.com/2025/02/allies-agree?mc_cid=9&mc_eid=8",
            "https://www.example.com/2025/02/allies-agree",
        ),
        ("mailto:news@example.com", None),
    ],
)
def test_tracking_links_are_unwrapped_or_dropped(url, public):
    assert mail.public_url(url) == public


def mbox_of(*messages: bytes) -> bytes:
    return b"".join(b"From news@example.com Wed Feb 12 07:30:00 2025\n" + m.rstrip(b"\n") + b"\n\n" for m in messages)


def test_each_message_of_an_mbox_is_an_article(tmp_path, caplog):
    quoted = EmailMessage()
    quoted["From"] = "Pacific Ledger <briefs@pacificledger.example>"
    quoted["Subject"] = "Morning brief"
    quoted["Date"] = "Thu, 13 Feb 2025 06:00:00 +0900"
    quoted.set_content(f"{STORY[2]}\n\nFrom the archive: the first trilateral summit met in 2023.\n")
    empty = EmailMessage()
    empty["From"] = "receipts@shop.example"
    empty["Subject"] = "Your receipt"
    empty["Date"] = "Thu, 13 Feb 2025 06:00:00 +0000"
    empty.set_content("")
    data = mbox_of(
        bytes(newsletter()), bytes(empty), bytes(quoted).replace(b"\nFrom the archive", b"\n>From the archive")
    )
    path = tmp_path / "Inbox"  # a mail program's mailbox file has no extension
    path.write_bytes(data)
    assert detect_form(path, data) == "mbox"
    articles = read_file(path)
    assert [(a.path, a.title, a.publisher) for a in articles] == [
        (
            f"{path}#0",
            "Allies sign Honolulu accord \u2014 and what\u2019s next for the caf\u00e9 talks",
            "Meridian Wire Daily",
        ),
        (f"{path}#2", "Morning brief", "Pacific Ledger"),
    ]
    assert "From the archive: the first trilateral summit met in 2023." in [b.text for b in articles[1].blocks]
    assert [r.getMessage() for r in caplog.records] == [f"{path}: skipped 1 of its 3 messages read ({path}#1: no text)"]


def test_an_mbox_over_the_bound_reads_its_newest_messages(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(mail, "MAX_MESSAGES", 3)
    messages = []
    for n in range(5):
        msg = EmailMessage()
        msg["From"] = "Wire <wire@example.com>"
        msg["Subject"] = f"Issue {n}"
        msg["Date"] = f"Thu, {10 + n} Feb 2025 06:00:00 +0000"
        msg.set_content(f"Issue {n} of the wire says the ministers met again in Honolulu on day {n}.\n")
        messages.append(bytes(msg))
    path = tmp_path / "wire.mbox"
    path.write_bytes(mbox_of(*messages))
    assert [a.title for a in read_file(path)] == ["Issue 2", "Issue 3", "Issue 4"]
    assert [r.getMessage() for r in caplog.records] == [f"{path}: read only its newest 3 of 5 messages"]


def test_an_email_saved_as_text_is_read_as_an_email(tmp_path):
    path = tmp_path / "forwarded.txt"
    path.write_bytes(bytes(newsletter()))
    assert read_file(path)[0].form == "email"
    # A plain-text article's own header is not an email's.
    note = tmp_path / "note.txt"
    note.write_text(
        "Title: A note\nDate: 2025-02-12\n\nFrom: the desk. A short note on the summit.\n", encoding="utf-8"
    )
    assert read_file(note)[0].form == "text"


def test_an_apple_mail_folder_is_read_as_its_mailbox(tmp_path):
    folder = tmp_path / "mail" / "Newsletters.mbox"
    folder.mkdir(parents=True)
    (folder / "mbox").write_bytes(mbox_of(bytes(newsletter())))
    (folder / "table_of_contents").write_bytes(b"\x00\x01binary index")
    (folder / "Info.plist").write_text("<plist/>", encoding="utf-8")
    for pattern in ("mail", "mail/*.mbox", "mail/**/*.mbox"):
        found = find_sources([pattern], tmp_path)
        assert found.files == [folder / "mbox"], pattern
    assert read_file(folder / "mbox")[0].path == f"{folder / 'mbox'}#0"


# ----------------------------------------------------------------------------- sniffing


def test_the_forms_read_as_bytes_are_known_by_their_first_bytes(tmp_path, report):
    docx_bytes = word_document(tmp_path / "w.docx").read_bytes()
    cases = {
        "gzip": gzip.compress(b"<html></html>"),
        "pdf": report.read_bytes(),
        "docx": docx_bytes,
        "email": bytes(newsletter()),
        "mbox": mbox_of(bytes(newsletter())),
    }
    for form, data in cases.items():
        assert sniff_binary(data) == form
        assert detect_form(tmp_path / "no-extension", data) == form
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("a.txt", "hello")
    assert sniff_binary(other_zip.getvalue()) is None
    assert sniff_binary(b"<html><body>About %PDF-1.7 files</body></html>") is None


def test_a_fetched_pdf_or_newsletter_is_read_as_a_file_is(report):
    (article,) = read_url("https://reports.example/q1.pdf", report.read_bytes(), "application/pdf")
    assert (article.form, article.url, article.publisher) == (
        "pdf",
        "https://reports.example/q1.pdf",
        "reports.example",
    )
    (message,) = read_url("https://lists.example/archive/1.eml", bytes(newsletter()), "message/rfc822")
    assert message.form == "email" and message.publisher == "Meridian Wire Daily"


def test_random_bytes_under_every_new_name_raise_only_article_error(tmp_path):
    import random

    rng = random.Random(7)
    for suffix in (".pdf", ".docx", ".eml", ".mbox", ".gz", ".html.gz"):
        for n in range(20):
            head = rng.choice(
                [b"%PDF-1.4\n", b"PK\x03\x04", b"\x1f\x8b\x08\x00", b"From a@b Wed Feb 12 07:30:00 2025\n", b""]
            )
            path = tmp_path / f"r{n}{suffix}"
            path.write_bytes(head + rng.randbytes(rng.randrange(1, 3000)))
            try:
                articles = read_file(path)
            except ArticleError:
                continue
            assert all(a.blocks for a in articles)
