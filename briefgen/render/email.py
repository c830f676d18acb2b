"""The email body: the page's own templates, with its CSS inlined for mail clients.

Mail clients drop ``<style>`` and many elements, so the email's HTML is the page rendered for email
and its stylesheet inlined into each element (css-inline), ``rem`` turned into pixels and sectioning
elements into ``div``; a plain-text alternative goes with it. The body is kept under Gmail's
clipping limit, and the build warns when a template pushes it over. An SVG logo, which Gmail and
Outlook do not show, goes in as a PNG, or is left out with a warning where it cannot be converted.

What differs between recipients (their address, name, unsubscribe link and the columns of the
recipients CSV) is not known when the briefing is built: the email templates print
``recipient.<field>``, which stands in the body as a marker (:data:`MERGE_FIELD`) that sending
replaces with each recipient's own value. Every recipient gets the same build.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import jinja2
from markupsafe import Markup, escape

from briefgen.errors import RenderError
from briefgen.models import Briefing
from briefgen.render.filters import plain_text
from briefgen.render.look import EMAIL_LOGO_SRC, Look, email_logo_part
from briefgen.render.templates import render_template, template_context
from briefgen.textsafe import printable

if TYPE_CHECKING:
    from lxml.html import HtmlElement

logger = logging.getLogger(__name__)

#: The email body's size limit (Gmail clips a message at 102 KB); see :func:`render_email`. The
#: 2 KB below Gmail's limit leave room for each recipient's values (:data:`MERGE_FIELD`).
MAX_EMAIL_BYTES = 100 * 1024

#: Gmail's clipping limit: a larger HTML body shows cut, with a "[Message clipped]" link.
GMAIL_CLIP_BYTES = 102 * 1024

#: A recipient's field as it stands in the built email body until it is sent: text that autoescaping,
#: CSS inlining and HTML serialisation all leave as it is (no ``&<>"'=:`` or space).
MERGE_FIELD = re.compile(r"%%recipient\.([a-z][a-z0-9_]{0,39})%%")

#: The fields every recipient has, besides ``name`` and the columns of the recipients CSV.
RECIPIENT_FIELDS = ("address", "name", "unsubscribe_url")


def merge_marker(field: str) -> str:
    """The marker of a recipient's ``field`` in the built email body."""
    return f"%%recipient.{field}%%"


class RecipientFields:
    """``recipient`` in the email templates (and only there, ``for_email``): ``recipient.address``,
    ``recipient.name``, ``recipient.unsubscribe_url`` (the recipient's own link: one-click when the
    config has an unsubscribe URL, else ``mailto:``) and ``recipient.<column>`` for each column of
    the recipients CSV, empty where a recipient has none. Each prints as a marker that sending
    replaces with the recipient's value, escaped for the part it is in."""

    def __getattr__(self, field: str) -> Markup:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", field):
            raise AttributeError(field)
        return Markup(merge_marker(field))

    def __getitem__(self, field: str) -> Markup:
        try:
            return self.__getattr__(field)
        except AttributeError:
            raise KeyError(field) from None


