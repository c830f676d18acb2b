"""Cleaning: from an ``Article`` to a ``Document`` with boilerplate and repeats removed,
and grouping of near-duplicate articles into one story.

Every rule here is general: it looks at the shape and wording of a block (its length,
punctuation, position, calls to action), never at a particular publisher. The
approach follows jusText's (Pomikálek, 2011) block classification: blocks are
*good* (article prose), *bad* (boilerplate) or *short* (undecided), and short blocks
take their class from their neighbours; whatever trails the last good block is page
furniture, not article text.
"""

from __future__ import annotations

import dataclasses
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from itertools import combinations

from briefgen.models import HEADING, LIST_ITEM, PARAGRAPH, Article, Block, Document, Span
from briefgen.textsafe import clip

# ----------------------------------------------------------------------------- block patterns

# The cue phrases below are in English, German, French, Spanish, Italian and Polish, the
# languages of most of the pages briefgen is measured on; each pattern names a kind of page
# furniture (a pitch, a credit, a label over links to other pages), never a publisher.

# The two patterns searched in every paragraph are matched against its lower-cased text rather than
# compiled with re.IGNORECASE, and the copyright pattern's word boundary is tested once before its
# phrases: Python's regular expressions try each alternative at each position, and case-blind
# matching made these two searches most of the time of cleaning an article: over the 1,548 DUC
# articles of ``bench/stories_bench.py``, cleaning took 5.3 s, 4.1 of them in these rules; now 2.0
# and 0.9 s, for the same decision on each of the 35,829 blocks of those articles and of the
# extraction set's pages.

#: The letters that re.IGNORECASE matches with "i" or "s" and lower() leaves alone or turns into two
#: characters: the dotted and dotless I, and the long s.
_CASE_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})

