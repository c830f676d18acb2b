"""Email newsletters: ``.eml`` messages and mbox mailboxes, each message an article.

A message is parsed by Python's ``email`` package with ``policy.default``, which decodes what
RFC 5322 and MIME allow a header to hold (RFC 2047 encoded words such as
``=?utf-8?q?Caf=C3=A9?=``, RFC 2231 parameters) and each part by its own charset (an unknown or
wrong charset is read as any text of unknown encoding is: :func:`briefgen.ingest.decode.decode`).

- **Text**: the message's HTML part is extracted as a web page is
  (:func:`briefgen.ingest.webpage.read_page`), after the text a newsletter hides from its reader
  (the "preheader" shown only in inbox previews) is taken out; without an HTML part, its plain-text
  part is read as plain text (:func:`briefgen.ingest.plaintext.text_blocks`). Then a newsletter's
  own furniture goes: "View this email in your browser", "Forward to a friend", and the footer,
  from "Unsubscribe", "You received this email because…" or "Update your preferences" in its
  second half to its end. Every rule is about the shape of a newsletter, never a sender.
- **Metadata**: ``Subject:`` is the title (without "Fwd:"), the ``From:`` display name (else the
  sender's domain) the publisher, ``Date:`` the date; the author is left empty.
- **Links**: the message's URL is its ``Archived-At:`` (RFC 5064), else its "view in browser"
  link. A link that redirects through a mail service and carries its target in its address is
  replaced by the target; one that does not (a tracking redirect) is no URL, and is taken out of
  the text too. What is left loses its tracking parameters (:data:`TRACKING_PARAMETERS`).

An mbox file (RFC 4155) holds messages one after another, each after a line beginning "From ";
mail programs add new mail at the end, so when a mailbox holds more than :data:`MAX_MESSAGES`,
the last (newest) are read, with a warning.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import logging
import re
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from briefgen.errors import ArticleError
from briefgen.ingest.dates import YEARS
from briefgen.ingest.decode import decode
from briefgen.ingest.plaintext import text_blocks
from briefgen.ingest.webpage import read_page
from briefgen.models import Article, Block
from briefgen.textsafe import normalize_space

logger = logging.getLogger(__name__)

#: The most messages read from one mailbox: the newest, at its end. A week's newsletters for one
#: analyst number in the tens to hundreds, so this is several weeks' worth; reading a newsletter
#: takes about 45 ms on a 2-core machine (its HTML is extracted as a page is), so a mailbox costs
#: at most about 45 s.
MAX_MESSAGES = 1_000
#: Query parameters that identify a reader or a campaign, not the page: ``utm_*`` (Urchin
#: Tracking Module) and the subscriber and campaign ids that mail services add.
TRACKING_PARAMETERS = re.compile(
    r"^(?:utm_\w+|mc_cid|mc_eid|_hsenc|_hsmi|mkt_tok|ck_subscriber_id|oly_enc_id|oly_anon_id|vero_id|vero_conv|"
    r"fbclid|gclid|dclid|msclkid|yclid|ml_subscriber|ml_subscriber_hash|sc_cid|trk_\w+)$",
    re.I,
)
#: The first label of a mail service's redirecting host: "click.", "links.", "email.", "t."…
_TRACKING_LABELS = frozenset(
    [
        "click",
        "clicks",
        "clk",
        "trk",
        "track",
        "tracking",
        "link",
        "links",
        "lnk",
        "email",
        "emails",
        "e",
        "t",
        "l",
        "r",
        "go",
        "url",
        "redirect",
        "ablink",
        "ct",
        "cl",
        "elink",
        "mailer",
    ]
)
#: The first path segment of a redirect: "/ls/click?upn=…", "/track/click?u=…", "/ss/c/…", "/CL0/…".
_TRACKING_PATHS = frozenset(
    ["ls", "click", "clicks", "track", "tracking", "redirect", "wf", "ss", "cl0", "l0", "redir"]
)
#: Host names that say they count clicks or redirect.
_TRACKING_HOST = re.compile(r"click|track|redirect|redir\b", re.I)
#: A URL written out in a text.
_URL = re.compile(r"<?\bhttps?://[^\s<>\"\u201d]+[^\s<>\"\u201d.,;:!?)\]']>?", re.I)
#: A short block that is a newsletter's furniture wherever it stands.
_FURNITURE = re.compile(
    r"view (?:this |it |the )?(?:e-?mail |message |newsletter |issue |post )?(?:in|on) (?:your |a |the )?(?:web ?)?browser|"
    r"view (?:it |this )?online|read (?:it |this )?online|\bweb version\b|view as (?:a )?web ?page|"
    r"having trouble (?:viewing|reading)|forward (?:this|it)? ?to a friend|was this (?:e-?mail |newsletter )?forwarded to you|"
    r"\bsign up (?:here|now|for free)\b|(?:im browser|online) (?:ansehen|anzeigen|lesen)|version en ligne|"
    r"ver en (?:el |tu )?navegador|leggi online|open in (?:the )?app\b|"
    r"^(?:read|see) (?:the )?(?:full|whole|rest of the) (?:story|article|piece|report)\b|^continue reading\b",
    re.I,
)
#: A block that begins a newsletter's footer: everything from it to the end goes.
_FOOTER = re.compile(
    r"\bunsubscribe\b|\bopt[- ]out\b|you(?:'re| are)? receiv(?:ed|ing) this|this (?:e-?mail|message|newsletter) was sent to|"
    r"\bsent to [\w.+-]+@|you (?:signed|subscribed) up (?:for|to)|(?:update|manage|change) (?:your )?(?:e-?mail )?"
    r"(?:preferences|subscriptions?|settings)|why did i get this|our mailing address is|add us to your address book|"
    r"\babmelden\b|newsletter abbestellen|se d[\u00e9e]sabonner|d[\u00e9e]sinscri|darse de baja|cancelar (?:la )?suscripci[o\u00f3]n|"
    r"annulla (?:l'|la )?iscrizione",
    re.I,
)
#: Furniture and footer blocks are short: a longer block that mentions "unsubscribe" is text.
_FURNITURE_WORDS = 40
#: Inline styles that hide an element from the reader (a preheader shows only in inbox previews).
_HIDDEN = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|mso-hide\s*:\s*all|max-height\s*:\s*0(?:px)?\s*(?:;|$)|"
    r"font-size\s*:\s*0(?:px)?\s*(?:;|$)|opacity\s*:\s*0(?:\.0+)?\s*(?:;|$)",
    re.I,
)
_FORWARDED = re.compile(r"^(?:(?:fwd?|wg|tr|rv|enc)\s*:\s*)+", re.I)
#: Labels of a sender's mail host that are not its publisher's name ("news@mail.example.com").
_MAIL_LABELS = frozenset(
    [
        "mail",
        "email",
        "e",
        "m",
        "mg",
        "news",
        "newsletter",
        "newsletters",
        "info",
        "updates",
        "send",
        "bounce",
        "reply",
        "em",
    ]
)
#: A mailbox's message separator: a line beginning "From " (RFC 4155).
_FROM_LINE = re.compile(rb"^From ", re.M)
#: A body line that began "From " and was quoted as ">From " when the message was stored (mboxrd).
_QUOTED_FROM = re.compile(rb"^>(>*From )", re.M)


# ----------------------------------------------------------------------------- links


def _target(url: str) -> str | None:
    """The address a redirect carries in its own (a query value or a path segment that is an
    ``http(s)`` URL, percent-encoded or not); None when it carries none."""
    parts = urlsplit(url)
    candidates = [value for _, value in parse_qsl(parts.query, keep_blank_values=False)]
    candidates += [unquote(segment) for segment in parts.path.split("/") if "%2f" in segment.lower()]
    for value in candidates:
        for _ in range(3):  # encoded once, twice or three times over
            if re.match(r"https?://[^/\s]+\.[^/\s]+", value, re.I):
                return value.strip()
            value = unquote(value)
    return None


def is_tracking(url: str) -> bool:
    """Whether ``url`` is a mail service's redirect: its host says it counts clicks ("click.",
    "links.", "email.", "t." first, or "click" or "track" in its name), or its path begins as a
    redirect's does ("/ls/click", "/track/click", "/redirect/")."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    labels = host.split(".")
    if len(labels) > 2 and labels[0] in _TRACKING_LABELS:
        return True
    if _TRACKING_HOST.search(host):
        return True
    segments = [segment.lower() for segment in parts.path.split("/") if segment]
    return bool(segments) and (segments[0] in _TRACKING_PATHS or "redirect" in segments)


