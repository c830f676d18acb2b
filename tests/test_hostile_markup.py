"""Hostile markup and unbounded outputs: no text from a config or an article ever becomes live
markup, in any format; every output stays bounded whatever the window and the corpus; logos are
checked by their content.

Every case runs ``briefgen`` (build, inspect, templates) in a forked child under a memory cap and
a time limit (``tests/hostile.py``); the parent checks the promises on what it printed and wrote:
``briefing.md`` (as written, and as markdown-it renders it with raw HTML enabled),
``briefing.html``, ``briefing.email.html``, ``briefing.txt``, ``briefing.pdf`` (its text, and the
URLs WeasyPrint asked the restricted fetcher for) and ``briefing.json``.

Size bounds stated and tested here: the email body under 100 KB whatever the window and corpus;
a chart of at most 122 bars (day bars up to 14 days, weeks up to 120, months up to 3,660); at
most 10 other outlets listed per source ("and N more"); source titles cut at 300 characters,
publishers and authors at 200; config strings capped by the config (title and client name 200,
footer 1,000, disclaimer 2,000 characters).
"""

from __future__ import annotations

import base64
import datetime as dt
import html as html_lib
import json
import os
import random
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import run_cli
from .hostile import (
    assert_clean_failure,
    assert_no_live_markup,
    assert_no_traceback,
    assert_one_line_messages,
    cli_result,
    rendered_markdown_html,
    run_limited,
)

AS_OF = dt.date(2025, 2, 14)


@pytest.fixture(scope="module", autouse=True)
def _loaded_once(warm_model: None) -> None:
    """Load spaCy's model, WeasyPrint's fonts and briefgen's version hashes in the test process,
    so every forked case starts with them (a case then takes about a second, not three)."""
    import weasyprint

    from briefgen.analyse.nlp import load_pipeline
    from briefgen.analyse.topic import stop_words
    from briefgen.analyse.workspace import engine_version
    from briefgen.codebase import code_version
    from briefgen.select.players import countries

    load_pipeline()
    engine_version(), code_version(), countries(), stop_words()
    weasyprint.HTML(
        string='<p style="font-family: DejaVu Sans">a</p><p style="font-family: DejaVu Serif">b</p>'
    ).write_pdf()


FILES = ("briefing.md", "briefing.html", "briefing.email.html", "briefing.txt", "briefing.pdf", "briefing.json")
#: What no text output may hold: control characters but the newline (and tab, in HTML and Markdown),
#: and the bidirectional embeddings, overrides and isolates.
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: The email body's bound, whatever the window and the corpus.
EMAIL_BOUND = 100 * 1024

# ----------------------------------------------------------------------------- corpus and config

PLACES = ["Harbor City", "Port Avalon", "Northgate", "Eastbay", "Silverton", "Lakeshore", "Redcliff", "Brightwater"]
OFFICIALS = ["the mayor", "the port authority", "the transport minister", "the city council", "union leaders"]
THINGS = ["container berths", "rail sidings", "cranes", "customs lanes", "warehouses", "ferry slips"]


def story(k: int, n: int = 5, insert: str = "") -> str:
    """Article ``k``: ``n`` quotable sentences about a harbor terminal, distinct from every other article's."""
    rnd = random.Random(k)
    out = []
    for j in range(n):
        who, place, thing = rnd.choice(OFFICIALS), rnd.choice(PLACES), rnd.choice(THINGS)
        out.append(
            f"{who.capitalize()} of {place} said{insert} the new harbor terminal would add {rnd.randint(2, 900)} "
            f"{thing} by the {rnd.choice(['spring', 'summer', 'autumn'])} of {2025 + rnd.randint(0, 3)}, report {k}-{j} noted."
        )
    return "\n\n".join(out)


def record(k: int, date: dt.date | None = AS_OF, **meta: Any) -> dict[str, Any]:
    """One JSON Lines article, with metadata that ``meta`` overrides."""
    rec: dict[str, Any] = {
        "title": f"Harbor terminal report {k}",
        "publisher": f"Outlet {k}",
        "author": f"Writer {k}",
        "date": date.isoformat() if date else None,
        "url": f"https://news{k}.example/harbor/{k}",
        "text": story(k),
    }
    rec.update(meta)
    return rec


