"""``briefgen publish``: a config's briefings as a static site its client can open and subscribe to.

The site (``delivery.site.dir``, default ``output/site/<config>/`` in the project's root) holds:

- ``index.html``: every briefing published, newest first, each with its bottom line, its top
  stories' headlines (or key points), and links to its page and its PDF;
- ``<as-of>/index.html``: the briefing's own page (the build's ``briefing.html``) with a link back
  to the index, and ``<as-of>/<title>-<as-of>.pdf``: its PDF, named as the email names it;
- ``feed.xml``: an Atom feed (RFC 4287) of the briefings, made with feedgenerator;
- ``site.json``: what the site lists, so that each run adds to it; a briefing stays published when
  its build is later removed.

Which builds are published: a briefing the delivery log shows went out to anyone; the one named with
``--as-of`` (to publish it before sending, so the email's link works on arrival), once approved
when the config requires approval; and, for a config that is neither emailed nor announced, every
finished build in its output tree. A build is published only when intact (every file as its manifest
records it, every quote at its offsets).

Every link in the site is relative, so it reads the same from any host, a sub-directory or the
disk; with ``delivery.site.base_url`` the feed's links are absolute, as feed readers need. No local
path is written: the pages are checked for the project's own directories, which are removed.
Output is deterministic: the same builds give the same bytes, and a file is rewritten only when it
changes (a sync to the host copies only what is new).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import feedgenerator
from markupsafe import escape
from pydantic import BaseModel, ConfigDict, Field

from briefgen._version import __version__
from briefgen.config.load import LoadedConfig
from briefgen.deliver.message import attachment_name
from briefgen.deliver.unsubscribe import list_key
from briefgen.errors import BriefgenError, OutputError
from briefgen.records.approval import approval_problem, build_problems
from briefgen.records.deliveries import DeliveryLog, delivery_log_path
from briefgen.records.files import load_record, read_record, remove_own, write_atomically
from briefgen.records.headlines import read_headlines
from briefgen.records.manifest import MANIFEST, OUTPUT_FILES, default_out_dir, read_manifest
from briefgen.textsafe import single_line

logger = logging.getLogger(__name__)

#: The site's own record of what it lists.
SITE_RECORD = "site.json"
#: The largest ``site.json`` read back: 10,000 briefings of about 1 KB each, with room to spare.
MAX_SITE_RECORD = 32 * 1024 * 1024
#: The largest page or PDF copied into the site (what any build writes is far smaller).
MAX_PAGE_BYTES = 64 * 1024 * 1024
#: The most headlines (or key points) the index shows under a briefing.
MAX_INDEX_HEADLINES = 8
#: The namespace of the entries' ids in the feed (``urn:uuid:``, RFC 4122 version 5): stable across
#: runs and hosts, so a feed reader never shows a briefing twice.
FEED_NAMESPACE = uuid.UUID("6f1d3c3e-5a0b-5d7e-9c47-0b2b6f1a9e21")


class SiteEntry(BaseModel):
    """One published briefing, as ``site.json`` lists it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    as_of: dt.date
    title: str = Field(max_length=1000)
    bottom_line: tuple[str, ...] = ()
    headlines: tuple[str, ...] = ()
    stories: bool = False
    page: bool = False
    """Whether the site has the briefing's page (a build without ``briefing.html`` has only its PDF)."""
    pdf: str = Field(pattern=r"^[a-z0-9-]{1,80}\.pdf$")
    pdf_bytes: int = Field(ge=0)


class SiteRecord(BaseModel):
    """What ``site.json`` holds."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    briefgen: str = __version__
    config: str = ""
    entries: tuple[SiteEntry, ...] = ()


@dataclass(frozen=True)
class Published:
    """What one ``publish`` of a config did."""

    config: Path
    site: Path
    entries: int
    """How many briefings the site lists."""
    written: tuple[dt.date, ...]
    """The briefings added or updated by this run."""
    files: int
    """How many files this run wrote (those unchanged are left as they are)."""


def site_dir(loaded: LoadedConfig) -> Path:
    """Where the config's site is written: ``delivery.site.dir``, else ``output/site/<config>/`` in the project's root."""
    site = loaded.config.delivery.site
    return loaded.resolve(site.dir) if site.dir else loaded.project_dir / "output" / "site" / loaded.name


def _read_site(site: Path) -> SiteRecord:
    raw = read_record(site / SITE_RECORD, MAX_SITE_RECORD, inside=site)
    return SiteRecord() if raw is None else load_record(site / SITE_RECORD, SiteRecord, raw)


def _delivers(loaded: LoadedConfig) -> bool:
    delivery = loaded.config.delivery
    return delivery.email is not None or bool(delivery.notify)


def _sent_dates(loaded: LoadedConfig, delivery_log: Path | None) -> set[dt.date]:
    path = delivery_log_path(loaded, delivery_log)
    if not path.exists():
        return set()
    with DeliveryLog(path, readonly=True) as journal:
        return set(journal.sent_dates(str(loaded.path)))


def _built_dates(loaded: LoadedConfig) -> set[dt.date]:
    """The dates of the builds in the config's output tree (``output/<config>/<as-of>/``)."""
    if loaded.config.output.dir:
        return set()
    tree = loaded.project_dir / "output" / loaded.name
    found = set()
    try:
        for child in tree.iterdir():
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", child.name) and (child / MANIFEST).is_file():
                try:
                    found.add(dt.date.fromisoformat(child.name))
                except ValueError:
                    continue
    except OSError:
        return set()
    return found