#: Calls to subscribe, join, follow, log in or sign up: paywall, newsletter and app pitches
#: (matched against lower-cased text).
_PITCH = re.compile(
    r"\b(?:subscri(?:be|ption|ber)s?|membership|become an? (?:\w+ ){0,3}member|members?[- ]only|"
    r"unlock|paywall|sign(?:ing)? up|newsletters?|log ?in to|already an? (?:subscriber|member)|"
    r"free trial|create (?:a |an )?(?:free )?account|support (?:our|independent) journalism|"
    r"donate|plans? (?:available|includes?)|archive access|priority access|member events|follow us|"
    r"download (?:the|our)\b[^.]{0,40}\bapps?|"
    r"abonnieren|abonniere|jetzt anmelden|folgen sie uns|folge uns|"
    r"suscr[ií]bete|suscribirse|s[ií]guenos|[uú]nete|abonnez-vous|suivez-nous|inscrivez-vous|"
    r"iscriviti|seguici|zapraszamy|subskrypcj\w*|obserwuj)\b"
)
#: Copyright and legal footers (matched against lower-cased text).
_LEGAL = re.compile(
    r"\u00a9|\(c\)\s*\d{4}|\b(?:all rights reserved\b|may not be (?:reproduced|republished|redistributed)|"
    r"no part of this (?:content|article|publication)\b|without (?:the )?(?:prior )?(?:express )?written permission\b|"
    r"copyrighted property\b|terms of (?:use|service)\b|privacy policy\b|cookie (?:policy|settings)\b|"
    r"alle rechte vorbehalten\b|datenschutzerkl\u00e4rung\b|todos los derechos reservados\b|"
    r"tous droits r\u00e9serv\u00e9s\b|tutti i diritti riservati\b|wszelkie prawa zastrze\u017cone\b|"
    r"chroniony prawem autorskim\b)"
)
#: Share bars, cookie banners, advertising labels, bare labels over contact details or links.
_FURNITURE = re.compile(
    r"^(?:advertisement|anzeige\b.*|werbung|publicidad|publicit\u00e9|pubblicit\u00e0|reklama|sponsored(?: content)?|"
    r"share(?: this)?(?: article| story)?|teilen(?: mit)?:?|compartir|partager|condividi|udost\u0119pnij|tweet|"
    r"print|drucken|email|e-mail|copy link|skip to (?:main )?content|click here.*|we use cookies.*|"
    r"accept(?: all)? cookies|weitere informationen:?|kontakt:?|contact:?|"
    r"(?:tags?|schlagw\u00f6rter|schlagworte|kategorien?|categor(?:y|ies)|categor\u00edas?|cat\u00e9gories?)\s*:.*|"
    r"(?:last )?(?:updated|modified)\b.{0,40}|(?:letzte )?(?:\u00e4nderung|aktualisierung)\b.{0,40})$",
    re.I,
)
#: Picture credits: "Photo: …", "Titelbild: …", "Fot. …", "(Foto: …)" closing a caption.
_CREDIT = re.compile(
    r"^(?:(?:photo|image|illustration|graphic|video|picture)(?: credit)?s?|(?:title|header|feature) (?:image|photo)|"
    r"fotos?|bilder?|titelbild|beitragsbild|headerbild|bildquelle|bildnachweis|fotonachweis|fot\.|zdj\u0119cie|"
    r"cr\u00e9dits? photos?|foto de portada|imagen|immagine|imagem|beeld|cr\u00e9ditos?|credito|crediti|"
    r"copyright|credits?)\s*:?\s"
    r"|\((?:photo|image|file photo|foto|fot\.|bild|credit|photo credit|cr\u00e9dit photo)s?:?[^)]*\)$",
    re.I,
)
#: A picture caption, by the words captions open with in English, German, French, Spanish, Italian,
#: Dutch and Portuguese: "Von links nach rechts: …", "De gauche à droite : …", "Pictured: …".
_CAPTION = re.compile(
    r"^(?:pictured|caption|from left(?: to right)?|l-r|von links(?: nach rechts)?|v\.\s?l\.\s?n\.\s?r\.|"
    r"bildunterschrift|(?:im )?bild(?: oben| unten)?|l\u00e9gende|de gauche \u00e0 droite|pie de foto|"
    r"de izquierda a derecha|didascalia|(?:nella|in) foto|da sinistra(?: a destra)?|bijschrift|"
    r"van links naar rechts|legenda|da esquerda para a direita)\s*:",
    re.I,
)
#: A wire service's note to its editors and clients: that pictures or layouts go with the story
#: ("If a budget line or story is marked with photos or graphics, those are available from the New
#: York Times News Service at …"), whom the copy is for ("For Use By Clients of the New York Times
#: News Service", "These columns … are moving today to clients of …"), or when its stories move (a
#: wire budget's schedule, :data:`_WIRE_SCHEDULE`). Matched against lower-cased
#: text, in English (the wire copy at hand is); the note names the service, its editors or the story
#: the pictures accompany, so that "Satellite images available from NASA tell the story …" stays.
_WIRE_NOTE = re.compile(
    r"\b(?:photos?|photographs?|graphics?|pictures?|images?|illustrations?|layouts?)\b[^.\n]{0,80}"
    r"\b(?:available|for sale) (?:from|through|via|over)\b"
)
_WIRE_NOTE_ABOUT = re.compile(
    r"\b(?:news service|wire service|syndicate|photo (?:desk|network|package|clients)|budget line|"
    r"(?:attention )?editors:|to accompany (?:this|the) (?:story|article))"
)
_WIRE_CLIENTS = re.compile(
    r"\b(?:for use by|moving (?:today )?to|sent to|for) (?:the )?clients of (?:the )?[^.\n]{0,60}"
    r"\b(?:news service|wire service|syndicate)\b"
)
#: A wire budget's word on when and where its stories move: "(Story will move in the "a" category.)",
#: "SPORTS STORIES will have an E.T.A. of 9:30 P.M.", "If stories will move after 8 p.m., an ETA will be given."
_WIRE_SCHEDULE = re.compile(
    r"\b(?:stories|story|columns?|features?)\b[^.\n]{0,60}\b(?:will move in the [^.\n]{1,12}categor|"
    r"will have an e\.?t\.?a\b|(?:are|is) moving in the categor)|\ban e\.?t\.?a\.? (?:will be|is) given\b"
)
#: A news agency credited alone: "(dpa)", "(AFP/Reuters)".
_AGENCY = re.compile(
    r"^\((?:dpa|afp|ap|reuters|apa|sda|ats|ansa|efe|kna|epd|dts|belga|anp|lusa|europa press|agi|adnkronos)"
    r"(?:\s*[/,;]\s*[^()]{1,40})?\)\.?$",
    re.I,
)
#: A picture credit inside a caption block ("© Nordex", "Foto: dpa"), and after it the dateline the
#: article's text opens with ("Hamburg (iwr-pressedienst) - Die …"), which a page may glue to it.
_CREDIT_MARK = re.compile(r"\u00a9|\((?:c)\)|\b(?:foto|photo|bild|image|credit)s?\s*:", re.I)
_DATELINE = re.compile(
    r"(?P<place>[A-Z\u00c0-\u00de][\w./\u2019'-]*(?:[ /][A-Z\u00c0-\u00de][\w.-]*)?)\s*\([^()\n]{2,40}\)\s*"
    r"[\u2014\u2013-]{1,2}\s+(?=[A-Z\u00c0-\u00de\u201e\"\u00ab])"
)
#: Where a place glued to the credit before it starts: "NordexHamburg" is "Nordex" and "Hamburg".
_GLUED = re.compile(r"(?<=[a-z\u00df-\u00ff])(?=[A-Z\u00c0-\u00de][a-z\u00df-\u00ff]+$)")
#: A short line that points to another story: "Read more: …", "Lesen Sie auch: …".
_LINK_LEAD = re.compile(
    r"^(?:read (?:more|next|also)|related(?: stories| articles)?|see also|recommended|more on this|"
    r"lesen sie auch|auch interessant|mehr dazu|mehr zum thema|zum thema|le puede interesar|te puede interesar|"
    r"lee tambi\u00e9n|lea tambi\u00e9n|mira|ver tambi\u00e9n|\u00e0 lire aussi|lire aussi|leggi anche|"
    r"czytaj (?:te\u017c|tak\u017ce|wi\u0119cej)|zobacz (?:te\u017c|tak\u017ce)|dowiedz si\u0119 wi\u0119cej)\s*[:\u2014\u2013-]",
    re.I,
)
#: Headings (or label lines) that introduce lists of links to other stories.
_RELATED_HEADING = re.compile(
    r"^(?:related(?: stories| articles| coverage| content| reading| posts| news)?|read (?:more|next|also)|"
    r"more (?:from|on|stories|news)\b.*|recommended(?: for you| stories| reading)?|you (?:may|might) also (?:like|be interested\b.*)|"
    r"also read|see also|most (?:read|popular)|trending(?: now)?|latest (?:news|stories)|top stories|"
    r"(?:das )?(?:k\u00f6nnte|d\u00fcrfte) (?:dich|sie) auch interessieren|auch interessant|zum weiterlesen|weiterlesen|"
    r"mehr zum thema|weitere (?:themen|artikel|beitr\u00e4ge|nachrichten|meldungen)\b.*|lesen sie auch|schon gelesen\??|"
    r"top-themen\b.*|(?:verwandte|\u00e4hnliche|beliebte) (?:artikel|beitr\u00e4ge)|meistgelesen|"
    r"vorschau auf den n\u00e4chsten artikel|notas? relacionadas?|noticias relacionadas|(?:tambi\u00e9n )?te puede interesar|"
    r"le puede interesar|lee tambi\u00e9n|m\u00e1s noticias|\u00e0 lire aussi|lire aussi|sur le m\u00eame sujet|"
    r"leggi anche|potrebbe interessarti|czytaj (?:te\u017c|tak\u017ce|wi\u0119cej)|zobacz (?:te\u017c|tak\u017ce))\s*[:?!.]?$",
    re.I,
)
#: An author biography: "Jane Doe is a senior fellow at …", usually the last paragraph.
_BIO = re.compile(
    r"^(?P<name>[A-Z][\w.'\-]+(?:\s+[A-Z][\w.'\-]+){1,3})\s+(?:is|was|serves as)\s+(?:a|an|the)\b[^.]{0,160}?\b"
    r"(?i:fellow|editor|reporter|correspondent|writer|journalist|professor|director|analyst|researcher|"
    r"contributor|columnist|author|economist|scholar|lecturer|chair|president|founder|associate)\b",
)
_TERMINAL = re.compile(r"[.!?][\"'\u201d\u2019)\]]*$")


