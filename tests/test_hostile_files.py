"""Files that are not what they claim: symlink loops and links out of a source directory, FIFOs,
devices and sockets, oversized and sparse files, too many files, names no terminal can show.

Every case runs through :func:`tests.hostile.run_limited` under a time limit that proves there
is no hang, and checks the promises: the bad input is skipped with one warning line naming it,
the sample articles beside it still make the briefing, and nothing outside a source directory
is read unless ``follow_symlinks: true`` says so.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import stat
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, run_cli
from .hostile import (
    SAMPLE_KEPT,
    SAMPLE_TOPIC,
    assert_clean_failure,
    assert_no_traceback,
    assert_one_line_messages,
    cli_result,
    run_limited,
)

LIMIT = 20
TOPIC = SAMPLE_TOPIC
#: An on-topic article that must not be read unless a link to it may be followed.
PRIVATE_TITLE = "Private memo on the alliance summit secretariat"
PRIVATE = f"""---
title: {PRIVATE_TITLE}
date: 2025-02-13
publisher: Internal
---

The alliance summit agreed on a permanent secretariat, Japan and South Korea said in a private memo.

Defense officials from the United States, Japan and South Korea will meet the secretariat in March.
"""


@pytest.fixture(scope="module", autouse=True)
def _warm(warm_model: None) -> None:
    """Every case here forks a process that reads and analyses articles."""


def project(tmp_path: Path, sources: list[str] | None = None, **settings: Any) -> Path:
    """The sample articles in ``tmp_path/articles`` and a config over ``sources`` (default: that directory)."""
    shutil.copytree(ROOT / "samples" / "articles", tmp_path / "articles")
    config: dict[str, Any] = {
        "title": "Weekly Indo-Pacific Brief",
        "topic": TOPIC,
        "sources": sources or ["articles"],
        "window": {"days": 7},
        "output": {"formats": ["md", "html"]},
        **settings,
    }
    path = tmp_path / "c.yaml"
    path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    return path


def build(
    config: Path, time_limit: float = LIMIT, kept: int = SAMPLE_KEPT, memory_cap: int | None = None
) -> tuple[dict[str, Any], dict[str, Any], float]:
    """Build ``config`` in a limited child; the CLI's result, ingest.json and the seconds taken."""
    out = config.parent / "out"

    def case() -> dict[str, Any]:
        return cli_result(run_cli("build", str(config), "--as-of", "2025-02-14", "--out", str(out)))

    outcome = run_limited(case, time_limit=time_limit, **({"memory_cap": memory_cap} if memory_cap else {}))
    result = outcome.ok()
    assert result["code"] == 0, result
    assert_no_traceback(result)
    assert_one_line_messages(result["stderr"])
    report = json.loads((out / "ingest.json").read_text(encoding="utf-8"))
    assert report["counts"].get("kept", 0) >= kept, report["counts"]
    return result, report, outcome.seconds


def warnings(stderr: str, name: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("briefgen: warning:") and name in line]


def warning_about(stderr: str, name: str) -> str:
    lines = warnings(stderr, name)
    assert len(lines) == 1, f"want one warning naming {name}: {stderr!r}"
    return lines[0]


