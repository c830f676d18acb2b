"""An editor's approval of exactly one build, which ``delivery.require_approval`` makes a condition of sending.

``briefgen approve OUTDIR`` checks the build (every file against its manifest, every written
source text against the sha256 ``briefing.json`` records, which together hold each quote at its
offsets, as the build wrote them) and records the sha256 of its ``manifest.json`` in
``approval.json``. The manifest holds the hash of every file the build wrote
and the fingerprint of everything it was made from, so any later rebuild, edit or change to a
file makes the approval stale: :func:`approval_problem` then says why, and sending refuses.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from briefgen.errors import BriefgenError
from briefgen.models import text_sha256
from briefgen.records.manifest import MANIFEST, OUTPUT_FILES, SOURCES_DIR, changed_files, file_sha256, written_source

#: The approval's file in a build's output directory.
APPROVAL_FILE = "approval.json"


class NotApprovedError(BriefgenError):
    """A briefing that must be approved before it is sent is not, or has changed since."""


def _approver() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a container)
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def _read(path: Path, raw: bytes | None = None) -> dict[str, Any]:
    try:
        data = json.loads(path.read_bytes() if raw is None else raw)
    except FileNotFoundError:
        raise BriefgenError(f"{path.parent}: no finished build here (no {path.name})") from None
    except (OSError, ValueError) as exc:
        raise BriefgenError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise BriefgenError(f"{path} is not briefgen's")
    return data


def build_problems(out_dir: Path, manifest: dict[str, Any] | None = None) -> list[str]:
    """What is wrong with the finished build in ``out_dir`` as written: a file changed or missing
    since the build (``manifest``, else the one in ``out_dir``), or a source text that no longer
    has the sha256 ``briefing.json`` records."""
    manifest = manifest if manifest is not None else _read(out_dir / MANIFEST)
    problems = [f"{name}: {what}" for name, what in changed_files(out_dir, manifest)]
    if problems:
        return problems
    for source in _read(out_dir / OUTPUT_FILES["json"]).get("sources") or []:
        name = f"{SOURCES_DIR}/{source.get('id')}.txt"
        text = written_source(out_dir, source.get("id"))
        if text is None:
            problems.append(f"{name}: missing or unreadable")
        elif text_sha256(text) != source.get("text_sha256"):
            problems.append(f"{name}: changed since the build")
    return problems


def approve(out_dir: Path, *, by: str | None = None, now: dt.datetime | None = None) -> dict[str, str]:
    """Record approval of the build in ``out_dir`` as it is now; refuse one changed since it was built.

    The manifest is read once: the build its bytes describe is the one checked and the one
    recorded, even if another build replaces it meanwhile (sending then refuses)."""
    import hashlib

    path = out_dir / MANIFEST
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BriefgenError(f"{out_dir}: no finished build here (no {MANIFEST})") from None
    except OSError as exc:
        raise BriefgenError(f"cannot read {path}: {exc.strerror or exc}") from None
    manifest = _read(path, raw)
    problems = build_problems(out_dir, manifest)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise BriefgenError(f"{out_dir}: not approved: {problems[0]}{more}")
    record = {
        "manifest_sha256": hashlib.sha256(raw).hexdigest(),
        "fingerprint": str(manifest.get("fingerprint", "")),
        "approved_by": by or _approver(),
        "approved_at": (now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat(),
    }
    fd, tmp = tempfile.mkstemp(prefix=".approval-", suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(record, indent=2) + "\n")
        os.replace(tmp, out_dir / APPROVAL_FILE)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise BriefgenError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    return record


def read_approval(out_dir: Path) -> dict[str, str] | None:
    """The approval recorded in ``out_dir``, or None (none, or not readable)."""
    try:
        data = json.loads((out_dir / APPROVAL_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else None


def approval_problem(out_dir: Path) -> str | None:
    """None when the build in ``out_dir`` is approved as it is now; otherwise why it is not."""
    record = read_approval(out_dir)
    if record is None:
        return f"not approved: run `briefgen approve {out_dir}` after reviewing it"
    manifest = out_dir / MANIFEST
    if not manifest.is_file() or file_sha256(manifest) != record.get("manifest_sha256"):
        when = record.get("approved_at", "?")
        return f"rebuilt or changed since it was approved ({when}): review it and approve it again"
    try:
        changed = build_problems(out_dir)
    except BriefgenError as exc:
        return str(exc)
    if changed:
        return f"changed since it was approved: {changed[0]}"
    return None


def approved_bytes_problem(out_dir: Path, read: dict[str, bytes]) -> str | None:
    """None when each file's bytes, as the sender read them, are those of the approved build's
    manifest; otherwise which is not (a build that ran between the check and the read)."""
    import hashlib

    record = read_approval(out_dir)
    try:
        manifest_bytes = (out_dir / MANIFEST).read_bytes()
        files = json.loads(manifest_bytes).get("files") or {}
    except (OSError, ValueError, AttributeError):
        return f"{MANIFEST} is unreadable"
    if record is None or hashlib.sha256(manifest_bytes).hexdigest() != record.get("manifest_sha256"):
        return "the build changed while it was being sent: approve it again"
    for name, data in read.items():
        if hashlib.sha256(data).hexdigest() != files.get(name):
            return f"{name} is not the approved build's"
    return None


def require_approval(out_dir: Path) -> None:
    """Raise :class:`NotApprovedError` unless the build in ``out_dir`` is approved as it is now."""
    problem = approval_problem(out_dir)
    if problem is not None:
        raise NotApprovedError(f"{out_dir}: {problem}")
