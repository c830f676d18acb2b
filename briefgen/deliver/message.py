"""The message a recipient gets: subject, plain text and HTML parts, the PDF, and the logo inline."""

from __future__ import annotations

import datetime as dt
import email.errors
import email.generator
import email.policy
import email.utils
import logging
import re
from email.message import EmailMessage

from briefgen.config.defaults import EmailDelivery, subject_line
from briefgen.config.load import LoadedConfig
from briefgen.render.look import EMAIL_LOGO_CID

logger = logging.getLogger(__name__)


def subject_for(loaded: LoadedConfig, as_of: dt.date) -> str:
    config = loaded.config
    assert config.delivery.email is not None
    return subject_line(
        config.delivery.email.subject,
        title=config.title,
        as_of=as_of,
        window_start=as_of - dt.timedelta(days=config.window.days - 1),
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
) -> EmailMessage:
    """One multipart message: text and HTML alternatives, the PDF attached; the ``logo``
    (bytes, image subtype, file name) as an inline part of the HTML, which shows it as
    ``cid:`` (``render.EMAIL_LOGO_SRC``): mail clients block the data URIs a page would use.

    To and Cc name everyone in those lists (replies reach them all); Bcc recipients are in
    no header. The envelope, not the headers, decides who receives a given copy.
    """
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["Subject"] = subject
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.to) if settings.to else "undisclosed-recipients:;"
    if settings.cc:
        msg["Cc"] = ", ".join(settings.cc)
    if settings.reply_to:
        msg["Reply-To"] = settings.reply_to
    msg["Date"] = email.utils.format_datetime(date or dt.datetime.now(dt.UTC))
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to the sender
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