def public_url(url: str | None) -> str | None:
    """The address a link leads to, without tracking: a redirect that carries its target is
    replaced by the target; a tracking redirect that does not is None; tracking parameters go."""
    if not url:
        return None
    url = url.strip().strip("<>")
    for _ in range(3):  # a redirect to a redirect
        target = _target(url)
        if target is None or not is_tracking(url):
            break
        url = target
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or is_tracking(url):
        return None
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMETERS.match(k)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _clean_links(text: str) -> str:
    """A block's text with the URLs written in it cleaned (:func:`public_url`), and tracking redirects taken out."""

    def replace(m: re.Match[str]) -> str:
        kept = public_url(m[0].strip("<>"))
        return kept or ""

    if "http" not in text.lower():
        return text
    cleaned = _URL.sub(replace, text)
    cleaned = re.sub(r"[(\[<]\s*[)\]>]", "", cleaned)  # brackets that held a link taken out
    return normalize_space(cleaned)


# ----------------------------------------------------------------------------- a message


def _header(msg: Message, name: str) -> str | None:
    try:
        value = msg.get(name)
    except Exception:  # a header the parser cannot make sense of is no header
        return None
    text = normalize_space(str(value)) if value is not None else ""
    return text or None


def _publisher(msg: Message) -> str | None:
    """The ``From:`` display name, else the sender's domain without its mail host's labels."""
    sender = _header(msg, "from")
    if not sender:
        return None
    name, address = email.utils.parseaddr(sender)
    name = normalize_space(name).strip("\"'")
    if name and "@" not in name:
        return name
    domain = address.rpartition("@")[2].lower().strip(">. ")
    labels = [label for label in domain.split(".") if label]
    while len(labels) > 2 and labels[0] in _MAIL_LABELS:
        labels.pop(0)
    return ".".join(labels) or None


