"""Templates: the client's first, then the defaults, and what they see.

Templates are looked up in the client's directories first, then in the defaults (Pelican's
``THEME_TEMPLATES_OVERRIDES``); a client template can extend a default one as
``{% extends "default:briefing.html.j2" %}`` and replace a single block. Every template is
autoescaped: article text is data, never markup. :func:`template_context` is everything a template
sees (the briefing as ``briefing``, its look, chart and evidence).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import logging
import os
import stat
import textwrap
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from markupsafe import Markup

from briefgen.config.load import PROJECT_FILE
from briefgen.errors import RenderError
from briefgen.models import Briefing, Source
from briefgen.render.chart import chart_bars, chart_heading, chart_svg, chart_text, chart_unit, undated_count
from briefgen.render.compose import MAX_ALSO_SHOWN
from briefgen.render.evidence import citations, evidence, placed
from briefgen.render.filters import (
    counts_line,
    credit,
    css_string,
    elsewhere,
    full_stop,
    html_attr,
    html_url,
    markdown_code,
    markdown_escape,
    markdown_url,
    outlet,
    preview_note,
    source_when,
    story_line,
    stylesheet,
)
from briefgen.render.look import EMAIL_LOGO_SRC, Look
from briefgen.render.words import quoted_in, words
from briefgen.textsafe import printable, single_line, visible

if TYPE_CHECKING:
    from briefgen.config.defaults import Config
logger = logging.getLogger(__name__)

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
    here = Path(__file__).resolve().parent.parent  # the package directory
    for candidate in (here / "_templates", here.parent / "templates"):
        if (candidate / "default").is_dir():
            return candidate
    raise RenderError("the default templates are missing from this installation")


def default_template_dir() -> Path:
    return templates_root() / "default"


def template_dirs(config: Config, base_dir: Path, project_dir: Path | None = None) -> list[tuple[str, Path]]:
    """The override directories a config asks for, first looked at first: its own, then its client's.

    A client's directory is ``templates/clients/<client>/`` in the project (``project_dir``),
    else among the clients that come with briefgen.
    """
    dirs: list[tuple[str, Path]] = []
    if config.templates:
        path = Path(config.templates).expanduser()
        path = path if path.is_absolute() else base_dir / path
        if not path.is_dir():
            raise RenderError(f"templates directory not found: {printable(path)}")
        dirs.append(("config", path))
    if config.client:
        places = [templates_root() / "clients"]
        if project_dir is not None:
            places.insert(0, project_dir / "templates" / "clients")
        clients = next((d for d in places if (d / config.client).is_dir()), places[0])
        path = clients / config.client
        if not path.is_dir():
            known = sorted({p.name for d in places if d.is_dir() for p in d.iterdir() if p.is_dir()})
            alone = project_dir is not None and not (project_dir / PROJECT_FILE).is_file()
            raise RenderError(
                f"client {printable(repr(config.client), 200)} has no template directory {printable(path)}"
                + (f" (clients: {', '.join(known)})" if known else "")
                + (
                    f"; no {PROJECT_FILE} was found at or above the config, so its own directory is taken as"
                    " the project's root"
                    if alone
                    else ""
                )
            )
        dirs.append(("client", path))
    return dirs


#: The most files, and bytes, the override directories may hold for their environment to be kept
#: for the next build; bigger trees are read no further and get an environment of their own each time.
MAX_LISTED_TEMPLATES = 2_000
MAX_LISTED_BYTES = 8 * 1024 * 1024


def template_env(extra_dirs: Sequence[Path] = ()) -> jinja2.Environment:
    """A Jinja environment that looks in ``extra_dirs`` in order, then in the defaults.

    ``default:NAME`` always names the default template, so an override can extend it.
    Every value a template prints passes :func:`visible` first (``finalize``), so no control
    character from an article or a config reaches any output, whatever the template.

    The environment is kept for the next build whose directories hold the same files with the same
    contents, so each template is compiled once a process, not once a build (compiling was a fifth
    of a small build's time). A file added, removed or changed, even within the same second or with
    its old modification time, makes a new environment: a running ``serve`` renders what is on disk.
    """
    dirs = tuple(Path(d) for d in extra_dirs)
    listing = _listing(dirs)
    if listing is None:
        return _new_env(dirs)
    return _kept_env(dirs, listing)


def _listing(dirs: Sequence[Path]) -> tuple[tuple[tuple[str, str], ...], ...] | None:
    """Each file under each directory (not following links) with a hash of its content, sorted;
    None when there are too many files or bytes, or one is not a regular file or cannot be read."""
    listing = []
    seen = size = 0
    for directory in dirs:
        files: list[tuple[str, str]] = []
        for root, subdirs, names in os.walk(directory):
            subdirs.sort()
            seen += len(names) + len(subdirs)
            if seen > MAX_LISTED_TEMPLATES:
                return None
            for name in names:
                path = os.path.join(root, name)
                try:
                    if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO or a device is never read
                        return None
                    with open(path, "rb") as f:
                        data = f.read(MAX_LISTED_BYTES - size + 1)
                except OSError:
                    return None
                size += len(data)
                if size > MAX_LISTED_BYTES:
                    return None
                files.append((path, hashlib.sha256(data).hexdigest()))
        listing.append(tuple(sorted(files)))
    return tuple(listing)


@lru_cache(maxsize=16)
def _kept_env(dirs: tuple[Path, ...], listing: tuple[tuple[str, ...], ...]) -> jinja2.Environment:
    """:func:`_new_env`, kept for the directories as ``listing`` found them (the cache's key)."""
    return _new_env(dirs)


def _new_env(extra_dirs: Sequence[Path]) -> jinja2.Environment:
    """:func:`template_env`, made afresh."""
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
        finalize=_finalize,
    )
    env.filters["md"] = markdown_escape
    env.filters["isodate"] = lambda d: d.isoformat() if d else ""
    # Dates and dating notes in the briefing's language (``lang`` in the context; English without one).
    env.filters["longdate"] = _longdate
    env.filters["shortdate"] = _shortdate
    env.filters["outlet"] = outlet
    env.filters["elsewhere"] = elsewhere
    env.filters["when"] = _when
    env.filters["preview_note"] = _preview_note
    env.filters["css_string"] = css_string
    env.filters["stylesheet"] = stylesheet
    env.filters["attr"] = html_attr
    env.filters["href"] = html_url
    env.filters["mdurl"] = markdown_url
    env.filters["mdcode"] = markdown_code
    env.filters["oneline"] = single_line
    env.filters["full_stop"] = full_stop
    env.filters["wrap"] = lambda text, width=72, indent="": textwrap.fill(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=" " * len(indent),
        break_long_words=False,
        break_on_hyphens=False,
    )
    return env


@jinja2.pass_context
def _longdate(ctx: jinja2.runtime.Context, day: dt.date | None) -> str:
    """A date as a reader says it in the briefing's language: "7 February 2025", "7. Februar 2025"; "" for none."""
    return words(ctx.get("lang")).longdate(day)


@jinja2.pass_context
def _shortdate(ctx: jinja2.runtime.Context, day: dt.date | None, as_of: dt.date | None = None) -> str:
    """A date in a line of text in the briefing's language: "10 Feb", with the year when it is not ``as_of``'s."""
    return words(ctx.get("lang")).shortdate(day, as_of)


@jinja2.pass_context
def _when(ctx: jinja2.runtime.Context, src: Source, first: bool = False) -> str:
    """:func:`~briefgen.render.filters.source_when` in the briefing's language."""
    return source_when(src, first, ctx.get("lang") or "en")


@jinja2.pass_context
def _preview_note(ctx: jinja2.runtime.Context, src: Source) -> str:
    """:func:`~briefgen.render.filters.preview_note` in the briefing's language."""
    return preview_note(src, ctx.get("lang") or "en")


def resolve_template(env: jinja2.Environment, name: str) -> Path:
    """The file a template name resolves to through the override directories."""
    try:
        _, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]  # template_env always sets a loader
    except jinja2.TemplateNotFound:
        raise RenderError(f"template not found: {printable(name)}") from None
    return Path(filename or name)


