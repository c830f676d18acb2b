"""Property: no reader raises anything but ArticleError, whatever bytes it is handed."""

from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen.errors import ArticleError
from briefgen.ingest.decode import decode
from briefgen.ingest.readers import READERS, read_file

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Fragments that steer random input toward each reader's parsing paths.
SEEDS = st.sampled_from(
    [
        b"",
        b"---\ntitle: x\n---\n",
        b'{"title":{"rendered":"',
        b'{"content":{"rendered":"<p>',
        b"<!DOCTYPE html><html><body><p>",
        b'<?xml version="1.0"?><rss><channel><item><description>',
        b'{"text": "a"}\n{"html": "<p>',
        b"\xef\xbb\xbf",
        b"\xff\xfe",
    ]
)


@SETTINGS
@given(prefix=SEEDS, body=st.binary(max_size=2000))
def test_read_file_raises_only_article_error(tmp_path_factory, prefix, body):
    path: Path = tmp_path_factory.mktemp("fuzz") / "input.txt"
    path.write_bytes(prefix + body)
    try:
        articles = read_file(path)
    except ArticleError:
        return
    assert all(a.blocks for a in articles)


@SETTINGS
@given(form=st.sampled_from(sorted(READERS)), prefix=SEEDS, text=st.text(max_size=2000))
def test_every_reader_raises_only_article_error(form, prefix, text):
    with contextlib.suppress(ArticleError):
        READERS[form](Path("input"), decode(prefix, "input") + text if prefix else text)
