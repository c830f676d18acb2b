"""The config's schema, declared once: pydantic models with a default and a docstring per field.

Every field has a default and a docstring, and unknown keys are errors; the configuration
reference in the docs and ``briefgen schema`` are generated from these models (after MkDocs's
``config/defaults.py``). Reading a config from YAML is :mod:`briefgen.config.load`'s job.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import string
from email.headerregistry import Address
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from briefgen.errors import ConfigError

#: One of the formats ``output.formats`` and ``--format`` accept.
Format = Literal["md", "html", "pdf", "email"]


#: The formats ``output.formats`` and ``--format`` accept.
FORMATS: tuple[Format, ...] = get_args(Format)


#: A language a briefing can be written in (ISO 639-1): headings, dates and sentence analysis
#: exist for each (``briefgen.analyse.lang``, ``briefgen.render.words``).
BriefingLanguage = Literal["en", "de", "fr", "es", "it", "nl", "pt"]


BRIEFING_LANGUAGES: tuple[BriefingLanguage, ...] = get_args(BriefingLanguage)


#: The summarizers (selection methods) a config may name; ``summarize.SUMMARIZERS`` implements
#: exactly these. Declared here so that reading a config never loads the selection engine.
SUMMARIZER_NAMES = ("coverage", "centroid", "lead")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


#: A topic term: a word or phrase of at most 1,000 characters.
Term = Annotated[str, Field(max_length=1000)]


class Topic(_Model):
    """What the briefing is about; steers which articles are kept and which sentences are chosen."""

    keywords: list[Term] = Field(default_factory=list, max_length=200)
    """Words and phrases of the topic; matched case-insensitively on word boundaries (at most 200 terms)."""

    entities: list[Term] = Field(default_factory=list, max_length=200)
    """People, organisations and places the briefing follows; weigh more than keywords."""

    exclude: list[Term] = Field(default_factory=list, max_length=200)
    """Terms that mark an article as off-topic (in its title or lead) and a sentence as unusable."""

    brief: str = Field(default="", max_length=5000)
    """What the client wants to know, in plain words ("Discuss conditions on American Indian
    reservations. Include the benefits and drawbacks of the reservation system."). Its words steer
    which articles are kept and which sentences are chosen, alongside keywords and entities; words
    that only say what to do ("discuss", "include", "describe") are ignored. At most 5,000 characters."""

    min_relevance: float = Field(default=0.1, ge=0.0, le=1.0)
    """Articles whose topic relevance (0 to 1) falls below this are dropped as off-topic.
    Ignored when no keywords, entities or brief are given."""


#: A section a briefing may have.
SectionName = Literal["bottom_line", "key_points", "why_it_matters", "by_the_numbers", "key_players", "whats_next"]


SECTION_NAMES: tuple[SectionName, ...] = get_args(SectionName)


_DEFAULT_SECTIONS: tuple[SectionName, ...] = ("bottom_line", "key_points", "why_it_matters")


class Audience(_Model):
    """Who reads the briefing: how long it is and which sections it has."""

    name: str = "executive"
    """Shown in the briefing header."""

    max_points: int = Field(default=5, ge=1, le=50)
    """The most key points the briefing lists."""

    max_words: int = Field(default=250, ge=20, le=5000)
    """About how many words the body (all sections) may take: sections stop adding sentences once
    it is reached, so the last one may run past it."""

    why_it_matters: int = Field(default=2, ge=0, le=10)
    """How many sentences the "Why it matters" section may quote."""

    stories: int = Field(default=3, ge=1, le=30)
    """With ``layout: stories``: how many top stories the briefing tells (those most widely and
    recently reported, and most on topic)."""

    story_points: int = Field(default=2, ge=1, le=10)
    """With ``layout: stories``: the most sentences quoted under each top story. When fewer stories are
    found than ``stories`` asks for, each may take more, up to ``max_points`` sentences in all (a week
    of one story gets its key points under that story)."""

    sections: list[SectionName] = Field(default_factory=lambda: list(_DEFAULT_SECTIONS))
    """Sections in the order they appear (with ``layout: stories``, ``key_points`` is where the top stories go)."""


#: Built-in audiences; a config names one, or a mapping with ``base:`` that overrides fields.
AUDIENCES: dict[str, Audience] = {
    "executive": Audience(),
    "analyst": Audience(
        name="analyst",
        max_points=12,
        max_words=900,
        why_it_matters=4,
        stories=8,
        story_points=3,
        sections=["bottom_line", "key_points", "why_it_matters", "by_the_numbers", "key_players", "whats_next"],
    ),
}


class AudienceOverride(_Model):
    """A built-in audience with some fields replaced."""

    base: str = "executive"
    """The built-in audience to start from."""

    name: str | None = Field(default=None, max_length=200)
    """Shown in the briefing header; defaults to the base's name (at most 200 characters)."""

    max_points: int | None = Field(default=None, ge=1, le=50)
    """The most key points the briefing lists."""

    max_words: int | None = Field(default=None, ge=20, le=5000)
    """About how many words the body may take."""

    why_it_matters: int | None = Field(default=None, ge=0, le=10)
    """How many sentences "Why it matters" may quote."""

    stories: int | None = Field(default=None, ge=1, le=30)
    """With ``layout: stories``: how many top stories the briefing tells."""

    story_points: int | None = Field(default=None, ge=1, le=10)
    """With ``layout: stories``: the most sentences quoted under each top story."""

    sections: list[SectionName] | None = None
    """Sections in the order they appear."""

    @field_validator("base")
    @classmethod
    def _known_base(cls, value: str) -> str:
        if value not in AUDIENCES:
            raise ValueError(f"unknown audience {value!r}; choose one of: {', '.join(AUDIENCES)}")
        return value

    def resolve(self) -> Audience:
        changes = {k: v for k, v in self.model_dump(exclude={"base"}).items() if v is not None}
        return AUDIENCES[self.base].model_copy(update=changes)


class Window(_Model):
    """The date window: the ``days`` days ending on the as-of date, inclusive."""

    days: int = Field(default=7, ge=1, le=3660)
    """How many days the window spans, ending on the as-of date."""

    as_of: dt.date | None = None
    """The last day of the window; ``--as-of`` on the command line wins; default: today."""

    undated: Literal["keep", "flag", "drop"] = "flag"
    """What to do with an article whose date is not known (from its page, URL, text, header or sidecar):
    ``flag`` keeps it, marks it undated in the source list and warns when more than half of the articles
    used are undated; ``keep`` keeps it without the warning (still marked undated); ``drop`` leaves it out.
    An undated article whose text shows it is from before the window is left out whatever this says."""

    @model_validator(mode="after")
    def _starts_after_year_one(self) -> Window:
        if self.as_of is not None:
            try:
                self.as_of - dt.timedelta(days=self.days - 1)
            except OverflowError:
                raise ValueError(
                    f"a {self.days}-day window cannot end on {self.as_of}: it would start before year 1"
                ) from None
        return self


class Output(_Model):
    """What ``build`` writes."""

    formats: list[Format] = Field(default_factory=lambda: list(FORMATS))
    """Formats to render: ``md``, ``html`` (a standalone page), ``pdf``, ``email`` (an email-safe HTML body
    and its plain-text alternative); ``briefing.json`` is always written."""

    dir: str | None = None
    """Output directory, relative to the config file; default ``output/<config name>/<as-of>/``."""

    page_size: Literal["A4", "Letter"] = "A4"
    """Paper size of the PDF."""

    pdf_ua: bool = False
    """Write a tagged, accessible PDF (PDF/UA-1) with a document structure screen readers follow."""

    chart: bool = True
    """Include the chart of articles per day across the window (SVG in HTML and PDF, text elsewhere)."""


class Branding(_Model):
    """How a client's briefings look: reaches the HTML, email and PDF.

    Every string is text, never markup: it is escaped for each format it reaches (HTML, CSS,
    Markdown, plain text), and its length is capped so that no output grows with it.
    """

    client_name: str | None = Field(default=None, max_length=200)
    """The client's name, shown in the masthead and the PDF footer; at most 200 characters."""

    logo: str | None = Field(default=None, max_length=4096)
    """A logo image, relative to the config file; embedded in HTML and PDF. Checked by its content,
    whatever its name: a PNG, a JPEG or an SVG without script, event attributes or external references."""

    accent: str = Field(default="#1f4e79", max_length=32)
    """The accent colour of headings and rules, as ``#rgb`` or ``#rrggbb``."""

    disclaimer: str | None = Field(default=None, max_length=2000)
    """A disclaimer printed after the source list; at most 2,000 characters."""

    footer: str | None = Field(default=None, max_length=1000)
    """Text for the footer, in place of the standard line; at most 1,000 characters."""

    @field_validator("accent")
    @classmethod
    def _hex_colour(cls, value: str) -> str:
        if not re.fullmatch(r"#(?:[0-9a-fA-F]{3}){1,2}", value.strip()):
            raise ValueError(f"accent must be a colour like #1f4e79, not {value[:40]!r}")
        return value.strip().lower()


class Fetch(_Model):
    """How ``http(s)://`` sources are fetched."""

    cache_dir: str | None = None
    """Where fetched pages and feeds are kept, relative to the config; default ``~/.cache/briefgen/http``."""

    max_age_hours: float = Field(default=6.0, ge=0.0)
    """A cached copy younger than this is used without asking the site again; older ones are revalidated."""

    timeout: float = Field(default=20.0, gt=0.0, le=300.0)
    """Seconds one fetch may take in all: connecting, the status line and headers, every redirect and
    the body. A site still answering then is given up on (a copy cached earlier is used, if any)."""


#: What ``briefgen collect`` does with a feed entry: follow its link to the article page when the
#: entry holds only a summary (``auto``), always, or never.
Follow = Literal["auto", "always", "never"]


#: The most characters a source may have.
MAX_SOURCE = 4096


class UrlSource(_Model):
    """An ``http(s)://`` source written as a mapping, to say how ``briefgen collect`` reads it."""

    url: str = Field(max_length=MAX_SOURCE)
    """The address of the page or feed (``http://`` or ``https://``)."""

    follow: Follow | None = None
    """For a feed: ``auto`` follows an entry's link to its article when the entry holds only a
    summary, ``always`` follows every entry, ``never`` keeps entries as the feed gives them;
    default: ``collect.follow``."""

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http:// or https:// address, not {shown_value(value, 60)}")
        return value


class SourceUrl(str):
    """An ``http(s)://`` source given as a mapping: its URL, as every other source is a string, and
    how to follow its entries (:attr:`follow`, None for ``collect.follow``)."""

    follow: Follow | None

    def __new__(cls, url: str, follow: Follow | None = None) -> SourceUrl:
        made = super().__new__(cls, url)
        made.follow = follow
        return made

    def __reduce__(self) -> tuple[type[SourceUrl], tuple[str, Follow | None]]:
        return (SourceUrl, (str(self), self.follow))


def _source(value: object) -> str:
    """A source as written: a path, a glob or a URL; or a mapping ``{url: …, follow: …}``, kept as its
    URL (:class:`SourceUrl`), so that every part of briefgen that reads sources reads strings."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        try:
            spec = UrlSource.model_validate(value)
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"])
                what = (
                    "unknown key (a URL source has url and follow)"
                    if error["type"] == "extra_forbidden"
                    else error["msg"].removeprefix("Value error, ")
                )
                problems.append(f"{where}: {what}" if where else what)
            raise ValueError("; ".join(problems)) from None
        return SourceUrl(spec.url, spec.follow)
    raise ValueError(
        "a source is a path, a glob or an http(s):// address, or a mapping such as {url: https://…, follow: always}"
    )


#: A ``sources`` entry: a string, or a mapping that says how a URL source is collected.
Source = Annotated[
    str,
    PlainValidator(_source),
    WithJsonSchema({"anyOf": [{"type": "string"}, UrlSource.model_json_schema()]}),
]


class Collect(_Model):
    """How ``briefgen collect`` gathers the ``http(s)://`` sources into the project's archive as news
    appears, and how builds read it."""

    archive: str = Field(default="output/archive.sqlite", max_length=MAX_SOURCE)
    """The archive of collected articles (SQLite), relative to the project's root (the directory of
    ``briefgen.yaml``; for a config outside any project, its own directory). Configs that name the
    same archive share it: each article is stored once."""

    follow: Follow = "auto"
    """What ``collect`` does with a feed entry: ``auto`` follows its link and extracts the article
    page when the entry holds only a summary (under 120 words, or cut short with "…" or "Read more"),
    ``always`` follows every entry, ``never`` keeps each entry as the feed gives it. A source written
    as a mapping (``{url: …, follow: …}``) may say otherwise."""

    live: Literal["auto", "always", "never"] = "auto"
    """Whether a build also reads its ``http(s)://`` sources live, beside the articles the archive
    holds for its window: ``auto`` reads live a source the archive has not collected within
    ``fetch.max_age_hours`` (so a project that never runs ``collect`` reads its sources as before),
    ``always`` every source (as ``build --fetch`` does), ``never`` none."""

    delay: float = Field(default=1.0, ge=0.0, le=600.0)
    """Seconds between two requests to one host; a site's robots.txt ``Crawl-delay`` may ask for
    more (up to 60 seconds is honoured)."""

    max_new_pages: int = Field(default=200, ge=0, le=100_000)
    """The most article pages one ``collect`` run fetches to follow feed entries; an entry left over
    is kept as the feed gives it and followed by a later run."""

    workers: int = Field(default=4, ge=1, le=64)
    """How many hosts one ``collect`` run polls at once (each host one request at a time)."""

    retry_hours: float = Field(default=1.0, gt=0.0, le=168.0)
    """After a source fails, the hours before ``collect`` tries it again; the wait doubles with each
    failure in a row, up to ``max_retry_hours``, and is at least what the site's ``Retry-After`` asks."""

    max_retry_hours: float = Field(default=24.0, gt=0.0, le=720.0)
    """The longest wait before a failing source is tried again."""

    alert_hours: float = Field(default=24.0, gt=0.0, le=8760.0)
    """A source that has failed for longer than this makes ``collect`` exit non-zero, so that someone
    looks at it; a shorter outage is retried quietly."""


