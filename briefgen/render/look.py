"""A client's look: branding, logo and accent, checked before anything is rendered.

A logo is read once, bounded in size, and checked: an SVG holds no script, external reference or
foreign object; its bytes become a data URI for pages and PDFs, and an inline part for email
(:data:`EMAIL_LOGO_SRC`). Gmail and Outlook show no SVG, so an SVG logo goes into email as a PNG
drawn by CairoSVG (:func:`svg_as_png`), or not at all where CairoSVG or the cairo library is
missing. Colours and CSS overrides are validated so a client's branding cannot break or escape the page.
"""

from __future__ import annotations

import base64
import functools
import logging
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from briefgen.errors import RenderError
from briefgen.textsafe import clip, printable

if TYPE_CHECKING:
    from briefgen.config.defaults import Config
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Look:
    """How a briefing looks, apart from what it says: client branding, paper, chart and PDF metadata.

    The values that reach CSS outside a string (the accent, the page size) and the logo URI are
    checked here, so a look made in code cannot put markup or a fetch into a stylesheet either.
    """

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
    site_url: str | None = None  # the published archive's public address, ending in "/"
    language: str = "en"  # the briefing's language: its headings, labels and dates (``render.words``)
    languages: tuple[str, ...] = ()  # the languages its quotations may be in, when more than its own

    def __post_init__(self) -> None:
        if self.site_url is not None and not re.fullmatch(r"https?://[^\s\"'<>`\\?#]+/", self.site_url):
            raise RenderError("a site URL must be an http(s):// address ending in /, without a query or fragment")
        if not re.fullmatch(r"#(?:[0-9a-fA-F]{3}){1,2}", self.accent):
            raise RenderError(f"accent must be a colour like #1f4e79, not {printable(self.accent, 40)}")
        if self.page_size not in ("A4", "Letter"):
            raise RenderError(f"page size must be A4 or Letter, not {printable(self.page_size, 40)}")
        if self.logo is not None and not re.fullmatch(
            r"data:image/(?:png|jpeg|svg\+xml);base64,[A-Za-z0-9+/=]*", self.logo
        ):
            raise RenderError("a logo must be embedded as a base64 data: URI of a PNG, JPEG or SVG image")


#: Logos are at most this large.
#: The ``src`` of the logo in the email body: the inline image part the message carries
#: (``Content-ID: <logo@briefing>``; see :func:`logo_part` and ``deliver.message.compose_message``).
EMAIL_LOGO_CID = "logo@briefing"
EMAIL_LOGO_SRC = f"cid:{EMAIL_LOGO_CID}"

#: The topic terms written into the HTML and PDF keywords, and the longest one.
MAX_KEYWORDS, MAX_KEYWORD_CHARS = 30, 100
MAX_LOGO_BYTES = 512 * 1024


_XHTML_NS = "http://www.w3.org/1999/xhtml"


#: Elements an SVG logo may not hold: they run script or embed other documents.
_SVG_BANNED = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"}


#: A reference an SVG logo may hold: to itself, or to an embedded PNG or JPEG.
_SVG_LOCAL_REF = re.compile(r"#|data:image/(?:png|jpeg);", re.I)


_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I | re.S)


