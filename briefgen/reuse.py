"""Whether a finished build can be reused: what each build is made from, and whether that changed.

The manifest records what a build was made from: the config (delivery settings aside: a new
recipient does not call for a new briefing; but for the published archive's address, which the
email shows), every file of the template directories it used, its
branding files, the content of every article file it read, briefgen's code version and the spaCy
model's identity. ``send`` and ``batch`` reuse a build only when all of that is unchanged and its
files are as written; otherwise they rebuild and say why. Builds from ``http(s)`` sources are never
reused: what a site says can change at any time.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefgen._version import __version__
from briefgen.analyse.nlp import model_identity
from briefgen.codebase import code_version
from briefgen.errors import BriefgenError, RenderError
from briefgen.ingest.fetch import is_url, public_url
from briefgen.ingest.readers import sidecar_path
from briefgen.ingest.sources import expand_sources
from briefgen.records.edits import edits_digest
from briefgen.records.files import own_file_sha256
from briefgen.records.manifest import (
    MANIFEST,
    OUTPUT_FILES,
    READ_BOUNDS,
    check_own_files,
    file_sha256,
    fingerprint,
    read_manifest,
)
from briefgen.render.look import logo_data_uri
from briefgen.render.templates import default_template_dir, template_dirs

if TYPE_CHECKING:
    import datetime as dt

    from briefgen.config.load import LoadedConfig


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


def made_from(loaded: LoadedConfig, out_dir: Path | None = None) -> dict[str, Any]:
    """Everything a build of this config depends on, hashed; raises BriefgenError when a part is missing.
    With ``out_dir``, the editor's ``edits.yaml`` there is part of it."""

    config = loaded.config
    base = loaded.base_dir
    settings = config.model_dump(mode="json", exclude={"delivery"})
    if config.delivery.site.base_url:  # the email links to the briefing's page there
        settings["site_url"] = config.delivery.site.base_url
    templates: dict[str, str] = {}
    for label, directory in [
        *template_dirs(config, base, loaded.project_dir),
        ("default", default_template_dir()),
    ]:
        templates.update(_tree_hashes(label, directory, base))
    branding: dict[str, str] = {}
    if config.branding.logo:
        logo = loaded.resolve(config.branding.logo)
        # Read as the build reads it: a regular file of bounded size, checked by its content.
        branding[_shown(logo, base)] = hashlib.sha256(logo_data_uri(logo).encode()).hexdigest()
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
        found = read_manifest(out_dir)
    except BriefgenError as exc:  # a damaged manifest, or not briefgen's: build again
        return None, f"{MANIFEST} is unreadable ({exc})"
    if found is None:
        return None, "no finished build"
    manifest = found[0]
    if manifest.as_of != as_of.isoformat():
        return None, f"the build is of {manifest.as_of}"
    if manifest.config != str(loaded.path):
        return None, f"the build is of {manifest.config}"
    outputs = {key: out_dir / OUTPUT_FILES[key] for key in needed}
    try:
        check_own_files(out_dir, manifest)  # a link or a FIFO among its files: not the build it wrote
        for path in outputs.values():
            if path.name not in manifest.files:
                return None, f"the build has no {path.name}"
            digest = own_file_sha256(path, READ_BOUNDS.get(path.name))
            if digest is None:
                return None, f"{path.name} is missing"
            if manifest.files[path.name] != digest:
                return None, f"{path.name} is not as built"
    except BriefgenError as exc:
        return None, str(exc)
    if not inputs:
        return outputs, "intact"
    if now is None:
        try:
            now = made_from(loaded, out_dir)
        except BriefgenError as exc:
            return None, str(exc)
    if now["urls"]:
        return None, "URL sources are read afresh"
    if manifest.fingerprint != fingerprint(now):
        # A manifest of briefgen 0.1.0 has no made_from.
        before = manifest.made_from.model_dump() if manifest.made_from else {"briefgen": manifest.briefgen}
        return None, _what_changed(before, now)
    return outputs, "unchanged"