class Limits(_Model):
    """How much of any one input briefgen takes, so that no single article, file or source can
    take unbounded memory or time. What goes over a limit is cut or skipped with a one-line
    warning naming it, and the reason is recorded in ``ingest.json``."""

    max_bytes: int = Field(default=8 * 1024 * 1024, ge=1024, le=256 * 1024 * 1024)
    """Files and fetched pages larger than this many bytes are skipped (8 MiB)."""

    max_chars: int = Field(default=200_000, ge=1_000, le=900_000)
    """An article's text is cut after this many characters (about 30,000 words)."""

    max_files: int = Field(default=20_000, ge=1, le=1_000_000)
    """The most files one briefing's sources may match; the rest are skipped."""

    max_articles: int = Field(default=20_000, ge=1, le=1_000_000)
    """The most articles one briefing reads (a feed or export holds many); the rest are skipped."""


#: Characters that break a line or change how the text around them shows (C0 and C1 controls, line and
#: paragraph separators, bidirectional controls): never part of an address, a header or a one-line message.
LINE_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


#: The longest address (display name included) a config may give; RFC 5321 allows 254 for the address itself.
MAX_ADDRESS = 500


def shown_value(value: str, limit: int = 80) -> str:
    """``value`` quoted for a message: escaped (so it stays on one line) and cut short."""
    return repr(value[:limit]) + ("\u2026" if len(value) > limit else "")


