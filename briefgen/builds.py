"""Finished builds: where they go, what each was made from, and whether one can be reused.

A build writes its files to an output directory and ends with ``manifest.json``, so a
manifest means the build finished. The manifest records what the build was made from:
the config (delivery settings aside: a new recipient does not call for a new briefing),
every file of the template directories it used, its branding files, the content of every
article file it read, briefgen's version and the spaCy model's identity. ``send`` and
``batch`` reuse a build only when all of that is unchanged and its files are as written;
otherwise they rebuild and say why. Builds from ``http(s)`` sources are never reused:
what a site says can change at any time, and the fetch cache decides what a new build sees.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import BriefgenError, OutputError, RenderError
from .fetch import is_url, public_url

if TYPE_CHECKING:
    import datetime as dt

    from .config import LoadedConfig

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


# ----------------------------------------------------------------------------- what a build is made from


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, as manifests record each output and input."""
    with path.open("rb") as data:
        return hashlib.file_digest(data, "sha256").hexdigest()


def _input_hash(path: Path, max_bytes: int) -> str:
    """An article file's content hash; for a file too large to be read, its size and time stamp."""
    try:
        info = path.stat()
        if info.st_size > max_bytes:
            return f"size {info.st_size}, modified {info.st_mtime_ns}"
        return file_sha256(path)
    except OSError:
        return "unreadable"


def _shown(path: Path, base: Path) -> str:
    """A path relative to the config's directory, so a manifest reads the same on every machine."""
    return os.path.relpath(path.absolute(), base.absolute()).replace(os.sep, "/")


def _tree_hashes(label: str, directory: Path, base: Path) -> dict[str, str]:
    files = sorted(p for p in directory.rglob("*") if p.is_file() and not p.name.startswith("."))
    try:
        if label == "default":
            return {f"default:{p.relative_to(directory).as_posix()}": file_sha256(p) for p in files}
        return {_shown(p, base): file_sha256(p) for p in files}
    except OSError as exc:
        raise RenderError(f"cannot read template {exc.filename}: {exc.strerror or exc}") from None


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of briefgen's own code and the versions of every library that shapes a briefing,
    so a build made by other code is never taken for an unchanged one."""
    from importlib import metadata

    h = hashlib.sha256()
    for module in sorted(Path(__file__).parent.glob("*.py")):
        h.update(module.name.encode() + b"\n" + module.read_bytes())
    for dist in sorted(CODE_LIBRARIES):
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{dist} {version}\n".encode())
    return h.hexdigest()[:16]


#: Libraries whose version can change what a build writes.
CODE_LIBRARIES = (
    "spacy", "trafilatura", "lxml", "lxml_html_clean", "ftfy", "json-repair", "feedparser", "charset-normalizer",
    "python-dateutil", "markdown-it-py", "pyyaml", "jinja2", "markupsafe", "weasyprint", "numpy", "scipy",
    "pycountry", "pydantic",
)  # fmt: skip


def made_from(loaded: LoadedConfig, out_dir: Path | None = None) -> dict[str, Any]:
    """Everything a build of this config depends on, hashed; raises BriefgenError when a part is missing.
    With ``out_dir``, the editor's ``edits.yaml`` there is part of it."""
    from . import render
    from .edits import edits_digest
    from .ingest import expand_sources, sidecar_path
    from .nlp import model_identity

    config = loaded.config
    base = loaded.base_dir
    settings = config.model_dump(mode="json", exclude={"delivery"})
    templates: dict[str, str] = {}
    for label, directory in [
        *render.template_dirs(config, base, loaded.project_dir),
        ("default", render.default_template_dir()),
    ]:
        templates.update(_tree_hashes(label, directory, base))
    branding: dict[str, str] = {}
    if config.branding.logo:
        logo = loaded.resolve(config.branding.logo)
        # Read as the build reads it: a regular file of bounded size, checked by its content.
        branding[_shown(logo, base)] = hashlib.sha256(render.logo_data_uri(logo).encode()).hexdigest()
    files, _ = expand_sources(
        [s for s in config.sources if not is_url(s)],
        base,
        follow_symlinks=config.follow_symlinks,
        max_files=config.limits.max_files,
    )
    inputs = {_shown(path, base): _input_hash(path, config.limits.max_bytes) for path in files}
    for path in files:  # an article's sidecar metadata is part of it
        sidecar = sidecar_path(path)
        if sidecar.is_file():
            inputs[_shown(sidecar, base)] = _input_hash(sidecar, config.limits.max_bytes)
    edits = edits_digest(out_dir) if out_dir is not None else None
    return {
        **({"edits": edits} if edits else {}),
        "briefgen": __version__,
        "code": code_version(),
        "model": model_identity(config.spacy_model),
        "config": hashlib.sha256(json.dumps([str(loaded.path), settings], sort_keys=True).encode()).hexdigest(),
        "templates": templates,
        "branding": branding,
        "inputs": inputs,
        "urls": sorted(public_url(s) for s in config.sources if is_url(s)),  # never a password
    }


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
    """One hash of :func:`made_from`'s record."""
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