def _build_of(loaded: LoadedConfig, as_of: dt.date, named: bool) -> Path | None:
    """The intact finished build of the config for ``as_of``, or None (saying why when it was ``named``)."""
    out_dir = default_out_dir(loaded, as_of)
    try:
        found = read_manifest(out_dir)
        if found is None:
            raise OutputError(f"{out_dir}: no finished build of {as_of}")
        manifest = found[0]
        if manifest.config != str(loaded.path) or manifest.as_of != as_of.isoformat():
            raise OutputError(f"{out_dir}: the build there is of {manifest.config} for {manifest.as_of}")
        problems = build_problems(out_dir, manifest)
        if problems:
            raise OutputError(f"{out_dir}: not as built ({problems[0]})")
    except BriefgenError as exc:
        if named:
            raise
        logger.warning("not published: %s", exc)
        return None
    return out_dir


def publish(loaded: LoadedConfig, *, as_of: dt.date | None = None, delivery_log: Path | None = None) -> Published:
    """Add the config's briefings to its site (see the module's docstring for which), and write the
    index and the feed again; what was done. ``as_of`` names a build to publish now, which must be
    finished and intact, and approved when the config requires approval."""
    site = site_dir(loaded)
    try:
        site.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot make the site directory {site}: {exc.strerror or exc}") from None
    record = _read_site(site)
    entries = {e.as_of: e for e in record.entries}
    sent = _sent_dates(loaded, delivery_log)
    dates = set(sent)
    if not _delivers(loaded):
        dates |= _built_dates(loaded)
    if as_of is not None:
        dates.add(as_of)
    written: list[dt.date] = []
    files = 0
    for day in sorted(dates):
        out_dir = _build_of(loaded, day, named=day == as_of)
        if out_dir is None:
            continue
        if day not in sent and loaded.config.delivery.require_approval:
            problem = approval_problem(out_dir)
            if problem is not None:
                if day == as_of:
                    raise OutputError(f"{out_dir}: not published: the briefing is {problem}")
                continue
        entry, changed = _publish_build(loaded, out_dir, day, site, entries.get(day))
        entries[day] = entry
        files += changed
        if changed:
            written.append(day)
    ordered = sorted(entries.values(), key=lambda e: e.as_of, reverse=True)
    record = SiteRecord(config=list_key(loaded), entries=tuple(ordered))
    files += _write(site / SITE_RECORD, record.model_dump_json(indent=2) + "\n", site)
    files += _write(site / "index.html", index_page(loaded, ordered), site)
    files += _write(site / "feed.xml", atom_feed(loaded, ordered), site)
    return Published(loaded.path, site, len(ordered), tuple(written), files)