def project(
    tmp: Path,
    records: list[dict[str, Any]] | None = None,
    files: Mapping[str, str | bytes] | None = None,
    **config: Any,
) -> Path:
    """A config in ``tmp`` over ``articles/``: ``export.jsonl`` of ``records`` (four plain
    articles by default) and ``files``; ``config`` keys override the defaults."""
    articles = tmp / "articles"
    articles.mkdir(parents=True, exist_ok=True)
    if records is None and files is None:
        records = [record(k) for k in range(4)]
    if records:
        (articles / "export.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    for name, data in (files or {}).items():
        path = articles / name
        path.write_bytes(data) if isinstance(data, bytes) else path.write_text(data, encoding="utf-8")
    settings: dict[str, Any] = {"title": "Harbor watch", "sources": ["articles"], "window": {"days": 7}}
    settings.update(config)
    path = tmp / "c.yaml"
    path.write_text(yaml.safe_dump(settings, allow_unicode=False), encoding="utf-8")
    return path


def building(config: Path, out: Path, *args: str) -> Callable[[], dict[str, Any]]:
    """A case that builds ``config`` into ``out`` and records every URL WeasyPrint asks for."""

    def case() -> dict[str, Any]:
        from briefgen.render.pdf import LocalFetcher

        fetched: list[str] = []
        original = LocalFetcher.__call__

        def spy(self: Any, url: str, *a: Any, **k: Any) -> Any:
            fetched.append(url[:120])
            return original(self, url, *a, **k)

        LocalFetcher.__call__ = spy  # type: ignore[method-assign]  # the child is thrown away
        setattr(LocalFetcher, "fetch", spy)  # noqa: B010  # the alias WeasyPrint may call, replaced too
        proc = run_cli("build", str(config), "--as-of", AS_OF.isoformat(), "--out", str(out), *args)
        return {**cli_result(proc), "fetched": fetched}

    return case


def build(tmp: Path, config: Path, *args: str, time_limit: float = 60) -> tuple[Path, dict[str, Any]]:
    out = tmp / "out"
    outcome = run_limited(building(config, out, *args), time_limit=time_limit)
    result: dict[str, Any] = outcome.ok()
    result["seconds"], result["peak_rss_mb"] = outcome.seconds, outcome.peak_rss_mb
    return out, result


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    meta = dict(reader.metadata or {})
    return "\n".join(page.extract_text() for page in reader.pages) + "\n" + " ".join(str(v) for v in meta.values())


def visible_text(html: str) -> str:
    """What a reader sees of an HTML page: its text, tags dropped and references resolved once."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_safe_build(out: Path, result: dict[str, Any], planted: list[str]) -> None:
    """The build worked, printed one-line messages, and no planted markup is live in any format."""
    assert result["code"] == 0, result["stderr"]
    assert_no_traceback(result)
    assert_one_line_messages(result["stderr"])
    for name in FILES:
        assert (out / name).exists(), f"{name} was not written"
    assert_no_live_markup(out, planted)
    for name in ("briefing.md", "briefing.txt", "briefing.html", "briefing.email.html", "briefing.json"):
        text = (out / name).read_text(encoding="utf-8")
        assert not CONTROLS.search(text), f"{name}: a control character {CONTROLS.search(text)!r}"
    assert "\t" not in (out / "briefing.txt").read_text(encoding="utf-8")
    json.loads((out / "briefing.json").read_text(encoding="utf-8"))
    # The PDF: WeasyPrint asked for nothing but the embedded logo, and holds no action.
    assert all(url.startswith("data:") for url in result["fetched"]), result["fetched"]
    pdf = (out / "briefing.pdf").read_bytes()
    for action in (b"/JavaScript", b"/Launch", b"/SubmitForm", b"javascript:"):
        assert action not in pdf, action
    for link in re.findall(rb"/URI \((.*?)\)", pdf):
        assert link.startswith((b"http://", b"https://")), link
    # Every link of every format goes to an http(s) address or a source in the page; but the email's
    # unsubscribe link, briefgen's own, which sending makes each recipient's (https, else mailto:).
    for name in ("briefing.html", "briefing.email.html"):
        page = (out / name).read_text(encoding="utf-8")
        for href in re.findall(r'href="([^"]*)"', page):
            if name == "briefing.email.html" and href == "%%recipient.unsubscribe_url%%":
                continue
            assert re.match(r"#|https?://", html_lib.unescape(href)), f"{name}: {href}"
    rendered = rendered_markdown_html((out / "briefing.md").read_text(encoding="utf-8"))
    for href in re.findall(r'(?:href|src)="([^"]*)"', rendered):
        assert re.match(r"https?://", href), f"briefing.md: {href}"


def assert_shown_as_text(
    out: Path, text: str, formats: tuple[str, ...] = ("html", "email", "md", "txt", "pdf")
) -> None:
    """``text`` is what a reader sees, character for character, in each of ``formats``."""
    want = " ".join(text.split())
    shown = {
        "html": lambda: visible_text((out / "briefing.html").read_text(encoding="utf-8")),
        "email": lambda: visible_text((out / "briefing.email.html").read_text(encoding="utf-8")),
        "md": lambda: visible_text(rendered_markdown_html((out / "briefing.md").read_text(encoding="utf-8"))),
        "txt": lambda: " ".join((out / "briefing.txt").read_text(encoding="utf-8").split()),
    }
    for fmt in formats:
        if fmt == "pdf":
            assert squash(want) in squash(pdf_text(out / "briefing.pdf")), f"pdf does not show {want!r}"
        else:
            assert want in shown[fmt](), f"{fmt} does not show {want!r}"


# ----------------------------------------------------------------------------- 1. config text is never markup

#: One config string that tries every way into markup at once (within the 200-character caps).
CONFIG_PAYLOAD = (
    "A</style><script>alert(1)</script><img src=x onerror=alert(2)> &lt;b&gt; {{ 7*7 }} "
    "{% if 1 %}J{% endif %} <!-- <![CDATA[x]]> [l](javascript:alert(3)) *e* #h"
)
CONFIG_PLANTED = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "<!--", "<![CDATA["]


@pytest.mark.parametrize("field", ["title", "client_name", "disclaimer", "footer", "audience", "keywords"])
def test_config_text_is_text_in_every_format(tmp_path, field):
    settings: dict[str, Any] = {}
    shown: tuple[str, ...] = ("html", "email", "md", "txt", "pdf")
    if field == "title":
        settings["title"] = CONFIG_PAYLOAD
    elif field == "audience":  # shown capitalized in HTML, so its text is compared in the Markdown
        settings["audience"] = {"base": "executive", "name": CONFIG_PAYLOAD}
        shown = ("md",)
    elif field == "keywords":  # in the HTML's and the PDF's metadata only
        settings["topic"] = {"keywords": [CONFIG_PAYLOAD, "harbor"], "min_relevance": 0.0}
        shown = ("pdf",)
    else:
        settings["branding"] = {field: CONFIG_PAYLOAD}
    out, result = build(tmp_path, project(tmp_path, **settings))
    assert_safe_build(out, result, CONFIG_PLANTED)
    # Shown literally: Jinja syntax printed, never evaluated; "&lt;" shown as typed, not unescaped twice.
    assert_shown_as_text(
        out, CONFIG_PAYLOAD[:90] if field == "keywords" else CONFIG_PAYLOAD, shown
    )  # a keyword is cut at 100


def test_control_characters_in_config_text_reach_no_output(tmp_path):
    text = "T\x1b[2J\x1b]0;owned\x07 \r\nX\u202eY\u2066Z\x00\x7f\x9b"
    branding = {"client_name": text, "disclaimer": text, "footer": text}
    out, result = build(tmp_path, project(tmp_path, title=text, branding=branding))
    assert_safe_build(out, result, [])  # no control character in any text output, the PDF fetched nothing
    assert_shown_as_text(out, "T[2J]0;owned XYZ", ("html", "md", "txt"))


def test_a_client_name_cannot_close_the_stylesheet(tmp_path):
    name = "A</style><script>alert(1)</script><style>"
    out, result = build(tmp_path, project(tmp_path, branding={"client_name": name}))
    assert_safe_build(out, result, ["<script>alert(1)</script>", "</style><script>"])
    page = (out / "briefing.html").read_text(encoding="utf-8")
    assert page.lower().count("</style") == 1 and page.lower().count("<script") == 0
    assert name in pdf_text(out / "briefing.pdf")  # the running header and footer show it as text


@pytest.mark.parametrize(
    "name",
    [
        'x"; } body { background: url(https://evil.example/a.png) } @import "https://evil.example/b.css"; a { content: "',
        "x\r} @import url(https://evil.example/c.css); a { content: '",
        'x\\"} body{background:url(//evil.example/d.png)} @font-face{src:url(https://evil.example/f.ttf)}',
        "expression(alert(1)) url(https://evil.example/e.png) /* -moz-binding:url(x) */",
    ],
    ids=["quote", "carriage-return", "backslash", "expression"],
)
def test_a_client_name_stays_inside_its_css_string(tmp_path, name):
    out, result = build(tmp_path, project(tmp_path, branding={"client_name": name, "footer": name}))
    assert_safe_build(out, result, ["<script"])
    import tinycss2  # type: ignore[import-untyped]  # WeasyPrint's CSS parser ships no types

    html = (out / "briefing.html").read_text(encoding="utf-8")
    (css,) = re.findall(r"<style>(.*?)</style>", html, re.S)
    # The client's name sits inside CSS strings: it opens no url(), at-rule, comment or function.
    assert not re.search(r"url\(|@import|@font-face|expression\(|/\*", css, re.I)
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        assert rule.type != "error", rule
        if rule.type == "at-rule":
            assert rule.lower_at_keyword in {"page", "media"}, rule.at_keyword
    assert squash(name) in squash(pdf_text(out / "briefing.pdf"))


def test_a_title_is_escaped_in_the_markdown_heading(tmp_path):
    title = "<img src=x onerror=alert(1)> C# ##"
    out, result = build(tmp_path, project(tmp_path, title=title))
    assert_safe_build(out, result, ["<img src=x onerror=alert(1)>"])
    md = (out / "briefing.md").read_text(encoding="utf-8")
    assert md.startswith("# \\<img src=x onerror=alert(1)\\> C\\# \\#\\#\n")
    rendered = rendered_markdown_html(md)
    assert rendered.startswith("<h1>&lt;img src=x onerror=alert(1)&gt; C# ##</h1>")


# ----------------------------------------------------------------------------- 1. article text and metadata


#: Article text that is markup of every kind, and what must not be live of it. (No "[" or "!":
#: the sentence splitter cuts there, and a payload must reach the briefing in one quoted sentence;
#: link and image syntax is tried in titles, which are not split.)
ARTICLE_PAYLOADS = {
    "entities": ("&lt;script&gt;alert(1)&lt;/script&gt; &amp;lt;b&amp;gt; &#60;i&#62; &copy;", ["<script>alert(1)"]),
    "svg": ('<svg onload=alert(1)><use href="https://evil.example/s.svg#a"/></svg>', ["<svg onload=alert(1)>"]),
    "mathml": (
        '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>',
        ["<math>", "<maction"],
    ),
    "comment": ("<!-- hidden --> --> <!--x--> <%= 7*7 %> ]]>", ["<!--", "<%="]),
    "style": ("<style>body{background:url(https://evil.example/x.png)}</style>", ["<style>body"]),
    "markdown": (
        "<javascript:alert(1)> <https://evil.example/> *em* _u_ `code` | a | b | ~~s~~ {onclick=alert(1)} $x$",
        ["<javascript:alert(1)>", "<https://evil.example/>"],
    ),
    "jinja": ("{{ 7*7 }} {% for x in range(3) %}{{ x }}{% endfor %} {# c #} ${7*7}", []),
}


@pytest.mark.parametrize("kind", sorted(ARTICLE_PAYLOADS))
def test_article_text_is_text_in_every_format(tmp_path, kind):
    payload, planted = ARTICLE_PAYLOADS[kind]
    files = {f"note{k}.txt": story(k, insert=f" {payload}") for k in range(3)}  # in every sentence
    out, result = build(tmp_path, project(tmp_path, files=files))
    assert_safe_build(out, result, planted)
    data = json.loads((out / "briefing.json").read_text(encoding="utf-8"))
    quoted = [i["text"] for s in data["sections"] for i in s["items"]]
    assert any(payload in text for text in quoted), "the briefing should quote the payload"
    assert_shown_as_text(out, payload, ("html", "email", "md", "txt"))
    assert squash(payload) in squash(pdf_text(out / "briefing.pdf"))


@pytest.mark.parametrize(
    "footer",
    ["=== Rule <div onclick=alert(1)>x</div>", "> Quoted", "    Indented code", "1) Listed", "***", "[x]: /y"],
)
def test_markdown_syntax_at_the_start_of_a_line_stays_text(tmp_path, footer):
    out, result = build(tmp_path, project(tmp_path, branding={"footer": footer}))
    assert_safe_build(out, result, ["<div onclick=alert(1)>"])
    rendered = rendered_markdown_html((out / "briefing.md").read_text(encoding="utf-8"))
    assert not re.search(r"<(?:blockquote|ol|h[2-6] |div)\b", rendered)
    assert rendered.count("<pre>") == 1 and rendered.count("<hr />") == 1 and rendered.count("<h1>") == 1
    assert_shown_as_text(out, footer, ("md", "html", "txt"))


@pytest.mark.parametrize("field", ["title", "publisher", "author"])
def test_article_metadata_is_text_and_bounded(tmp_path, field):
    # Entities in metadata are decoded once by the reader, so this reaches the briefing as "<script>".
    value = (
        "&lt;script&gt;alert(1)&lt;/script&gt; \x1b[31mred\x1b[0m \u202eevil\nline2 {{ 7*7 }} "
        "[l](javascript:alert(1)) ![i](https://evil.example/p.png) " + "x" * 100_000
    )
    records = [record(k, AS_OF, **{field: value}) for k in range(4)]
    out, result = build(tmp_path, project(tmp_path, records=records))
    assert_safe_build(out, result, ["<script>alert(1)</script>"])
    data = json.loads((out / "briefing.json").read_text(encoding="utf-8"))
    for source in data["sources"]:
        shown = source[field]
        assert shown.startswith("<script>alert(1)</script>") and shown.endswith("\u2026")
        assert len(shown) <= (300 if field == "title" else 200) and "\n" not in shown and "\x1b" not in shown
    assert_shown_as_text(out, "<script>alert(1)</script>", ("html", "email", "md", "txt", "pdf"))
    if field == "title":
        assert_shown_as_text(out, "[l](javascript:alert(1)) ![i](https://evil.example/p.png)", ("html", "md", "txt"))
    for name in FILES:
        assert (out / name).stat().st_size < 100 * 1024, name


def test_hostile_urls_are_never_links(tmp_path):
    urls = [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(2)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        'https://evil.example/a b)(c "onmouseover="alert(3)',
        "https://evil.example/x?a=1&b=<2>`",
        "https://" + "e" * 5000 + ".example/",
    ]
    # The same story under every URL: one source, the others listed as also reporting it.
    records = [record(0, url=url, publisher=f"Outlet {k}") | {"text": story(0)} for k, url in enumerate(urls)]
    out, result = build(tmp_path, project(tmp_path, records=records))
    assert_safe_build(out, result, ['"onmouseover="alert(3)', "<2>"])
    data = json.loads((out / "briefing.json").read_text(encoding="utf-8"))
    links = [s["url"] for s in data["sources"]] + [a["url"] for s in data["sources"] for a in s["also_reported_by"]]
    assert all(u is None or u.startswith("https://evil.example/") for u in links), links
    md = (out / "briefing.md").read_text(encoding="utf-8")
    assert "<https://evil.example/a%20b%29%28c%20%22onmouseover=%22alert%283%29>" in md
    for page in ("briefing.html", "briefing.email.html"):
        text = (out / page).read_text(encoding="utf-8")
        assert 'href="https://evil.example/a%20b%29%28c%20%22onmouseover&#61;%22alert%283%29"' in text


def test_a_file_name_with_newlines_and_markup_is_shown_nowhere(tmp_path):
    name = "a\n\n<img src=x onerror=alert(1)>\n``b`.txt"
    out, result = build(tmp_path, project(tmp_path, files={name: story(7)}))
    assert_safe_build(out, result, ["<img src=x onerror=alert(1)>"])
    # A client sees the source's first line as its title, never the file's name (ingest.json keeps it).
    for fmt in ("briefing.md", "briefing.html", "briefing.email.html", "briefing.txt"):
        text = (out / fmt).read_text(encoding="utf-8")
        assert "onerror" not in text and "``b`" not in text, fmt
    assert "onerror" not in pdf_text(out / "briefing.pdf")
    md = (out / "briefing.md").read_text(encoding="utf-8")
    (line,) = [x for x in md.splitlines() if x.startswith("[^1]:")]
    assert "`" not in line


def test_inspect_prints_escape_codes_as_text_one_line_each(tmp_path):
    title = "Red \x1b[31malert\x1b[0m \x1b]0;owned\x07 \u202eevil\u202c\r\nSecond line \x9b2J"
    records = [record(k, title=title, author="A\u2028B", publisher="P\x85Q") for k in range(3)]
    config = project(tmp_path, records=records, files={"odd\x1b[2Jname\n.txt": story(9)})
    as_of = ("--as-of", AS_OF.isoformat())

    def case() -> dict[str, Any]:
        return {
            "text": cli_result(run_cli("inspect", str(config), *as_of, "--no-stories")),
            "json": cli_result(run_cli("inspect", str(config), *as_of, "--json", "--no-stories")),
        }

    got = run_limited(case).ok()
    for key in ("text", "json"):
        res = got[key]
        assert res["code"] == 0, res
        assert_one_line_messages(res["stderr"])
        for raw in ("\x1b", "\x07", "\x9b", "\u202e", "\u2028", "\x85", "\r"):
            assert raw not in res["stdout"] + res["stderr"], (key, raw)
    lines = got["text"]["stdout"].splitlines()
    # The window; three posts of three lines (status, metadata, detail); the file's two; the total.
    assert len(lines) == 1 + 3 * 3 + 2 + 1, lines
    assert sum("alert" in line and "evil" in line and "Second line" in line for line in lines) == 3
    report = json.loads(got["json"]["stdout"])  # valid JSON, one record per input
    assert len(report["articles"]) == 4


def test_templates_prints_one_line_per_template(tmp_path):
    odd = tmp_path / "t\x1b[2J\nx\u202e"
    odd.mkdir()
    (odd / "briefing.md.j2").write_text("# {{ briefing.title }}\n", encoding="utf-8")
    config = project(tmp_path, templates=odd.name)

    def case() -> dict[str, Any]:
        return cli_result(run_cli("templates", str(config), "--verbose"))

    res = run_limited(case).ok()
    assert res["code"] == 0, res
    assert_one_line_messages(res["stderr"])
    lines = res["stdout"].splitlines()
    assert len(lines) == 5 and "\x1b" not in res["stdout"] + res["stderr"] and "\u202e" not in res["stdout"]
    assert "t\\x1b[2J\\nx\\u202e/briefing.md.j2" in lines[0]


def test_control_characters_in_article_text_reach_no_output(tmp_path):
    text = story(3, insert=" \u202egnissim\u202c \x1b[31m(red)\x1b[0m \x7f\x85\u2028\u2066x\u2069")
    files = {f"c{k}.txt": text.replace("noted", f"noted {k}") for k in range(3)}
    out, result = build(tmp_path, project(tmp_path, files=files))
    assert_safe_build(out, result, [])
    data = json.loads((out / "briefing.json").read_text(encoding="utf-8"))
    assert any("\u202e" in i["text"] for s in data["sections"] for i in s["items"]), "quoted as it was"
    txt = (out / "briefing.txt").read_text(encoding="utf-8")
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", txt)


def test_long_unbroken_strings_do_not_crash_or_grow_outputs(tmp_path):
    giant = "Z" * 100_000
    files = {
        f"long{k}.txt": f"The council said the harbor terminal plan {giant} was approved on day {k}.\n\n" + story(k)
        for k in range(3)
    }
    title = "W" * 200
    config = project(
        tmp_path, files=files, title=title, summarizer="lead", layout="sections", branding={"client_name": "N" * 200}
    )
    out, result = build(tmp_path, config)
    assert_safe_build(out, result, [])
    for name in FILES:
        assert giant[:2000] not in (out / name).read_bytes().decode("utf-8", "replace"), name
        assert (out / name).stat().st_size < 200 * 1024, name
    assert (out / "briefing.email.html").stat().st_size < EMAIL_BOUND
    # The giant sentence is never quoted: left out by selection, or by composing ("left out a sentence of").


# ----------------------------------------------------------------------------- 2. bounded outputs


@pytest.mark.parametrize("days", [7, 30, 200, 3660])
def test_the_chart_and_the_email_stay_small_whatever_the_window(tmp_path, days):
    records = [record(k, AS_OF - dt.timedelta(days=(k * 37) % days)) for k in range(40)]
    out, result = build(tmp_path, project(tmp_path, records=records, window={"days": days}), time_limit=120)
    assert_safe_build(out, result, [])
    email = (out / "briefing.email.html").read_text(encoding="utf-8")
    assert len(email.encode()) < EMAIL_BOUND
    html = (out / "briefing.html").read_text(encoding="utf-8")
    bars = html.count("<rect ")
    expected = {7: 7, 30: 5, 200: 8, 3660: 121}[days]
    assert bars == expected, bars
    txt = (out / "briefing.txt").read_text(encoding="utf-8")
    assert len(html.encode()) < 150 * 1024 and len(txt.encode()) < 30 * 1024
    assert len(pdf_text(out / "briefing.pdf")) < 60_000
    # Every article of the window is counted once, whatever the bars stand for.
    counted = sum(int(n) for n in re.findall(r'fill="#1a1a1a">(\d+)</text>', html))
    if days <= 30:
        assert counted == 40
    if days == 7:
        md = (out / "briefing.md").read_text(encoding="utf-8")
        assert "## Coverage this week\n\nArticles used per day:" in md and "Sat 08 Feb" in md


@pytest.mark.parametrize("copies", [100, 300])
def test_a_syndicated_story_lists_ten_outlets_and_a_count(tmp_path, copies):
    records = [
        record(k, publisher=f"Syndicator {k:03d}", url=f"https://s{k}.example/a") | {"text": story(0)}
        for k in range(copies)
    ]
    out, result = build(tmp_path, project(tmp_path, records=records), time_limit=120)
    assert_safe_build(out, result, [])
    data = json.loads((out / "briefing.json").read_text(encoding="utf-8"))
    also = sum(len(s["also_reported_by"]) for s in data["sources"])
    if copies == 100:  # one story (clean.py merges copies of a text only when at most 100 documents hold it)
        assert also == 99  # the record keeps them all
    for name in ("briefing.md", "briefing.html", "briefing.email.html", "briefing.txt"):
        text = (out / name).read_text(encoding="utf-8")
        outlets = set(re.findall(r"Syndicator \d{3}", text))
        assert len(outlets) <= 11 * len(data["sources"]), name  # each source and at most ten others
        if also:
            assert f"and {also - 10} more" in text, name
    assert (out / "briefing.email.html").stat().st_size < 30 * 1024
    assert (out / "briefing.md").stat().st_size < 15 * 1024
    # The chart counts a merged story once, as "N of M articles used" does; the text chart scales
    # its bars: the 300 unmerged copies on one day draw 40 "#", not one per article.
    used = data["articles_used"]
    assert used == (1 if copies == 100 else copies)
    txt = (out / "briefing.txt").read_text(encoding="utf-8")
    assert f"Fri 14 Feb  {'#' * min(used, 40)} {used}\n" in txt


def test_an_email_over_its_bound_counts_outlets_instead_of_listing_them(tmp_path):
    # Twelve stories, each carried by twelve outlets with 2,000-character URLs and 200-character names.
    records = [
        record(k, publisher=f"Outlet {k}-{c} " + "n" * 190, url=f"https://s{c}.example/{k}/" + "u" * 1970)
        | {"text": story(k, n=4)}
        for k in range(12)
        for c in range(12)
    ]
    config = project(tmp_path, records=records, audience="analyst", layout="sections", window={"days": 3660})
    out, result = build(tmp_path, config, time_limit=120)
    assert_safe_build(out, result, [])
    email = (out / "briefing.email.html").read_text(encoding="utf-8")
    assert len(email.encode()) < EMAIL_BOUND
    assert "11 other outlets" in email and "<rect" not in email
    assert "leaves out the chart and lists of other outlets" in result["stderr"]
    txt = (out / "briefing.txt").read_text(encoding="utf-8")
    assert "Also reported by 11 other outlets" in txt and len(txt.encode()) < EMAIL_BOUND
    html = (out / "briefing.html").read_text(encoding="utf-8")
    assert "and 1 more" in html and html.count("<rect ") == 121  # the page keeps the lists and the chart


@pytest.mark.parametrize("field", ["title", "client_name", "disclaimer", "footer"])
def test_an_overlong_config_string_is_a_one_line_error(tmp_path, field):
    value = "<b>" + "x" * 5000
    settings = {"title": value} if field == "title" else {"branding": {field: value}}
    config = project(tmp_path, **settings)
    result = run_limited(lambda: cli_result(run_cli("build", str(config), "--out", str(tmp_path / "out")))).ok()
    key = field if field == "title" else f"branding.{field}"
    assert_clean_failure(result, contains=key, code=1)
    assert "at most" in result["stderr"] and len(result["stderr"]) < 500
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- 3. logos by content


def image(kind: str) -> bytes:
    """A small real image (PNG or JPEG), made here."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (176, 58, 46)).save(buffer, kind)
    return buffer.getvalue()


SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">'
BAD_SVGS = {
    "script": f"{SVG_OPEN}<script>alert(1)</script></svg>",
    "event-attribute": f'{SVG_OPEN}<rect width="5" height="5" onclick="alert(1)"/></svg>',
    "onload-root": '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "foreign-object": f"{SVG_OPEN}<foreignObject><p xmlns='http://www.w3.org/1999/xhtml'>x</p></foreignObject></svg>",
    "external-image": f'{SVG_OPEN}<image href="https://evil.example/x.png" width="5" height="5"/></svg>',
    "xlink-file": f'{SVG_OPEN}<image xlink:href="file:///etc/passwd" width="5" height="5"/></svg>',
    "use-other-file": f'{SVG_OPEN}<use href="other.svg#a"/></svg>',
    "javascript-link": f'{SVG_OPEN}<a href="javascript:alert(1)"><rect width="5" height="5"/></a></svg>',
    "nested-svg-data": f'{SVG_OPEN}<image href="data:image/svg+xml;base64,PHN2Zy8+" width="5" height="5"/></svg>',
    "css-url": f"{SVG_OPEN}<style>rect {{ fill: url(https://evil.example/p.svg#g) }}</style></svg>",
    "css-import": f'{SVG_OPEN}<style>@import "https://evil.example/s.css";</style></svg>',
    "style-attribute": f'{SVG_OPEN}<rect style="fill:url(&quot;https://evil.example/q&quot;)"/></svg>',
    "stylesheet-pi": f'<?xml-stylesheet href="https://evil.example/s.css"?>{SVG_OPEN}</svg>',
    "animate-href": f'{SVG_OPEN}<a><set attributeName="href" to="javascript:alert(1)"/><rect width="5" height="5"/></a></svg>',
    "billion-laughs": (
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
        + f"]>{SVG_OPEN}<text>&j;</text></svg>"
    ),
    "xxe": f'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>{SVG_OPEN}<text>&x;</text></svg>',
    "attlist-default": f'<!DOCTYPE svg [<!ATTLIST svg onload CDATA "alert(1)">]>{SVG_OPEN}</svg>',
    "xhtml-root": '<html xmlns="http://www.w3.org/1999/xhtml"><body><script>alert(1)</script></body></html>',
    "not-xml": "this is a text file, not an image\n",
}


def logo_build(
    tmp_path: Path, name: str, data: bytes | str | None = None, link_to: str | None = None
) -> tuple[Path, dict[str, Any]]:
    brand = tmp_path / "brand"
    brand.mkdir(exist_ok=True)
    path = brand / name
    if link_to is not None:
        path.symlink_to(link_to)
    elif data is not None:
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    config = project(tmp_path, branding={"logo": f"brand/{name}", "client_name": "Logo Co"})
    return build(tmp_path, config, time_limit=60)


def assert_logo_refused(result: dict[str, Any], name: str) -> None:
    assert_clean_failure(result, contains="logo ")
    (line,) = [x for x in result["stderr"].splitlines() if x.startswith("briefgen: error")]
    assert name.replace("\n", "\\n") in line, line
    assert result["fetched"] == []


@pytest.mark.parametrize("kind", sorted(BAD_SVGS))
def test_an_unsafe_svg_logo_is_refused_in_one_line(tmp_path, kind):
    # The logo check itself (logo_data_uri, what a build calls); the build's refusal is tested below.
    path = tmp_path / "logo.svg"
    path.write_text(BAD_SVGS[kind], encoding="utf-8")

    def case() -> str:
        from briefgen.errors import RenderError
        from briefgen.render.look import logo_data_uri

        try:
            return "accepted " + logo_data_uri(path)[:40]
        except RenderError as exc:
            return str(exc)

    outcome = run_limited(case, time_limit=20)
    message = outcome.ok()
    assert message.startswith(f"logo {path}: ") and "\n" not in message and len(message) < 300, message
    assert "refused" in message or "not a PNG, JPEG or SVG image" in message, message
    assert outcome.seconds < 10 and outcome.peak_rss_mb < 1024


@pytest.mark.parametrize("kind", ["script", "external-image", "billion-laughs"])
def test_a_build_with_an_unsafe_svg_logo_stops_with_one_line(tmp_path, kind):
    out, result = logo_build(tmp_path, "logo.svg", BAD_SVGS[kind])
    assert_logo_refused(result, "logo.svg")
    assert result["seconds"] < 30 and result["peak_rss_mb"] < 1024
    assert not (out / "briefing.html").exists()


def test_a_symlink_named_svg_to_a_text_file_is_refused(tmp_path):
    secret = tmp_path / "notes.txt"
    secret.write_text("api_key = not-a-logo\n", encoding="utf-8")
    _, result = logo_build(tmp_path, "logo.svg", link_to=str(secret))
    assert_logo_refused(result, "logo.svg")
    assert "not a PNG, JPEG or SVG image" in result["stderr"]


def test_a_logo_that_is_a_directory_is_refused(tmp_path):
    _, result = logo_build(tmp_path, "logo.png", link_to=str(tmp_path))
    assert_logo_refused(result, "logo.png")


@pytest.mark.parametrize("target", ["fifo", "/dev/zero"])
def test_a_logo_that_is_no_regular_file_is_refused_at_once(tmp_path, target):
    # Checked through logo_data_uri itself: a build first hashes the logo for its manifest
    # (builds.made_from), which reads a FIFO or /dev/zero without end (reported to its owner).
    link = tmp_path / "logo.png"
    if target == "fifo":
        os.mkfifo(tmp_path / "pipe")
        link.symlink_to(tmp_path / "pipe")
    else:
        link.symlink_to(target)

    def case() -> str:
        from briefgen.errors import RenderError
        from briefgen.render.look import logo_data_uri

        try:
            logo_data_uri(link)
        except RenderError as exc:
            return str(exc)
        return "accepted"

    outcome = run_limited(case, time_limit=20)
    message = outcome.ok()
    assert message.startswith(f"logo {link}: not a regular file") and "\n" not in message
    assert outcome.seconds < 10


def local_svg() -> str:
    """An SVG with a public DOCTYPE and only references to itself and to an embedded PNG."""
    png = base64.b64encode(image("PNG")).decode("ascii")
    return (
        '<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
        f'{SVG_OPEN}<defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="5" height="5"/>'
        f'<use href="#g"/><image href="data:image/png;base64,{png}" width="1" height="1"/></svg>'
    )


@pytest.mark.parametrize(
    ("name", "kind"),
    [("logo.svg", "image/png"), ("logo.png", "image/jpeg"), ("mark.bin", "image/svg+xml")],
    ids=["png-named-svg", "jpeg-named-png", "svg-with-doctype-and-local-references"],
)
def test_a_logo_is_known_by_its_content(tmp_path, name, kind):
    data: bytes | str = image("JPEG") if kind == "image/jpeg" else image("PNG") if kind == "image/png" else local_svg()
    out, result = logo_build(tmp_path, name, data)
    assert_safe_build(out, result, [])
    html = (out / "briefing.html").read_text(encoding="utf-8")
    assert f'<img src="data:{kind};base64,' in html


def test_a_logo_refusal_names_an_odd_file_on_one_line(tmp_path):
    name = "lo\ngo\x1b[31m.svg"
    _, result = logo_build(tmp_path, name, "plain text\n")
    assert_clean_failure(result, contains="logo ")
    assert "\x1b" not in result["stderr"] and "lo\\ngo\\x1b[31m.svg" in result["stderr"]


# ----------------------------------------------------------------------------- 4. other ways in


def test_a_look_made_in_code_cannot_put_css_or_markup_in_a_stylesheet():
    def case() -> list[str]:
        from briefgen.errors import RenderError
        from briefgen.render.look import Look

        refused = []
        candidates: list[dict[str, Any]] = [
            {"accent": "red;} body{background:url(https://evil.example/)} a{color:red"},
            {"accent": "#fff</style><script>"},
            {"page_size": "A4; } @import url(https://evil.example/)"},
            {"logo": "https://evil.example/logo.png"},
            {"logo": 'data:image/svg+xml;base64,AAAA" onerror="alert(1)'},
        ]
        for fields in candidates:
            try:
                Look(**fields)
            except RenderError as exc:
                refused.append(str(exc))
        return refused

    refused = run_limited(case).ok()
    assert len(refused) == 5 and all("\n" not in m and len(m) < 200 for m in refused), refused


@pytest.mark.parametrize(
    "branding",
    [
        {
            "client_name": "javascript:alert(1)//<script>alert(2)</script>",
            "footer": "data:text/html,<b onmouseover=alert(3)>x</b>",
        },
        {"client_name": 'x" onerror="alert(1)', "disclaimer": "' onfocus='alert(2)' autofocus='"},
    ],
    ids=["urls", "attribute-quotes"],
)
def test_branding_text_never_reaches_an_attribute_as_code(tmp_path, branding):
    out, result = build(tmp_path, project(tmp_path, branding=branding))
    assert_safe_build(out, result, ["<script>alert(2)</script>", "<b onmouseover"])
    html = (out / "briefing.html").read_text(encoding="utf-8")
    for tag in re.findall(r"<[^>]+>", html):  # the client's name is in alt= and content=, inert
        assert not re.search(r"javascript:|\bon[a-z]+\s*=", tag, re.I), tag
    for value in branding.values():
        assert_shown_as_text(out, value, ("html", "email", "md", "txt"))


def test_a_logo_path_that_is_a_url_is_a_one_line_error(tmp_path):
    config = project(tmp_path, branding={"logo": "javascript:alert(1)"})
    result = run_limited(lambda: cli_result(run_cli("build", str(config), "--out", str(tmp_path / "out")))).ok()
    assert_clean_failure(result, contains="logo ")