def _char_name(ch: str) -> str:
    import unicodedata

    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} ({name or 'a control character'})"


def _email_address(value: str) -> str:
    """One address, optionally with a display name (``Ops Desk <ops@example.com>``), normalised.

    Control characters, line and paragraph separators and bidirectional controls are refused
    anywhere in it: they could start a new header line or disguise the address."""
    from email_validator import EmailNotValidError, validate_email

    if len(value) > MAX_ADDRESS:
        raise ValueError(
            f"{shown_value(value)} is too long for an address ({len(value)} characters; at most {MAX_ADDRESS})"
        )
    bad = LINE_UNSAFE.search(value)
    if bad:
        raise ValueError(
            f"{shown_value(value)} contains {_char_name(bad.group())}: control characters, line and paragraph "
            "separators and bidirectional controls are not allowed in an address"
        )
    found = email.utils.getaddresses([value])
    if len(found) != 1 or not found[0][1]:
        raise ValueError(f"{shown_value(value)} is not one email address")
    name, addr = found[0]
    try:
        info = validate_email(addr, check_deliverability=False, globally_deliverable=False, test_environment=True)
    except EmailNotValidError as exc:
        raise ValueError(f"{shown_value(value)} is not an email address: {exc}") from None
    return str(Address(display_name=name, addr_spec=info.normalized)) if name else info.normalized


