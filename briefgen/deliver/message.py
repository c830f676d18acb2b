"""The message a recipient gets: subject, plain text and HTML parts, the PDF, the logo inline, and
the list headers that say how to leave the list (:mod:`~briefgen.deliver.unsubscribe`)."""

from __future__ import annotations

import datetime as dt
import email.errors
import email.generator
import email.policy
import email.utils
import logging
import re
from collections.abc import Sequence
from email.message import EmailMessage

from briefgen.config.defaults import LINE_UNSAFE, EmailDelivery, subject_line, window_start
from briefgen.config.load import LoadedConfig
from briefgen.render.look import EMAIL_LOGO_CID
from briefgen.render.words import local_date, subject_template

logger = logging.getLogger(__name__)


def subject_for(loaded: LoadedConfig, as_of: dt.date) -> str:
    """The email's subject line, in the briefing's language: the default subject in its words, and
    the months and days a date format names (:func:`~briefgen.render.words.subject_template`,
    :func:`~briefgen.render.words.local_date`). A config that sends no email gets the default
    subject's form, which a chat notice takes as its title."""
    config = loaded.config
    email = config.delivery.email
    template = email.subject if email is not None else EmailDelivery.model_fields["subject"].default
    language = config.language
    return subject_line(
        subject_template(template, language),
        title=config.title,
        as_of=local_date(as_of, language),
        window_start=local_date(window_start(as_of, config.window.days), language),
        client=config.branding.client_name or config.client or "",
        audience=config.resolved_audience().name,
        config=loaded.name,
    )


def attachment_name(title: str, as_of: dt.date) -> str:
    """A file name a recipient can keep: the title in lower case with hyphens, and the date."""
    import unicodedata

    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-") or "briefing"
    return f"{slug}-{as_of.isoformat()}.pdf"


class FoldedHeader(str):
    """A header the email package writes as given, folded between its parts and never encoded: the
    links of ``List-Unsubscribe`` must reach a mail client exactly as written (RFC 2369), where the
    package would turn a long one into RFC 2047 encoded words. The package keeps a value that has
    the header's ``name`` as it is and asks it to :meth:`fold` itself. Parts are one line of ASCII
    each, as :class:`~briefgen.deliver.unsubscribe.ListHeaders` makes them."""

    name: str
    parts: tuple[str, ...]
    separator: str

    def __new__(cls, name: str, parts: Sequence[str], separator: str = ",") -> FoldedHeader:
        if not parts or not all(p and p.isascii() and not LINE_UNSAFE.search(p) for p in parts):
            raise ValueError(f"{name}: every part must be one line of ASCII")
        header = super().__new__(cls, f"{separator} ".join(parts))
        header.name, header.parts, header.separator = name, tuple(parts), separator
        return header

    def fold(self, *, policy: email.policy.Policy) -> str:
        """``Name: part, part`` on one line when it fits in 78 characters, else a part a line."""
        line = f"{self.name}: {self}"
        if len(line) <= 78:
            return line + policy.linesep
        return f"{self.name}: " + f"{self.separator}{policy.linesep} ".join(self.parts) + policy.linesep


def compose_message(
    settings: EmailDelivery,
    *,
    subject: str,
    text: str,
    html: str,
    pdf: bytes,
    pdf_name: str,
    message_id: str,
    date: dt.datetime | None = None,
    logo: tuple[bytes, str, str] | None = None,
    to: str | None = None,
    headers: Sequence[tuple[str, Sequence[str]]] = (),
) -> EmailMessage:
    """One multipart message: text and HTML alternatives, the PDF attached; the ``logo``
    (bytes, image subtype, file name) as an inline part of the HTML, which shows it as
    ``cid:`` (``render.EMAIL_LOGO_SRC``): mail clients block the data URIs a page would use.

    To and Cc name everyone in those lists (replies reach them all); Bcc recipients are in
    no header. The envelope, not the headers, decides who receives a given copy. ``to`` replaces
    the To header (a recipient of the recipients CSV is addressed alone). ``headers`` are added as
    they are, each name with its parts (:class:`FoldedHeader`).
    """
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["Subject"] = subject
    msg["From"] = settings.sender
    if to is not None:
        msg["To"] = to
    else:
        msg["To"] = ", ".join(settings.to) if settings.to else "undisclosed-recipients:;"
    if settings.cc and to is None:
        msg["Cc"] = ", ".join(settings.cc)
    if settings.reply_to:
        msg["Reply-To"] = settings.reply_to
    msg["Date"] = email.utils.format_datetime(date or dt.datetime.now(dt.UTC))
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to the sender
    for name, parts in headers:
        msg[name] = FoldedHeader(name, parts, "," if name == "List-Unsubscribe" else "")
    # Quoted-printable keeps every line short and 7-bit, whatever the server supports.
    msg.set_content(text, cte="quoted-printable")
    msg.add_alternative(html, subtype="html", cte="quoted-printable")
    if logo is not None:
        data, subtype, name = logo
        html_part = msg.get_body(("html",))
        assert isinstance(html_part, EmailMessage)  # the part just added
        html_part.add_related(data, "image", subtype, cid=f"<{EMAIL_LOGO_CID}>", filename=name, disposition="inline")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=pdf_name)
    return msg