def logo_data_uri(path: Path) -> str:
    """The logo at ``path`` as a data URI, after checking what it is by its content, whatever its name.

    A PNG (its signature), a JPEG (its start-of-image marker) or an SVG whose root element is
    ``svg`` (see :func:`check_svg`); anything else is refused with one line naming the file.
    Only a regular file is read (never a FIFO or a device), and at most :data:`MAX_LOGO_BYTES`.
    """
    shown = printable(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # O_NONBLOCK: opening a FIFO must not wait for a writer
    except OSError as exc:
        raise RenderError(f"logo {shown}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise RenderError(f"logo {shown}: not a regular file")
    with os.fdopen(fd, "rb") as file:
        data = file.read(MAX_LOGO_BYTES + 1)
    if len(data) > MAX_LOGO_BYTES:
        raise RenderError(f"logo {shown}: larger than {MAX_LOGO_BYTES // 1024} KB")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "image/png"
    elif data.startswith(b"\xff\xd8\xff"):
        kind = "image/jpeg"
    else:
        problem = check_svg(data)
        if problem:
            raise RenderError(f"logo {shown}: {problem}")
        kind = "image/svg+xml"
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def check_svg(data: bytes) -> str | None:
    """Why ``data`` cannot be used as an SVG logo, or None when it can.

    Parsed with lxml without entity expansion, DTD loading or network access; refused: what
    is not XML with an ``svg`` root, a DOCTYPE with an internal subset (entities, default
    attributes), processing instructions (``xml-stylesheet``), script and the elements that
    embed documents, ``on…`` event attributes, ``javascript:`` anywhere, and any reference
    (``href``, ``src``, CSS ``url()``, ``@import``) to anything but ``#…`` or an embedded PNG/JPEG.
    """
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return "not a PNG, JPEG or SVG image (checked by its content, not its name)"
    if root is None or not isinstance(root.tag, str) or etree.QName(root).localname != "svg":
        return "not a PNG, JPEG or SVG image (checked by its content, not its name)"
    tree = root.getroottree()
    if re.search(rb"<!DOCTYPE[^>\[]*\[", etree.tostring(tree)):
        return "an SVG whose DOCTYPE declares entities or attributes is refused"
    if any(True for _ in root.itersiblings(preceding=True, tag=etree.PI)):
        return "an SVG with a processing instruction (xml-stylesheet) is refused"
    for node in root.iter():
        if isinstance(node, etree._Entity):
            return "an SVG with entity references is refused"
        if isinstance(node, etree._ProcessingInstruction):
            return "an SVG with a processing instruction (xml-stylesheet) is refused"
        if not isinstance(node.tag, str):
            continue  # a comment
        name = etree.QName(node)
        local = name.localname.lower()
        if local in _SVG_BANNED or name.namespace == _XHTML_NS:
            return f"an SVG with a <{name.localname}> element is refused"
        if local == "style" and (problem := _css_problem(node.text or "")):
            return problem
        if local in {"set", "animate", "animatemotion", "animatetransform"} and (
            node.get("attributeName") or ""
        ).lower().endswith("href"):
            return "an SVG that animates a link is refused"
        for key, value in node.attrib.items():
            attr = etree.QName(key).localname.lower()
            compact = re.sub(r"[\x00-\x20]+", "", value).lower()
            if attr.startswith("on"):
                return f"an SVG with an event attribute ({etree.QName(key).localname}) is refused"
            if "javascript:" in compact or "vbscript:" in compact:
                return "an SVG with a javascript: URL is refused"
            if attr in {"href", "src"} and not _SVG_LOCAL_REF.match(value.strip()):
                return f"an SVG with an external reference ({printable(value.strip(), 60)}) is refused"
            if problem := _css_problem(value):
                return problem
    return None


def _css_problem(css: str) -> str | None:
    """Why CSS in an SVG logo could fetch something, or None: ``@import``, ``url()`` to
    anything but ``#…`` or an embedded PNG/JPEG, ``image-set()``, or CSS escapes that could hide either."""
    lowered = css.lower()
    if "@import" in lowered or "\\" in css or "image-set" in lowered or "expression(" in lowered:
        return "an SVG whose styles import or escape something is refused"
    for _, target in _CSS_URL.findall(css):
        if not _SVG_LOCAL_REF.match(target.strip()):
            return f"an SVG with an external reference ({printable(target.strip(), 60)}) is refused"
    return None


def look_for(config: Config, base_dir: Path) -> Look:
    """The look a config asks for; the logo file is checked and embedded as a data URI here."""
    brand = config.branding
    logo = None
    if brand.logo:
        path = Path(brand.logo).expanduser()
        logo = logo_data_uri(path if path.is_absolute() else base_dir / path)
    terms = [t for t in dict.fromkeys([*config.topic.entities, *config.topic.keywords]) if t.strip()]
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
        keywords=tuple(clip(t, MAX_KEYWORD_CHARS) or "" for t in terms[:MAX_KEYWORDS]),
        site_url=config.delivery.site.base_url,
        language=config.language,
        languages=tuple(config.languages),
    )


def logo_part(uri: str) -> tuple[bytes, str, str]:
    """The logo of a look (a data URI) as the email's inline image part: bytes, MIME subtype, file name."""
    head, _, data = uri.partition(",")
    subtype = head.removeprefix("data:image/").split(";", 1)[0]
    extension = {"svg+xml": "svg", "jpeg": "jpg"}.get(subtype, subtype)
    return base64.b64decode(data), subtype, f"logo.{extension}"


#: The longest side, in pixels, of the PNG an SVG logo becomes for email: twice the size it is
#: drawn at, for sharp high-density screens, and never larger than this.
EMAIL_LOGO_MAX_PX = 800

#: The size an SVG is drawn at when it states none (neither width and height nor a viewBox).
_SVG_DEFAULT_PX = (300.0, 100.0)

_LENGTH = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")


def _svg_size(data: bytes) -> tuple[float, float]:
    """The size an SVG states, in pixels: its ``width`` and ``height`` in px (or unitless), else its
    ``viewBox``; :data:`_SVG_DEFAULT_PX` when it states neither. Read from the root element only."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    root = etree.fromstring(data, parser)
    sizes = [_LENGTH.fullmatch(root.get(k) or "") for k in ("width", "height")]
    if sizes[0] and sizes[1]:
        return float(sizes[0][1]), float(sizes[1][1])
    box = (root.get("viewBox") or "").replace(",", " ").split()
    try:
        if len(box) == 4 and float(box[2]) > 0 and float(box[3]) > 0:
            return float(box[2]), float(box[3])
    except ValueError:
        pass
    return _SVG_DEFAULT_PX


@functools.lru_cache(maxsize=8)
def svg_as_png(data: bytes) -> bytes | None:
    """A checked SVG logo (:func:`check_svg`) drawn as a PNG for email, at twice its stated size and
    at most :data:`EMAIL_LOGO_MAX_PX` on its longer side; None where CairoSVG or the cairo library is
    not installed, or the SVG cannot be drawn. CairoSVG never resolves entities or large files
    (``unsafe`` off), and a checked logo references nothing outside itself."""
    try:
        import cairosvg  # optional (briefgen[svg]): CairoSVG, which loads the cairo library
    except (ImportError, OSError):
        return None
    try:
        width, height = _svg_size(data)
        scale = min(2.0, EMAIL_LOGO_MAX_PX / max(width, height, 1e-6))
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        png = cairosvg.svg2png(bytestring=data, unsafe=False, output_width=size[0], output_height=size[1])
    except Exception as exc:  # CairoSVG's own errors are of many kinds; the logo is then left out
        logger.debug("the SVG logo cannot be drawn as PNG: %s", printable(exc, 200))
        return None
    return png if isinstance(png, bytes) else None


def email_logo_part(uri: str) -> tuple[bytes, str, str] | None:
    """The logo as email's inline image part (bytes, MIME subtype, file name): a PNG or JPEG as it is,
    an SVG as the PNG :func:`svg_as_png` draws; None for an SVG that cannot be drawn here."""
    data, subtype, name = logo_part(uri)
    if subtype != "svg+xml":
        return data, subtype, name
    png = svg_as_png(data)
    return (png, "png", "logo.png") if png is not None else None
