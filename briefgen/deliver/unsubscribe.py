"""Unsubscribing: the list headers of every message, each recipient's own link, and the body's values.

Every message names its list (``List-Id``, RFC 2919) and how to leave it (``List-Unsubscribe``, RFC
2369): a ``mailto:`` address with the subject ``unsubscribe <list id>``, and, when the config has an
unsubscribe URL, an ``https:`` link of the recipient's own, with ``List-Unsubscribe-Post:
List-Unsubscribe=One-Click`` so a mail client can unsubscribe with one POST, no page to visit (RFC
8058, which allows that header only beside an HTTPS link). The link ends in a token, the HMAC-SHA256
(RFC 2104) of the config and the recipient's address under a secret from the environment: it names
no one, cannot be made for another address without the secret, and ``briefgen serve --unsubscribe``
(:mod:`briefgen.commands.oneclick`) finds whose it is by making each recipient's token again.

RFC 8058 also asks that the message be signed with DKIM covering both headers: that is the mail
relay's job, which briefgen hands messages to.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from markupsafe import escape

from briefgen.config.defaults import EmailDelivery, addr_spec
from briefgen.config.load import LoadedConfig
from briefgen.errors import DeliveryError
from briefgen.render.email import MERGE_FIELD, merge_marker
from briefgen.textsafe import single_line

#: The body of a one-click unsubscribe POST (RFC 8058, section 3.1).
ONE_CLICK = "List-Unsubscribe=One-Click"

#: The shortest secret the links may be signed with.
MIN_SECRET = 16

#: What the HMAC is of, before the config and the address: tokens of other uses never collide with these.
_PURPOSE = b"briefgen-unsubscribe\0"

#: A token as it stands at the end of a link: 32 bytes of HMAC-SHA256 in base64url, unpadded.
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def list_key(loaded: LoadedConfig) -> str:
    """What names the config in its tokens: its path relative to the project's root (the config's
    name outside a project), so a project moved to another directory keeps its links."""
    try:
        return loaded.path.relative_to(loaded.project_dir.resolve()).as_posix()
    except ValueError:
        return loaded.path.name


def list_id(loaded: LoadedConfig, settings: EmailDelivery) -> str:
    """The list's identifier (RFC 2919): ``email.list_id``, else the config's name and the sender's
    domain, as ``weekly.acme.example``."""
    if settings.list_id:
        return settings.list_id
    label = re.sub(r"[^A-Za-z0-9-]+", "-", loaded.name).strip("-") or "briefing"
    domain = addr_spec(settings.sender or "").rpartition("@")[2] or "briefgen.invalid"
    return f"{label}.{domain}"


def secret(settings: EmailDelivery) -> bytes | None:
    """The secret the config's one-click links are signed with, from the environment variable
    ``unsubscribe.secret_env`` names; None when the config has no unsubscribe URL. An error (exit 1)
    when it is needed and unset or too short: a link that cannot be checked would unsubscribe no one."""
    if settings.unsubscribe.url is None:
        return None
    name = settings.unsubscribe.secret_env
    value = os.environ.get(name, "")
    if len(value) < MIN_SECRET:
        problem = "is not set" if not value else f"is shorter than {MIN_SECRET} characters"
        raise DeliveryError(
            f"environment variable {name} (delivery.email.unsubscribe.secret_env) {problem}: it signs each "
            "recipient's unsubscribe link (python3 -c 'import secrets; print(secrets.token_urlsafe(32))' makes one)",
            exit_code=1,
        )
    return value.encode("utf-8")


def token(key: bytes, config: str, address: str) -> str:
    """The token of ``address``'s link for ``config`` (:func:`list_key`): HMAC-SHA256 under ``key``,
    in base64url; the same address in any case gives the same token."""
    digest = hmac.new(key, _PURPOSE + config.encode() + b"\0" + address.lower().encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def mailto(loaded: LoadedConfig, settings: EmailDelivery) -> str:
    """The ``mailto:`` URL unsubscribe requests by email go to."""
    address = addr_spec(settings.unsubscribe.mailto or settings.reply_to or settings.sender or "")
    return f"mailto:{quote(address, safe='@')}?subject={quote('unsubscribe ' + list_id(loaded, settings))}"


@dataclass(frozen=True)
class ListHeaders:
    """A recipient's list headers, and the link the body shows them."""

    list_id: str
    title: str
    mailto: str
    one_click: str | None

    @property
    def link(self) -> str:
        """The link the body's unsubscribe line shows: the one-click page, else ``mailto:``."""
        return self.one_click or self.mailto

    def headers(self) -> list[tuple[str, list[str]]]:
        """The headers, each as its name and its parts (folded between parts, never encoded: a link
        must reach the mail client as written)."""
        phrase = unicodedata.normalize("NFKD", self.title).encode("ascii", "ignore").decode()
        phrase = " ".join(phrase.replace("\\", "").replace('"', "'").split())[:120]
        out = [("List-Id", [f'"{phrase}"' if phrase else "", f"<{self.list_id}>"])]
        links = [f"<{self.mailto}>"] + ([f"<{self.one_click}>"] if self.one_click else [])
        out.append(("List-Unsubscribe", links))
        if self.one_click:  # RFC 8058 3.1: only beside an HTTPS link
            out.append(("List-Unsubscribe-Post", [ONE_CLICK]))
        return [(name, [p for p in parts if p]) for name, parts in out]


def list_headers(
    loaded: LoadedConfig, settings: EmailDelivery, address: str, key: bytes | None, title: str
) -> ListHeaders:
    """``address``'s list headers for the config (``key``: :func:`secret`)."""
    url = settings.unsubscribe.url
    one_click = f"{url}{token(key, list_key(loaded), addr_spec(address))}" if url and key is not None else None
    return ListHeaders(list_id(loaded, settings), title, mailto(loaded, settings), one_click)


def personalise(html: str, text: str, values: Mapping[str, str], web: str | None = None) -> tuple[str, str]:
    """The built email's two parts with each recipient field (:data:`~briefgen.render.email.MERGE_FIELD`)
    replaced by this recipient's value: escaped in the HTML, on one line in the text; a field the
    recipient has none of is empty. A part whose template printed no unsubscribe link (a client's
    footer that replaces the default one) gets the default line added, so no message goes without
    one; with it the link to the briefing's page (``web``), when the part has none."""

    def in_html(m: re.Match[str]) -> str:
        return str(escape(single_line(values.get(m[1], ""))))

    def in_text(m: re.Match[str]) -> str:
        return single_line(values.get(m[1], ""))

    link = merge_marker("unsubscribe_url")
    if link not in html:
        read = f'<a href="{escape(web)}">Read this briefing on the web</a> · ' if web and web not in html else ""
        line = (
            f'<p style="font-family:Arial,sans-serif;font-size:12px;color:#555555">{read}Sent to '
            f'{merge_marker("address")}. <a href="{link}">Unsubscribe</a></p>'
        )
        end = html.lower().rfind("</body>")
        html = html[:end] + line + "\n" + html[end:] if end >= 0 else html + line + "\n"
    if link not in text:
        read = f"Read this briefing on the web: {web}\n" if web and web not in text else ""
        text = text.rstrip("\n") + f"\n\n{read}Sent to {merge_marker('address')}. Unsubscribe: {link}\n"
    return MERGE_FIELD.sub(in_html, html), MERGE_FIELD.sub(in_text, text)


def recipient_values(address: str, fields: Mapping[str, str], link: str) -> dict[str, str]:
    """What a recipient's fields hold: the CSV's columns and ``name``, their bare address, their link."""
    return {**fields, "address": addr_spec(address), "unsubscribe_url": link}
