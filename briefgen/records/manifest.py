"""A finished build's record: where builds go, what each wrote, with a hash of every file.

A build writes its files to an output directory and ends with ``manifest.json``, so a manifest
means the build finished. It records the files with their sha256 and what the build was made from
(see :mod:`briefgen.reuse`); ``verify`` and ``approve`` check a build against it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from briefgen._version import __version__
from briefgen.errors import OutputError
from briefgen.records.briefing import MAX_BRIEFING_BYTES, read_briefing
from briefgen.records.files import (
    load_record,
    own_dir,
    own_file,
    own_file_sha256,
    problem_line,
    read_record,
    size_text,
    write_atomically,
)

if TYPE_CHECKING:
    import datetime as dt

    from briefgen.config.load import LoadedConfig


MANIFEST = "manifest.json"

#: The largest ``manifest.json`` read back (or written). It holds a line of about 130 bytes per
#: input file, sidecar and template file (path and sha256): 64 MiB is some 500,000 of them, 25 times
#: what the default ``limits.max_files`` (20,000) lets a build read; a build whose manifest would be
#: larger is refused rather than leave one ``verify`` cannot read.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024


#: Where a build writes each cited source's cleaned text (``<id>.txt``), which items' offsets index.
SOURCES_DIR = "sources"


#: What each rendered output is called in the output directory, in the order they are written.
OUTPUT_FILES = {
    "md": "briefing.md",
    "html": "briefing.html",
    "pdf": "briefing.pdf",
    "email.html": "briefing.email.html",
    "txt": "briefing.txt",
    "json": "briefing.json",
    "ingest.json": "ingest.json",
}


#: The outputs each format of ``output.formats`` makes; ``json`` is always made.
FORMAT_OUTPUTS = {"md": ("md",), "html": ("html",), "pdf": ("pdf",), "email": ("email.html", "txt")}


def send_formats(formats: Sequence[str]) -> list[str]:
    """``formats`` plus what sending needs: the PDF and the email parts."""
    return list(dict.fromkeys([*formats, "pdf", "email"]))


def output_keys(formats: Iterable[str]) -> list[str]:
    """The outputs (keys of :data:`OUTPUT_FILES`) that building ``formats`` writes."""
    keys = [key for f in formats for key in FORMAT_OUTPUTS.get(f, ())]
    return list(dict.fromkeys([*keys, "json"]))


def default_out_dir(loaded: LoadedConfig, as_of: dt.date) -> Path:
    """The config's ``output.dir``, else ``output/<config name>/<as-of>/`` in the project's root,
    whatever the working directory."""
    if loaded.config.output.dir:
        return loaded.resolve(loaded.config.output.dir)
    return loaded.project_dir / "output" / loaded.name / as_of.isoformat()


#: The largest ``sources/<n>.txt`` read back: a source's cleaned text is cut at ``limits.max_chars``
#: characters, at most 900,000, and UTF-8 takes at most 4 bytes a character (3.6 MB).
MAX_SOURCE_BYTES = 4 * 1024 * 1024

#: The largest ``ingest.json`` hashed (it is never read whole): an entry of under 1 KB for each of at
#: most 1,000,000 files (``limits.max_files``) or articles, the most any config allows.
MAX_INGEST_BYTES = 1024 * 1024 * 1024

#: The bound of each file a build writes: a larger one is refused unread (and never written). The
#: briefing in every format holds what ``briefing.json`` holds or less (at most 10 other outlets a
#: source, an email body under 100 KB; a logo of at most 512 KB), so each has its bound.
READ_BOUNDS = {
    **dict.fromkeys(OUTPUT_FILES.values(), MAX_BRIEFING_BYTES),
    "ingest.json": MAX_INGEST_BYTES,
}

#: A name a manifest lists: a file in the output directory itself, never a path into another.
FileName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")]
#: A sha256 as hex digits.
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class MadeFrom(BaseModel):
    """What a build was made from (:func:`briefgen.reuse.made_from`), each part hashed.

    Keys of another briefgen are kept as they are (``extra="allow"``): the record is compared
    whole through its fingerprint, and only the parts named here are read one by one."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True, use_attribute_docstrings=True)

    edits: str | None = None
    """The sha256 of ``edits.yaml``, when there is one."""
    briefgen: str | None = None
    """briefgen's version."""
    code: str | None = None
    """The hash of briefgen's code and the libraries that shape a briefing."""
    model: str | None = None
    """The spaCy model's name and version."""
    config: str | None = None
    """The hash of the config's path and settings (delivery aside)."""
    templates: dict[str, str] = Field(default_factory=dict)
    """Each template file's sha256."""
    branding: dict[str, str] = Field(default_factory=dict)
    """Each branding file's sha256."""
    inputs: dict[str, str] = Field(default_factory=dict)
    """Each article file's (and sidecar's) sha256, or its size and time stamp when too large to read."""
    urls: list[str] = Field(default_factory=list)
    """The URL sources, without credentials."""