EmailAddress = Annotated[str, AfterValidator(_email_address)]


#: The fields a subject template may use; ``as_of`` and ``window_start`` are dates, so
#: ``{as_of:%d %B %Y}`` formats them.
SUBJECT_FIELDS = ("title", "as_of", "window_start", "client", "audience", "config")


#: The subject fields that are dates: their format is a ``strftime`` format.
_DATE_FIELDS = ("as_of", "window_start")


#: The widest width or precision a subject field's format may ask for.
MAX_FORMAT_WIDTH = 200


#: The longest subject template, and the longest subject line: RFC 5322 keeps a header line under
#: 998 characters (78 recommended) and a subject is read at a glance; a longer one is cut with "…".
MAX_SUBJECT_TEMPLATE = 1000


MAX_SUBJECT = 250


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


#: What a host name may not contain: a space or a control character would end the SMTP command it
#: is sent in (EHLO), and a name has no use for ``<>@,;"`` or a backslash.
_NOT_IN_HOST_NAME = re.compile(r'[\s<>@,;"\\]')


def _format_widths(name: str, spec: str) -> list[str]:
    """The widths and precisions (as digit strings) a subject field's format asks for."""
    if name in _DATE_FIELDS:  # strftime: ``%10Y`` pads to 10
        return [m.group(1) for m in re.finditer(r"%%|%[-_0^#]*(\d+)", spec) if m.group(1)]
    return re.findall(r"\d+", spec)


class Smtp(_Model):
    """The mail server briefings are handed to."""

    host: str = "localhost"
    """Host name or address of the SMTP server."""

    port: int | None = Field(default=None, ge=1, le=65535)
    """Port; default 25 with ``security: none``, 587 with ``starttls``, 465 with ``ssl``."""

    security: Literal["none", "starttls", "ssl"] = "starttls"
    """``starttls`` upgrades a plain connection (port 587), ``ssl`` connects over TLS from the start
    (port 465), ``none`` sends in the clear (a local relay only; credentials are then refused
    unless the host is this machine)."""

    ca_file: str | None = None
    """A PEM file of certificate authorities to trust instead of the system's (a private relay),
    relative to the config file."""

    timeout: float = Field(default=30.0, gt=0.0, le=600.0)
    """Seconds to wait on the server before counting the attempt as failed (and retrying)."""

    helo: str | None = None
    """The name briefgen gives in EHLO; default: this machine's fully qualified name."""

    @field_validator("host", "helo")
    @classmethod
    def _host_name(cls, value: str | None) -> str | None:
        """A name with a space or a line break in it would end the SMTP command it is sent in."""
        if value is not None and (
            not value or len(value) > 255 or LINE_UNSAFE.search(value) or _NOT_IN_HOST_NAME.search(value)
        ):
            raise ValueError(f"{shown_value(value)} is not a host name (no spaces, control characters or <>@,;)")
        return value

    def resolved_port(self) -> int:
        return self.port or {"none": 25, "starttls": 587, "ssl": 465}[self.security]