def decision(report: dict[str, Any], path: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [a for a in report["articles"] if a["path"] == path]
    assert len(found) == 1, f"want one decision about {path}: {found}"
    return found[0]


def outputs_text(tmp_path: Path) -> str:
    out = tmp_path / "out"
    return "".join((out / n).read_text(encoding="utf-8") for n in ("briefing.md", "briefing.html", "ingest.json"))


def private_sibling(tmp_path: Path) -> Path:
    """A sibling directory of the sources holding an on-topic memo."""
    private = tmp_path / "private"
    private.mkdir()
    (private / "memo.md").write_text(PRIVATE, encoding="utf-8")
    return private


# ----------------------------------------------------------------------------- hangs


def loops(directory: Path) -> None:
    """Symbolic links that lead back up the tree, several per level: a walker that follows them never ends."""
    sub = directory / "sub" / "deeper"
    sub.mkdir(parents=True)
    (directory / "self").symlink_to(".")
    (directory / "sub" / "up").symlink_to("..")
    (directory / "sub" / "again").symlink_to("../sub")
    (sub / "top").symlink_to("../..")
    (sub / "around").symlink_to("../../sub")


def test_a_recursive_glob_over_symlink_loops_ends(tmp_path):
    config = project(tmp_path, ["articles/**/*.md", "articles/**/*.html", "articles/**/*.json", "articles/**/*.txt"])
    loops(tmp_path / "articles")
    _, report, _ = build(config)
    assert len(report["articles"]) == 9 + len([a for a in report["articles"] if a["status"] == "skipped"])
    assert all("/self/" not in a["path"] and "/up/" not in a["path"] for a in report["articles"])


@pytest.mark.parametrize("follow", [False, True])
def test_a_source_directory_with_symlink_loops_ends(tmp_path, follow):
    config = project(tmp_path, follow_symlinks=follow)
    loops(tmp_path / "articles")
    (tmp_path / "articles" / "sub" / "outside").symlink_to(tmp_path)  # the project itself: a loop through the outside
    result, report, _ = build(config)
    read = sorted(a["path"] for a in report["articles"] if a["status"] != "skipped")
    samples = [f"articles/{name}" for name in sorted(os.listdir(ROOT / "samples" / "articles"))]
    # Followed, the link out leads to the project, whose articles/ is the source itself: walked once.
    assert read == sorted([*samples, *(["articles/sub/outside/c.yaml"] if follow else [])])
    if follow:
        assert not warnings(result["stderr"], "sub/outside:")
    else:
        assert "outside the source directory" in warning_about(result["stderr"], "sub/outside:")


def test_a_fifo_named_yaml_in_a_batch_directory_does_not_hang(tmp_path):
    configs = tmp_path / "configs"
    configs.mkdir()
    shutil.copytree(ROOT / "samples" / "articles", tmp_path / "articles")
    good = {"title": "T", "topic": TOPIC, "sources": ["../articles"], "output": {"formats": ["md"]}}
    (configs / "good.yaml").write_text(json.dumps(good), encoding="utf-8")
    os.mkfifo(configs / "fifo.yaml")
    (configs / "dir.yml").mkdir()

    def case() -> dict[str, Any]:
        return cli_result(run_cli("batch", str(configs), "--as-of", "2025-02-14", cwd=tmp_path))

    result = run_limited(case, time_limit=LIMIT).ok()
    assert_no_traceback(result)
    assert result["code"] == 1, result
    rows = {Path(line.split()[0]).name: line for line in result["stdout"].splitlines() if line.startswith(str(configs))}
    assert " built " in rows["good.yaml"], result["stdout"]
    assert " failed " in rows["fifo.yaml"] and "not a regular file" in rows["fifo.yaml"], result["stdout"]
    assert " failed " in rows["dir.yml"], result["stdout"]


def test_a_fifo_in_a_source_directory_is_skipped(tmp_path):
    config = project(tmp_path)
    os.mkfifo(tmp_path / "articles" / "feed.xml")
    result, report, _ = build(config)
    assert "not a regular file" in warning_about(result["stderr"], "feed.xml")
    assert decision(report, "articles/feed.xml")["status"] == "skipped"


def test_a_fifo_named_as_a_source_is_skipped(tmp_path):
    config = project(tmp_path, ["articles", "pipe.md"])
    os.mkfifo(tmp_path / "pipe.md")
    result, report, _ = build(config)
    assert "not a regular file" in warning_about(result["stderr"], "pipe.md")
    assert decision(report, "pipe.md")["status"] == "skipped"


def test_devices_and_sockets_are_skipped(tmp_path):
    config = project(tmp_path, ["articles", "/dev/zero", "articles/*.sock"])
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "articles" / "talk.sock"))
    try:
        (tmp_path / "articles" / "zero.txt").symlink_to("/dev/zero")
        result, report, _ = build(config)
    finally:
        server.close()
    assert "not a regular file" in warning_about(result["stderr"], "/dev/zero")
    assert "not a regular file" in warning_about(result["stderr"], "talk.sock")
    assert "outside" in warning_about(result["stderr"], "zero.txt")
    assert {decision(report, p)["status"] for p in ("articles/talk.sock", "articles/zero.txt")} == {"skipped"}


