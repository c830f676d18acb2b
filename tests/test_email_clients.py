"""Email that holds up in real mail clients: the body stays under Gmail's clipping limit and the build
warns in one line when a template pushes it over; an SVG logo goes in as a PNG (or is left out with
one line where it cannot be drawn); ``send --dry-run`` writes every message it would send, saying
who has it already."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
import yaml

from briefgen.config.load import load_config
from briefgen.pipeline import build
from briefgen.render.email import GMAIL_CLIP_BYTES, MAX_EMAIL_BYTES
from briefgen.render.look import svg_as_png

from .conftest import AS_OF, ROOT, run_cli
from .smtpd import smtp_server

pytest.importorskip("aiosmtpd")

LOGO = ROOT / "templates" / "clients" / "acme" / "logo.svg"


def write_config(path: Path, port: int = 1, **extra: object) -> Path:
    config = {
        "title": "Weekly Indo-Pacific Brief",
        "topic": {"keywords": ["alliance", "summit", "defense"], "entities": ["Japan", "South Korea"]},
        "sources": [str(ROOT / "samples" / "articles")],
        "output": {"formats": ["pdf", "email"]},
        "delivery": {
            "email": {
                "to": ["analyst@example.com", "zoe@example.com"],
                "from": "Briefings Desk <briefings@example.com>",
                "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 10},
            },
            "log": "deliveries.sqlite",
        },
        **extra,
    }
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("briefgen")]


def test_a_template_that_pushes_the_body_past_gmails_limit_is_one_warning(tmp_path, caplog):
    templates = tmp_path / "templates"
    templates.mkdir()
    # A client's email template that adds a long fixed text (terms, a signature block) to every message.
    (templates / "briefing.email.html.j2").write_text(
        '{% extends "default:briefing.email.html.j2" %}\n'
        '{% block disclaimer %}{{ super() }}<p class="terms">{{ "Terms apply. " * 9000 }}</p>{% endblock %}\n',
        encoding="utf-8",
    )
    config = write_config(tmp_path / "long.yaml", templates="templates")
    caplog.set_level(logging.INFO, logger="briefgen")
    build(load_config(config), AS_OF, tmp_path / "out", ["email"])
    size = (tmp_path / "out" / "briefing.email.html").stat().st_size
    assert size > MAX_EMAIL_BYTES
    (warning,) = [w for w in warnings_of(caplog) if "Gmail" in w]
    assert "\n" not in warning
    assert warning.startswith(f"the email body is {-(-size // 1024)} KB, more than the 100 KB")
    assert f"Gmail's clipping limit ({GMAIL_CLIP_BYTES // 1024} KB)" in warning
    assert "briefing.email.html.j2" in warning

    caplog.clear()
    plain = write_config(tmp_path / "plain.yaml")
    build(load_config(plain), AS_OF, tmp_path / "plain", ["email"])
    assert (tmp_path / "plain" / "briefing.email.html").stat().st_size < MAX_EMAIL_BYTES
    assert not [w for w in warnings_of(caplog) if "Gmail" in w]


def test_an_svg_logo_goes_into_the_email_as_a_png(tmp_path):
    if svg_as_png(LOGO.read_bytes()) is None:
        pytest.skip("CairoSVG or the cairo library is not installed (briefgen[svg], Debian's libcairo2)")
    with smtp_server() as (port, server):
        config = write_config(tmp_path / "logo.yaml", port, branding={"logo": str(LOGO)})
        proc = run_cli("build", str(config), "--as-of", AS_OF.isoformat(), "--out", str(tmp_path / "out"), "--send")
    assert proc.returncode == 0, proc.stderr
    assert 'src="cid:logo@briefing"' in (tmp_path / "out" / "briefing.email.html").read_text(encoding="utf-8")
    msg = server.received[0].message
    html_part = msg.get_body(("html",))
    (logo,) = [p for p in msg.walk() if p.get_content_maintype() == "image"]
    assert logo.get_content_type() == "image/png" and logo["Content-ID"] == "<logo@briefing>"
    data = logo.get_content()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (240, 80)  # twice the logo's own 120 x 40
    assert 'src="cid:logo@briefing"' in html_part.get_content()
    assert not [p for p in msg.walk() if p.get_content_type() == "image/svg+xml"]


def test_an_svg_logo_that_cannot_be_drawn_is_left_out_with_one_line(tmp_path, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "cairosvg", None)  # as without briefgen[svg]
    svg_as_png.cache_clear()
    caplog.set_level(logging.INFO, logger="briefgen")
    try:
        with smtp_server() as (port, server):
            config = write_config(tmp_path / "logo.yaml", port, branding={"logo": str(LOGO)})
            build(load_config(config), AS_OF, tmp_path / "out", ["pdf", "email"])
            html = (tmp_path / "out" / "briefing.email.html").read_text(encoding="utf-8")
            sent = run_cli("send", str(config), "--as-of", AS_OF.isoformat(), "--out", str(tmp_path / "out"))
    finally:
        svg_as_png.cache_clear()
    (warning,) = [w for w in warnings_of(caplog) if "SVG" in w]
    assert warning.startswith("the SVG logo is left out of the email: Gmail and Outlook do not show SVG")
    assert "briefgen[svg]" in warning
    assert "cid:logo@briefing" not in html and "<img" not in html
    assert sent.returncode == 0, sent.stderr
    assert not [p for p in server.received[0].message.walk() if p.get_content_maintype() == "image"]


def test_a_dry_run_writes_every_message_and_says_who_has_it_already(tmp_path):
    with smtp_server() as (port, server):
        config = write_config(tmp_path / "brief.yaml", port)
        out = tmp_path / "out"
        first = run_cli(
            "send", str(config), "--as-of", AS_OF.isoformat(), "--out", str(out), "--recipient", "zoe@example.com"
        )
        assert first.returncode == 0, first.stderr
        dry = run_cli("send", str(config), "--as-of", AS_OF.isoformat(), "--out", str(out), "--dry-run")
        assert len(server.received) == 1
    assert dry.returncode == 0, dry.stderr
    assert sorted(p.name for p in out.glob("*.eml")) == [
        "briefing.analyst@example.com.eml",
        "briefing.zoe@example.com.eml",
    ]
    lines = {line.split()[1]: line for line in dry.stdout.splitlines()}
    assert "already sent" in lines["zoe@example.com"] and "a real send skips them" in lines["zoe@example.com"]
    assert "already" not in lines["analyst@example.com"]
    assert all(line.startswith("written") for line in dry.stdout.splitlines())
