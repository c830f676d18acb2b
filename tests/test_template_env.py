"""The Jinja environment kept between builds: compiled once, never stale, never stuck on a FIFO."""

from __future__ import annotations

import os
import threading

from briefgen.render.templates import template_env


def test_the_environment_is_kept_while_the_overrides_are_the_same(tmp_path):
    (tmp_path / "briefing.md.j2").write_text("ONE\n", encoding="utf-8")
    first = template_env([tmp_path])
    assert template_env([tmp_path]) is first  # compiled templates are reused
    assert template_env([]) is not first


def test_a_changed_override_is_rendered_even_with_its_old_time_and_size(tmp_path):
    path = tmp_path / "briefing.md.j2"
    path.write_text("ONE\n", encoding="utf-8")
    assert template_env([tmp_path]).get_template("briefing.md.j2").render() == "ONE\n"
    stat = path.stat()
    path.write_text("TWO\n", encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as a copy that keeps times would
    assert template_env([tmp_path]).get_template("briefing.md.j2").render() == "TWO\n"
    (tmp_path / "extra.md.j2").write_text("NEW\n", encoding="utf-8")
    assert template_env([tmp_path]).get_template("extra.md.j2").render() == "NEW\n"


def test_a_fifo_among_the_overrides_is_not_read(tmp_path):
    (tmp_path / "briefing.md.j2").write_text("ONE\n", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.md.j2")
    got: list[object] = []
    worker = threading.Thread(target=lambda: got.append(template_env([tmp_path])), daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert got, "listing the overrides blocked on a FIFO"
    assert template_env([tmp_path]).get_template("briefing.md.j2").render() == "ONE\n"
