"""Records in an output directory that are not what briefgen wrote: a symbolic link out of it, a
FIFO, a sparse file of 2 GB or a record of the wrong shape in the place of each of its files.

Every case runs through :func:`tests.hostile.run_limited` (a hang or a blown memory cap fails it)
on a copy of one finished, approved build, and checks the promises: nothing outside the output
directory is written, a planted link is refused (not replaced), and the command ends with one line
naming the file (and, for a record of the wrong shape, the key) or leaves a file it does not use
alone.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import AS_OF, ROOT, run_cli
from .hostile import SAMPLE_TOPIC, assert_clean_failure, assert_no_traceback, cli_result, run_limited

LIMIT = 60
DAY = AS_OF.isoformat()

#: Each file of a finished build, the records beside it, one source text and the source directory.
RECORDS = [
    "briefing.md",
    "briefing.html",
    "briefing.pdf",
    "briefing.email.html",
    "briefing.txt",
    "briefing.json",
    "ingest.json",
    "manifest.json",
    "approval.json",
    "edits.yaml",
    "sources/1.txt",
    "sources",
]
#: What the outside file a link points to holds; it must hold it still after every command.
OUTSIDE = b"outside the output directory: never to be written\n"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, warm_model: None) -> tuple[Path, Path]:
    """A config that sends only approved builds, and its finished build with an editor's note, approved."""
    root = tmp_path_factory.mktemp("records")
    config = root / "brief.yaml"
    settings = {
        "title": "Weekly Indo-Pacific Brief",
        "topic": SAMPLE_TOPIC,
        "sources": [str(ROOT / "samples" / "articles")],
        "window": {"days": 7},
        "output": {"formats": ["md", "html", "pdf", "email"]},
        "delivery": {
            "email": {
                "to": ["analyst@example.com"],
                "from": "Briefings Desk <briefings@example.com>",
                "smtp": {"host": "127.0.0.1", "port": 9, "security": "none", "timeout": 5},
            },
            "log": "deliveries.sqlite",
            "require_approval": True,
        },
    }
    config.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    out = root / "pristine"
    from briefgen.records.edits import add_note

    add_note(out, "Our view: the secretariat will take a year.", None)
    built = run_cli("build", str(config), "--as-of", DAY, "--out", str(out))
    assert built.returncode == 0, built.stderr
    approved = run_cli("approve", str(out))
    assert approved.returncode == 0, approved.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted({r.split("/")[0] for r in RECORDS})
    return config, out


def copy_of(pristine: tuple[Path, Path], where: Path) -> Path:
    shutil.copytree(pristine[1], where, symlinks=True)
    return where


def clear(path: Path) -> None:
    """Remove what stands at ``path``."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def outside_dir(tmp_path: Path) -> Path:
    """A directory beside the output directories with a file for each record (and a source directory)."""
    outside = tmp_path / "outside"
    (outside / "sources").mkdir(parents=True)
    (outside / "sources" / "1.txt").write_bytes(OUTSIDE)
    for record in RECORDS:
        if record != "sources":
            (outside / record.replace("/", "-")).write_bytes(OUTSIDE)
    return outside


def contents(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def plant_link(out: Path, record: str, outside: Path) -> None:
    target = out / record
    clear(target)
    if record == "sources":
        target.symlink_to(outside / "sources", target_is_directory=True)
    else:
        target.symlink_to(outside / record.replace("/", "-"))


def plant_fifo(out: Path, record: str) -> None:
    clear(out / record)
    os.mkfifo(out / record)


def plant_sparse(out: Path, record: str) -> None:
    clear(out / record)
    with open(out / record, "wb") as f:
        f.truncate(2 << 30)


# ----------------------------------------------------------------------------- the commands


def command(name: str, config: Path, out: Path, memory_cap: int | None = None) -> dict[str, Any]:
    """Run one command on ``out`` in a limited child: build, approve, verify, send (a dry run) or an
    editor's note added as ``serve`` adds it (``code`` 0 unless it was refused or its build failed)."""

    def case() -> dict[str, Any]:
        if name == "serve":
            from briefgen.commands.serve import Preview
            from briefgen.errors import BriefgenError

            preview = Preview(config, AS_OF, out)
            try:
                shown = preview.add_note("An editor's second note.", None)
            except BriefgenError as exc:
                return {"code": 1, "stdout": "", "stderr": f"briefgen: error: {exc}\n"}
            if shown.error is not None:
                return {"code": 1, "stdout": "", "stderr": f"briefgen: error: {shown.error}\n"}
            return {"code": 0, "stdout": "", "stderr": "", "approval": shown.approval}
        args = {
            "build": ("build", str(config), "--as-of", DAY, "--out", str(out)),
            "approve": ("approve", str(out)),
            "verify": ("verify", str(out)),
            "send": ("send", str(config), "--as-of", DAY, "--out", str(out), "--dry-run"),
            "send for real": ("send", str(config), "--as-of", DAY, "--out", str(out)),
        }[name]
        return cli_result(run_cli(*args, cwd=config.parent))

    limits = {"memory_cap": memory_cap} if memory_cap else {}
    result: dict[str, Any] = run_limited(case, time_limit=LIMIT, **limits).ok()
    return result