@dataclass(frozen=True)
class TemplateOutline:
    """The inheritance of one template, read without rendering it: what ``validate`` checks."""

    parent: str | None
    """The template it ``{% extends %}``, when named by a constant."""
    overrides: dict[str, int]
    """Its outermost blocks (those that replace a parent's) with their lines."""
    blocks: frozenset[str]
    """Every block it defines, nested ones included: what a template extending it may replace."""


def template_outline(env: jinja2.Environment, name: str) -> TemplateOutline:
    """Parse one template; raises jinja2's TemplateNotFound or TemplateSyntaxError (with file and line)."""
    from jinja2 import nodes

    source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]  # template_env always sets a loader
    tree = env.parse(source, name, filename)
    extends = next(tree.find_all(nodes.Extends), None)
    parent = extends.template.value if extends and isinstance(extends.template, nodes.Const) else None
    outer: dict[str, int] = {}

    def walk(node: nodes.Node, inside: bool) -> None:
        for child in node.iter_child_nodes():
            if isinstance(child, nodes.Block) and not inside:
                outer.setdefault(child.name, child.lineno)
            walk(child, inside or isinstance(child, nodes.Block))

    walk(tree, False)
    blocks = frozenset(b.name for b in tree.find_all(nodes.Block))
    return TemplateOutline(parent if isinstance(parent, str) else None, outer, blocks)