class Manifest(BaseModel):
    """What ``manifest.json`` holds: written by :func:`write_manifest`, read by :func:`read_manifest`.

    Keys it does not know are tolerated (``extra="ignore"``), so a manifest of another briefgen
    version is still checked on what this one relies on; nothing is lost by it, since approval
    records the sha256 of the manifest's bytes, every key included."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True, use_attribute_docstrings=True)

    briefgen: str | None = None
    """The version of briefgen that made the build."""
    config: str | None = None
    """The config's path."""
    as_of: str | None = None
    """The briefing's date (``YYYY-MM-DD``)."""
    fingerprint: str | None = None
    """One hash of ``made_from``."""
    made_from: MadeFrom | None = None
    """What the build was made from; none in a manifest of briefgen 0.1.0."""
    files: dict[FileName, Sha256]
    """Each file the build wrote in the output directory, by name, with its sha256; every build writes
    at least ``briefing.json`` and ``ingest.json``."""

    @field_validator("config")
    @classmethod
    def _a_path(cls, value: str | None) -> str | None:
        if value is not None and (not value or len(value) > 4096 or any(ord(c) < 32 or c == "\x7f" for c in value)):
            raise ValueError("not a config path (empty, over 4,096 characters, or holding control characters)")
        return value

    @field_validator("files")
    @classmethod
    def _every_build_writes(cls, value: dict[str, str]) -> dict[str, str]:
        missing = [name for name in (OUTPUT_FILES["json"], OUTPUT_FILES["ingest.json"]) if name not in value]
        if missing:
            raise ValueError(f"lists no {' and no '.join(missing)}, which every build writes")
        return value


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, as manifests record each output and input."""
    with path.open("rb") as data:
        return hashlib.file_digest(data, "sha256").hexdigest()


def read_manifest(out_dir: Path) -> tuple[Manifest, bytes] | None:
    """The manifest of the build in ``out_dir`` and its bytes, or None when there is none; one that
    is not a regular file, is larger than :data:`MAX_MANIFEST_BYTES` or does not validate raises
    :class:`~briefgen.errors.OutputError` naming the file and the key."""
    path = out_dir / MANIFEST
    raw = read_record(path, MAX_MANIFEST_BYTES)
    if raw is None:
        return None
    return load_record(path, Manifest, raw), raw


def written_source(out_dir: Path, n: int) -> str | None:
    """The text a build wrote for source ``n`` (``sources/<n>.txt``), exactly as its offsets index
    it; None when it is missing or not UTF-8. A link, a FIFO or anything else than a regular file
    there (or in place of ``sources/``), or a file larger than :data:`MAX_SOURCE_BYTES`, raises
    :class:`~briefgen.errors.OutputError` naming it."""
    raw = read_record(out_dir / SOURCES_DIR / f"{int(n)}.txt", MAX_SOURCE_BYTES, inside=out_dir)
    try:
        return None if raw is None else raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def changed_files(out_dir: Path, manifest: Manifest) -> list[tuple[str, str]]:
    """Each file ``manifest`` lists that is missing from ``out_dir`` or no longer has its sha256, with
    what is wrong. One that is not a regular file, or larger than its bound (:data:`READ_BOUNDS`),
    raises :class:`~briefgen.errors.OutputError` naming it."""
    changed = []
    for name, digest in sorted(manifest.files.items()):
        found = own_file_sha256(out_dir / name, READ_BOUNDS.get(name))
        if found is None:
            changed.append((name, "missing"))
        elif found != digest:
            changed.append((name, "changed since the build (edited by hand?)"))
    return changed


def check_own_files(out_dir: Path, manifest: Manifest) -> None:
    """Every file ``manifest`` lists, ``sources/`` and each text in it, is a regular file (or
    directory) or absent: what is not raises :class:`~briefgen.errors.OutputError` naming it
    (an ``lstat`` each)."""
    for name in sorted(manifest.files):
        own_file(out_dir / name, doing="reads")
    folder = out_dir / SOURCES_DIR
    if own_dir(folder, doing="reads"):
        try:
            names = sorted(entry.name for entry in os.scandir(folder))
        except OSError as exc:
            raise OutputError(f"cannot read {folder}: {exc.strerror or exc}") from None
        for name in names:
            own_file(folder / name, doing="reads")


def fingerprint(ingredients: dict[str, Any]) -> str:
    """One hash of :func:`briefgen.reuse.made_from`'s record."""
    return hashlib.sha256(json.dumps(ingredients, sort_keys=True).encode()).hexdigest()


def write_manifest(
    loaded: LoadedConfig, as_of: dt.date, outputs: dict[str, Path], out_dir: Path, ingredients: dict[str, Any]
) -> Path:
    """Record what was built, from what, with a hash of every file; written last, so a manifest means
    the build finished."""
    path = out_dir / MANIFEST
    files = {}
    for written in outputs.values():
        digest = own_file_sha256(written)
        if digest is None:
            raise OutputError(f"cannot write to {out_dir}: {written.name} is gone")
        files[written.name] = digest
    try:
        manifest = Manifest.model_validate(
            {
                "briefgen": __version__,
                "config": str(loaded.path),
                "as_of": as_of.isoformat(),
                "fingerprint": fingerprint(ingredients),
                "made_from": ingredients,
                "files": files,
            },
            strict=True,
        )
    except ValidationError as exc:  # what the build itself made: a bug if it does not validate
        raise AssertionError(problem_line(path, exc)) from None
    text = json.dumps(manifest.model_dump(mode="json", exclude_unset=True), indent=2) + "\n"
    if len(text.encode("utf-8")) > MAX_MANIFEST_BYTES:
        raise OutputError(
            f"{path} would be larger than {size_text(MAX_MANIFEST_BYTES)}, more than verify reads: "
            "lower limits.max_files or split the sources"
        )
    return write_atomically(path, text)


def briefing_counts(outputs: dict[str, Path]) -> tuple[int, int] | None:
    """``(articles used, articles read)`` from a build's ``briefing.json``; None when not known."""
    try:
        briefing = read_briefing(outputs["json"])
    except (KeyError, OutputError):
        return None
    if briefing is None or briefing.articles_used is None or briefing.articles_read is None:
        return None
    return briefing.articles_used, briefing.articles_read
