"""Rendering: a ``Briefing`` to Markdown, HTML, PDF and JSON through Jinja templates.

Templates are looked up in the client's directories first, then in the defaults
(Pelican's ``THEME_TEMPLATES_OVERRIDES``); a client template can extend a default one
as ``{% extends "default:briefing.html.j2" %}`` and replace a single block.
HTML is autoescaped: article text is data, never markup.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import textwrap
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from .errors import RenderError
from .models import Briefing

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcherResponse

    from .config import Config

#: The templates a briefing is rendered from, and what each makes.
TEMPLATE_NAMES = {
    "briefing.md.j2": "Markdown",
    "briefing.html.j2": "standalone HTML, and the PDF",
    "style.css": "styles of the HTML and the PDF",
    "briefing.email.html.j2": "email-safe HTML",
    "briefing.txt.j2": "plain-text email alternative",
}


def templates_root() -> Path:
    """The bundled templates: ``templates/`` in a checkout, ``briefgen/_templates`` when installed."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_templates", here.parent / "templates"):
        if (candidate / "default").is_dir():
            return candidate
    raise RenderError("the default templates are missing from this installation")


def default_template_dir() -> Path:
    return templates_root() / "default"


def template_dirs(config: Config, base_dir: Path) -> list[tuple[str, Path]]:
    """The override directories a config asks for, first looked at first: its own, then its client's."""
    dirs: list[tuple[str, Path]] = []
    if config.templates:
        path = Path(config.templates).expanduser()
        path = path if path.is_absolute() else base_dir / path
        if not path.is_dir():
            raise RenderError(f"templates directory not found: {path}")
        dirs.append(("config", path))
    if config.client:
        clients = templates_root() / "clients"
        path = clients / config.client
        if not path.is_dir():
            known = sorted(p.name for p in clients.iterdir() if p.is_dir()) if clients.is_dir() else []
            raise RenderError(
                f"client {config.client!r} has no template directory {path}"
                + (f" (clients: {', '.join(known)})" if known else "")
            )
        dirs.append(("client", path))
    return dirs


def template_env(extra_dirs: Sequence[Path] = ()) -> jinja2.Environment:
    """A Jinja environment that looks in ``extra_dirs`` in order, then in the defaults.

    ``default:NAME`` always names the default template, so an override can extend it.
    """
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
    env.filters["css_string"] = css_string
    env.filters["mdurl"] = markdown_url
    env.filters["mdcode"] = markdown_code
    env.filters["wrap"] = lambda text, width=72, indent="": textwrap.fill(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=" " * len(indent),
        break_long_words=False,
        break_on_hyphens=False,
    )
    return env


def resolve_template(env: jinja2.Environment, name: str) -> Path:
    """The file a template name resolves to through the override directories."""
    try:
        _, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]  # template_env always sets a loader
    except jinja2.TemplateNotFound:
        raise RenderError(f"template not found: {name}") from None
    return Path(filename or name)


def css_string(text: str | None) -> str:
    """A CSS string literal, so a client name can be printed in a page margin."""
    text = (text or "").replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{text}"'


def markdown_url(url: str) -> str:
    """A URL safe inside a Markdown autolink ``<…>``: spaces, angle brackets and quotes percent-encoded."""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")