def _write(path: Path, data: str | bytes, site: Path) -> int:
    """Write ``data`` to ``path`` in the site unless it holds exactly that already; 1 when written."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if read_record(path, max(len(raw), 1), inside=site) == raw:
            return 0
    except OutputError:
        pass  # larger than what is to be written, or not a regular file: write_atomically says which
    write_atomically(path, raw, inside=site)
    return 1


def _publish_build(
    loaded: LoadedConfig, out_dir: Path, day: dt.date, site: Path, before: SiteEntry | None
) -> tuple[SiteEntry, int]:
    """Copy one build's page and PDF into the site; its entry, and how many files were written."""
    headlines = read_headlines(out_dir / OUTPUT_FILES["json"])
    if headlines is None:
        raise OutputError(f"{out_dir}: the build has no {OUTPUT_FILES['json']}")
    pdf = read_record(out_dir / OUTPUT_FILES["pdf"], MAX_PAGE_BYTES, inside=out_dir)
    if pdf is None:
        raise OutputError(f"{out_dir}: the build has no {OUTPUT_FILES['pdf']}: add pdf to output.formats")
    page = read_record(out_dir / OUTPUT_FILES["html"], MAX_PAGE_BYTES, inside=out_dir)
    folder = site / day.isoformat()
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot make {folder}: {exc.strerror or exc}") from None
    pdf_name = attachment_name(loaded.config.title, day)
    if before is not None and before.pdf != pdf_name:
        remove_own(folder / before.pdf)
    changed = _write(folder / pdf_name, pdf, site)
    if page is not None:
        changed += _write(folder / "index.html", briefing_page(loaded, page.decode("utf-8"), pdf_name), site)
    else:
        logger.warning(
            "%s: no %s: the site lists its PDF only (add html to output.formats)", out_dir, OUTPUT_FILES["html"]
        )
        if before is not None and before.page:
            remove_own(folder / "index.html")
    entry = SiteEntry(
        as_of=day,
        title=single_line(headlines.title or loaded.config.title),
        bottom_line=headlines.bottom_line,
        headlines=headlines.headlines,
        stories=headlines.stories,
        page=page is not None,
        pdf=pdf_name,
        pdf_bytes=len(pdf),
    )
    return entry, changed + (entry != before)


def _local_paths(loaded: LoadedConfig) -> list[str]:
    """The directories whose absolute paths must never appear in a published page, longest first."""
    paths = {str(loaded.project_dir.resolve()), str(loaded.base_dir.resolve()), str(Path.home())}
    return sorted((p for p in paths if len(p) > 1), key=len, reverse=True)


def briefing_page(loaded: LoadedConfig, html: str, pdf_name: str) -> str:
    """The build's page as the site shows it: a link to the index and the PDF after ``<body>``, and
    no local path (the project's directories and the home directory are removed, with a warning)."""
    for local in _local_paths(loaded):
        for form in (f"file://{local}/", f"{local}/", local):
            if form in html:
                logger.warning("the page of %s named a local path; it is left out of the site", loaded.name)
                html = html.replace(form, "")
    nav = (
        '<nav class="archive" style="font-family:Arial,sans-serif;font-size:.85rem;margin:.5rem 1rem">'
        f'<a href="../index.html">All briefings</a> · <a href="{escape(pdf_name)}">PDF</a></nav>\n'
    )
    body = re.search(r"<body\b[^>]*>", html, re.IGNORECASE)
    return html[: body.end()] + "\n" + nav + html[body.end() :] if body else nav + html


def _date_text(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def site_title(loaded: LoadedConfig) -> str:
    return single_line(loaded.config.delivery.site.title or loaded.config.title)


def index_page(loaded: LoadedConfig, entries: list[SiteEntry]) -> str:
    """``index.html``: every briefing, newest first, escaped, with relative links only."""
    title = site_title(loaded)
    accent = loaded.config.branding.accent
    client = loaded.config.branding.client_name
    items = []
    for e in entries:
        day = e.as_of.isoformat()
        target = f"{day}/index.html" if e.page else f"{day}/{e.pdf}"
        heads = "".join(f"<li>{escape(h)}</li>" for h in e.headlines[:MAX_INDEX_HEADLINES])
        label = "Top stories" if e.stories else "Key points"
        items.append(
            f'<li class="briefing" id="b-{day}"><article>\n'
            f'<h2><a href="{target}">{escape(e.title)}</a></h2>\n'
            f'<p class="date"><time datetime="{day}">{_date_text(e.as_of)}</time></p>\n'
            + (f'<p class="bottom-line">{escape(" ".join(e.bottom_line))}</p>\n' if e.bottom_line else "")
            + (f'<p class="label">{label}</p><ul class="headlines">{heads}</ul>\n' if heads else "")
            + '<p class="links">'
            + (f'<a href="{day}/index.html">Read the briefing</a> · ' if e.page else "")
            + f'<a href="{day}/{escape(e.pdf)}">PDF</a> ({max(1, round(e.pdf_bytes / 1024))} KB)</p>\n'
            "</article></li>"
        )
    listing = "\n".join(items) if items else '<li class="none">No briefings yet.</li>'
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f'<link rel="alternate" type="application/atom+xml" href="feed.xml" title="{escape(title)}">\n'
        f"<style>{_STYLE.replace('ACCENT', accent)}</style>\n"
        "</head>\n<body>\n<main>\n<header>\n"
        + (f'<p class="client">{escape(client)}</p>\n' if client else "")
        + f"<h1>{escape(title)}</h1>\n"
        + f'<p class="feed">{len(entries)} briefing{"s" if len(entries) != 1 else ""} · <a href="feed.xml">Atom feed</a></p>\n'
        "</header>\n"
        f'<ol class="briefings">\n{listing}\n</ol>\n'
        "</main>\n</body>\n</html>\n"
    )