def test_a_directory_of_many_empty_files_takes_bounded_time(tmp_path):
    """3,000 empty files against a limit of 2,000 (30,000 against the default 20,000 took 5.4 s)."""
    config = project(tmp_path, ["articles", "empties"], limits={"max_files": 2_000})
    empties = tmp_path / "empties"
    empties.mkdir()
    for n in range(3_000):
        (empties / f"e{n:05}.txt").touch()
    result, report, seconds = build(config, time_limit=90)
    limit = [line for line in result["stderr"].splitlines() if "max_files" in line]
    assert len(limit) == 1, limit
    assert len(report["articles"]) == 2_000 + 1  # the files read, and one note of the limit
    assert seconds < 60


def test_max_files_stops_the_walk_with_one_warning(tmp_path):
    config = project(tmp_path, ["articles", "articles/*.md"], limits={"max_files": 5})
    result, report, _ = build(config, kept=2)
    assert len([line for line in result["stderr"].splitlines() if "max_files" in line]) == 1
    files = [a for a in report["articles"] if a["status"] != "skipped"]
    assert len(files) == 5
    assert sorted(a["path"] for a in files) == [f"articles/{n}" for n in sorted(os.listdir(tmp_path / "articles"))][:5]


# ----------------------------------------------------------------------------- not what they claim


def test_a_link_to_etc_passwd_in_a_source_directory_is_not_read(tmp_path):
    config = project(tmp_path)
    (tmp_path / "articles" / "passwd.txt").symlink_to("/etc/passwd")
    result, report, _ = build(config)
    line = warning_about(result["stderr"], "passwd.txt")
    assert "outside" in line and "follow_symlinks" in line
    assert decision(report, "articles/passwd.txt")["status"] == "skipped"
    assert "root:" not in outputs_text(tmp_path)


@pytest.mark.parametrize("follow", [False, True])
def test_a_link_to_a_sibling_directory_is_followed_only_when_allowed(tmp_path, follow):
    config = project(tmp_path, follow_symlinks=follow)
    private_sibling(tmp_path)
    (tmp_path / "articles" / "memo.md").symlink_to("../private/memo.md")
    (tmp_path / "articles" / "more").symlink_to("../private")
    result, report, _ = build(config)
    titles = [a["title"] for a in report["articles"]]
    if follow:
        assert titles.count(PRIVATE_TITLE) == 2  # through the file link and through the directory link
        assert not warnings(result["stderr"], "memo.md") and not warnings(result["stderr"], "more")
    else:
        assert PRIVATE_TITLE not in titles and PRIVATE_TITLE not in outputs_text(tmp_path)
        assert "outside" in warning_about(result["stderr"], "memo.md")
        assert "outside" in warning_about(result["stderr"], "articles/more")
        assert decision(report, "articles/more")["status"] == "skipped"


def test_a_link_out_of_a_glob_root_is_not_followed(tmp_path):
    config = project(tmp_path, ["articles/**/*.md"])
    private_sibling(tmp_path)
    (tmp_path / "articles" / "nested").mkdir()
    (tmp_path / "articles" / "nested" / "memo.md").symlink_to("../../private/memo.md")
    (tmp_path / "articles" / "more").symlink_to("../private")
    result, report, _ = build(config, kept=1)
    assert PRIVATE_TITLE not in [a["title"] for a in report["articles"]]
    assert "outside" in warning_about(result["stderr"], "memo.md")
    assert "outside" in warning_about(result["stderr"], "articles/more")