def _words(text: str) -> int:
    return len(text.split())


def _is_bad(block: Block) -> str | None:
    """The reason a block is boilerplate on its own, or None."""
    text = block.text
    lower = (text if text.isascii() else text.translate(_CASE_FOLD)).lower()
    n = _words(text)
    if n < 60 and _LEGAL.search(lower):
        return "copyright"
    if _FURNITURE.match(text) and n <= 12:
        return "furniture"
    if n <= 20 and _CREDIT.search(text):
        return "picture credit"
    if (_CAPTION.match(text) and n <= 80) or _AGENCY.match(text):
        return "picture caption"
    if n <= 25 and _LINK_LEAD.match(text):
        return "related links"
    if n <= 60 and (
        (_WIRE_NOTE.search(lower) and _WIRE_NOTE_ABOUT.search(lower))
        or _WIRE_CLIENTS.search(lower)
        or _WIRE_SCHEDULE.search(lower)
    ):
        return "wire note"
    if _PITCH.search(lower) and (n <= 40 or len(_PITCH.findall(lower)) >= 3):
        return "subscription"
    return None


def _is_good(block: Block) -> bool:
    """Article prose: a paragraph of a dozen words or more that ends like a sentence."""
    return block.kind == PARAGRAPH and _words(block.text) >= 12 and bool(_TERMINAL.search(block.text))