def assert_names(result: dict[str, Any], path: Path, what: str) -> None:
    """One error line, naming ``path`` and saying ``what`` it is."""
    assert_clean_failure(result, contains=f"{path} is {what}")


def assert_untouched(result: dict[str, Any]) -> None:
    assert result["code"] == 0, result
    assert_no_traceback(result)


#: The commands that neither write nor read a record, so leave whatever stands there alone.
LEAVE_ALONE = {
    ("build", "approval.json"),
    ("serve", "approval.json"),
    ("send", "approval.json"),  # named in a warning: a real send would refuse it (below)
    ("verify", "approval.json"),
    ("verify", "edits.yaml"),
}


# ----------------------------------------------------------------------------- links


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("name", ["build", "approve", "serve", "send"])
def test_a_link_out_of_the_output_directory_is_never_written_through(pristine, tmp_path, name, record):
    config, _ = pristine
    outside = outside_dir(tmp_path)
    before = contents(outside)
    out = copy_of(pristine, tmp_path / "out")
    plant_link(out, record, outside)
    result = command(name, config, out)
    assert contents(outside) == before, "a file outside the output directory was written"
    assert (out / record).is_symlink(), "the link was replaced, not refused"
    if (name, record) in LEAVE_ALONE:
        assert_untouched(result)
        if name in ("serve", "send"):  # the approval it shows, or warns a real send would refuse
            said = result.get("approval") or result["stderr"]
            assert f"not approved: {out / record} is a symbolic link" in said, said
    else:
        assert_names(result, out / record, "a symbolic link")


def test_the_refusal_is_one_clear_line(pristine, tmp_path):
    config, _ = pristine
    out = copy_of(pristine, tmp_path / "out")
    plant_link(out, "briefing.md", outside_dir(tmp_path))
    result = command("build", config, out)
    errors = [line for line in result["stderr"].splitlines() if line.startswith("briefgen: error")]
    assert errors == [
        f"briefgen: error: {out}/briefing.md is a symbolic link; briefgen writes only regular files in "
        "its output directory: remove it"
    ]


def test_a_link_to_the_approval_is_refused_by_a_real_send(pristine, tmp_path):
    config, _ = pristine
    out = copy_of(pristine, tmp_path / "out")
    outside = outside_dir(tmp_path)
    (outside / "approval.json").write_bytes((out / "approval.json").read_bytes())  # a valid approval, elsewhere
    plant_link(out, "approval.json", outside)
    result = command("send for real", config, out)
    assert_clean_failure(result, contains=f"not approved: {out}/approval.json is a symbolic link")


# ----------------------------------------------------------------------------- FIFOs


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("name", ["build", "approve", "verify", "send"])
def test_a_fifo_in_place_of_a_record_is_one_line(pristine, tmp_path, name, record):
    config, _ = pristine
    out = copy_of(pristine, tmp_path / "out")
    plant_fifo(out, record)
    result = command(name, config, out)
    assert (out / record).exists() and not (out / record).is_file(), "the FIFO was replaced, not refused"
    if (name, record) in LEAVE_ALONE:
        assert_untouched(result)
    else:
        assert_names(result, out / record, "a FIFO")


# ----------------------------------------------------------------------------- size


#: What a file of 2 GB in the place of each record is to verify and approve: larger than its bound,
#: a regular file where a directory belongs, or a file they do not read (approval.json: replaced by
#: approve, which writes it).
SPARSE = {
    "sources": "a regular file",
    "approval.json": None,
    "edits.yaml": None,
}


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("name", ["verify", "approve"])
def test_a_sparse_file_of_2_gb_is_never_read(pristine, tmp_path, name, record):
    config, _ = pristine
    out = copy_of(pristine, tmp_path / "out")
    plant_sparse(out, record)
    result = command(name, config, out, memory_cap=512 << 20)
    what = SPARSE.get(record, "larger than")
    if what is None:
        assert_untouched(result)
        if name == "approve" and record == "approval.json":
            assert (out / record).stat().st_size < 1024  # its own record, written anew
    else:
        assert_names(result, out / record, what)


def test_a_sparse_edits_file_stops_a_build_in_one_line(pristine, tmp_path):
    config, _ = pristine
    out = copy_of(pristine, tmp_path / "out")
    plant_sparse(out, "edits.yaml")
    for name in ("build", "send"):
        assert_names(command(name, config, out, memory_cap=512 << 20), out / "edits.yaml", "larger than 256 KiB")