def test_links_that_stay_inside_and_files_named_directly_are_read(tmp_path):
    outside = private_sibling(tmp_path)
    config = project(tmp_path, ["articles", "memo-link.md"])
    (tmp_path / "memo-link.md").symlink_to(outside / "memo.md")  # named directly: may be a link
    (tmp_path / "articles" / ".draft.md").write_text(PRIVATE.replace("Private memo", "Draft"), encoding="utf-8")
    (tmp_path / "articles" / "draft.md").symlink_to(".draft.md")  # stays inside the directory
    result, report, _ = build(config)
    assert decision(report, "memo-link.md")["title"] == PRIVATE_TITLE
    assert decision(report, "articles/draft.md")["title"] == PRIVATE_TITLE.replace("Private memo", "Draft")
    assert not warnings(result["stderr"], "draft.md")


def test_a_dangling_link_and_a_looping_link_are_one_warning_each(tmp_path):
    config = project(tmp_path)
    (tmp_path / "articles" / "gone.md").symlink_to("nowhere.md")
    (tmp_path / "articles" / "knot.md").symlink_to("knot.md")
    result, report, _ = build(config)
    warning_about(result["stderr"], "gone.md")
    warning_about(result["stderr"], "knot.md")
    assert decision(report, "articles/knot.md")["status"] == "skipped"


def test_a_source_that_is_a_looping_link_matches_nothing(tmp_path):
    config = project(tmp_path, ["articles", "loop"])
    (tmp_path / "loop").symlink_to("loop")
    result, _, _ = build(config)
    assert "loop" in warning_about(result["stderr"], "'loop'")


# ----------------------------------------------------------------------------- size


def test_a_file_over_max_bytes_is_skipped_with_the_reason(tmp_path):
    config = project(tmp_path, limits={"max_bytes": 64 * 1024})
    (tmp_path / "articles" / "long.txt").write_text("The alliance summit met again. " * 4000, encoding="utf-8")
    result, report, _ = build(config)
    assert "too large" in warning_about(result["stderr"], "long.txt")
    assert decision(report, "articles/long.txt")["status"] == "unreadable"
    assert "too large" in decision(report, "articles/long.txt")["detail"]


def test_a_sparse_file_of_64_gib_is_skipped_without_reading_it(tmp_path):
    config = project(tmp_path)
    with open(tmp_path / "articles" / "sparse.txt", "wb") as f:
        f.truncate(64 << 30)
    result, _, seconds = build(config, memory_cap=512 << 20)
    assert "too large" in warning_about(result["stderr"], "sparse.txt")
    assert seconds < 10


# ----------------------------------------------------------------------------- names


def test_a_file_name_with_a_newline_or_an_undecodable_byte_is_one_line(tmp_path):
    config = project(tmp_path)
    articles = os.fsencode(tmp_path / "articles")
    for name in (b"bad-\xff-name.txt", b"two\nlines.txt", b"esc\x1b[31m.txt"):
        with open(os.path.join(articles, name), "wb"):
            pass  # empty: skipped with a warning naming it
    body = (ROOT / "samples" / "articles" / "lantern-institute-commentary.txt").read_bytes()
    with open(os.path.join(articles, b"caf\xe9-commentary.txt"), "wb") as f:
        f.write(body.replace(b"Lantern", b"Lantern Caf"))
    result, report, _ = build(config)
    assert len(warnings(result["stderr"], "empty file")) == 3
    assert "\x1b" not in result["stderr"]
    paths = [a["path"] for a in report["articles"]]
    assert any(p.startswith("articles/caf") for p in paths)
    assert any(p.startswith("articles/two") for p in paths)
    (tmp_path / "out" / "briefing.md").read_text(encoding="utf-8")