class Retry(_Model):
    """How transient failures (4xx replies, dropped connections, timeouts) are retried."""

    attempts: int = Field(default=5, ge=1, le=20)
    """Tries per message, the first included."""

    first_delay: float = Field(default=2.0, ge=0.0, le=600.0)
    """Seconds to wait before the second try; each later wait doubles."""

    max_delay: float = Field(default=60.0, ge=0.0, le=3600.0)
    """The longest wait between two tries."""

    def delay(self, failures: int) -> float:
        """The wait after the ``failures``-th failed try: exponential, bounded by ``max_delay``."""
        return min(self.max_delay, self.first_delay * 2.0 ** (failures - 1))


#: A dot-atom list identifier (RFC 2919, ``list-label.namespace``): atoms of letters, digits and
#: ``!#$%&'*+-/=?^_`{|}~``, at least two, joined by dots.
_LIST_ID = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)+")


def web_address(value: str, what: str, *, https_only: bool = False) -> str:
    """A public ``https://`` (or, unless ``https_only``, ``http://``) address with a host, no
    credentials, query or fragment, ending in ``/`` so that names can be added to it. The value is
    not echoed: a token pasted by mistake stays out of the message."""
    from urllib.parse import urlsplit

    schemes = ("https",) if https_only else ("https", "http")
    shown = " or ".join(f"{s}://" for s in schemes)
    if LINE_UNSAFE.search(value) or any(c.isspace() for c in value):
        raise ValueError(f"{what} must be one {shown} address, without spaces or control characters")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise ValueError(f"{what} is not an {shown} address") from None
    if parts.scheme.lower() not in schemes or not parts.hostname:
        raise ValueError(f"{what} must be an {shown} address with a host")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{what} may not hold a user name or password")
    if parts.query or parts.fragment or "?" in value or "#" in value:
        raise ValueError(f"{what} may not have a query (?…) or a fragment (#…)")
    return value if value.endswith("/") else value + "/"


