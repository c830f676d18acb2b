"""Client templates and every output format: goldens per client, where templates come from,
PDF structure, the email-safe HTML and its text part, Markdown footnotes, hostile articles."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import escape as html_escape
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape
from PIL import Image, ImageChops

from briefgen.config.load import load_config
from briefgen.errors import RenderError
from briefgen.pipeline import build
from briefgen.render.pdf import LocalFetcher
from briefgen.render.templates import default_template_dir, resolve_template, template_dirs, template_env

from .conftest import AS_OF, ROOT
from .conftest import run_cli as run

GOLDEN = Path(__file__).parent / "golden"
CLIENTS = ("acme", "northwind")


@pytest.fixture(scope="module", params=CLIENTS)
def client_build(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    return request.param, build(load_config(ROOT / "configs" / f"{request.param}.yaml"), as_of=AS_OF, out_dir=out)


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_client_golden(client_build, fmt, update_golden):
    client, result = client_build
    produced = result.outputs[fmt].read_text(encoding="utf-8")
    golden = GOLDEN / f"{client}.{fmt}"
    if update_golden:
        golden.write_text(produced, encoding="utf-8")
    assert produced == golden.read_text(encoding="utf-8"), (
        f"{client} {fmt} changed; review and run pytest --update-golden"
    )


def test_each_template_comes_from_the_right_directory():
    loaded = load_config(ROOT / "configs" / "acme.yaml")
    env = template_env([d for _, d in template_dirs(loaded.config, loaded.base_dir)])
    clients = ROOT / "templates" / "clients"
    assert resolve_template(env, "briefing.html.j2").parent == clients / "acme"
    for name in ("briefing.md.j2", "style.css", "briefing.email.html.j2", "briefing.txt.j2"):
        assert resolve_template(env, name).parent == default_template_dir()
    proc = run("templates", str(ROOT / "configs" / "northwind.yaml"))
    assert proc.returncode == 0, proc.stderr
    rows = {line.split()[0]: line.split()[1:] for line in proc.stdout.splitlines()}
    assert rows["briefing.html.j2"] == ["client", str(clients / "northwind" / "briefing.html.j2")]
    assert rows["briefing.md.j2"][0] == "default"


def test_a_config_templates_directory_wins_over_the_client(tmp_path):
    own = tmp_path / "mine"
    own.mkdir()
    (own / "briefing.md.j2").write_text(
        '{% extends "default:briefing.md.j2" %}{% block footer %}\nOURS\n{% endblock %}', encoding="utf-8"
    )
    config = tmp_path / "c.yaml"
    config.write_text(f"client: acme\ntemplates: mine\nsources: [{ROOT / 'samples' / 'articles'}]\n", encoding="utf-8")
    loaded = load_config(config)
    dirs = template_dirs(loaded.config, loaded.base_dir)
    assert [label for label, _ in dirs] == ["config", "client"]
    env = template_env([d for _, d in dirs])
    assert resolve_template(env, "briefing.md.j2") == own / "briefing.md.j2"
    assert resolve_template(env, "briefing.html.j2").parent.name == "acme"
    result = build(loaded, as_of=AS_OF, out_dir=tmp_path / "out", formats=["md"])
    md = result.outputs["md"].read_text(encoding="utf-8")
    assert "\nOURS\n" in md and "Made with briefgen" not in md


def test_unknown_client_and_broken_templates_are_named(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(f"client: acem\nsources: [{ROOT / 'samples' / 'articles'}]\n", encoding="utf-8")
    with pytest.raises(RenderError, match=r"client 'acem' has no template directory .*clients: acme, northwind"):
        loaded = load_config(config)
        template_dirs(loaded.config, loaded.base_dir)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "briefing.md.j2").write_text("# {{ briefing.title }}\n\n{{ briefing.no_such_field }}\n", encoding="utf-8")
    config.write_text(f"templates: broken\nsources: [{ROOT / 'samples' / 'articles'}]\n", encoding="utf-8")
    proc = run("build", str(config), "--as-of", "2025-02-14", "--out", str(tmp_path / "out"), "--format", "md")
    assert proc.returncode == 1
    assert re.search(r"template .*broken/briefing\.md\.j2, line 3: UndefinedError", proc.stderr), proc.stderr


def test_pdfs_are_sound_and_look_different(client_build):
    from pypdf import PdfReader

    client, result = client_build
    reader = PdfReader(str(result.outputs["pdf"]))
    data = json.loads(result.outputs["json"].read_text(encoding="utf-8"))
    evidence = [
        i for i, page in enumerate(reader.pages) if "Each source as it was read and cleaned" in page.extract_text()
    ]
    assert len(evidence) == 1 and 1 <= evidence[0] <= 6, evidence  # the briefing, then the evidence view
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == ((595, 842) if client == "acme" else (612, 792))  # A4 / Letter
    meta = reader.metadata
    assert meta is not None
    config = load_config(ROOT / "configs" / f"{client}.yaml").config
    assert meta.title == config.title and meta.author == config.branding.client_name
    assert "briefing as of 14 February 2025" in (meta.subject or "")
    assert config.topic.keywords[0] in str(meta["/Keywords"])
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert f"Page 1 of {len(reader.pages)}" in text and "As of 14 February 2025" in text
    assert config.branding.client_name and config.branding.client_name in text
    for source in data["sources"]:
        assert f"[{source['id']}]" in text
    for page in reader.pages:
        resources: Any = page["/Resources"]  # pypdf types dictionary values loosely
        fonts = resources["/Font"]
        for font in fonts.values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")), font[
                "/BaseFont"
            ]
    root: Any = reader.trailer["/Root"]
    tagged = "/StructTreeRoot" in root
    assert tagged == config.output.pdf_ua


def test_email_html_is_small_inline_and_one_column(client_build):
    _, result = client_build
    html = result.outputs["email.html"].read_text(encoding="utf-8")
    assert len(html.encode("utf-8")) <= 100 * 1024
    for banned in ("<script", "<style", "<link", "@font-face", "@import", "<svg"):
        assert banned not in html.lower()
    assert set(re.findall(r'src="([^"]*)"', html)) <= {"cid:logo@briefing"}  # the logo is a part of the message
    widths = [int(w) for w in re.findall(r'width="(\d+)"', html)]
    assert max(widths) == 640 and "max-width:640px" in html
    assert 'class="' not in html  # every style is inline


def test_text_part_holds_the_same_content(client_build):
    _, result = client_build
    text = " ".join(result.outputs["txt"].read_text(encoding="utf-8").split())
    data = json.loads(result.outputs["json"].read_text(encoding="utf-8"))
    for section in data["sections"]:
        assert section["heading"].upper() in text
        for item in section["items"]:
            assert " ".join(item["text"].split()) in text
    for source in data["sources"]:
        assert f"[{source['id']}]" in text and (source["url"] or source["title"]) in text


def test_markdown_footnotes_resolve_to_sources(client_build):
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    _, result = client_build
    md = result.outputs["md"].read_text(encoding="utf-8")
    data = json.loads(result.outputs["json"].read_text(encoding="utf-8"))
    cited = {int(n) for n in re.findall(r"\[\^(\d+)\](?!:)", md)}
    assert cited == {s["id"] for s in data["sources"]}
    html = MarkdownIt("commonmark").use(footnote_plugin).render(md)
    refs = re.findall(r'<a href="#fn(\d+)" id="fnref[\d:]+">', html)
    notes = set(re.findall(r'<li id="fn(\d+)" class="footnote-item">', html))
    assert refs and set(refs) <= notes and len(notes) == len(data["sources"])
    for source in data["sources"]:
        assert source["title"] in html.replace("&amp;", "&")


def test_chart_is_svg_in_html_text_elsewhere_and_can_be_turned_off(tmp_path, client_build):
    _, result = client_build
    assert "<svg" in result.outputs["html"].read_text(encoding="utf-8")
    assert "Coverage this week" in result.outputs["md"].read_text(encoding="utf-8")
    # Two stories on the 11th (a third article there is a copy, counted with its story), and the undated one.
    txt = result.outputs["txt"].read_text(encoding="utf-8")
    assert "Tue 11 Feb  ## 2\n" in txt and "\n+1 undated\n" in txt
    config = tmp_path / "c.yaml"
    config.write_text(f"sources: [{ROOT / 'samples' / 'articles'}]\noutput: {{chart: false}}\n", encoding="utf-8")
    off = build(load_config(config), as_of=AS_OF, out_dir=tmp_path / "out", formats=["md", "html", "email"])
    assert "<svg" not in off.outputs["html"].read_text(encoding="utf-8")
    assert "Coverage this week" not in off.outputs["md"].read_text(encoding="utf-8")
    assert "Coverage this week" not in off.outputs["email.html"].read_text(encoding="utf-8")


HOSTILE_SENTENCES = [
    'The council said <script>alert("owned")</script> the new harbor terminal would open in May.',
    "Port officials said <img src=x onerror=alert(1)> the harbor terminal doubles container capacity.",
    'Engineers said <a href="javascript:alert(2)">the plan</a> for the harbor terminal was on schedule.',
    'Officials said <iframe src="https://evil.example/"></iframe> the harbor terminal cost $300 million.',
    'Residents said <img src="file:///etc/passwd"> the harbor terminal would bring 400 jobs to the town.',
]


def test_a_hostile_article_is_text_in_every_format(tmp_path):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    for k in range(3):
        post = {
            "title": {"rendered": f"Harbor terminal report {k}"},
            "date": "2025-02-12T09:00:00",
            "link": "javascript:alert(3)",
            # Markup written as text inside the article (escaped in the post): it reaches the sentences as characters.
            "content": {
                "rendered": "".join(f"<p>{html_escape(s)}</p>" for s in HOSTILE_SENTENCES[k:] + HOSTILE_SENTENCES[:k])
            },
        }
        (corpus / f"post{k}.json").write_text(json.dumps(post), encoding="utf-8")
        (corpus / f"note{k}.txt").write_text("\n\n".join(HOSTILE_SENTENCES[k:]), encoding="utf-8")
    config = tmp_path / "c.yaml"
    config.write_text("title: Harbor\naudience: analyst\nsources: [articles]\nwindow: {days: 7}\n", encoding="utf-8")
    result = build(load_config(config), as_of=AS_OF, out_dir=tmp_path / "out")
    html = result.outputs["html"].read_text(encoding="utf-8")
    email = result.outputs["email.html"].read_text(encoding="utf-8")
    for page in (html, email):
        body = page.split("<body", 1)[1]
        assert not re.search(r"<(?:script|iframe|object|embed)\b", body, re.I)
        assert not re.search(r"<[^>]+\son\w+\s*=", body, re.I)
        assert "javascript:" not in re.sub(r"&[^;]+;", "", " ".join(re.findall(r'href="([^"]*)"', body)))
        assert not re.search(r'<img[^>]+src="(?!data:)', body, re.I)
    quoted = [
        i["text"]
        for sec in json.loads(result.outputs["json"].read_text(encoding="utf-8"))["sections"]
        for i in sec["items"]
    ]
    assert any("<" in text for text in quoted), "the briefing should quote some of the markup-laden sentences"
    for text in quoted:
        assert str(escape(text)) in html
    md = result.outputs["md"].read_text(encoding="utf-8")
    assert not re.search(r"(?<!\\)<(?:script|iframe|img)", md) and "](javascript:" not in md  # escaped: \<script\>
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark").render(md)
    assert not re.search(r"<(?:script|iframe|img)\b", rendered) and 'href="javascript:' not in rendered
    pdf = result.outputs["pdf"].read_bytes()
    assert b"/JavaScript" not in pdf and b"/Launch" not in pdf and b"javascript:" not in pdf


def test_the_pdf_fetcher_reads_only_allowed_files(tmp_path):
    allowed = tmp_path / "templates"
    allowed.mkdir()
    (allowed / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    fetcher = LocalFetcher([allowed])
    assert fetcher.allowed((allowed / "logo.svg").as_uri())
    assert fetcher.allowed("data:image/png;base64,AAAA")
    for url in (
        "https://example.com/x.png",
        "http://127.0.0.1/",
        "file:///etc/passwd",
        (allowed / ".." / "secret.txt").as_uri(),
        "ftp://example.com/a",
    ):
        assert not fetcher.allowed(url)
        with pytest.raises(ValueError):
            fetcher(url)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def screenshot(page: Path, shot: Path, width: int, profile: Path) -> Image.Image:
    """A headless Chromium screenshot of ``page`` at ``width`` CSS pixels, 1600 high."""
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--window-size={width},1600",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.exists(), f"Chromium made no screenshot of {page}"
    return Image.open(shot).convert("RGB")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
@pytest.mark.parametrize("width", [390, 1280])
def test_html_screenshot_shows_the_title_on_the_first_screen(client_build, width, tmp_path):
    """What a reader sees first: the title painted near the top, within the width, and a page that is not blank.

    The page is shot twice, once as built and once with the title hidden; the pixels that
    differ are where the title is drawn.
    """
    _, result = client_build
    page = result.outputs["html"]
    shown = screenshot(page, tmp_path / "shown.png", width, tmp_path / "p1")
    hidden_page = tmp_path / "hidden.html"
    html = page.read_text(encoding="utf-8")
    hidden_page.write_text(html.replace("</head>", "<style>h1{visibility:hidden}</style></head>", 1), encoding="utf-8")
    hidden = screenshot(hidden_page, tmp_path / "hidden.png", width, tmp_path / "p2")
    # Compare the top of the screen only: headless Chromium now and then shoots before it has
    # painted the last tiles at the bottom of the window, which would count as a difference there.
    screen = (0, 0, shown.width, min(shown.height, round(900 * shown.width / width)))
    title = (
        ImageChops.difference(shown.crop(screen), hidden.crop(screen))
        .convert("L")
        .point(lambda v: 255 if v > 40 else 0)
        .getbbox()
    )
    assert title is not None, "the title is not drawn"
    left, top, right, bottom = title
    scale = shown.width / width  # device pixels per CSS pixel
    assert bottom <= 600 * scale, f"the title is drawn too low: {title}"
    assert right - left >= 60 * scale and bottom - top >= 12 * scale, f"the title is drawn too small: {title}"
    assert right <= shown.width, "the title runs past the right edge"
    # Not blank: at least 3 % of the first screen differs from the page background.
    first_screen = shown.crop((0, 0, shown.width, min(shown.height, int(900 * scale))))
    colours = first_screen.getcolors(1 << 24) or [(0, (255, 255, 255))]
    background: Any = max(colours, key=lambda c: c[0])[1]  # an (r, g, b) tuple in RGB mode
    plain = Image.new("RGB", first_screen.size, background)
    ink = ImageChops.difference(first_screen, plain).convert("L").point(lambda v: 255 if v > 20 else 0).histogram()[255]
    assert ink >= 0.03 * first_screen.width * first_screen.height
