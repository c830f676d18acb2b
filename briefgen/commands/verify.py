"""Check a finished briefing: every quoted item is its source's text at its offsets.

A build writes, beside the briefing, each cited source's cleaned text (``sources/<n>.txt``),
its sha256 in ``briefing.json`` and the sha256 of every file in ``manifest.json``. Anyone can
then re-check the briefing without trusting whoever made it: :func:`verify` re-reads the
build's inputs through the config it was built from and cleans them again (or, offline, takes
the written ``sources/`` texts), and checks that each source's text still has its recorded
sha256, that every item's text is that text at the item's offsets, and that no written file
was changed after the build.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefgen._version import __version__
from briefgen.analyse.workspace import Workspace
from briefgen.codebase import code_version
from briefgen.config.load import load_config
from briefgen.errors import BriefgenError
from briefgen.models import text_sha256
from briefgen.records.manifest import MANIFEST, OUTPUT_FILES, SOURCES_DIR, changed_files, written_source
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


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BriefgenError(f"{path.parent} is not a briefing directory: no {path.name}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BriefgenError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise BriefgenError(f"{path} is not a briefing's {path.name}")
    return data


def verify(out_dir: Path, offline: bool = False, workspace: Workspace | None = None) -> Verification:
    """Check the briefing written to ``out_dir`` (see the module docstring)."""
    manifest = _read_json(out_dir / MANIFEST)
    files: dict[str, str] = manifest.get("files") or {}
    problems = [Problem(name, what) for name, what in changed_files(out_dir, manifest)]
    briefing = _read_json(out_dir / OUTPUT_FILES["json"])
    sources: list[dict[str, Any]] = briefing.get("sources") or []
    texts = (
        _written_texts(out_dir, sources, problems) if offline else _reread_texts(manifest, sources, problems, workspace)
    )
    for source in sources:
        n = source.get("id")
        text = texts.get(n)
        if text is not None and text_sha256(text) != source.get("text_sha256"):
            problems.append(Problem(f"source {n} ({source.get('path')})", "its text has changed since the build"))
            texts[n] = None
    items = 0
    for section in briefing.get("sections") or []:
        for k, item in enumerate(section.get("items") or [], start=1):
            items += 1
            where = f"{section.get('heading', section.get('name'))}, item {k}"
            for n, (start, end) in zip(item.get("sources") or [], item.get("offsets") or [], strict=False):
                text = texts.get(n)
                if text is None:
                    continue  # the source's own problem is reported once
                if text[start:end] != item.get("text"):
                    quoted = " ".join(str(item.get("text", "")).split())
                    problems.append(
                        Problem(
                            where,
                            f"“{quoted[:60]}{'…' if len(quoted) > 60 else ''}” is not source {n}'s text at {start}–{end}",
                        )
                    )
    return Verification(items, len(sources), len(files), offline, tuple(problems), _engine_note(briefing, offline))


def _engine_note(briefing: dict[str, Any], offline: bool) -> str:
    """Says so when the build's recorded engine is not the code cleaning its inputs again now."""

    made = briefing.get("engine")
    if offline or not isinstance(made, dict) or made.get("code") == code_version():
        return ""
    return (
        f"the build was made by briefgen {made.get('briefgen')} (code {made.get('code')}) and is checked "
        f"with {__version__} (code {code_version()}): cleaning may differ"
    )


def _written_texts(out_dir: Path, sources: list[dict[str, Any]], problems: list[Problem]) -> dict[Any, str | None]:
    texts: dict[Any, str | None] = {}
    for source in sources:
        n = source.get("id")
        texts[n] = written_source(out_dir, n)
        if texts[n] is None:
            problems.append(Problem(f"source {n}", f"{SOURCES_DIR}/{n}.txt is missing or unreadable"))
    return texts


def _reread_texts(
    manifest: dict[str, Any], sources: list[dict[str, Any]], problems: list[Problem], workspace: Workspace | None
) -> dict[Any, str | None]:
    """Each source's text as reading and cleaning the build's inputs gives it today."""

    config = manifest.get("config")
    if not config:
        raise BriefgenError("manifest.json does not name the config of the build; use --offline")
    loaded = load_config(Path(config))
    docs, _ = apply_limits(ingest(loaded, [], workspace or Workspace(None)), loaded.config.limits, [])
    # Sources are named as briefings name them: relative to the config, as display_path makes them.
    by_path = {display_path(doc.article.path, loaded.base_dir): doc.text for doc in docs}
    texts: dict[Any, str | None] = {}
    for source in sources:
        n, path = source.get("id"), source.get("path")
        text = by_path.get(path) if path else None
        if text is None:
            problems.append(Problem(f"source {n} ({path})", "no longer among the build's inputs"))
        texts[n] = text
    return texts