class Unsubscribe(_Model):
    """How a recipient stops the briefing: every message carries ``List-Unsubscribe`` (RFC 2369), with
    a ``mailto:`` address and, when ``url`` is set, a one-click link of the recipient's own (RFC 8058)."""

    mailto: EmailAddress | None = None
    """Where unsubscribe requests by email go (the ``mailto:`` of ``List-Unsubscribe``, with the subject
    ``unsubscribe <list id>``); default: ``reply_to``, else ``from``. Someone reads that mailbox and runs
    ``briefgen unsubscribe ADDRESS``."""

    url: str | None = Field(default=None, max_length=500)
    """The public ``https://`` address of the one-click endpoint that ``briefgen serve --unsubscribe``
    answers behind a reverse proxy, such as ``https://briefings.example.com/unsubscribe/``. Each
    message then links to ``<url><token>``, the token an HMAC-SHA256 of the config and the recipient's
    address (never the address itself), and carries ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``."""

    secret_env: str = "BRIEFGEN_UNSUBSCRIBE_SECRET"
    """The name of the environment variable holding the secret the links are signed with (at least 16
    characters; ``send`` and ``serve --unsubscribe`` need the same one). Only read when ``url`` is set."""

    @field_validator("url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        return None if value is None else web_address(value, "unsubscribe.url", https_only=True)

    @field_validator("secret_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not _ENV_NAME.fullmatch(value):
            raise ValueError(
                "this is not the name of an environment variable (letters, digits and _); the secret itself "
                "never goes in the config"
            )
        return value


class EmailDelivery(_Model):
    """Who gets the briefing by email, and through which server."""

    to: list[EmailAddress] = Field(default_factory=list)
    """Recipients named in the To header; each gets a message of their own."""

    cc: list[EmailAddress] = Field(default_factory=list)
    """Recipients named in the Cc header; each gets a message of their own."""

    bcc: list[EmailAddress] = Field(default_factory=list)
    """Recipients named in no header; each gets a message of their own."""

    recipients_csv: str | None = Field(default=None, max_length=4096)
    """A CSV file of more recipients, relative to the config file: a header row, then one recipient a
    row. Its ``address`` column (or ``email``) is required; ``name`` is optional; any other column
    (a name of letters, digits and ``_``) is a field the email templates may print as
    ``recipient.<column>``. Each gets a message of their own, addressed to them alone; one listed
    above too gets one message. ``briefgen validate`` checks every row, naming the file and line of
    a bad one. Read when sending, so a recipient added later gets the same build the others got."""

    list_id: str | None = Field(default=None, max_length=255)
    """The briefing's list identifier in every message's ``List-Id`` header (RFC 2919), a dotted name
    such as ``weekly.acme.example``; default: the config's name and the ``from`` address's domain.
    Mail clients file and filter by it."""

    unsubscribe: Unsubscribe = Field(default_factory=Unsubscribe)
    """How recipients unsubscribe: the ``mailto:`` address and the one-click link every message carries."""

    sender: EmailAddress | None = Field(default=None, alias="from")
    """The From address (required with recipients); also the envelope sender."""

    reply_to: EmailAddress | None = None
    """Where replies go, when not to the From address."""

    subject: str = "{title} \u2014 week of {as_of}"
    """The subject line; may use ``{title}``, ``{as_of}``, ``{window_start}`` (dates take a format such
    as ``{as_of:%d %B %Y}``), ``{client}``, ``{audience}`` and ``{config}``. Widths and precisions
    (``{title:.60}``) go up to 200; the template may be 1000 characters long and the subject is cut
    at 250 characters (RFC 5322 keeps header lines short); control characters become spaces."""

    smtp: Smtp = Field(default_factory=Smtp)
    """The mail server."""

    username_env: str | None = None
    """The name of the environment variable holding the SMTP user name; credentials never live in YAML."""

    password_env: str | None = None
    """The name of the environment variable holding the SMTP password."""

    retry: Retry = Field(default_factory=Retry)
    """How transient failures are retried."""

    @field_validator("subject")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        if len(value) > MAX_SUBJECT_TEMPLATE:
            raise ValueError(f"subject is {len(value)} characters long; at most {MAX_SUBJECT_TEMPLATE}")
        try:
            fields = [(f, spec or "") for _, f, spec, _ in string.Formatter().parse(value) if f is not None]
        except ValueError as exc:
            raise ValueError(f"subject is not a valid template: {exc}") from None
        for name, spec in fields:
            if name not in SUBJECT_FIELDS:
                shown = f"{{{name}}}" if len(name) <= 40 and not LINE_UNSAFE.search(name) else shown_value(name, 40)
                raise ValueError(
                    f"unknown subject field {shown}; use {', '.join('{' + f + '}' for f in SUBJECT_FIELDS)}"
                )
            # Checked before anything is formatted: {title:>10000000000} would take gigabytes.
            if "{" in spec:
                raise ValueError(f"the format of {{{name}}} may not contain another field")
            if any(len(n.lstrip("0")) > 3 or int(n) > MAX_FORMAT_WIDTH for n in _format_widths(name, spec)):
                raise ValueError(
                    f"the format of {{{name}}} asks for a width or precision above {MAX_FORMAT_WIDTH} characters"
                )
        try:
            subject_line(
                value,
                title="T",
                as_of=dt.date(2025, 1, 6),
                window_start=dt.date(2024, 12, 31),
                client="C",
                audience="A",
                config="c",
            )
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise ValueError(f"subject cannot be formatted: {exc}") from None
        return value

    @field_validator("list_id")
    @classmethod
    def _dotted(cls, value: str | None) -> str | None:
        if value is not None and not _LIST_ID.fullmatch(value):
            raise ValueError(
                "list_id must be a dotted name of letters, digits and - _ (such as weekly.acme.example), without <>"
            )
        return value

    @field_validator("username_env", "password_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        # Never echoed: what is here by mistake is often the secret itself.
        if value is not None and not _ENV_NAME.fullmatch(value):
            raise ValueError(
                "this is not the name of an environment variable (letters, digits and _, such as SMTP_PASSWORD); "
                "the credential itself never goes in the config"
            )
        return value

    @model_validator(mode="after")
    def _complete(self) -> EmailDelivery:
        # Recipients are not required here: a project's defaults name the sender and server for
        # every config, each config adds its own recipients, and one without any still builds
        # (``send`` says it has no one to send to).
        if self.sender is None:
            raise ValueError("give the From address as from:")
        if (self.username_env is None) != (self.password_env is None):
            raise ValueError("give both username_env and password_env, or neither")
        return self

    def recipients(self) -> list[tuple[str, str]]:
        """Every distinct recipient as ``(kind, address)``; a person listed twice gets one message."""
        seen: set[str] = set()
        out: list[tuple[str, str]] = []
        for kind, addresses in (("to", self.to), ("cc", self.cc), ("bcc", self.bcc)):
            for address in addresses:
                key = addr_spec(address).lower()
                if key not in seen:
                    seen.add(key)
                    out.append((kind, address))
        return out


def email_address(value: str) -> str:
    """One address as a config gives it (``Ops Desk <ops@example.com>``), checked and normalised; a
    ValueError saying what is wrong with it."""
    return _email_address(value)


def addr_spec(address: str) -> str:
    """The bare ``local@domain`` of an address that may carry a display name."""
    return email.utils.parseaddr(address)[1] or address


def subject_line(template: str, **fields: object) -> str:
    """Fill a subject template; whitespace (newlines from a YAML title) collapses to single spaces,
    control characters become spaces (a header is one line), and the line is cut at
    :data:`MAX_SUBJECT` characters."""
    text = " ".join(LINE_UNSAFE.sub(" ", template.format(**fields)).split())
    return text if len(text) <= MAX_SUBJECT else text[: MAX_SUBJECT - 1].rstrip() + "\u2026"


#: An Apprise URL's scheme, as ``slack://`` or ``json://`` begins it.
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,31}://\S")


class NotifyTarget(_Model):
    """A team chat or webhook the briefing is announced to, through Apprise."""

    url: str | None = Field(default=None, max_length=4096, repr=False)
    """An Apprise URL: ``slack://``, ``msteams://`` (or ``workflows://``), ``tgram://``, ``matrix://``
    (``matrixs://``), ``discord://``, ``json://`` (``jsons://``) for a plain JSON webhook, or a
    service's own webhook address. Such a URL usually holds a token: prefer ``url_env``. Never shown:
    output and the delivery log name a target by its kind, host and a hash."""

    url_env: str | None = None
    """The name of the environment variable holding the URL, so its token stays out of the config."""

    name: str | None = Field(default=None, max_length=100)
    """How the target is shown in output and the delivery log (default: its scheme, and its host for
    ``json://`` and the like), followed by a hash of the URL."""

    pdf: bool | None = None
    """Attach the PDF (``true``) or link to the briefing's page in the published archive (``false``);
    default: the link when ``delivery.site.base_url`` is set, else the PDF. A service that takes no
    attachments gets the link, or neither."""

    @field_validator("url")
    @classmethod
    def _apprise_url(cls, value: str | None) -> str | None:
        # Never echoed: the URL holds the token.
        if value is not None and (not _URL_SCHEME.match(value) or LINE_UNSAFE.search(value)):
            raise ValueError(
                "not an Apprise URL (scheme://…, such as slack://… or json://host/path), "
                "or it holds spaces or control characters"
            )
        return value

    @field_validator("url_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.fullmatch(value):
            raise ValueError(
                "this is not the name of an environment variable (letters, digits and _, such as SLACK_WEBHOOK_URL)"
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _bare_url(cls, value: object) -> object:
        """A bare string is shorthand for ``{url: ...}``."""
        return {"url": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_source(self) -> NotifyTarget:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give the target's url or its url_env, not both")
        return self


class Site(_Model):
    """The client's archive: a static site of the config's briefings that ``briefgen publish`` keeps."""

    dir: str | None = None
    """Where the site is written, relative to the config file; default ``output/site/<config name>/``
    in the project's root. Copy it to any static host."""

    base_url: str | None = Field(default=None, max_length=500)
    """The site's public address once deployed (``https://briefings.acme.example/weekly/``): the email
    then links to the briefing's page there, notifications link to it, and the Atom feed's links are
    absolute. Without it every link of the site is relative. Part of what a build is made from, since
    the email shows it."""

    title: str | None = Field(default=None, max_length=200)
    """The site's title; default: the config's title."""

    @field_validator("base_url")
    @classmethod
    def _public(cls, value: str | None) -> str | None:
        return None if value is None else web_address(value, "site.base_url")


class Delivery(_Model):
    """How built briefings reach their readers."""

    email: EmailDelivery | None = None
    """Send the briefing by email: a plain-text part, the email-safe HTML part and the PDF attached."""

    notify: list[NotifyTarget] = Field(default_factory=list, max_length=50)
    """Team chats and webhooks to announce the briefing to (Slack, Microsoft Teams, Telegram, Matrix,
    Discord, a plain JSON webhook): each gets its bottom line, the top stories' headlines (the key
    points without stories) and the link or the PDF, once, like a recipient. Each item is an Apprise
    URL or a mapping with ``url`` or ``url_env``. Needs ``pip install 'briefgen[notify]'``."""

    notify_retry: Retry = Field(default_factory=Retry)
    """How failed notifications (a refused connection, HTTP 429 or 5xx) are retried."""

    site: Site = Field(default_factory=Site)
    """The client's archive of briefings that ``briefgen publish`` writes, and its public address."""

    log: str | None = None
    """The SQLite delivery log, relative to the config file; default ``output/deliveries.sqlite`` in
    the working directory. It records every message so nothing is sent twice."""

    require_approval: bool = False
    """Send only a build an editor approved (``briefgen approve OUTDIR``) and nothing changed since:
    ``send`` and ``batch --send`` refuse any other with one line naming why."""


class Config(_Model):
    """One briefing: its topic, audience, sources, window and output."""

    title: str = Field(default="Briefing", max_length=200)
    """The briefing's title; at most 200 characters. Text, never markup, in every format."""

    topic: Topic = Field(default_factory=Topic)
    """What the briefing is about."""

    audience: AudienceOverride = Field(default_factory=AudienceOverride)
    """A built-in audience name (executive, analyst) or a mapping with ``base:`` and overrides."""

    sources: list[Source] = Field(min_length=1)
    """Files, directories or glob patterns of articles, relative to the config file, or ``http(s)://``
    URLs of pages and feeds. A URL may also be written as a mapping that says how ``briefgen collect``
    follows its entries: ``{url: https://example.com/feed.xml, follow: always}`` (``follow``: ``auto``,
    ``always`` or ``never``; default ``collect.follow``)."""

    fetch: Fetch = Field(default_factory=Fetch)
    """How URL sources are fetched and cached."""

    collect: Collect = Field(default_factory=Collect)
    """Where ``briefgen collect`` keeps the articles of the URL sources, how politely it fetches them,
    and whether builds also read those sources live."""

    window: Window = Field(default_factory=Window)
    """The date window articles must fall in, and what to do with undated ones (flagged by default)."""

    output: Output = Field(default_factory=Output)
    """What to write."""

    client: str | None = None
    """A client whose templates (in ``templates/clients/<client>/``) override the defaults."""

    templates: str | None = None
    """A directory of templates that override the client's and the defaults, relative to the config file."""

    branding: Branding = Field(default_factory=Branding)
    """The client's name, logo, accent colour, disclaimer and footer."""

    layout: Literal["stories", "sections"] = "stories"
    """How the briefing is organised. ``stories``: the articles are grouped into stories (one event or
    development followed over days), and the briefing leads with the top stories, each with its
    headline, how many articles and outlets reported it and when, and its key sentences; the other
    sections are drawn from those stories. ``sections``: key points chosen across all articles, in
    one list. A week of news holds many stories, so ``stories`` is the default."""

    summarizer: str = "coverage"
    """How key points are chosen: ``coverage`` (bigram concepts, budgeted greedy), ``centroid`` (centroid
    relevance with MMR) or ``lead`` (each source's first sentences)."""

    novelty: Literal["previous", "none"] = "previous"
    """``previous``: when this config has an earlier briefing (in its output tree, or sent by the
    delivery log), say what is new since it: nothing it quoted is quoted again, what its articles
    told counts for less, and key points lead with what is new. ``none``: every briefing stands alone."""

    spacy_model: str | None = None
    """A spaCy pipeline to load; default: ``en_core_web_sm`` when installed, else a blank English pipeline."""

    language: BriefingLanguage = "en"
    """The briefing's language (ISO 639-1): English, German, French, Spanish, Italian, Dutch or
    Portuguese. Its headings, labels and dates are in it, and only articles in it are quoted: one in
    another language is left out, saying which ("German; this briefing is in English")."""

    languages: list[Annotated[str, Field(pattern=r"^[a-z]{2}$")]] = Field(default_factory=list, max_length=20)
    """The languages of the articles the briefing may quote (ISO 639-1 codes such as ``de``); default: only
    ``language``. With several, each quoted sentence is marked with its language."""

    delivery: Delivery = Field(default_factory=Delivery)
    """Email recipients, the mail server and the delivery log."""

    limits: Limits = Field(default_factory=Limits)
    """How much of any one input is read: bytes per file, characters per article, files and articles per briefing."""

    follow_symlinks: bool = False
    """Follow symbolic links in source directories that lead outside the directory (links that stay
    inside it are always followed; loops never are)."""

    @field_validator("audience", mode="before")
    @classmethod
    def _audience_by_name(cls, value: object) -> object:
        """A bare name is shorthand for ``{base: name}``."""
        return {"base": value} if isinstance(value, str) else value

    @field_validator("client")
    @classmethod
    def _plain_client_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", value):
            raise ValueError(f"client must be a plain directory name (letters, digits, . _ -), not {value!r}")
        return value

    @field_validator("summarizer")
    @classmethod
    def _known_summarizer(cls, value: str) -> str:
        if value not in SUMMARIZER_NAMES:
            raise ValueError(f"unknown summarizer {value!r}; choose one of: {', '.join(SUMMARIZER_NAMES)}")
        return value

    def resolved_audience(self) -> Audience:
        return self.audience.resolve()


def expand_user(path: str) -> Path:
    """``~`` and ``~user`` expanded; a user that does not exist leaves the path as written."""
    try:
        return Path(path).expanduser()
    except RuntimeError:  # no such user, or no home directory
        return Path(path)


def window_start(as_of: dt.date, days: int) -> dt.date:
    """The first day of a ``days``-day window ending on ``as_of``; a ConfigError when it falls before year 1."""
    try:
        return as_of - dt.timedelta(days=days - 1)
    except OverflowError:
        raise ConfigError(
            f"a {days}-day window cannot end on {as_of.isoformat()}: it would start before year 1"
        ) from None


class BatchSettings(_Model):
    """How ``briefgen batch`` runs the project's configs when its command line does not say."""

    scheduler: str | None = Field(default=None, max_length=1000)
    """The Dask scheduler to build on, ``tcp://HOST:PORT`` or a scheduler file; ``--scheduler`` and
    ``BRIEFGEN_DASK_SCHEDULER`` win over it, and so does ``--workers``."""

    workers: int = Field(default=1, ge=1, le=1024)
    """How many local processes to build on when no scheduler is named; ``--workers`` wins over it."""


class ProjectFile(_Model):
    """``briefgen.yaml``: marks the root of a project and holds what its configs share."""

    defaults: dict[str, Any] = Field(default_factory=dict)
    """Keys every config of the project inherits, as a config would write them (a config's own
    keys win; mappings merge key by key, lists are replaced): ``delivery.email.smtp``,
    ``delivery.email.from``, ``branding``, ``sources``... Paths are relative to the project's root."""

    batch: BatchSettings = Field(default_factory=BatchSettings)
    """Where ``briefgen batch`` builds: in one process, on local processes or on a Dask cluster."""
