"""Files read ahead in forked processes (Workspace.read_files): the same documents, warnings and
refusals as files read one by one, and nothing stale."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from briefgen.analyse import processes, workspace
from briefgen.analyse.workspace import READ_AHEAD_MIN, Workspace
from briefgen.errors import ArticleError
from briefgen.ingest.readers import read_file, sidecar_path


@pytest.fixture
def two_processes(monkeypatch):
    """Two processes, as on a machine with two cores and no other thread (the test runner has some)."""
    monkeypatch.setattr(processes, "workers", lambda asked, items, minimum: 1 if items < minimum else 2)
    monkeypatch.setattr(workspace, "workers", lambda asked, items, minimum: 1 if items < minimum else 2)


def files(folder: Path) -> list[Path]:
    """Twenty text files: one in Windows-1252 (read with a warning), one empty and one binary (refused)."""
    folder.mkdir()
    out = []
    for k in range(20):
        path = folder / f"a{k:02d}.txt"
        if k == 5:
            path.write_bytes("Caf\xe9 owners in the harbour town met on Monday.\n".encode("cp1252"))
        elif k == 7:
            path.write_bytes(b"")
        elif k == 11:
            path.write_bytes(b"\x00\x01\x02binary")
        else:
            path.write_text(f"Harbour report {k}\n\nThe harbour board met on day {k} to discuss the berth.\n")
        out.append(path)
    return out


def read_all(space: Workspace, paths: list[Path]) -> list[object]:
    out: list[object] = []
    for path in paths:
        try:
            out.append(space.file_documents(path))
        except ArticleError as exc:
            out.append(("refused", exc.path, exc.reason))
    return out


@pytest.mark.parametrize("cached", [False, True])
def test_read_ahead_gives_what_reading_one_by_one_gives(tmp_path, two_processes, caplog, cached):
    paths = files(tmp_path / "in")
    assert len(paths) >= READ_AHEAD_MIN
    caplog.set_level(logging.WARNING)
    one_by_one = read_all(Workspace(tmp_path / "c1" if cached else None), paths)
    alone = [r.getMessage() for r in caplog.records]
    caplog.clear()

    ahead = Workspace(tmp_path / "c2" if cached else None)
    ahead.read_files(paths)
    assert len(ahead._ahead) == len(paths)  # read ahead, in the forked processes
    assert read_all(ahead, paths) == one_by_one
    assert [r.getMessage() for r in caplog.records] == alone  # logged here, in the files' order
    assert any("not valid UTF-8" in message for message in alone)
    assert ("refused", str(paths[7]), "empty file") in one_by_one
    assert ahead.stats.inputs_read == len(paths) - 2 and not ahead._ahead


def test_a_file_changed_after_it_was_read_ahead_is_read_again(tmp_path, two_processes):
    paths = files(tmp_path / "in")
    space = Workspace(tmp_path / "cache")
    space.read_files(paths)
    paths[0].write_text("Changed report\n\nThe harbour board changed its mind about the berth.\n")
    (doc,) = space.file_documents(paths[0])
    assert "changed its mind" in doc.article.blocks[-1].text


def test_few_files_or_one_process_read_nothing_ahead(tmp_path, monkeypatch):
    paths = files(tmp_path / "in")
    space = Workspace(None)
    space.read_files(paths[: READ_AHEAD_MIN - 1])
    assert not space._ahead
    monkeypatch.setattr(workspace, "workers", lambda asked, items, minimum: 1)
    space.read_files(paths)
    assert not space._ahead


def test_without_a_cache_a_changed_file_is_read_again_too(tmp_path, two_processes):
    paths = files(tmp_path / "in")
    space = Workspace(None)
    space.read_files(paths)
    paths[0].write_text("Changed report\n\nThe harbour board changed its mind about the new berth.\n")
    (doc,) = space.file_documents(paths[0])
    assert "changed its mind" in doc.article.blocks[-1].text


def test_a_file_whose_reading_failed_ahead_says_its_warnings_once(tmp_path, two_processes, monkeypatch, caplog):
    """A reader failing with an error of its own is read again where it is needed, and what it logs
    is logged once, by that reading."""
    paths = files(tmp_path / "in")

    def odd(path: Path):
        logging.getLogger("briefgen.ingest.readers").warning("odd thing in %s", path.name)
        if path.name == "a03.txt":
            raise RuntimeError("a reader's bug")
        return real(path)

    real = read_file
    monkeypatch.setattr(workspace, "read_file", odd)
    space = Workspace(None)
    space.read_files(paths)
    caplog.set_level(logging.WARNING)
    with pytest.raises(RuntimeError):
        space.file_documents(paths[3])
    assert [r.getMessage() for r in caplog.records] == ["odd thing in a03.txt"]


def test_a_malformed_log_call_while_reading_ahead_does_not_fail_the_file(tmp_path, two_processes, monkeypatch):
    paths = files(tmp_path / "in")
    real = read_file

    def sloppy(path: Path):
        logging.getLogger("briefgen.ingest.readers").warning("%d articles", "some")
        return real(path)

    monkeypatch.setattr(workspace, "read_file", sloppy)
    space = Workspace(None)
    space.read_files(paths)
    assert space.file_documents(paths[0])[0].article.title == "Harbour report 0"


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_what_a_library_logs_to_its_own_null_handler_stays_unwritten(tmp_path, two_processes, monkeypatch, capsys):
    """Logging set up as the command line sets it (briefgen's logger writes, the root has no
    handler): a library first imported while reading ahead (trafilatura) quiets its logger with a
    null handler, so its warnings are not written then, as they would not be had this process read
    the file; briefgen's own are, once."""
    paths = files(tmp_path / "in")
    ours = Lines()
    monkeypatch.setattr(logging.root, "handlers", [])
    monkeypatch.setattr(logging.getLogger("briefgen"), "handlers", [ours])
    monkeypatch.setattr(logging.getLogger("briefgen"), "propagate", False)

    def noisy(path: Path):
        library = logging.getLogger("lazily.imported")
        if not library.handlers:
            library.addHandler(logging.NullHandler())
        library.warning("empty link in %s", path.name)
        logging.getLogger("briefgen.ingest.readers").warning("read %s", path.name)
        return read_file(path)

    monkeypatch.setattr(workspace, "read_file", noisy)
    space = Workspace(None)
    space.read_files(paths)
    space.file_documents(paths[0])
    assert ours.lines == ["read a00.txt"]
    assert "empty link" not in capsys.readouterr().err


def test_a_changed_sidecar_is_read_again_without_a_cache(tmp_path, two_processes):
    """What a file's sidecar says is part of what reading it gives: a sidecar changed after the
    file was read ahead has the file read again, with no cache to tell it by its content."""
    paths = files(tmp_path / "in")
    sidecar = sidecar_path(paths[0])
    sidecar.write_text("title: Harbour board report\n", encoding="utf-8")
    space = Workspace(None)
    space.read_files(paths)
    sidecar.write_text("title: Harbour board report, corrected\n", encoding="utf-8")
    (doc,) = space.file_documents(paths[0])
    assert doc.article.title == "Harbour board report, corrected"