def inherited_blocks(env: jinja2.Environment, name: str) -> frozenset[str]:
    """Every block a template extending ``name`` may replace: those of ``name`` and of its ancestors."""
    found: set[str] = set()
    seen: set[str] = set()
    current: str | None = name
    while current is not None and current not in seen:
        seen.add(current)
        outline = template_outline(env, current)
        found |= outline.blocks
        current = outline.parent
    return frozenset(found)


def template_layer(path: Path, dirs: Sequence[tuple[str, Path]]) -> str:
    """Which layer a resolved template comes from: a label of ``dirs`` (``config``, ``client``), or ``default``."""
    return next((label for label, d in dirs if d.resolve() in path.parents), "default")


def unknown_blocks(env: jinja2.Environment, dirs: Sequence[tuple[str, Path]]) -> list[tuple[str, str]]:
    """``(config key, problem)`` for each block a config's or client's template overrides that the
    template it extends does not have: Jinja ignores such a block silently, so a misspelt one would
    leave the default in place without a word. Templates that do not compile are left to the build."""
    problems: list[tuple[str, str]] = []
    for name in TEMPLATE_NAMES:
        try:
            path = resolve_template(env, name).resolve()
            layer = template_layer(path, dirs)
            if layer == "default":
                continue
            outline = template_outline(env, name)
            known = inherited_blocks(env, outline.parent) if outline.parent else None
        except (RenderError, jinja2.TemplateError):
            continue
        for block, line in sorted(outline.overrides.items(), key=lambda item: item[1]):
            if known is not None and block not in known:
                close = difflib.get_close_matches(block, sorted(known), n=1, cutoff=0.6)
                hint = f"did you mean {{% block {close[0]} %}}?" if close else f"its blocks: {', '.join(sorted(known))}"
                where = f"{printable(path)}, line {line}"
                key = "client" if layer == "client" else "templates"
                problems.append((key, f"{{% block {block} %}} ({where}) is not a block of {outline.parent}; {hint}"))
    return problems


def _finalize(value: object) -> object:
    """Applied by Jinja to every printed value: strings lose their control characters; markup made here stays."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value)
    return value


def _template_frame(exc: BaseException) -> tuple[str, int] | None:
    """The innermost template file and line of an error raised while rendering."""
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".j2", ".css")) and frame.lineno:
            found = (frame.filename, frame.lineno)
    return found


def render_template(env: jinja2.Environment, name: str, **context: object) -> str:
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateNotFound as exc:
        raise RenderError(printable(f"template not found: {exc.name} (needed by {name})")) from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(printable(f"template {exc.filename or exc.name}, line {exc.lineno}: {exc.message}")) from None
    except RenderError:
        raise
    except Exception as exc:  # an error inside a template: name its file and line
        where = _template_frame(exc)
        place = f"template {where[0]}, line {where[1]}" if where else f"template {name}"
        message = exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else str(exc)
        raise RenderError(printable(f"{place}: {type(exc).__name__}: {message}", 500)) from None


def template_context(briefing: Briefing, look: Look, *, for_email: bool = False) -> dict[str, object]:
    """What every template gets: the briefing, its look, the chart in its three forms, and the bounds.

    ``for_email`` makes the page template the email body: no SVG chart (a bar table), the logo
    as the inline image part ``logo_src`` names (:data:`EMAIL_LOGO_SRC`), a hidden preheader.
    """

    lang = look.language
    bars = chart_bars(briefing, lang)
    shown = () if for_email else evidence(briefing)
    cited = citations(briefing, placed(shown))
    return {
        "briefing": briefing,
        "cites": lambda item: cited.get(id(item), ()),
        "evidence": shown,
        "evidenced": frozenset(ev.source.id for ev in shown),
        "look": look,
        "for_email": for_email,
        "logo_src": (EMAIL_LOGO_SRC if for_email else look.logo) if look.logo else None,
        "chart_svg": chart_svg(briefing, look.accent, lang) if look.chart and not for_email else None,
        "chart_lines": chart_text(briefing, lang) if look.chart else [],
        "chart_bars": bars,
        "chart_unit": chart_unit(briefing.window_days),
        "chart_heading": chart_heading(briefing, lang),
        "chart_undated": undated_count(briefing, lang),
        "daily": [(bar.start, bar.count) for bar in bars],  # one pair per bar, for templates written before bars
        "also_max": MAX_ALSO_SHOWN,
        "credit": lambda item: credit(item, briefing, lang, quoted_in(item.text, lang, look.languages)),
        "story_line": lambda story: story_line(story, briefing.as_of, lang),
        "counts_line": counts_line(briefing, lang),
        "lang": lang,
        "t": words(lang),
    }