# ----------------------------------------------------------------------------- reuse


def _what_changed(before: dict[str, Any], now: dict[str, Any]) -> str:
    """The first difference between two :func:`made_from` records, as a reason to rebuild."""
    if before.get("briefgen") != now["briefgen"]:
        return f"briefgen {before.get('briefgen')} made it, this is {now['briefgen']}"
    if before.get("code") != now["code"]:
        return "briefgen's code or a library it uses changed"
    if before.get("model") != now["model"]:
        return f"the spaCy model is now {now['model']}"
    if before.get("config") != now["config"]:
        return "the config changed"
    for part, noun in (("templates", "template"), ("branding", "branding file"), ("inputs", "article")):
        old, new = before.get(part) or {}, now[part]
        for name in sorted(set(old) | set(new)):
            if name not in new:
                return f"{noun} {name} is gone"
            if name not in old:
                return f"{noun} {name} is new"
            if old[name] != new[name]:
                return f"{name} changed"
    if before.get("edits") != now.get("edits"):
        return "edits.yaml changed"
    return "what it was made from changed"


def reusable(
    loaded: LoadedConfig,
    as_of: dt.date,
    out_dir: Path,
    needed: Sequence[str],
    *,
    inputs: bool = True,
    now: dict[str, Any] | None = None,
) -> tuple[dict[str, Path] | None, str]:
    """The files of a finished build of this config for this date in ``out_dir`` when every output in
    ``needed`` is there, unchanged, and everything the build was made from is unchanged too;
    otherwise None and the reason, in a few words. With ``inputs=False``, what the build was
    made from is not compared: only that it is a finished, intact build of this config and date.
    ``now`` is :func:`made_from` of the config when the caller has it already."""
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, "no finished build"
    except (OSError, ValueError):
        return None, f"{MANIFEST} is unreadable"
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        return None, f"{MANIFEST} is not briefgen's"
    if manifest.get("as_of") != as_of.isoformat():
        return None, f"the build is of {manifest.get('as_of')}"
    if manifest.get("config") != str(loaded.path):
        return None, f"the build is of {manifest.get('config')}"
    outputs = {key: out_dir / OUTPUT_FILES[key] for key in needed}
    for path in outputs.values():
        if path.name not in manifest["files"]:
            return None, f"the build has no {path.name}"
        try:
            if manifest["files"][path.name] != file_sha256(path):
                return None, f"{path.name} is not as built"
        except OSError:
            return None, f"{path.name} is missing"
    if not inputs:
        return outputs, "intact"
    if now is None:
        try:
            now = made_from(loaded, out_dir)
        except BriefgenError as exc:
            return None, str(exc)
    if now["urls"]:
        return None, "URL sources are read afresh"
    if manifest.get("fingerprint") != fingerprint(now):
        before = manifest.get("made_from")
        if not isinstance(before, dict):  # a manifest of briefgen 0.1.0
            before = {"briefgen": manifest.get("briefgen")}
        return None, _what_changed(before, now)
    return outputs, "unchanged"


def briefing_counts(outputs: dict[str, Path]) -> tuple[int, int] | None:
    """``(articles used, articles read)`` from a build's ``briefing.json``."""
    try:
        data = json.loads(outputs["json"].read_text(encoding="utf-8"))
        return int(data["articles_used"]), int(data["articles_read"])
    except (KeyError, OSError, ValueError, TypeError):
        return None