def _headline_like(text: str) -> bool:
    """A link title: several words, mostly capitalised, and not ending like a sentence."""
    words = re.findall(r"[A-Za-z][\w'\u2019-]*", text)
    if len(words) < 4 or text.rstrip().endswith("."):
        return False
    small = {
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "for",
        "in",
        "of",
        "on",
        "or",
        "the",
        "to",
        "vs",
        "with",
        "from",
        "into",
    }
    content = [w for w in words if w.lower() not in small]
    return bool(content) and sum(w[0].isupper() for w in content) / len(content) >= 0.7


def _related_lists(blocks: Sequence[Block]) -> set[int]:
    """Indexes of blocks that form lists of links to other stories.

    A list of headline-like items that nothing introduces (no preceding line ending in a
    colon) is a related-stories list dropped into the page; so is any list under a
    "Related"/"Read more" heading.
    """
    drop: set[int] = set()
    i = 0
    while i < len(blocks):
        if _words(blocks[i].text) <= 10 and _RELATED_HEADING.match(blocks[i].text):
            drop.add(i)
            j = i + 1
            while j < len(blocks) and (
                blocks[j].kind == LIST_ITEM or (_words(blocks[j].text) < 15 and not _is_good(blocks[j]))
            ):
                drop.add(j)
                j += 1
            i = j
            continue
        if blocks[i].kind == LIST_ITEM:
            j = i
            while j < len(blocks) and blocks[j].kind == LIST_ITEM:
                j += 1
            introduced = i > 0 and blocks[i - 1].text.rstrip().endswith(":")
            items = blocks[i:j]
            if not introduced and sum(_headline_like(b.text) for b in items) >= max(2, (len(items) + 1) // 2):
                drop.update(range(i, j))
            i = j
            continue
        i += 1
    return drop


def _norm_key(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def block_reasons(blocks: Sequence[Block]) -> list[str | None]:
    """Why each block is boilerplate (a short reason), or None for a block that is kept.

    Each rule was measured on real pages (``bench/extraction_bench.py --rules`` prints what
    each one removes: annotated furniture against annotated main text); only rules that
    remove more furniture than text are here. Position (every block after the last long
    paragraph, jusText's short blocks between bad ones) removed more text than furniture, so
    no rule rests on position. Three rules fire on shapes these pages lack but scrapes and wire
    copy have: a body carried twice, an author biography closing a commentary, and a wire
    service's note to its editors (measured on the DUC articles instead).
    """
    status: list[str | None] = [None] * len(blocks)
    for i in _related_lists(blocks):
        status[i] = "related links"
    for i, block in enumerate(blocks):
        if status[i] is None:
            status[i] = _is_bad(block)

    # Repeated paragraphs: scraped pages often carry the body twice (print + screen versions).
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        # Only prose paragraphs: recipes, Q&A pages and lists legitimately repeat short lines
        # ("Ingredients", "Answer", "1 cup water"); scrapes that carry a body twice repeat prose.
        if status[i] is None and _is_good(block):
            key = _norm_key(block.text)
            if key in seen:
                status[i] = "repeated paragraph"
            seen.add(key)

    # A page that ends in a pitch or a legal notice: the fragments around it (a paywall's
    # "Get your", "Premium.") are part of it. The run of blocks at the end that hold no prose
    # sentence goes with the pitch it holds.
    tail = len(blocks)
    while tail > 0 and not _is_good(blocks[tail - 1]) and status[tail - 1] != "repeated paragraph":
        tail -= 1
    if any(status[i] in ("subscription", "copyright") for i in range(tail, len(blocks))):
        for i in range(tail, len(blocks)):
            status[i] = status[i] or "closing pitch"

    # An author biography in the last paragraphs.
    kept_idx = [i for i, s in enumerate(status) if s is None]
    for i in kept_idx[-2:]:
        if blocks[i].kind == PARAGRAPH and _words(blocks[i].text) <= 80 and _BIO.match(blocks[i].text):
            status[i] = "author bio"

    return status


def clean_blocks(blocks: Sequence[Block]) -> tuple[list[Block], list[str], str | None]:
    """Remove boilerplate and repeated blocks; return the kept blocks, what was removed, and a bio author.

    The bio author is the name in a trailing author biography, which is evidence of who wrote the piece.
    """
    status = block_reasons(blocks)
    bio_author = next(
        (m["name"] for b, r in zip(blocks, status, strict=True) if r == "author bio" and (m := _BIO.match(b.text))),
        None,
    )
    kept: list[Block] = []
    removed: list[str] = []
    for block, reason in zip(blocks, status, strict=True):
        if reason is None:
            kept.append(block)
        else:
            removed.append(reason)
    # Headings followed by nothing (their section was removed) go too.
    while kept and kept[-1].kind == HEADING:
        kept.pop()
        removed.append("dangling heading")
    return kept, removed, bio_author


#: Control characters (C0 but tab and newline, DEL, C1) and lone surrogates (undecodable bytes
#: of a file name, or a bad escape in JSON): never part of what an article says.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
#: The longest title, publisher or author kept; a URL may be longer.
MAX_META_CHARS = 1000
MAX_URL_CHARS = 4000


def _strip_controls(text: str) -> str:
    return _CONTROLS.sub(lambda m: "\ufffd" if "\ud800" <= m[0] <= "\udfff" else "", text)


def sanitize(article: Article) -> Article:
    """An article without control characters, lone surrogates or (in its metadata) bidi
    overrides, and with metadata of bounded length, whatever the reader found."""
    return dataclasses.replace(
        article,
        path=_strip_controls(article.path),
        blocks=tuple(Block(b.kind, _strip_controls(b.text)) for b in article.blocks),
        title=clip(article.title, MAX_META_CHARS),
        publisher=clip(article.publisher, MAX_META_CHARS),
        author=clip(article.author, MAX_META_CHARS),
        url=clip(article.url, MAX_URL_CHARS),
    )


def truncate(doc: Document, max_chars: int) -> Document | None:
    """The document cut to at most ``max_chars`` characters at a block boundary (a block longer
    than that is cut at the last sentence end, else word break, before it); None when it fits."""
    if len(doc.text) <= max_chars:
        return None
    spans = [span for span in doc.spans if span.end <= max_chars]
    if not spans:
        first = doc.spans[0]
        window = doc.text[first.start : first.start + max_chars]
        cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! "))
        end = first.start + (cut + 1 if cut > 0 else max(window.rfind(" "), 1))
        spans = [Span(first.kind, first.start, end)]
    text = doc.text[: spans[-1].end]
    note = f"text after {max_chars:,} characters (limits.max_chars)"
    return dataclasses.replace(
        doc, text=text, spans=tuple(spans), words_after=_words(text), removed=(*doc.removed, note)
    )


def caption_cut(text: str) -> int:
    """Where the article's text starts in a block that opens with a picture caption and its credit
    ("Von links nach rechts: … © NordexHamburg (iwr-pressedienst) - Die vermehrte …"): at the dateline
    after the credit. 0 when the block does not open with a caption, or holds nothing after it."""
    if not _CAPTION.match(text):
        return 0
    credit = _CREDIT_MARK.search(text)
    if credit is None:
        return 0
    dateline = _DATELINE.search(text, credit.end())
    if dateline is None:
        return 0
    glued = _GLUED.search(dateline["place"])
    return dateline.start() + (glued.start() if glued else 0)


def clean(article: Article, index: int) -> Document:
    """Clean one article into a Document whose text is its kept blocks joined by blank lines."""
    article = sanitize(article)
    cut = [caption_cut(b.text) for b in article.blocks]
    blocks_in = tuple(Block(b.kind, b.text[k:]) if k else b for b, k in zip(article.blocks, cut, strict=True))
    blocks, removed, bio_author = clean_blocks(blocks_in)
    removed = ["picture caption"] * sum(1 for k in cut if k) + removed
    if bio_author and not article.author:
        article = dataclasses.replace(article, author=bio_author)
    parts: list[str] = []
    spans: list[Span] = []
    pos = 0
    for block in blocks:
        if parts:
            pos += 2
        spans.append(Span(block.kind, pos, pos + len(block.text)))
        parts.append(block.text)
        pos += len(block.text)
    text = "\n\n".join(parts)
    return Document(
        index=index,
        article=article,
        text=text,
        spans=tuple(spans),
        words_before=sum(_words(b.text) for b in article.blocks),
        words_after=_words(text),
        removed=tuple(removed),
    )


# ----------------------------------------------------------------------------- near-duplicates


def shingles(text: str, k: int = 5) -> set[int]:
    """Hashed word k-shingles of a text (Broder, 1997), the unit of near-duplicate detection."""
    words = re.findall(r"\w+", text.lower())
    if len(words) < k:
        return {zlib.crc32(" ".join(words).encode())} if words else set()
    return {zlib.crc32(" ".join(words[i : i + k]).encode()) for i in range(len(words) - k + 1)}


def containment(a: set[int], b: set[int]) -> float:
    """Share of the smaller set found in the larger (Broder's containment): a republished
    excerpt or a truncated scrape of an article is contained in it even when their
    Jaccard resemblance is low."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _richness(doc: Document) -> tuple[int, int, int, str]:
    art = doc.article
    meta = sum(x is not None for x in (art.title, art.publisher, art.author, art.date, art.url))
    return (meta, doc.words_after, -(art.date.toordinal() if art.date else 0), art.path)


#: Broder's mod-m sketch: keep the shingles whose hash is 0 mod m. Containment estimated on
#: the sketches is unbiased, and the work drops m-fold.
SKETCH_MOD = 4
#: A sketched shingle found in more documents than this is boilerplate shared by a site, not a story.
MAX_POSTINGS = 100


def sketch(text: str) -> frozenset[int]:
    """The shingles of ``text`` in Broder's mod-:data:`SKETCH_MOD` sketch."""
    return frozenset(h for h in shingles(text) if h % SKETCH_MOD == 0)


def group_duplicates(
    docs: Sequence[Document], threshold: float = 0.5, sketches: dict[str, frozenset[int]] | None = None
) -> list[Document]:
    """Merge documents that tell the same story in the same words into one document per story.

    Candidate pairs come from an inverted index of sketched shingles, so only documents
    that share text are ever compared (linear in practice, not quadratic). A pair whose
    estimated containment reaches ``threshold`` is the same story. The richest document
    of a group (most metadata, then most text) is kept; the others are recorded in its
    ``duplicates`` so that every outlet stays listed. Returns documents in their original order.
    ``sketches`` keeps each text's :func:`sketch` for the next call (a build groups its articles
    twice: for dated copies, then for duplicates).
    """
    known: dict[str, frozenset[int]] = {} if sketches is None else sketches
    for d in docs:
        if d.text not in known:
            known[d.text] = sketch(d.text)
    sketched = [known[d.text] for d in docs]
    postings: dict[int, list[int]] = {}
    for i, held in enumerate(sketched):
        for h in held:
            postings.setdefault(h, []).append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for holders in postings.values():
        if 1 < len(holders) <= MAX_POSTINGS:
            shared.update(combinations(holders, 2))

    parent = list(range(len(docs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for (i, j), n in sorted(shared.items()):
        if n / min(len(sketched[i]), len(sketched[j])) >= threshold:
            parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(docs)):
        groups.setdefault(find(i), []).append(i)
    out: list[Document] = []
    for members in groups.values():
        best = max(members, key=lambda i: _richness(docs[i]))
        others = tuple(docs[i].article for i in members if i != best)
        out.append(dataclasses.replace(docs[best], duplicates=docs[best].duplicates + others))
    return sorted(out, key=lambda d: d.index)


def duplicate_of(docs: Sequence[Document]) -> dict[str, str]:
    """Map each merged-away article's path to the path of the document that kept it."""
    return {dup.path: d.article.path for d in docs for dup in d.duplicates}


__all__ = [
    "HEADING",
    "LIST_ITEM",
    "PARAGRAPH",
    "block_reasons",
    "clean",
    "clean_blocks",
    "containment",
    "duplicate_of",
    "group_duplicates",
    "shingles",
]
