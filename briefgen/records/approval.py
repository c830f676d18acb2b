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
import hashlib
import json
import os
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from briefgen.errors import BriefgenError, OutputError
from briefgen.models import text_sha256
from briefgen.records.briefing import quote_problems, read_briefing
from briefgen.records.edits import EDITS_FILE
from briefgen.records.files import load_record, own_file, problem_line, read_record, write_atomically
from briefgen.records.manifest import (
    MANIFEST,
    OUTPUT_FILES,
    SOURCES_DIR,
    Manifest,
    changed_files,
    read_manifest,
    written_source,
)

#: The approval's file in a build's output directory.
APPROVAL_FILE = "approval.json"
#: The largest ``approval.json`` read back: it holds two hashes, a name of at most 200 characters
#: and a time stamp, under 1 KB; 64 KiB leaves room for one formatted by hand, and no more.
MAX_APPROVAL_BYTES = 64 * 1024


class Approval(BaseModel):
    """What ``approval.json`` holds: written by :func:`approve`, read by :func:`read_approval`.
    Keys it does not know are tolerated (``extra="ignore"``): what binds the approval to a build
    is ``manifest_sha256``, which is checked whatever else the file says."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True, use_attribute_docstrings=True)

    manifest_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    """The sha256 of the approved build's ``manifest.json``."""
    fingerprint: str = Field(default="", max_length=200)
    """The build's fingerprint, as its manifest gives it."""
    approved_by: str = Field(min_length=1, max_length=200)
    """Who approved it."""
    approved_at: str = Field(min_length=1, max_length=64)
    """When, in ISO 8601 (UTC)."""


class NotApprovedError(BriefgenError):
    """A briefing that must be approved before it is sent is not, or has changed since."""


def _approver() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a container)
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def _manifest(out_dir: Path) -> tuple[Manifest, bytes]:
    found = read_manifest(out_dir)
    if found is None:
        raise BriefgenError(f"{out_dir}: no finished build here (no {MANIFEST})")
    return found


def build_problems(out_dir: Path, manifest: Manifest | None = None) -> list[str]:
    """What is wrong with the finished build in ``out_dir`` as written: a file changed or missing
    since the build (``manifest``, else the one in ``out_dir``), or a source text that no longer
    has the sha256 ``briefing.json`` records. A file that is not briefgen's (a link, a FIFO, one
    larger than any build writes, a record that does not validate) raises
    :class:`~briefgen.errors.OutputError` naming it."""
    manifest = manifest if manifest is not None else _manifest(out_dir)[0]
    briefing = read_briefing(out_dir / OUTPUT_FILES["json"])  # first: a record of the wrong shape is named as such
    problems = [f"{name}: {what}" for name, what in changed_files(out_dir, manifest)]
    if problems:
        return problems
    if briefing is None:
        return [f"{OUTPUT_FILES['json']}: missing"]
    texts: dict[int, str | None] = {}
    for source in briefing.sources:
        name = f"{SOURCES_DIR}/{source.id}.txt"
        text = texts[source.id] = written_source(out_dir, source.id)
        if text is None:
            problems.append(f"{name}: missing or unreadable")
        elif text_sha256(text) != source.text_sha256:
            problems.append(f"{name}: changed since the build")
            texts[source.id] = None
    # As verify --offline checks: every quote is its source's text at its offsets.
    problems += [f"{OUTPUT_FILES['json']}: {where}: {what}" for where, what in quote_problems(briefing, texts)]
    return problems


def approve(out_dir: Path, *, by: str | None = None, now: dt.datetime | None = None) -> dict[str, str]:
    """Record approval of the build in ``out_dir`` as it is now; refuse one changed since it was built.

    The manifest is read once: the build its bytes describe is the one checked and the one
    recorded, even if another build replaces it meanwhile (sending then refuses)."""
    manifest, raw = _manifest(out_dir)
    own_file(out_dir / EDITS_FILE, doing="reads")  # what the next build reads must be briefgen's too
    problems = build_problems(out_dir, manifest)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise BriefgenError(f"{out_dir}: not approved: {problems[0]}{more}")
    path = out_dir / APPROVAL_FILE
    try:
        record = Approval.model_validate(
            {
                "manifest_sha256": hashlib.sha256(raw).hexdigest(),
                "fingerprint": manifest.fingerprint or "",
                "approved_by": by or _approver(),
                "approved_at": (now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat(),
            },
            strict=True,
        )
    except ValidationError as exc:  # a --by of more than 200 characters
        raise OutputError(problem_line(path, exc)) from None
    data = record.model_dump()
    write_atomically(path, json.dumps(data, indent=2) + "\n")
    return data


def _approval(out_dir: Path) -> tuple[Approval | None, str | None]:
    """The approval recorded in ``out_dir`` (None: there is none), or what is wrong with its file."""
    path = out_dir / APPROVAL_FILE
    try:
        raw = read_record(path, MAX_APPROVAL_BYTES)
        return (None if raw is None else load_record(path, Approval, raw)), None
    except BriefgenError as exc:
        return None, str(exc)


def read_approval(out_dir: Path) -> dict[str, str] | None:
    """The approval recorded in ``out_dir``, or None (none, or not briefgen's: see :func:`approval_problem`)."""
    record, _ = _approval(out_dir)
    return None if record is None else record.model_dump()


def approval_problem(out_dir: Path) -> str | None:
    """None when the build in ``out_dir`` is approved as it is now; otherwise why it is not."""
    record, wrong = _approval(out_dir)
    if wrong is not None:
        return f"not approved: {wrong}"
    if record is None:
        return f"not approved: run `briefgen approve {out_dir}` after reviewing it"
    try:
        found = read_manifest(out_dir)
    except BriefgenError as exc:
        return str(exc)
    if found is None or hashlib.sha256(found[1]).hexdigest() != record.manifest_sha256:
        return f"rebuilt or changed since it was approved ({record.approved_at}): review it and approve it again"
    try:
        changed = build_problems(out_dir, found[0])
    except BriefgenError as exc:
        return str(exc)
    if changed:
        return f"changed since it was approved: {changed[0]}"
    return None


def approved_bytes_problem(out_dir: Path, read: dict[str, bytes]) -> str | None:
    """None when each file's bytes, as the sender read them, are those of the approved build's
    manifest; otherwise which is not (a build that ran between the check and the read)."""
    record, _ = _approval(out_dir)
    try:
        found = read_manifest(out_dir)
    except BriefgenError as exc:
        return str(exc)
    if found is None:
        return f"{MANIFEST} is missing"
    manifest, raw = found
    if record is None or hashlib.sha256(raw).hexdigest() != record.manifest_sha256:
        return "the build changed while it was being sent: approve it again"
    for name, data in read.items():
        if hashlib.sha256(data).hexdigest() != manifest.files.get(name):
            return f"{name} is not the approved build's"
    return None


def require_approval(out_dir: Path) -> None:
    """Raise :class:`NotApprovedError` unless the build in ``out_dir`` is approved as it is now."""
    problem = approval_problem(out_dir)
    if problem is not None:
        raise NotApprovedError(f"{out_dir}: {problem}")
