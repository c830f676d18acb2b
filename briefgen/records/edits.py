"""An editor's changes to a briefing, kept beside it in ``edits.yaml`` and re-applied by every build.

The briefing stays extractive: an editor cannot change what a source says, only choose. ``drop``
names items (by the ``id`` each item has in ``briefing.json``) the selection must not use; the
next best sentence of the same section takes the place, so the briefing keeps its shape. A
``notes`` entry is the analyst's own words, shown as theirs in a box of its own, never as a
quotation and never with a citation. The file sits in the build's output directory, so a build
of the same config and date finds it again; it is written by :func:`drop_item` and
:func:`add_note` (``briefgen serve``) or by hand::

    drop:
      - q3f9c2a17b0e          # the id of an item in briefing.json
    notes:
      - text: "Our view: the vote is likely to slip to March."
        section: key_points    # shown at the end of that section; left out, under the header
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from briefgen.config.load import format_error
from briefgen.errors import ConfigError, OutputError
from briefgen.records.files import own_file_sha256, read_record, size_text, write_atomically
from briefgen.safe_yaml import YAMLTooLarge, load

#: The edits file's name in a build's output directory.
EDITS_FILE = "edits.yaml"
#: The largest edits file read (or written): it holds ids and a few notes.
MAX_EDITS_BYTES = 256 * 1024


#: An item's id as ``briefing.json`` gives it (:func:`~briefgen.models.passage_id`).
ItemId = Annotated[str, StringConstraints(pattern=r"^q[0-9a-f]{11}$")]


class Note(BaseModel):
    """An analyst's note: shown as the analyst's, never quoted or cited."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    text: str = Field(min_length=1, max_length=2000)
    """The note, as plain text (never markup); at most 2,000 characters."""

    section: str | None = Field(default=None, max_length=100)
    """The section it closes (``key_points``, ``why_it_matters``...); none: under the briefing's header."""

    @field_validator("text")
    @classmethod
    def _words(cls, text: str) -> str:
        """One line of visible words: spaces collapsed, invisible format characters dropped."""
        text = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Cc") or c in "\n\t")
        text = " ".join(text.split())
        if not text:
            raise ValueError("a note needs words")
        return text


class Edits(BaseModel):
    """What ``edits.yaml`` holds."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    drop: tuple[ItemId, ...] = Field(default=(), max_length=10_000)
    """Ids of items (``briefing.json``'s ``sections[].items[].id``) the briefing must not quote."""

    notes: tuple[Note, ...] = Field(default=(), max_length=100)
    """The analyst's notes, in the order they are shown."""

    def __bool__(self) -> bool:
        return bool(self.drop or self.notes)


def read_edits(out_dir: Path) -> Edits:
    """The edits of the build in ``out_dir``; none when there is no ``edits.yaml``.

    A file that is not valid raises :class:`~briefgen.errors.ConfigError` naming every problem
    with its key path and line, as a config's problems are named; one that is not a regular file
    (a link, a FIFO) or is larger than :data:`MAX_EDITS_BYTES` raises
    :class:`~briefgen.errors.OutputError` naming it.
    """

    path = out_dir / EDITS_FILE
    raw = read_record(path, MAX_EDITS_BYTES)  # a link, a FIFO or a file too large: one line naming it
    if raw is None:
        return Edits()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        data, root = load(text)
    except (yaml.YAMLError, YAMLTooLarge) as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping (drop: and notes:)")
    try:
        return Edits.model_validate(data or {})
    except ValidationError as exc:
        problems = [f"{path}: {format_error(e, root)}" for e in exc.errors()]
        raise ConfigError(f"{len(problems)} problem(s): " + "; ".join(problems), problems) from None


def edits_digest(out_dir: Path) -> str | None:
    """The sha256 of ``edits.yaml`` in ``out_dir``, or None without one: part of what a build is made from."""
    return own_file_sha256(out_dir / EDITS_FILE, MAX_EDITS_BYTES)


def write_edits(out_dir: Path, edits: Edits) -> Path:
    """Write ``edits.yaml`` whole and atomically (a temporary file renamed over it)."""
    path = out_dir / EDITS_FILE
    data: dict[str, object] = {}
    if edits.drop:
        data["drop"] = list(edits.drop)
    if edits.notes:
        data["notes"] = [note.model_dump(exclude_none=True) for note in edits.notes]
    text = "# Edits re-applied by every build of this briefing (see `briefgen serve`).\n"
    text += yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100) if data else ""
    if len(text.encode("utf-8")) > MAX_EDITS_BYTES:  # never one that read_edits would refuse
        raise ConfigError(f"{path} would be larger than {size_text(MAX_EDITS_BYTES)}: remove a note first")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    return write_atomically(path, text)


def drop_item(out_dir: Path, item_id: str) -> Edits:
    """Add ``item_id`` to the items dropped; the next build fills its place."""
    edits = read_edits(out_dir)
    if item_id not in edits.drop:
        edits = edits.model_copy(update={"drop": (*edits.drop, item_id)})
        write_edits(out_dir, edits)
    return edits


def add_note(out_dir: Path, text: str, section: str | None = None) -> Edits:
    """Add an analyst's note, at the end of ``section`` or under the header."""
    try:
        note = Note(text=text, section=section or None)
    except ValidationError as exc:
        raise ConfigError(f"a note: {exc.errors()[0]['msg'].removeprefix('Value error, ')}") from None
    edits = read_edits(out_dir)
    edits = edits.model_copy(update={"notes": (*edits.notes, note)})
    write_edits(out_dir, edits)
    return edits


def remove_note(out_dir: Path, index: int) -> Edits:
    """Remove the analyst's note at ``index`` (0-based, in the file's order)."""
    edits = read_edits(out_dir)
    if 0 <= index < len(edits.notes):
        edits = edits.model_copy(update={"notes": edits.notes[:index] + edits.notes[index + 1 :]})
        write_edits(out_dir, edits)
    return edits
