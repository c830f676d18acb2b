"""The frozen records that flow through the pipeline, one per stage.

``Article`` (what a reader found in a file) → ``Document`` (cleaned text with block
spans) → ``Sentence`` (one analysed sentence with its offsets) → ``Selection`` (the
sentences chosen per section) → ``Briefing`` (what the templates render).
Every record is immutable so a stage can never change what an earlier stage produced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

#: Block kinds a reader may produce.
HEADING = "heading"
PARAGRAPH = "paragraph"
LIST_ITEM = "list_item"


@dataclass(frozen=True)
class Block:
    """A structural unit of an article before cleaning: a heading, a paragraph or a list item."""

    kind: str
    text: str


@dataclass(frozen=True)
class Article:
    """What a reader extracted from one input: metadata plus the body as blocks.

    A field the input does not state stays ``None``; readers never invent metadata.
    """

    path: str
    form: str
    blocks: tuple[Block, ...]
    title: str | None = None
    publisher: str | None = None
    author: str | None = None
    date: dt.date | None = None
    url: str | None = None
    date_source: str | None = None
    """Where ``date`` comes from (see :mod:`briefgen.ingest.dates`): ``page`` (the page's or export's own
    metadata), ``header`` or ``sidecar`` (what a user wrote for a plain-text article), ``url`` or
    ``text`` (a date line or dateline); None while undated."""
    language: str | None = None
    """The language the input declares, as written ("de-DE"): a page's ``lang`` or ``og:locale``, a
    feed's ``<language>`` or ``xml:lang``; None when it declares none (see :mod:`briefgen.analyse.language`)."""

    @property
    def name(self) -> str:
        """The file name, used where no title is known."""
        return self.path.replace("\\", "/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Span:
    """A block of a document's cleaned text: ``text[start:end]`` is the block."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    """A cleaned article: boilerplate and repeated paragraphs removed, blocks joined by blank lines.

    ``duplicates`` are other articles judged to be the same story; they are listed as
    sources of this document but contribute no sentences of their own.
    """

    index: int
    article: Article
    text: str
    spans: tuple[Span, ...]
    words_before: int
    words_after: int
    removed: tuple[str, ...] = ()
    duplicates: tuple[Article, ...] = ()
    not_before: dt.date | None = None
    """An undated article's inferred earliest date: the latest full date its text names as past."""
    written_before: dt.date | None = None
    """An undated article's latest possible date: the earliest full date its text looks forward to."""
    preview_of: dt.date | None = None
    """The day of an event in the window that this article looks forward to, written before it."""

    def block_text(self, span: Span) -> str:
        return self.text[span.start : span.end]


@dataclass(frozen=True)
class Sentence:
    """One sentence of a document, with what the NLP stage found in it.

    ``text`` is always ``document.text[start:end]``: briefings quote, never rewrite.
    ``terms`` are the lower-case lemmas of every word in order, stop words included (the
    summarizer builds its bigram concepts from them); ``tokens`` are the content words alone.
    ``forms`` are the content words as written, in lower case: what stories are grouped by, which an
    analysis finds without the tagger that lemmas need (:attr:`Corpus.light`).
    """

    doc: int
    position: int
    start: int
    end: int
    text: str
    block_kind: str
    heading: str | None
    first_in_block: bool
    tokens: tuple[str, ...]
    terms: tuple[str, ...] = ()
    entities: tuple[tuple[str, str], ...] = ()
    numbers: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class Corpus:
    """The analysed documents of one briefing and all their sentences, in document order."""

    documents: tuple[Document, ...]
    sentences: tuple[Sentence, ...]
    light: frozenset[int] = frozenset()
    """The documents (by index) analysed for their sentences and word forms alone: their sentences
    have ``forms`` but no ``tokens``, ``terms`` or ``entities``, and only figures in digits as
    ``numbers``, until :meth:`~briefgen.analyse.workspace.Workspace.analyse_in_full` analyses them in full."""


@dataclass(frozen=True)
class Background:
    """What the reader has already been told, so that a briefing says what is new.

    ``sentences`` are the analysed sentences of the articles already briefed on (their ``doc``
    numbers tell the articles apart, in their own numbering); ``sent`` the texts of the sentences
    already quoted to the reader, which are never quoted again; ``since`` the date of that briefing.
    """

    sentences: tuple[Sentence, ...] = ()
    sent: frozenset[str] = frozenset()
    since: dt.date | None = None

    def __bool__(self) -> bool:
        return bool(self.sentences or self.sent)


@dataclass(frozen=True)
class Guess:
    """An article's language and how it was found."""

    language: str | None
    """ISO 639-1, or None when it cannot be told (too short, in two languages, no detection and no declaration)."""
    how: str
    """``detected``, ``declared`` (the page's own, detection unsure), ``declared and detected`` (both
    agree), ``short`` or ``mixed`` (unknown)."""
    confidence: float = 0.0
    """The detection's probability, 0 to 1."""
    detected: str | None = None
    """What detection found, sure or not."""
    declared: str | None = None
    """What the page or feed declares, if anything."""

    @property
    def note(self) -> str:
        """What a report says of it: "de (detected 0.99)", "unknown (mixed: en, de)"."""
        if self.language is None:
            return f"unknown ({self.how})"
        said = f"{self.how} {self.confidence:.2f}" if "detected" in self.how else self.how
        if self.declared and self.declared != self.language:
            said += f"; the page declares {self.declared}"
        return f"{self.language} ({said})"


@dataclass(frozen=True)
class Story:
    """Articles about one event or development followed over days, as grouped by
    :func:`briefgen.select.stories.group_stories`, with its verbatim headline, breadth and dates."""

    id: str
    """Stable across builds while its headline article stays: ``s`` and 10 hex digits of that article's URL or path."""
    docs: tuple[int, ...]
    """The :attr:`Document.index` of every kept document in it, most central first."""
    headline: str
    """Quoted verbatim: a real title, else the lead sentence of its most central article."""
    headline_doc: int
    """The document the headline is quoted from."""
    headline_span: tuple[int, int] | None
    """The offsets of the headline in its document's text when it is a sentence; None when it is a title."""
    outlets: tuple[str, ...]
    """Distinct outlets of its articles and their merged copies, in order of first date."""
    first_date: dt.date | None
    last_date: dt.date | None
    developing: bool
    """Whether it continues a story of the previous briefing."""
    score: float
    """What ranks it: breadth of coverage, recency and relevance to the topic."""
    relevance: float = 1.0
    """The mean topic relevance of its documents; 1 without a topic."""


@dataclass(frozen=True)
class SectionSelection:
    """The sentences of one section in reading order; ``labels`` (when given) name what each is chosen for."""

    name: str
    heading: str
    sentences: tuple[Sentence, ...]
    labels: tuple[str | None, ...] = ()
    ranks: tuple[int, ...] = ()
    """For each sentence, the order it was chosen in (0 first): its rank by value, apart from reading order."""
    new: tuple[bool, ...] = ()
    """With a background: whether each sentence tells something the reader was not told before."""
    stories: tuple[str, ...] = ()
    """With ``layout: stories``, for each sentence of the top stories' section: the id of its story."""


@dataclass(frozen=True)
class Selection:
    """The sentences chosen for each section, in reading order; no sentence appears twice."""

    sections: tuple[SectionSelection, ...]
    stories: tuple[Story, ...] = ()
    """With ``layout: stories``: every story of the kept articles, ranked, best first."""
    top_stories: tuple[str, ...] = ()
    """The ids of the stories the briefing tells, in rank order."""


def text_sha256(text: str) -> str:
    """The sha256 of a text's UTF-8 bytes: what ``briefing.json`` records of each source's cleaned text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def passage_id(text: str) -> str:
    """A quoted sentence's stable id, from its words alone: the same sentence has the same id in
    every build, wherever it stands in its article and whichever outlet carries it, so an editor's
    ``drop`` (``edits.yaml``) still names it after its article is corrected elsewhere or rebuilt."""
    return "q" + hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:11]


@dataclass(frozen=True)
class SourceRef:
    """Another outlet that carried the same story as a cited source."""

    title: str | None
    publisher: str | None
    date: dt.date | None
    url: str | None
    path: str


@dataclass(frozen=True)
class Source:
    """A numbered entry of the briefing's source list."""

    id: int
    title: str | None
    publisher: str | None
    author: str | None
    date: dt.date | None
    url: str | None
    path: str
    also: tuple[SourceRef, ...] = ()
    date_source: str | None = None
    """Where ``date`` comes from (see :attr:`Article.date_source`), ``inferred`` when only ``not_before`` is known."""
    not_before: dt.date | None = None
    """For an undated source: the latest full date it names, so it is from that day or later."""
    preview_of: dt.date | None = None
    """For a preview: the day of the event it looks forward to, before which it was written."""
    text: str = field(default="", repr=False, compare=False)
    """The source's cleaned text, which the items' offsets index; written to ``sources/<id>.txt``."""

    @property
    def text_sha256(self) -> str:
        return text_sha256(self.text)

    @property
    def label(self) -> str:
        """The title, or the file name when the source states none."""
        return self.title or self.path.replace("\\", "/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Item:
    """One quoted sentence of a section, with the source it comes from and where."""

    text: str
    sources: tuple[int, ...]
    offsets: tuple[tuple[int, int], ...]
    label: str | None = None
    new: bool | None = None
    """With a previous briefing: whether the item tells something it did not; None without one."""
    id: str = ""
    """The sentence's stable id (:func:`passage_id`)."""
    story: str | None = None
    """With ``layout: stories``: the id of the story it is quoted for."""


@dataclass(frozen=True)
class Section:
    """One section of a briefing (``key_points``, ``why_it_matters``...) with its heading and items."""

    name: str
    heading: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class StoryArticle:
    """One kept article of a story, as ``briefing.json`` lists it."""

    path: str
    url: str | None
    date: dt.date | None
    outlet: str | None


@dataclass(frozen=True)
class BriefingStory:
    """A story as the briefing tells and records it (``layout: stories``)."""

    id: str
    headline: str
    """Verbatim: a title of ``headline_source``, or its sentence at ``headline_offsets``."""
    headline_source: int | None
    """The number of the source the headline is quoted from, when the briefing lists it."""
    headline_offsets: tuple[int, int] | None
    """Where the headline stands in that source's text, when it is a sentence; None for a title."""
    articles: tuple[StoryArticle, ...]
    """Every kept article of the story (merged copies count once, with the article they copy)."""
    outlets: tuple[str, ...]
    """Distinct outlets that reported it, merged copies' outlets included."""
    first_date: dt.date | None
    last_date: dt.date | None
    developing: bool
    """Whether it continues a story of the previous briefing."""
    items: tuple[str, ...] = ()
    """The ids of the items quoted for it."""
    top: bool = False
    """Whether it is one of the top stories the briefing tells."""


@dataclass(frozen=True)
class AnalystNote:
    """An editor's own words (``edits.yaml``): shown as the analyst's, never as a quotation, never cited."""

    text: str
    section: str | None = None
    """The section it closes; None: under the briefing's header."""


@dataclass(frozen=True)
class Briefing:
    """Everything the templates need, and what ``briefing.json`` records."""

    title: str
    as_of: dt.date
    window_start: dt.date
    window_days: int
    audience: str
    sections: tuple[Section, ...]
    sources: tuple[Source, ...]
    articles_read: int
    articles_used: int
    undated: tuple[int, ...] = ()
    """The ids of the sources that state no date."""
    daily: tuple[tuple[dt.date, int], ...] = ()
    """Articles used per dated day, for the chart; merged copies count once with their story, as in
    ``articles_used``."""
    undated_used: int = 0
    """Articles used that state no date: counted beside the chart, so the chart and ``undated_used``
    add up to ``articles_used``."""
    notes: tuple[str, ...] = ()
    """Plain statements about the briefing as a whole, shown under its header (all its articles
    undated, what is new since the previous briefing)."""
    new_since: dt.date | None = None
    """The date of the previous briefing this one says what is new since (``novelty: previous``)."""
    engine: tuple[tuple[str, str], ...] = ()
    """What made it: briefgen's version and code (:func:`~briefgen.codebase.code_version`), so
    ``briefgen verify`` can tell when its own cleaning may differ from the build's."""
    analyst_notes: tuple[AnalystNote, ...] = ()
    """The editor's notes, in their order (see :mod:`briefgen.records.edits`)."""
    layout: str = "sections"
    """``stories`` or ``sections`` (the config's ``layout``)."""
    stories: tuple[BriefingStory, ...] = ()
    """With ``layout: stories``: every story of the articles used, the top ones first in their rank order."""
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def top_stories(self) -> tuple[BriefingStory, ...]:
        """The stories the briefing tells, in rank order."""
        return tuple(s for s in self.stories if s.top)

    def story_items(self, story: BriefingStory) -> tuple[Item, ...]:
        """The items quoted for ``story``, in the order the briefing shows them."""
        return tuple(i for section in self.sections for i in section.items if i.story == story.id)

    def section(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.name == name), None)

    def notes_for(self, section: str | None = None) -> tuple[AnalystNote, ...]:
        """The analyst's notes that close ``section``; with None, those shown under the header
        (a note for a section the briefing does not have is shown there too)."""
        names = {s.name for s in self.sections}
        if section is None:
            return tuple(n for n in self.analyst_notes if n.section is None or n.section not in names)
        return tuple(n for n in self.analyst_notes if n.section == section)
