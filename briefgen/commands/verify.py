"""Check a finished briefing: every quoted item is its source's text at its offsets.

A build writes, beside the briefing, each cited source's cleaned text (``sources/<n>.txt``),
its sha256 in ``briefing.json`` and the sha256 of every file in ``manifest.json``. Anyone can
then re-check the briefing without trusting whoever made it: :func:`verify` re-reads the
build's inputs through the config it was built from and cleans them again (or, offline, takes
the written ``sources/`` texts), and checks that each source's text still has its recorded
sha256 (online, the written ``sources/<n>.txt`` too), that every item's text is that text at the
item's offsets, and that no written file was changed after the build.

The build's records are read as :mod:`briefgen.records.files` reads them: regular files only, of
bounded size, validated by their models, so a link, a FIFO, a planted giant file or a record of
the wrong shape is one line naming the file (and the key), never a hang or a crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from briefgen._version import __version__
from briefgen.analyse.workspace import Workspace
from briefgen.codebase import code_version
from briefgen.config.load import load_config
from briefgen.errors import BriefgenError
from briefgen.models import text_sha256
from briefgen.records.briefing import BriefingRecord, SourceRecord, quote_problems, read_briefing
from briefgen.records.manifest import (
    MANIFEST,
    OUTPUT_FILES,
    SOURCES_DIR,
    Manifest,
    changed_files,
    read_manifest,
    written_source,
)
from briefgen.select.intake import apply_limits, display_path, ingest


@dataclass(frozen=True)
class Problem:
    """One thing that does not hold: where (an item, a source or a file) and what."""

    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` checked and what it found."""

    items: int
    sources: int
    files: int
    offline: bool
    problems: tuple[Problem, ...]
    engine: str = ""
    """When the inputs were cleaned again by other code than the build's: which, since a text that
    no longer matches may then be the cleaning's difference rather than the article's."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        read = "the written source texts" if self.offline else "the inputs, read and cleaned again"
        if self.ok:
            return (
                f"verified: {self.items} quoted items match their {self.sources} sources at their offsets "
                f"({read}); {self.files} files unchanged since the build"
            )
        found = f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''} in {self.items} items and {self.sources} sources ({read})"
        return f"{found}; {self.engine}" if self.engine else found


def _records(out_dir: Path) -> tuple[Manifest, BriefingRecord]:
    """The build's manifest and briefing, each a regular file of bounded size that validates; what
    does not is one line naming the file and the key."""
    found = read_manifest(out_dir)
    if found is None:
        raise BriefgenError(f"{out_dir} is not a briefing directory: no {MANIFEST}")
    briefing = read_briefing(out_dir / OUTPUT_FILES["json"])
    if briefing is None:
        raise BriefgenError(f"{out_dir} is not a briefing directory: no {OUTPUT_FILES['json']}")
    return found[0], briefing


def verify(out_dir: Path, offline: bool = False, workspace: Workspace | None = None) -> Verification:
    """Check the briefing written to ``out_dir`` (see the module docstring)."""
    manifest, briefing = _records(out_dir)
    problems = [Problem(name, what) for name, what in changed_files(out_dir, manifest)]
    sources = briefing.sources
    written = _written_texts(out_dir, sources, problems)
    if offline:
        texts = written
    else:
        texts = _reread_texts(manifest, sources, problems, workspace)
        for source in sources:  # the written texts are part of the build: each must still be as built
            text = written[source.id]
            if text is not None and text_sha256(text) != source.text_sha256:
                problems.append(
                    Problem(
                        f"source {source.id}",
                        f"{SOURCES_DIR}/{source.id}.txt has changed since the build "
                        "(it is not the text whose sha256 briefing.json records)",
                    )
                )
    for source in sources:
        n = source.id
        text = texts.get(n)
        if text is not None and text_sha256(text) != source.text_sha256:
            problems.append(Problem(f"source {n} ({source.path})", "its text has changed since the build"))
            texts[n] = None
    items = sum(len(section.items) for section in briefing.sections)
    problems += [Problem(where, what) for where, what in quote_problems(briefing, texts)]
    return Verification(
        items, len(sources), len(manifest.files), offline, tuple(problems), _engine_note(briefing, offline)
    )


def _engine_note(briefing: BriefingRecord, offline: bool) -> str:
    """Says so when the build's recorded engine is not the code cleaning its inputs again now."""

    made = briefing.engine
    if offline or made is None or made.code == code_version():
        return ""
    return (
        f"the build was made by briefgen {made.briefgen} (code {made.code}) and is checked "
        f"with {__version__} (code {code_version()}): cleaning may differ"
    )


def _written_texts(out_dir: Path, sources: Sequence[SourceRecord], problems: list[Problem]) -> dict[int, str | None]:
    """Each source's text as the build wrote it (``sources/<n>.txt``); a missing one is a problem, one
    that is not a regular file or is too large stops the check (:func:`written_source`)."""
    texts: dict[int, str | None] = {}
    for source in sources:
        n = source.id
        texts[n] = written_source(out_dir, n)
        if texts[n] is None:
            problems.append(Problem(f"source {n}", f"{SOURCES_DIR}/{n}.txt is missing or unreadable"))
    return texts


def _reread_texts(
    manifest: Manifest, sources: Sequence[SourceRecord], problems: list[Problem], workspace: Workspace | None
) -> dict[int, str | None]:
    """Each source's text as reading and cleaning the build's inputs gives it today."""

    if not manifest.config:
        raise BriefgenError("manifest.json does not name the config of the build; use --offline")
    loaded = load_config(Path(manifest.config))
    docs, _ = apply_limits(ingest(loaded, [], workspace or Workspace(None)), loaded.config.limits, [])
    # Sources are named as briefings name them: relative to the config, as display_path makes them.
    by_path = {display_path(doc.article.path, loaded.base_dir): doc.text for doc in docs}
    texts: dict[int, str | None] = {}
    for source in sources:
        n, path = source.id, source.path
        text = by_path.get(path) if path else None
        if text is None:
            problems.append(Problem(f"source {n} ({path})", "no longer among the build's inputs"))
        texts[n] = text
    return texts