def test_a_sparse_approval_is_named_when_sending(pristine, tmp_path):
    config, _ = pristine
    out = copy_of(pristine, tmp_path / "out")
    plant_sparse(out, "approval.json")
    result = command("send for real", config, out, memory_cap=512 << 20)
    assert_clean_failure(result, contains=f"not approved: {out}/approval.json is larger than 64 KiB")


# ----------------------------------------------------------------------------- records of the wrong shape


def first_item(change: dict[str, Any]) -> Callable[[Any], Any]:
    def mutate(data: Any) -> Any:
        data["sections"][0]["items"][0].update(change)
        return data

    return mutate


def with_key(key: str, value: Any) -> Callable[[Any], Any]:
    def mutate(data: Any) -> Any:
        data[key] = value
        return data

    return mutate


def without_key(key: str) -> Callable[[Any], Any]:
    def mutate(data: Any) -> Any:
        del data[key]
        return data

    return mutate


def first_section_items(value: Any) -> Callable[[Any], Any]:
    def mutate(data: Any) -> Any:
        data["sections"][0]["items"] = value
        return data

    return mutate


def made_from_inputs(data: Any) -> Any:
    data["made_from"]["inputs"] = 5
    return data


def first_source_id(data: Any) -> Any:
    data["sources"][0]["id"] = str(data["sources"][0]["id"])
    return data


WRONG = [
    ("manifest.json", with_key("files", []), "files: expected a mapping"),
    ("manifest.json", lambda data: [data], "expected a mapping at the top level"),
    ("manifest.json", without_key("files"), "files: missing"),
    ("manifest.json", with_key("files", {"../../etc/passwd": "0" * 64}), "files['../../etc/passwd'] (its name)"),
    ("manifest.json", with_key("files", {"briefing.md": 5}), "files['briefing.md']: expected a string"),
    ("manifest.json", made_from_inputs, "made_from.inputs: expected a mapping"),
    ("manifest.json", with_key("files", {}), "files: lists no briefing.json and no ingest.json"),
    ("manifest.json", with_key("config", "a\u0000b"), "config: not a config path"),
    ("briefing.json", lambda data: [data], "expected a mapping at the top level"),
    ("briefing.json", with_key("sources", "abc"), "sources: expected a list"),
    ("briefing.json", with_key("sections", {"a": 1}), "sections: expected a list"),
    ("briefing.json", first_section_items(7), "sections[0].items: expected a list"),
    ("briefing.json", first_source_id, "sources[0].id: expected an integer"),
    ("briefing.json", first_item({"offsets": [["a", 5]]}), "sections[0].items[0].offsets[0][0]: expected an integer"),
    ("briefing.json", first_item({"offsets": [[0, 5.5]]}), "sections[0].items[0].offsets[0][1]: expected an integer"),
    ("briefing.json", first_item({"offsets": "0-5"}), "sections[0].items[0].offsets: expected a list"),
    ("briefing.json", first_item({"offsets": [[-1, 5]]}), "sections[0].items[0].offsets[0][0]: out of range"),
    ("briefing.json", first_item({"offsets": [[9, 5]]}), "sections[0].items[0].offsets[0]: out of range"),
    ("briefing.json", first_item({"offsets": [[0, 10**12]]}), "sections[0].items[0].offsets[0][1]: out of range"),
    ("briefing.json", first_item({"offsets": []}), "sections[0].items[0]: 1 sources but 0 offsets"),
    ("briefing.json", first_item({"sources": [99]}), "sections[0].items[0].sources[0]: source 99 is not among"),
    ("briefing.json", first_item({"text": None}), "sections[0].items[0].text: expected a string"),
]


@pytest.mark.parametrize("record, mutate, said", WRONG, ids=[f"{r}: {s}" for r, _, s in WRONG])
@pytest.mark.parametrize("name", ["verify", "approve"])
def test_a_record_of_the_wrong_shape_is_one_line_naming_the_key(pristine, tmp_path, name, record, mutate, said):
    config, _ = pristine
    out = copy_of(pristine, tmp_path / "out")
    path = out / record
    path.write_text(json.dumps(mutate(json.loads(path.read_text(encoding="utf-8")))), encoding="utf-8")
    result = command(name, config, out)
    assert_clean_failure(result, contains=f"{path}: {said}")
    assert "a bug in briefgen" not in result["stderr"]


