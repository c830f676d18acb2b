"""A config's recipients: the addresses its YAML lists, then the rows of its recipients CSV.

The CSV (``delivery.email.recipients_csv``) is read when a briefing is sent and when ``validate``
checks the config, never when the config is loaded: a subscriber added to it on Monday morning gets
the build the others got, and a bad row never stops a build. Each row is checked as the YAML's
addresses are (:func:`~briefgen.config.defaults.email_address`); a bad one is a
:class:`RecipientProblem` naming the file and the line, so ``validate`` lists every one and ``send``
reports it as a recipient who did not get the briefing while the others do.

The file is read as briefgen reads every input: a regular file only (a FIFO is never opened to
wait), at most :data:`MAX_CSV_BYTES`, at most :data:`MAX_ROWS` rows of :data:`MAX_COLUMNS` columns.
"""

from __future__ import annotations

import csv
import email.utils
import io
import os
import re
import stat
from dataclasses import dataclass
from email.headerregistry import Address
from pathlib import Path
from typing import TYPE_CHECKING

from briefgen.config.defaults import LINE_UNSAFE, addr_spec, email_address, shown_value

if TYPE_CHECKING:
    from briefgen.config.load import LoadedConfig

#: The largest recipients CSV read: about 100,000 rows of a few fields each.
MAX_CSV_BYTES = 16 * 1024 * 1024
#: The most rows (recipients) a CSV may hold; the rest are a problem.
MAX_ROWS = 100_000
#: The most columns a CSV may have.
MAX_COLUMNS = 50
#: The longest value of a field (a name, a team, a salutation) in characters.
MAX_FIELD = 1000
#: The columns that hold the address, first found wins.
ADDRESS_COLUMNS = ("address", "email")
#: A column a template may print: ``recipient.<column>``.
_COLUMN = re.compile(r"[a-z][a-z0-9_]{0,39}")
#: Fields briefgen sets itself for every recipient; a CSV column of these names is refused.
RESERVED_FIELDS = ("unsubscribe_url",)


@dataclass(frozen=True)
class Recipient:
    """One recipient: how the headers name them, their kind and the fields templates may print."""

    kind: str
    """``to``, ``cc`` or ``bcc`` for the YAML's lists; ``list`` for a row of the CSV (addressed to them alone)."""
    address: str
    """As a header shows it: ``Name <local@domain>`` or ``local@domain``."""
    fields: tuple[tuple[str, str], ...] = ()
    """``name`` and the CSV's other columns, as ``(column, value)``."""
    line: int | None = None
    """The CSV line the recipient is on; None for the YAML's."""

    @property
    def addr(self) -> str:
        """The bare address in lower case: what the delivery log and unsubscribes record."""
        return addr_spec(self.address).lower()

    def field_map(self) -> dict[str, str]:
        return dict(self.fields)


@dataclass(frozen=True)
class RecipientProblem:
    """A row (or the whole file) of the recipients CSV that cannot be used."""

    file: Path
    line: int | None
    message: str
    raw: str = ""
    """The address as the row gives it, when there is one (shown escaped, on one line)."""

    def __str__(self) -> str:
        where = f", line {self.line}" if self.line else ""
        return f"{self.file}{where}: {self.message}"


def yaml_recipients(loaded: LoadedConfig) -> list[Recipient]:
    """The recipients the config's ``to``, ``cc`` and ``bcc`` name, each once."""
    settings = loaded.config.delivery.email
    if settings is None:
        return []
    out = []
    for kind, address in settings.recipients():
        name = email.utils.parseaddr(address)[0]
        out.append(Recipient(kind, address, (("name", name),) if name else ()))
    return out


def csv_path(loaded: LoadedConfig) -> Path | None:
    """The recipients CSV the config names, resolved against it; None when it names none."""
    settings = loaded.config.delivery.email
    if settings is None or not settings.recipients_csv:
        return None
    return loaded.resolve(settings.recipients_csv)


def all_recipients(loaded: LoadedConfig) -> tuple[list[Recipient], list[RecipientProblem]]:
    """Every recipient of the config, the YAML's first, each address once; and the CSV's problems."""
    found = yaml_recipients(loaded)
    problems: list[RecipientProblem] = []
    path = csv_path(loaded)
    if path is not None:
        rows, problems = read_recipients_csv(path)
        seen = {r.addr for r in found}
        for row in rows:
            if row.addr not in seen:
                seen.add(row.addr)
                found.append(row)
    return found, problems


