"""The harness of the bad-input suite: run one case under a time limit and a memory cap, and
check briefgen's promises on what it did.

A case is a function run in a child process forked from the test process, so spaCy and the
rest are already loaded and a case costs milliseconds, not a fresh interpreter. The child
gets an address-space limit of :data:`MEMORY_CAP` bytes above what the test process already
maps (``resource.setrlimit(RLIMIT_AS)``) and is killed after its time limit; what the case
returns travels back as JSON through a pipe. A case that blows the cap or the clock fails
its test instead of taking the machine.

The promise checkers work on what a case hands back: the CLI's exit status and output, and
the files a build wrote.
"""

from __future__ import annotations

import json
import os
import re
import resource
import select
import signal
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: How much more address space a case may map than the test process had when it forked it.
MEMORY_CAP = 1536 * 1024 * 1024
#: Seconds a case may run, unless it says otherwise.
TIME_LIMIT = 60.0


@dataclass
class Outcome:
    """What a case did: its value, or the exception it raised, with the resources it used."""

    value: Any = None
    error: str | None = None
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    killed: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def ok(self) -> Any:
        assert self.killed is None, f"the case was killed: {self.killed}"
        assert self.error is None, f"the case raised: {self.error}"
        return self.value


def _address_space() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def run_limited(
    case: Callable[[], Any],
    time_limit: float = TIME_LIMIT,
    memory_cap: int = MEMORY_CAP,
    file_size_limit: int | None = None,
) -> Outcome:
    """Run ``case()`` in a forked child under a memory cap and a time limit; its return value must be JSON.

    ``file_size_limit`` (bytes) makes every write past that offset of any file fail with EFBIG
    (``RLIMIT_FSIZE``, with SIGXFSZ ignored), as on a full disk.
    """
    read_end, write_end = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        code = 0
        try:
            limit = _address_space() + memory_cap
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            if file_size_limit is not None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))
            result: dict[str, Any]
            try:
                result = {"value": case()}
            except BaseException as exc:  # the case's own failure is what the test reports
                result = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
            result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            data = json.dumps(result, default=str).encode()
        except BaseException as exc:
            data = json.dumps({"error": f"harness: {type(exc).__name__}: {exc}"}).encode()
            code = 1
        with os.fdopen(write_end, "wb") as out:
            out.write(data)
        os._exit(code)
    os.close(write_end)
    chunks: list[bytes] = []
    killed = None
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        while True:
            remaining = time_limit - (time.monotonic() - started)
            if remaining <= 0:
                os.kill(pid, signal.SIGKILL)
                killed = f"took longer than {time_limit:.0f} s"
                break
            ready, _, _ = select.select([pipe], [], [], min(remaining, 0.5))
            if ready:
                chunk = pipe.read(1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    seconds = time.monotonic() - started
    if killed is None and os.WIFSIGNALED(status):
        killed = f"killed by signal {os.WTERMSIG(status)}"
    if killed is not None or not chunks:
        return Outcome(seconds=seconds, killed=killed or "no result", error=None)
    result = json.loads(b"".join(chunks))
    error = result.get("error")
    if error and "MemoryError" in error:
        killed = f"ran out of its {memory_cap >> 20} MB memory cap"
    return Outcome(
        value=result.get("value"),
        error=None if killed else error,
        seconds=seconds,
        peak_rss_mb=result.get("peak_rss_mb", 0.0),
        killed=killed,
        extra={"traceback": result.get("traceback", "")},
    )


# ----------------------------------------------------------------------------- promises


def cli_result(proc: Any) -> dict[str, Any]:
    """What a case hands back from ``run_cli``."""
    return {"code": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}


def assert_clean_failure(result: dict[str, Any], *, contains: str | None = None, code: int | None = None) -> None:
    """A user's mistake: a non-zero exit, exactly one ``error:`` line on stderr, no traceback."""
    assert result["code"] != 0, f"exit 0 for a mistake: {result}"
    if code is not None:
        assert result["code"] == code, result
    assert_no_traceback(result)
    errors = [line for line in result["stderr"].splitlines() if line.startswith(("briefgen: error", "Error:"))]
    assert len(errors) == 1, f"want one error line, got: {result['stderr']!r}"
    if contains is not None:
        assert contains in errors[0], errors[0]


def assert_no_traceback(result: dict[str, Any]) -> None:
    for stream in ("stdout", "stderr"):
        assert "Traceback (most recent call last)" not in result[stream], result[stream]


def assert_one_line_messages(text: str) -> None:
    """Every message briefgen prints is one line: no line of stderr continues another."""
    for line in text.splitlines():
        assert line.startswith(("briefgen: ", "Error: ", "Usage: ", "Try ")) or not line.strip(), (
            f"a message broke over lines: {text!r}"
        )


#: Markup that would run or fetch if it reached a page live.
LIVE = re.compile(
    r"<\s*(?:script|img|iframe|object|embed|svg|link|meta|base|form|style)\b[^>]*>|\bon[a-z]+\s*=|javascript:",
    re.I,
)


def live_markup(html: str, planted: Iterable[str]) -> list[str]:
    """Pieces of ``planted`` hostile markup that appear in ``html`` as markup, not as text.

    A planted string found verbatim (its ``<`` unescaped) is live; so is any ``on…=`` handler
    or ``javascript:`` URL inside a tag that the briefing's own templates do not write.
    """
    found = [p for p in planted if p in html]
    for tag in re.findall(r"<[^>]+>", html):
        if re.search(r"\bon[a-z]+\s*=|javascript:", tag, re.I):
            found.append(tag)
    return found


def rendered_markdown_html(markdown: str) -> str:
    """The Markdown as a CommonMark renderer with raw HTML enabled shows it (markdown-it)."""
    from markdown_it import MarkdownIt

    html: str = MarkdownIt("commonmark", {"html": True}).render(markdown)
    return html


def assert_no_live_markup(out_dir: Path, planted: Iterable[str]) -> None:
    """No planted markup is live in any format a build wrote, the Markdown as rendered included."""
    planted = list(planted)
    for name in ("briefing.html", "briefing.email.html"):
        path = out_dir / name
        if path.exists():
            html = path.read_text(encoding="utf-8")
            assert not live_markup(html, planted), f"{name}: {live_markup(html, planted)}"
            for style in re.findall(r"<style[^>]*>(.*?)</style>", html, re.S | re.I):
                assert "<" not in style, f"{name}: markup inside a stylesheet: {style[:200]!r}"
    md = out_dir / "briefing.md"
    if md.exists():
        html = rendered_markdown_html(md.read_text(encoding="utf-8"))
        assert not live_markup(html, planted), f"briefing.md rendered: {live_markup(html, planted)}"
    txt = out_dir / "briefing.txt"
    if txt.exists():
        text = txt.read_text(encoding="utf-8")
        assert "\x1b" not in text, "an escape sequence in the text part"


def assert_never_printed(secret: str, *texts: str) -> None:
    for text in texts:
        assert secret not in text, f"a secret was printed: {text[:300]!r}"


# ----------------------------------------------------------------------------- the sample corpus

#: The example config's topic, which keeps six of the sample articles for 2025-02-14.
SAMPLE_TOPIC = {
    "keywords": ["alliance", "summit", "defense", "secretariat", "missile"],
    "entities": ["Japan", "South Korea", "United States"],
    "exclude": ["baseball"],
}
SAMPLE_KEPT = 6