def test_no_such_user_is_a_path_that_matches_nothing(tmp_path):
    config = project(tmp_path, ["articles", "~nosuchuser-briefgen/x", "bad\u0000name/*.md"])
    result, _, _ = build(config)
    assert "matched no file" in warning_about(result["stderr"], "~nosuchuser-briefgen/x")

    def case() -> dict[str, Any]:
        return cli_result(run_cli("validate", str(config)))

    checked = run_limited(case, time_limit=LIMIT).ok()
    assert checked["code"] == 1 and "~nosuchuser-briefgen/x" in checked["stderr"], checked
    assert_no_traceback(checked)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a directory whatever its mode")
def test_a_source_under_an_unreadable_directory(tmp_path):
    config = project(tmp_path, ["articles", "locked/inner"])
    (tmp_path / "locked" / "inner").mkdir(parents=True)
    (tmp_path / "locked").chmod(0)
    try:
        result, _, _ = build(config)
    finally:
        (tmp_path / "locked").chmod(stat.S_IRWXU)
    warning_about(result["stderr"], "locked/inner")


def test_validate_and_inspect_agree_with_the_build_about_links(tmp_path):
    config = project(tmp_path, ["articles", "linked"])
    private_sibling(tmp_path)
    (tmp_path / "linked").mkdir()
    (tmp_path / "linked" / "memo.md").symlink_to("../private/memo.md")

    def case() -> dict[str, Any]:
        return {
            "validate": cli_result(run_cli("validate", str(config))),
            "inspect": cli_result(run_cli("inspect", str(config), "--as-of", "2025-02-14", "--json")),
        }

    got = run_limited(case, time_limit=LIMIT).ok()
    assert_clean_failure({**got["validate"], "stderr": "briefgen: error: " + got["validate"]["stderr"]})
    assert "'linked' matches no file" in got["validate"]["stderr"]
    report = json.loads(got["inspect"]["stdout"])
    assert decision(report, "linked/memo.md")["status"] == "skipped"


# ----------------------------------------------------------------------------- ordinary trees


def ordinary_tree(root: Path) -> None:
    for rel in (
        "a/x.md",
        "a/y.txt",
        "a/.hidden.md",
        "a/b/z.md",
        "a/b-c.md",
        "a/.dot/w.md",
        "a/b/c/v.html",
        "a/[x].md",
        "top.md",
        "a/ab.md",
        "a/aa.md",
    ):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")


def reference(patterns: list[str], base: Path) -> list[str]:
    """What briefgen 0.x's glob and rglob made of ``patterns``: the results to keep for ordinary trees."""
    files: dict[str, None] = {}
    for pattern in patterns:
        full = base / Path(pattern)
        if any(ch in pattern for ch in "*?["):
            found = sorted(Path(m) for m in glob.glob(str(full), recursive=True))
            found = [m for m in found if m.is_file()]
        elif full.is_dir():
            found = sorted(f for f in full.rglob("*") if f.is_file() and not f.name.startswith("."))
        else:
            found = [full] if full.is_file() else []
        for f in found:
            files.setdefault(str(f), None)
    return list(files)


PATTERNS = [
    ["a"],
    ["a/*.md"],
    ["a/**/*.md"],
    ["a/**"],
    ["**/*.md"],
    ["a/?.md", "a/a[ab].md", "a/[[]x].md"],
    ["a/.*.md", "a/.dot/*.md"],
    ["a/*/*.html", "a/*/*/*.html", "a/b"],
    ["top.md", "a", "a/**/*.html"],
    ["./a/../a/*.md", "nothing/*.md", "a/*.nothing"],
]


@pytest.mark.parametrize("patterns", PATTERNS, ids=[" ".join(p) for p in PATTERNS])
def test_ordinary_trees_match_as_before(tmp_path, patterns):
    ordinary_tree(tmp_path)

    def case() -> list[str]:
        from briefgen.ingest.sources import expand_sources

        files, _ = expand_sources(patterns, tmp_path)
        return [str(f) for f in files]

    assert run_limited(case, time_limit=LIMIT).ok() == reference(patterns, tmp_path)