def markdown_code(text: str) -> str:
    """A Markdown code span that holds ``text`` whatever backticks it contains."""
    runs = [len(m) for m in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def markdown_escape(text: str) -> str:
    """Escape characters Markdown would read as markup, so quoted text renders exactly as written."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # A line starting with "#", "+", "-" or "1." would become a heading or a list.
    text = re.sub(r"^(\d+)([.)])", r"\1\\\2", text)
    return re.sub(r"^([#+\-])", r"\\\1", text)


# ----------------------------------------------------------------------------- look


@dataclass(frozen=True)
class Look:
    """How a briefing looks, apart from what it says: client branding, paper, chart and PDF metadata."""

    client: str | None = None
    client_name: str | None = None
    accent: str = "#1f4e79"
    logo: str | None = None  # a data: URI, so no output ever fetches it
    disclaimer: str | None = None
    footer: str | None = None
    page_size: str = "A4"
    pdf_ua: bool = False
    chart: bool = True
    keywords: tuple[str, ...] = ()


LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
MAX_LOGO_BYTES = 512 * 1024


def look_for(config: Config, base_dir: Path) -> Look:
    """The look a config asks for; the logo file is read here and embedded as a data URI."""
    brand = config.branding
    logo = None
    if brand.logo:
        path = Path(brand.logo).expanduser()
        path = path if path.is_absolute() else base_dir / path
        kind = LOGO_TYPES.get(path.suffix.lower())
        if kind is None:
            raise RenderError(f"logo {path}: use an SVG, PNG or JPEG file")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise RenderError(f"logo {path}: {exc.strerror or exc}") from None
        if len(data) > MAX_LOGO_BYTES:
            raise RenderError(f"logo {path}: larger than {MAX_LOGO_BYTES // 1024} KB")
        logo = f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"
    return Look(
        client=config.client,
        client_name=brand.client_name,
        accent=brand.accent,
        logo=logo,
        disclaimer=brand.disclaimer,
        footer=brand.footer,
        page_size=config.output.page_size,
        pdf_ua=config.output.pdf_ua,
        chart=config.output.chart,
        keywords=tuple(dict.fromkeys([*config.topic.entities, *config.topic.keywords])),
    )


def daily_counts(briefing: Briefing) -> list[tuple[dt.date, int]]:
    """Articles used per day of the window, the first day first."""
    counts = dict(briefing.daily)
    days = [briefing.window_start + dt.timedelta(days=k) for k in range(briefing.window_days)]
    return [(day, counts.get(day, 0)) for day in days]


def chart_svg(briefing: Briefing, accent: str) -> Markup:
    """A small bar chart of articles per day across the window, as inline SVG (no script, no fetch)."""
    counts = daily_counts(briefing)
    top = max((n for _, n in counts), default=0) or 1
    width, height, base = 640, 150, 118
    slot = width / max(1, len(counts))
    bar = min(48.0, slot * 0.6)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="chart-title"><title id="chart-title">Articles per day, '
        f"{briefing.window_start.isoformat()} to {briefing.as_of.isoformat()}</title>",
        f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="#b8c0c8" stroke-width="1"/>',
    ]
    for k, (day, n) in enumerate(counts):
        x = slot * k + (slot - bar) / 2
        h = 90 * n / top
        parts.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{escape(accent)}"/>'
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{base - h - 5:.1f}" text-anchor="middle" font-size="12" '
            f'font-family="DejaVu Sans, Arial, sans-serif" fill="#1a1a1a">{n}</text>'
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{base + 18}" text-anchor="middle" font-size="11" '
            f'font-family="DejaVu Sans, Arial, sans-serif" fill="#5b6470">{day:%a} {day.day}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def chart_text(briefing: Briefing) -> list[str]:
    """The same chart as lines of text, for Markdown and the plain-text email."""
    counts = daily_counts(briefing)
    return [f"{day:%a} {day:%d %b}  {'#' * n}{' ' if n else ''}{n}" for day, n in counts]


# ----------------------------------------------------------------------------- rendering


def _template_frame(exc: BaseException) -> tuple[str, int] | None:
    """The innermost template file and line of an error raised while rendering."""
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".j2", ".css")) and frame.lineno:
            found = (frame.filename, frame.lineno)
    return found


def _render(env: jinja2.Environment, name: str, **context: object) -> str:
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"template not found: {exc.name} (needed by {name})") from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"template {exc.filename or exc.name}, line {exc.lineno}: {exc.message}") from None
    except RenderError:
        raise
    except Exception as exc:  # an error inside a template: name its file and line
        where = _template_frame(exc)
        place = f"template {where[0]}, line {where[1]}" if where else f"template {name}"
        message = exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else str(exc)
        raise RenderError(f"{place}: {type(exc).__name__}: {message}") from None


def _context(briefing: Briefing, look: Look) -> dict[str, object]:
    return {
        "b": briefing,
        "look": look,
        "chart_svg": chart_svg(briefing, look.accent) if look.chart else None,
        "chart_lines": chart_text(briefing) if look.chart else [],
        "daily": daily_counts(briefing),
    }


def render_markdown(briefing: Briefing, env: jinja2.Environment, look: Look = Look()) -> str:
    return _render(env, "briefing.md.j2", **_context(briefing, look))


def render_html(briefing: Briefing, env: jinja2.Environment, look: Look = Look()) -> str:
    return _render(env, "briefing.html.j2", **_context(briefing, look))


def render_email(briefing: Briefing, env: jinja2.Environment, look: Look = Look()) -> tuple[str, str]:
    """The email-safe HTML body and its plain-text alternative, made from the same content."""
    context = _context(briefing, look)
    return _render(env, "briefing.email.html.j2", **context), _render(env, "briefing.txt.j2", **context)


class LocalFetcher:
    """WeasyPrint's URL fetcher limited to ``data:`` URIs and files inside the allowed directories.

    Article text is escaped and never becomes markup, so nothing it says can be fetched;
    this is the second lock: even a template cannot make the PDF read the network or a
    file outside the template and branding directories.
    """

    def __init__(self, roots: Sequence[Path]) -> None:
        from weasyprint.urls import URLFetcher

        self.roots = [r.resolve() for r in roots]
        self.inner = URLFetcher(allowed_protocols={"file", "data"})
        self._fail_on_errors = False

    def allowed(self, url: str) -> bool:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return True
        if scheme != "file":
            return False
        from urllib.parse import unquote, urlparse

        path = Path(unquote(urlparse(url).path)).resolve()
        return any(path == root or root in path.parents for root in self.roots)

    def __call__(self, url: str, *args: object, **kwargs: object) -> URLFetcherResponse:
        if not self.allowed(url):
            raise ValueError(f"briefgen does not fetch {url.split('?')[0][:80]}")
        return self.inner.fetch(url, *args, **kwargs)

    fetch = __call__


def render_pdf(html: str, base_dir: Path, look: Look = Look(), allowed: Sequence[Path] = ()) -> bytes:
    """Lay out the HTML as a paginated PDF with WeasyPrint (imported here: it is slow to load)."""
    try:
        import weasyprint
    except OSError as exc:  # the Pango/HarfBuzz shared libraries are missing
        raise RenderError(f"WeasyPrint cannot load its system libraries: {exc}") from None
    fetcher = LocalFetcher([base_dir, *allowed])
    options: dict[str, str] = {"pdf_variant": "pdf/ua-1"} if look.pdf_ua else {}
    pdf: bytes = weasyprint.HTML(string=html, base_url=str(base_dir), url_fetcher=fetcher).write_pdf(**options)
    return pdf


def briefing_data(briefing: Briefing) -> dict[str, Any]:
    """The briefing as plain data: what ``briefing.json`` holds."""
    return {
        "title": briefing.title,
        "as_of": briefing.as_of.isoformat(),
        "window": {
            "start": briefing.window_start.isoformat(),
            "end": briefing.as_of.isoformat(),
            "days": briefing.window_days,
        },
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