def render_email(briefing: Briefing, env: jinja2.Environment, look: Look = Look()) -> tuple[str, str]:
    """The email-safe HTML body and its plain-text alternative, made from the same content.

    The body is the page's own template and stylesheet rendered ``for_email``, its styles
    inlined (:func:`inline_email`), so a client's overrides reach the email too. A body over
    :data:`MAX_EMAIL_BYTES` (a long window's chart, many sources each carried by many outlets,
    long URLs) is made again without the chart and with the other outlets counted, not listed:
    both parts, so they say the same; the PDF attached keeps everything. The text part holds no
    control character but the newline, whatever the template printed.
    """
    context = {**template_context(briefing, look, for_email=True), "recipient": RecipientFields()}
    body = inline_email(render_template(env, "briefing.email.html.j2", **context), look)
    if len(body.encode("utf-8")) > MAX_EMAIL_BYTES:
        context = {**context, "look": dataclasses.replace(look, chart=False), "chart_lines": [], "also_max": 0}
        size = len(body.encode("utf-8"))
        body = inline_email(render_template(env, "briefing.email.html.j2", **context), look, warn=False)
        logger.info(
            "the email body would be %d KB: it leaves out the chart and lists of other outlets (%d KB)",
            size // 1024,
            len(body.encode("utf-8")) // 1024,
        )
    size = len(body.encode("utf-8"))
    if size > MAX_EMAIL_BYTES:
        logger.warning(
            "the email body is %d KB, more than the %d KB that stays under Gmail's clipping limit (%d KB): Gmail "
            "will show its start and a '[Message clipped]' link; shorten briefing.email.html.j2 (or "
            "briefing.html.j2 and style.css, which it is made from) or the briefing (audience.max_words, max_points)",
            -(-size // 1024),
            MAX_EMAIL_BYTES // 1024,
            GMAIL_CLIP_BYTES // 1024,
        )
    return body, plain_text(render_template(env, "briefing.txt.j2", **context))


#: Elements some mail clients (Outlook's Word engine) do not style: each becomes its plain equivalent.
_EMAIL_ELEMENTS = {"header": "div", "main": "div", "section": "div", "footer": "div", "nav": "div",
                   "article": "div", "aside": "div", "figure": "div", "time": "span"}  # fmt: skip


#: What a mail client that drops ``<html>`` and ``<body>`` would lose: these move to the column.
_INHERITED = ("font-family", "color", "line-height", "font-size", "overflow-wrap")


_REM = re.compile(r"(?<![\w.])(\d*\.?\d+)rem\b")


def inline_email(html: str, look: Look = Look(), *, warn: bool = True) -> str:
    """The page made for email as mail clients need it: every style an inline ``style=`` attribute
    (css-inline, custom properties resolved, ``@page`` and ``@media`` dropped), no ``<style>``,
    no class, no script, no SVG, sizes in px rather than rem, HTML5 sections as ``div``, and the
    page's typography on the 640 px column, since clients drop the styles of ``<html>`` and ``<body>``.

    The logo, when a template printed its data URI, becomes the inline part :data:`EMAIL_LOGO_SRC`;
    an SVG logo that cannot be drawn as PNG here (:func:`~briefgen.render.look.email_logo_part`) is
    left out, with a warning unless ``warn`` is off.
    """
    import css_inline
    import lxml.html

    inliner = css_inline.CSSInliner(resolve_css_variables=True, load_remote_stylesheets=False)
    try:
        inlined = inliner.inline(html)
    except ValueError as exc:  # css-inline's error for CSS it cannot read
        raise RenderError(printable(f"the email styles cannot be inlined: {exc}", 300)) from None
    root = lxml.html.document_fromstring(inlined)
    for bad in root.xpath("//script|//style|//link|//svg|//*[local-name()='svg']|//iframe|//object|//embed"):
        bad.drop_tree()
    dropped: list[HtmlElement] = []
    inherited: list[str] = []
    for element in root.xpath("/html|/html/body"):
        inherited += [d for d in _declarations(element.get("style", "")) if d.split(":", 1)[0].strip() in _INHERITED]
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.get("class", "").split()[:1] == ["email-cell"]:
            element.set("style", "; ".join([*inherited, *_declarations(element.get("style", ""))]))
        element.attrib.pop("class", None)
        if element.tag in _EMAIL_ELEMENTS:
            element.tag = _EMAIL_ELEMENTS[element.tag]
            element.attrib.pop("datetime", None)
        if element.tag == "img" and look.logo and element.get("src") == look.logo:
            element.set("src", EMAIL_LOGO_SRC)
        if element.tag == "img" and look.logo and element.get("src") == EMAIL_LOGO_SRC and _no_email_logo(look.logo):
            dropped.append(element)
        if "style" in element.attrib:
            style = _REM.sub(lambda m: f"{round(float(m[1]) * 16, 1):g}px", element.get("style", ""))
            element.set("style", ";".join(_declarations(style)))
    for element in dropped:
        element.drop_tree()
    if dropped and warn:
        logger.warning(
            "the SVG logo is left out of the email: Gmail and Outlook do not show SVG, and it cannot be drawn "
            "as PNG here (pip install 'briefgen[svg]', which needs the cairo library); or make branding.logo a PNG"
        )
    return "<!DOCTYPE html>\n" + "".join(_serialize(root)) + "\n"


def _no_email_logo(uri: str) -> bool:
    """Whether the logo cannot go into email: an SVG that cannot be drawn as PNG here."""
    return uri.startswith("data:image/svg+xml") and email_logo_part(uri) is None


def _declarations(style: str) -> list[str]:
    """The declarations of an inline style, each ``name:value``."""
    return [re.sub(r"^\s*([-\w]+)\s*:\s*", r"\1:", d).strip() for d in style.split(";") if ":" in d]


#: Elements with no end tag.
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _serialize(element: HtmlElement) -> Iterator[str]:
    """An lxml element as HTML, every text and attribute escaped here as the templates escape them
    (``=``, ``:`` and backquote in attributes as references, see :func:`~briefgen.render.filters.html_attr`), whatever the
    parser unescaped on the way; comments and processing instructions are left out."""
    if isinstance(element.tag, str):
        attrs = "".join(f' {name}="{_attr_value(name, value)}"' for name, value in element.attrib.items())
        yield f"<{element.tag}{attrs}>"
        if element.tag not in _VOID:
            yield str(escape(element.text or ""))
            for child in element:
                yield from _serialize(child)
            yield f"</{element.tag}>"
    yield str(escape(element.tail or ""))


def _attr_value(name: str, value: str) -> str:
    escaped = str(escape(value)).replace("=", "&#61;")
    if name in ("href", "src", "style"):
        return escaped
    return escaped.replace(":", "&#58;").replace("`", "&#96;")
