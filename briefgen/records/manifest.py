"""A finished build's record: where builds go, what each wrote, with a hash of every file.

A build writes its files to an output directory and ends with ``manifest.json``, so a manifest
means the build finished. It records the files with their sha256 and what the build was made from
(see :mod:`briefgen.reuse`); ``verify`` and ``approve`` check a build against it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefgen._version import __version__
from briefgen.errors import OutputError

if TYPE_CHECKING:
    import datetime as dt

    from briefgen.config.load import LoadedConfig


MANIFEST = "manifest.json"


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


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, as manifests record each output and input."""
    with path.open("rb") as data:
        return hashlib.file_digest(data, "sha256").hexdigest()


def written_source(out_dir: Path, n: object) -> str | None:
    """The text a build wrote for source ``n`` (``sources/<n>.txt``), exactly as its offsets index
    it; None when it is missing or not UTF-8."""
    try:
        return (out_dir / SOURCES_DIR / f"{n}.txt").read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def changed_files(out_dir: Path, manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """Each file ``manifest`` lists that is missing from ``out_dir`` or no longer has its sha256, with what is wrong."""
    changed = []
    for name, digest in sorted((manifest.get("files") or {}).items()):
        path = out_dir / name
        if not path.is_file():
            changed.append((name, "missing"))
        elif file_sha256(path) != digest:
            changed.append((name, "changed since the build (edited by hand?)"))
    return changed


def fingerprint(ingredients: dict[str, Any]) -> str:
    """One hash of :func:`briefgen.reuse.made_from`'s record."""
    return hashlib.sha256(json.dumps(ingredients, sort_keys=True).encode()).hexdigest()


def write_manifest(
    loaded: LoadedConfig, as_of: dt.date, outputs: dict[str, Path], out_dir: Path, ingredients: dict[str, Any]
) -> Path:
    """Record what was built, from what, with a hash of every file; written last, so a manifest means
    the build finished."""
    manifest = {
        "briefgen": __version__,
        "config": str(loaded.path),
        "as_of": as_of.isoformat(),
        "fingerprint": fingerprint(ingredients),
        "made_from": ingredients,
        "files": {path.name: file_sha256(path) for path in outputs.values()},
    }
    path = out_dir / MANIFEST
    try:
        path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    return path


def briefing_counts(outputs: dict[str, Path]) -> tuple[int, int] | None:
    """``(articles used, articles read)`` from a build's ``briefing.json``."""
    try:
        data = json.loads(outputs["json"].read_text(encoding="utf-8"))
        return int(data["articles_used"]), int(data["articles_read"])
    except (KeyError, OSError, ValueError, TypeError):
        return None