def _date(msg: Message) -> dt.date | None:
    try:
        header = msg.get("date")
        when = getattr(header, "datetime", None)
    except Exception:  # an unparseable Date: no date
        return None
    if not isinstance(when, dt.datetime) or not YEARS[0] <= when.year <= YEARS[1]:
        return None
    return when.date()  # the day the sender wrote it, in the sender's time zone


def _part_text(part: Message, name: str) -> str:
    """A text part's content, decoded by its charset; by :func:`decode` when the charset is unknown or wrong."""
    try:
        if isinstance(part, EmailMessage):
            content = part.get_content()
            if isinstance(content, str):
                return content
    except (LookupError, UnicodeError, ValueError, AssertionError, KeyError):
        pass
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload.strip():
        return ""
    return decode(payload, name)


#: The elements of an HTML table: newsletters lay out their columns with tables, not their data.
_TABLE_TAGS = frozenset({"table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption"})


def _visible_html(markup: str) -> str:
    """The HTML without the elements its inline style hides (a preheader, text a reader never
    sees), and with its layout tables made plain blocks, so that each cell's paragraphs stay
    paragraphs (a table row would be read as one line of data)."""
    import lxml.html  # heavy: the HTML parser, needed only for HTML mail

    try:
        root = lxml.html.document_fromstring(markup)
    except Exception:  # lxml rejects some markup outright; trafilatura reads it as it is
        return markup
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        style = element.get("style")
        if style and _HIDDEN.search(style) and element.getparent() is not None:
            element.drop_tree()
        elif element.tag.lower() in _TABLE_TAGS:
            element.tag = "div"
    return str(lxml.html.tostring(root, encoding="unicode"))


def _browser_link(markup: str | None, text: str | None) -> str | None:
    """The message's "view in browser" link, from the anchor whose text says so or the URL after those words."""
    if markup:
        for m in re.finditer(r"<a\b[^>]*?\bhref\s*=\s*[\"']([^\"']+)[\"'][^>]*>(.*?)</a\s*>", markup, re.I | re.S):
            label = normalize_space(re.sub(r"<[^>]+>", " ", m[2]))
            if _FURNITURE.search(label) and re.search(r"browser|online|web|ansehen|ligne|navegador", label, re.I):
                return html.unescape(m[1])
    if text:
        found = re.search(
            r"(?:view|read)[^\n]{0,60}?(?:browser|online|web version)[^\n]{0,20}?(https?://\S+)", text, re.I
        )
        if found:
            return found[1].strip("<>()[]")
    return None


def _strip_furniture(blocks: list[Block]) -> list[Block]:
    """Blocks without a newsletter's furniture: "view in browser" lines anywhere, and its footer,
    from the first footer line in its second half to its end."""
    kept: list[Block] = []
    for i, block in enumerate(blocks):
        short = len(block.text.split()) <= _FURNITURE_WORDS
        if short and _FOOTER.search(block.text):
            if i >= len(blocks) / 2:
                break
            continue
        if short and _FURNITURE.search(block.text):
            continue
        kept.append(block)
    return kept