def rehashed(out: Path) -> None:
    """The manifest made to match ``briefing.json`` as it is now, as someone covering their tracks would."""
    import hashlib

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["briefing.json"] = hashlib.sha256((out / "briefing.json").read_bytes()).hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize(
    "change, said",
    [
        ({"offsets": [[0, 899999]]}, "are past the end of source"),
        ({"text": "A sentence no source says."}, "is not source"),
    ],
    ids=["offsets past the end", "another text"],
)
@pytest.mark.parametrize("name", ["verify --offline", "approve"])
def test_a_quote_that_is_not_its_source_is_never_approved(pristine, tmp_path, name, change, said):
    """approve checks what verify --offline does: each quote is its source's text at its offsets,
    even when the manifest was made to match an edited briefing.json."""
    out = copy_of(pristine, tmp_path / "out")
    path = out / "briefing.json"
    path.write_text(json.dumps(first_item(change)(json.loads(path.read_text(encoding="utf-8")))), encoding="utf-8")
    rehashed(out)
    args = ("verify", str(out), "--offline") if name.startswith("verify") else ("approve", str(out))
    result = run_limited(lambda: cli_result(run_cli(*args)), time_limit=LIMIT).ok()
    assert result["code"] == 1 and said in result["stderr"], result
    assert_no_traceback(result)


APPROVALS = [
    (lambda data: [data], "expected a mapping at the top level"),
    (with_key("approved_by", 5), "approved_by: expected a string"),
    (without_key("manifest_sha256"), "manifest_sha256: missing"),
    (with_key("manifest_sha256", ["x"]), "manifest_sha256: expected a string"),
]


@pytest.mark.parametrize("mutate, said", APPROVALS, ids=[s for _, s in APPROVALS])
def test_an_approval_of_the_wrong_shape_is_named_when_sending(pristine, tmp_path, mutate, said):
    config, _ = pristine
    out = copy_of(pristine, tmp_path / "out")
    path = out / "approval.json"
    path.write_text(json.dumps(mutate(json.loads(path.read_text(encoding="utf-8")))), encoding="utf-8")
    result = command("send for real", config, out)
    assert_clean_failure(result, contains=f"not approved: {path}: {said}")


def test_a_damaged_manifest_means_build_again_when_sending(pristine, tmp_path):
    config, _ = pristine
    out = copy_of(pristine, tmp_path / "out")
    (out / "manifest.json").write_text('{"files": []}', encoding="utf-8")
    result = command("send", config, out)
    assert_untouched(result)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert isinstance(manifest["files"], dict)  # built again, as when there was no finished build


def test_offsets_past_the_end_of_the_text_are_a_problem_of_their_item(pristine, tmp_path):
    config, _ = pristine
    out = copy_of(pristine, tmp_path / "out")
    path = out / "briefing.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    item = data["sections"][0]["items"][0]
    n = item["sources"][0]
    length = len((out / "sources" / f"{n}.txt").read_text(encoding="utf-8"))
    item["offsets"] = [[length + 1, length + 10]]
    path.write_text(json.dumps(data), encoding="utf-8")
    result = command("verify", config, out)
    assert result["code"] == 1 and "a bug in briefgen" not in result["stderr"], result
    assert_no_traceback(result)
    assert f"its offsets {length + 1}–{length + 10} are past the end of source {n}'s text" in result["stderr"]


# ----------------------------------------------------------------------------- verify reads the written texts


def test_online_verify_names_a_source_text_edited_after_the_build(pristine, tmp_path):
    config, _ = pristine
    out = copy_of(pristine, tmp_path / "out")
    (out / "sources" / "1.txt").write_text("Something else entirely.", encoding="utf-8")
    result = command("verify", config, out)
    assert result["code"] == 1, result
    assert "source 1: sources/1.txt has changed since the build" in result["stderr"]
    assert "the inputs, read and cleaned again" in result["stderr"]


def test_writes_leave_no_temporary_file_behind(pristine, tmp_path):
    config, _ = pristine
    out = copy_of(pristine, tmp_path / "out")
    assert_untouched(command("build", config, out))
    assert_untouched(command("approve", config, out))
    assert_untouched(command("serve", config, out))
    hidden = [p.name for p in out.rglob(".*")]
    assert not hidden, hidden


def test_a_planted_link_stops_a_build_before_any_article_is_read(pristine, tmp_path, monkeypatch):
    """The output directory is looked at first: an hour's reading and analysis is not spent on a
    build that cannot be written."""
    from briefgen import pipeline
    from briefgen.config import load_config
    from briefgen.errors import OutputError

    config, _ = pristine
    out = copy_of(pristine, tmp_path / "out")
    plant_link(out, "briefing.pdf", outside_dir(tmp_path))

    def read(*args: object, **kwargs: object) -> None:
        raise AssertionError("articles were read for a build that cannot be written")

    monkeypatch.setattr(pipeline, "take_in", read)
    with pytest.raises(OutputError, match=r"briefing\.pdf is a symbolic link"):
        pipeline.build(load_config(config), AS_OF, out)