_STYLE = (
    "body{margin:0;font-family:'DejaVu Sans','Helvetica Neue',Arial,sans-serif;color:#1b1b1b;background:#fff;"
    "line-height:1.5}main{max-width:46rem;margin:0 auto;padding:1.5rem 1rem}"
    "h1{color:ACCENT;margin:.2rem 0}.client{text-transform:uppercase;letter-spacing:.08em;color:#555;margin:0}"
    ".feed,.date,.links,.label{color:#555;font-size:.9rem}ol.briefings{list-style:none;padding:0}"
    "li.briefing{border-top:1px solid #ddd;padding:1rem 0}h2{font-size:1.2rem;margin:0}"
    "h2 a,.links a,.feed a{color:ACCENT}.bottom-line{font-weight:600}.label{margin-bottom:0}"
)


def _feed_id(loaded: LoadedConfig, day: dt.date | None = None) -> str:
    name = f"briefgen:{list_key(loaded)}" + (f":{day.isoformat()}" if day else "")
    return f"urn:uuid:{uuid.uuid5(FEED_NAMESPACE, name)}"


class _Feed(feedgenerator.Atom1Feed):  # type: ignore[misc]  # feedgenerator is untyped
    def latest_post_date(self) -> dt.datetime:
        """The newest briefing's date; the epoch for a site with none (never the clock)."""
        dates = [i["updateddate"] or i["pubdate"] for i in self.items if i["updateddate"] or i["pubdate"]]
        return max(dates) if dates else dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def atom_feed(loaded: LoadedConfig, entries: list[SiteEntry]) -> str:
    """``feed.xml``: an Atom feed (RFC 4287) of the briefings, newest first, made with feedgenerator
    (Django's feed writer, as Pelican ships it). Each entry links to the briefing's page and, as an
    enclosure, to its PDF; links are relative (resolved against the feed's own address) unless
    ``delivery.site.base_url`` makes them absolute. Every time stamp is a briefing's date, so the
    same briefings give the same bytes."""
    base = loaded.config.delivery.site.base_url or ""
    title = site_title(loaded)
    feed = _Feed(
        title=title,
        link=base or "index.html",
        description="",
        language="en",
        author_name=loaded.config.branding.client_name or title,
        feed_url=f"{base}feed.xml",
        feed_guid=_feed_id(loaded),
    )
    for e in entries:
        day = e.as_of.isoformat()
        stamp = dt.datetime.combine(e.as_of, dt.time(), dt.UTC)
        summary = " ".join(e.bottom_line) or (e.headlines[0] if e.headlines else e.title)
        content = None
        if e.headlines:
            label = "Top stories" if e.stories else "Key points"
            heads = "".join(f"<li>{escape(h)}</li>" for h in e.headlines)
            content = f"<p>{escape(summary)}</p><p>{label}:</p><ul>{heads}</ul>"
        feed.add_item(
            title=f"{e.title} \u2014 {_date_text(e.as_of)}",
            link=f"{base}{day}/index.html" if e.page else f"{base}{day}/{e.pdf}",
            description=str(escape(summary)),
            unique_id=_feed_id(loaded, e.as_of),
            pubdate=stamp,
            updateddate=stamp,
            content=content,
            enclosures=[feedgenerator.Enclosure(f"{base}{day}/{e.pdf}", str(e.pdf_bytes), "application/pdf")],
        )
    text: str = feed.writeString("utf-8")
    return text + ("" if text.endswith("\n") else "\n")


def describe(result: Published) -> str:
    """One line for ``publish``'s output."""
    written = ", ".join(d.isoformat() for d in result.written) or "nothing new"
    return f"{result.config.name}: {result.entries} briefing(s) in {result.site} ({written})"


def as_data(result: Published) -> dict[str, object]:
    """What ``publish --json`` prints of one config."""
    return {
        "config": str(result.config),
        "site": str(result.site),
        "entries": result.entries,
        "written": [d.isoformat() for d in result.written],
        "files": result.files,
    }