def _read_bounded(path: Path) -> bytes:
    """The file's bytes: a regular file of at most :data:`MAX_CSV_BYTES`; OSError or ValueError otherwise."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)  # a FIFO is never waited on
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(f.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise ValueError("a directory" if stat.S_ISDIR(mode) else "not a regular file")
        data = f.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise ValueError(f"larger than {MAX_CSV_BYTES >> 20} MiB")
    return data


def read_recipients_csv(path: Path) -> tuple[list[Recipient], list[RecipientProblem]]:
    """The recipients of a CSV file and the problems of its rows, each with its line.

    The first row that is not empty names the columns (case and surrounding spaces ignored); rows
    that are empty are skipped. A quoted field may span lines: a row's line is the line it starts on.
    """
    try:
        data = _read_bounded(path)
    except FileNotFoundError:
        return [], [RecipientProblem(path, None, "no such file")]
    except OSError as exc:
        return [], [RecipientProblem(path, None, f"cannot read it: {exc.strerror or exc}")]
    except ValueError as exc:
        return [], [RecipientProblem(path, None, f"cannot read it: {exc}")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return [], [RecipientProblem(path, line, "not UTF-8 text: save the file as UTF-8")]
    problems: list[RecipientProblem] = []
    recipients: list[Recipient] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    columns: list[str | None] = []
    address_at = -1
    start = 1
    rows = 0
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in row]
                columns, address_at, found = _columns(header, path, line)
                problems += found
                if address_at < 0:
                    return [], problems
                continue
            rows += 1
            if rows > MAX_ROWS:
                problems.append(
                    RecipientProblem(path, line, f"more than {MAX_ROWS:,} recipients: the rest are left out")
                )
                break
            recipient, problem = _row(row, columns, address_at, len(header), path, line)
            if problem is not None:
                problems.append(problem)
            elif recipient is not None:
                recipients.append(recipient)
    except csv.Error as exc:
        problems.append(RecipientProblem(path, reader.line_num, f"not valid CSV: {exc}"))
    if header is None:
        problems.append(RecipientProblem(path, None, "is empty: it needs a header row with an address column"))
    return recipients, problems


def _columns(header: list[str], path: Path, line: int) -> tuple[list[str | None], int, list[RecipientProblem]]:
    """The field name of each column (None for the address and for columns left out), where the
    address is (-1: nowhere), and what is wrong with the header."""
    problems = []
    if len(header) > MAX_COLUMNS:
        problems.append(RecipientProblem(path, line, f"{len(header)} columns; at most {MAX_COLUMNS}"))
    address_at = next((header.index(c) for c in ADDRESS_COLUMNS if c in header), -1)
    if address_at < 0:
        problems.append(
            RecipientProblem(path, line, "the header row has no address column (name one column address or email)")
        )
    columns: list[str | None] = []
    seen: set[str] = set()
    for i, name in enumerate(header[:MAX_COLUMNS]):
        if i == address_at:
            columns.append(None)
        elif not name:
            columns.append(None)  # an unnamed column (a trailing comma): nothing to print
        elif not _COLUMN.fullmatch(name) or name in RESERVED_FIELDS or name in ADDRESS_COLUMNS or name in seen:
            why = (
                "is set by briefgen"
                if name in RESERVED_FIELDS
                else "appears twice"
                if name in seen or name in ADDRESS_COLUMNS
                else "is not a field name (a letter, then letters, digits and _)"
            )
            problems.append(RecipientProblem(path, line, f"column {shown_value(name, 40)} {why}"))
            columns.append(None)
        else:
            seen.add(name)
            columns.append(name)
    return columns, address_at, problems


def _row(
    row: list[str], columns: list[str | None], address_at: int, width: int, path: Path, line: int
) -> tuple[Recipient | None, RecipientProblem | None]:
    """One row as a recipient, or what is wrong with it."""
    raw = row[address_at].strip() if address_at < len(row) else ""
    shown = " ".join(LINE_UNSAFE.sub(" ", raw).split())[:120]
    if len(row) > width and any(cell.strip() for cell in row[width:]):
        return None, RecipientProblem(path, line, f"{len(row)} fields, but the header names {width}", shown)
    if not raw:
        return None, RecipientProblem(path, line, "no address")
    fields: list[tuple[str, str]] = []
    for name, value in zip(columns, row, strict=False):
        if name is None:
            continue
        value = value.strip()
        if len(value) > MAX_FIELD:
            return None, RecipientProblem(path, line, f"{name} is longer than {MAX_FIELD} characters", shown)
        fields.append((name, value))
    try:
        address = email_address(raw)
    except ValueError as exc:
        return None, RecipientProblem(path, line, str(exc), shown)
    name = dict(fields).get("name", "")
    if name and "<" not in address:
        if LINE_UNSAFE.search(name):
            return None, RecipientProblem(path, line, "name holds control or line-breaking characters", shown)
        try:
            address = str(Address(display_name=name, addr_spec=address))
        except (ValueError, TypeError) as exc:
            return None, RecipientProblem(path, line, f"name cannot be used in a header: {exc}", shown)
    return Recipient("list", address, tuple(fields), line), None