def message_article(label: str, msg: Message) -> Article | None:
    """One message as an article (see the module's docstring); None when it has no text."""
    body: Message | None
    try:
        body = msg.get_body(preferencelist=("html", "plain")) if isinstance(msg, EmailMessage) else None
    except (KeyError, RecursionError):  # a damaged or absurdly nested MIME structure
        body = None
    if body is None and not msg.is_multipart() and msg.get_content_maintype() == "text":
        body = msg
    if body is None:
        return None
    content = _part_text(body, label)
    html_part = content if body.get_content_subtype() == "html" else None
    page = read_page(_visible_html(html_part)) if html_part and html_part.strip() else None
    if page is not None and page.blocks:
        blocks = list(page.blocks)
        text_part = None
    else:
        plain = body if html_part is None else _plain_part(msg)
        text_part = _part_text(plain, label) if plain is not None else ""
        blocks = text_blocks(text_part)
    cleaned = [Block(b.kind, _clean_links(b.text)) for b in _strip_furniture(blocks)]
    blocks = [b for b in cleaned if any(ch.isalnum() for ch in b.text)]
    if not blocks:
        return None
    subject = _header(msg, "subject")
    title = _FORWARDED.sub("", subject).strip() if subject else None
    if not title and page is not None:
        title = page.title
    url = public_url(_header(msg, "archived-at")) or public_url(_browser_link(html_part, text_part or content))
    return Article(
        path=label,
        form="email",
        blocks=tuple(blocks),
        title=title or None,
        publisher=_publisher(msg),
        date=_date(msg),
        url=url,
    )


def _plain_part(msg: Message) -> Message | None:
    try:
        return msg.get_body(preferencelist=("plain",)) if isinstance(msg, EmailMessage) else None
    except (KeyError, RecursionError):
        return None


def _parse(data: bytes) -> Message:
    return BytesParser(policy=policy.default).parsebytes(data)


def read_email(path: object, data: bytes, max_bytes: int) -> list[Article]:
    """An ``.eml`` file: one message, one article; ``max_bytes`` is unused (the file's size bounds it)."""
    name = str(path)
    try:
        article = message_article(name, _parse(data))
    except ArticleError:
        raise
    except Exception as exc:  # the parser is lenient, but a message can still break it
        raise ArticleError(
            name, f"not a readable email ({type(exc).__name__}: {normalize_space(str(exc))[:200]})"
        ) from None
    if article is None:
        raise ArticleError(name, "the message has no text")
    return [article]


def mbox_messages(data: bytes) -> list[bytes]:
    """The messages of an mbox file, each without its "From " line and with quoted ">From " lines restored."""
    starts = [m.start() for m in _FROM_LINE.finditer(data)]
    if not starts:
        return []
    messages: list[bytes] = []
    for start, end in zip(starts, [*starts[1:], len(data)], strict=True):
        chunk = data[start:end]
        newline = chunk.find(b"\n")
        body = chunk[newline + 1 :] if newline >= 0 else b""
        if body.strip():
            messages.append(_QUOTED_FROM.sub(rb"\1", body))
    return messages


def read_mbox(path: object, data: bytes, max_bytes: int) -> list[Article]:
    """Each message of an mbox file as an article, labelled ``PATH#N`` (N counts from 0 in file order);
    at most :data:`MAX_MESSAGES`, the newest. Messages without text are skipped, with one warning
    for them all."""
    name = str(path)
    messages = mbox_messages(data)
    if not messages:
        raise ArticleError(name, "no message in the mailbox")
    first = max(0, len(messages) - MAX_MESSAGES)
    if first:
        logger.warning("%s: read only its newest %s of %s messages", name, f"{MAX_MESSAGES:,}", f"{len(messages):,}")
    articles: list[Article] = []
    skipped: list[str] = []
    for n in range(first, len(messages)):
        label = f"{name}#{n}"
        try:
            article = message_article(label, _parse(messages[n]))
        except Exception as exc:  # one broken message must not cost the others
            skipped.append(f"{label}: {type(exc).__name__}")
            continue
        if article is None:
            skipped.append(f"{label}: no text")
        else:
            articles.append(article)
    if skipped and articles:
        logger.warning(
            "%s: skipped %s of its %s messages read (%s%s)",
            name,
            f"{len(skipped):,}",
            f"{len(messages) - first:,}",
            skipped[0],
            ", …" if len(skipped) > 1 else "",
        )
    if not articles:
        raise ArticleError(name, f"no message in the mailbox has text ({skipped[0]})")
    return articles
