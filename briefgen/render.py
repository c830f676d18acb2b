"""Rendering: a ``Briefing`` to Markdown, HTML, PDF and JSON through Jinja templates.

Templates are looked up in the client's directories first, then in the defaults
(Pelican's ``THEME_TEMPLATES_OVERRIDES``); a client template can extend a default one
as ``{% extends "default:briefing.html.j2" %}`` and replace a single block.
HTML is autoescaped: article text is data, never markup.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2

from .errors import RenderError
from .models import Briefing


def default_template_dir() -> Path:
    """The bundled templates: ``templates/default`` in a checkout, ``briefgen/_templates/default`` when installed."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_templates" / "default", here.parent / "templates" / "default"):
        if candidate.is_dir():
            return candidate
    raise RenderError("the default templates are missing from this installation")


def template_env(extra_dirs: Sequence[Path] = ()) -> jinja2.Environment:
    default = default_template_dir()
    loader = jinja2.ChoiceLoader(
        [
            jinja2.PrefixLoader({"default": jinja2.FileSystemLoader(str(default))}, delimiter=":"),
            *(jinja2.FileSystemLoader(str(d)) for d in extra_dirs),
            jinja2.FileSystemLoader(str(default)),
        ]
    )
    env = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "htm", "xml", "html.j2"), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = markdown_escape
    env.filters["isodate"] = lambda d: d.isoformat() if d else ""
    env.filters["longdate"] = lambda d: f"{d.day} {d:%B %Y}" if d else ""
    return env


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def markdown_escape(text: str) -> str:
    """Escape characters Markdown would read as markup, so quoted text renders exactly as written."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # A line starting with "#", "+", "-" or "1." would become a heading or a list.
    text = re.sub(r"^(\d+)([.)])", r"\1\\\2", text)
    return re.sub(r"^([#+\-])", r"\\\1", text)


def _render(env: jinja2.Environment, name: str, **context: Any) -> str:
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"template not found: {exc.name}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"template {exc.filename or exc.name}, line {exc.lineno}: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise RenderError(f"template {name}: {exc.message}") from None


def render_markdown(briefing: Briefing, env: jinja2.Environment) -> str:
    return _render(env, "briefing.md.j2", b=briefing)


def render_html(briefing: Briefing, env: jinja2.Environment) -> str:
    return _render(env, "briefing.html.j2", b=briefing)


def render_pdf(html: str, base_dir: Path) -> bytes:
    """Lay out the HTML as a paginated PDF with WeasyPrint (imported here: it is slow to load)."""
    try:
        import weasyprint
    except OSError as exc:  # the Pango/HarfBuzz shared libraries are missing
        raise RenderError(f"WeasyPrint cannot load its system libraries: {exc}") from None
    return weasyprint.HTML(string=html, base_url=str(base_dir)).write_pdf()


def briefing_data(briefing: Briefing) -> dict[str, Any]:
    """The briefing as plain data: what ``briefing.json`` holds."""
    return {
        "title": briefing.title,
        "as_of": briefing.as_of.isoformat(),
        "window": {"start": briefing.window_start.isoformat(), "end": briefing.as_of.isoformat(), "days": briefing.window_days},
        "audience": briefing.audience,
        "articles_read": briefing.articles_read,
        "articles_used": briefing.articles_used,
        "sections": [
            {
                "name": s.name,
                "heading": s.heading,
                "items": [
                    {
                        "text": it.text,
                        **({"label": it.label} if it.label else {}),
                        "sources": list(it.sources),
                        "offsets": [list(o) for o in it.offsets],
                    }
                    for it in s.items
                ],
            }
            for s in briefing.sections
        ],
        "sources": [
            {
                "id": src.id,
                "title": src.title,
                "publisher": src.publisher,
                "author": src.author,
                "date": src.date.isoformat() if src.date else None,
                "url": src.url,
                "path": src.path,
                "undated": src.date is None,
                "also_reported_by": [
                    {
                        "title": a.title,
                        "publisher": a.publisher,
                        "date": a.date.isoformat() if a.date else None,
                        "url": a.url,
                        "path": a.path,
                    }
                    for a in src.also
                ],
            }
            for src in briefing.sources
        ],
    }


def render_json(briefing: Briefing) -> str:
    return json.dumps(briefing_data(briefing), ensure_ascii=False, indent=2) + "\n"
