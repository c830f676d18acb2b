"""Selection: readability filters, sections, redundancy control and topic focus."""

from __future__ import annotations

import dataclasses

import pytest

from briefgen.analyse.nlp import analyse, load_pipeline
from briefgen.analyse.topic import TopicMatcher
from briefgen.config.defaults import AUDIENCES, Topic
from briefgen.errors import BriefgenError
from briefgen.ingest.clean import clean
from briefgen.models import HEADING, PARAGRAPH, Article, Block, Document, Sentence
from briefgen.select.players import merge_players
from briefgen.select.summarize import SUMMARIZERS, explicit_why, get_summarizer, needs_previous, readable, select


def sent(text: str, kind: str = PARAGRAPH, heading: str | None = None) -> Sentence:
    return Sentence(
        doc=0,
        position=0,
        start=0,
        end=len(text),
        text=text,
        block_kind=kind,
        heading=heading,
        first_in_block=True,
        tokens=(),
    )


@pytest.mark.parametrize(
    "text",
    [
        "Too short to stand.",
        "Will the alliance survive the next election in both countries?",
        "and a fragment that starts in the middle of a sentence here.",
        "He said \u201cthe alliance is strong and will remain so for years.",
        "A list entry without any final punctuation at all here",
        "By Mina Cho and Daniel Okafor, Staff Writers.",
        "By Ryo Tanabe | Pacific Ledger correspondent in Tokyo.",
        "Updated February 11, 2025, 9:00 a.m. Eastern Time.",
        "WASHINGTON, Feb. 11 (Meridian Wire) \u2014",
        "North Korea did not immediately comment.",
        "The ministry declined to comment on the report.",
        "Questions should be directed to the news service in Atlanta at 404-555-0142 during office hours.",
        "Readers who find dead birds are asked to call the state hotline at 1-888-555-0110 right away.",
        "Our correspondent can be reached at (310) 555-0175 or by e-mail at desk(at)example.com.",
        "Send your questions about the garden column by e-mail to garden@example.org this week.",
        "The vendor has a patch available at http://www.example.com/security/bulletins/ms99-002.asp.",
        "Meldung 455/2021, Im Internet unter: https://example.org/sites/default/files/publications/ad455.pdf.",
    ],
)
def test_unreadable_sentences_are_never_candidates(text):
    assert not readable(sent(text))


@pytest.mark.parametrize(
    "text",
    [
        "The ministers agreed on Tuesday to share missile-warning data in real time.",
        "By Friday, the three governments had published the text of the agreement.",
        "By 2027, the first interceptor components are due to leave the production line.",
        "The House passed the bill 404-526 in a late vote, and the 1998-99 budget grew by 2,300-4,500 posts.",
        "Der Bund zahlte zwischen 250.000-1000 Euro je Projekt an die Gemeinden des Landes.",
        "Newsdroid (www.newsdroid.com), a fan site, recently explored the rumor about the child actor.",
    ],
)
def test_a_plain_news_sentence_is_readable(text):
    assert readable(sent(text))


@pytest.mark.parametrize(
    "text",
    [
        "They agreed to expand military cooperation across the southwest islands.",
        "But the agreement leaves the hardest questions open for later.",
        "He said the radar link would be tested in March.",
        "This is the first standing body the three countries share.",
    ],
)
def test_pronoun_and_connective_openers_need_their_previous_sentence(text):
    assert readable(sent(text)) and needs_previous(sent(text))


def test_why_it_matters_headings_and_inline_labels():
    assert explicit_why(sent("Anything.", heading="WHY IT MATTERS"))
    assert explicit_why(sent("Anything.", heading="The big picture"))
    assert explicit_why(sent("Anything.", heading="What this means:"))
    assert not explicit_why(sent("Anything.", heading="Economic ties"))


def test_unknown_summarizer_lists_the_valid_names():
    with pytest.raises(BriefgenError) as err:
        get_summarizer("gpt")
    assert all(name in str(err.value) for name in SUMMARIZERS)


STORY_A = [
    "The three defense ministers agreed on Tuesday to link their missile-warning radars in real time.",
    "The radar network will be run from Hawaii and tested in March before it is fully running in September.",
    "The ministers also agreed to open a permanent defense secretariat in Seoul in April.",
    "Japan and South Korea will jointly produce interceptor components under a $4.2 billion program.",
]
STORY_B = [
    "Shares of South Korean shipbuilders rose sharply on Thursday after the defense agreement.",
    "Shipbuilders expect more repair and maintenance work on U.S. Navy ships in Korean and Japanese yards.",
    "The U.S. Navy spends about $1.7 billion a year on maintenance of ships in the western Pacific.",
    "Investors bet that shipbuilders will win new navy maintenance contracts this year.",
]
WHY = [
    "A standing secretariat makes it harder for any future government to let the partnership lapse.",
    "Cooperation has stalled before whenever relations between Seoul and Tokyo soured.",
]


@pytest.fixture(scope="module")
def corpus(nlp):
    a = Article(
        path="a.txt",
        form="text",
        blocks=(
            *(Block(PARAGRAPH, t) for t in STORY_A),
            Block(HEADING, "Why it matters"),
            *(Block(PARAGRAPH, t) for t in WHY),
        ),
    )
    b = Article(path="b.txt", form="text", blocks=tuple(Block(PARAGRAPH, t) for t in STORY_B))
    c = Article(path="c.txt", form="text", blocks=tuple(Block(PARAGRAPH, t) for t in STORY_A[:2]))
    return analyse([clean(a, 0), clean(b, 1), clean(c, 2)], nlp)


def chosen(selection, name):
    section = next((s for s in selection.sections if s.name == name), None)
    return [s.text for s in section.sentences] if section else []


def test_sections_never_share_or_repeat_a_sentence(corpus):
    selection = select(corpus, TopicMatcher(Topic()), AUDIENCES["analyst"])
    texts = [s.text for sec in selection.sections for s in sec.sentences]
    assert texts and len(texts) == len(set(texts))


def test_why_it_matters_uses_the_labelled_passage(corpus):
    selection = select(corpus, TopicMatcher(Topic()), AUDIENCES["executive"])
    assert set(chosen(selection, "why_it_matters")) <= set(WHY)
    assert chosen(selection, "why_it_matters")


def test_topic_steers_the_key_points(corpus):
    radar = select(
        corpus, TopicMatcher(Topic(keywords=["radar", "secretariat"], entities=["Hawaii"])), AUDIENCES["executive"]
    )
    ships = select(
        corpus,
        TopicMatcher(Topic(keywords=["shipbuilders", "maintenance"], entities=["U.S. Navy"])),
        AUDIENCES["executive"],
    )
    top_radar = chosen(radar, "bottom_line") + chosen(radar, "key_points")[:2]
    top_ships = chosen(ships, "bottom_line") + chosen(ships, "key_points")[:2]
    assert top_radar != top_ships
    assert any("ship" in t.lower() for t in chosen(ships, "bottom_line"))


def test_excluded_terms_keep_sentences_out(corpus):
    selection = select(corpus, TopicMatcher(Topic(exclude=["shipbuilders"])), AUDIENCES["analyst"])
    assert not any("shipbuilders" in s.text.lower() for sec in selection.sections for s in sec.sentences)


def test_selection_is_deterministic(corpus):
    audience = AUDIENCES["analyst"]
    first = select(corpus, TopicMatcher(Topic()), audience)
    assert all(select(corpus, TopicMatcher(Topic()), audience) == first for _ in range(3))


def test_executive_stays_within_its_limits(corpus):
    audience = AUDIENCES["executive"]
    selection = select(corpus, TopicMatcher(Topic()), audience)
    assert len(chosen(selection, "key_points")) <= audience.max_points
    assert [s.name for s in selection.sections] == [n for n in audience.sections if chosen(selection, n)]


#: The analyst's sections over the small corpus, with key points few enough to leave sentences for the others.
SHORT_ANALYST = AUDIENCES["analyst"].model_copy(update={"max_points": 2})


def test_analyst_gets_every_section_without_repeats(corpus):
    selection = select(corpus, TopicMatcher(Topic()), SHORT_ANALYST)
    assert len(chosen(selection, "key_points")) <= 2
    assert chosen(selection, "by_the_numbers") and chosen(selection, "whats_next")


def test_by_the_numbers_shows_each_figure_once(corpus):
    numbers = select(corpus, TopicMatcher(Topic()), SHORT_ANALYST).sections
    section = next(s for s in numbers if s.name == "by_the_numbers")
    figures = [n for s in section.sentences for n in s.numbers]
    assert figures and len(figures) == len(set(figures))


def test_whats_next_holds_plans_and_schedules(corpus):
    for text in chosen(select(corpus, TopicMatcher(Topic()), SHORT_ANALYST), "whats_next"):
        assert any(cue in text for cue in ("will", "planned", "scheduled", "expected", "March", "April", "September"))


@pytest.fixture(scope="module")
def follower_corpus(nlp):
    """The story's facts sit in a sentence that opens with "He", right after the one naming him.

    The other sources say the same things only in sentences that open with a pronoun and
    have nothing before them, so they can never be quoted.
    """
    lead = "Kang Jae-won announced the radar plan in Honolulu on Tuesday after two days of talks."
    follow = "He said the missile-warning radar link would be tested in March and running in September."
    a = Article(path="a.txt", form="text", blocks=(Block(PARAGRAPH, f"{lead} {follow}"),))
    b = Article(
        path="b.txt",
        form="text",
        blocks=(
            Block(PARAGRAPH, "They reported that Kang Jae-won announced the radar plan in Honolulu on Tuesday."),
            Block(
                PARAGRAPH,
                "But the missile-warning radar link would be tested in March and running in September, officials said.",
            ),
        ),
    )
    c = Article(
        path="c.txt",
        form="text",
        blocks=(
            Block(PARAGRAPH, "This week Kang Jae-won announced the radar plan in Honolulu on Tuesday, his aides said."),
            Block(
                PARAGRAPH, "Still, the missile-warning radar link would be tested in March and running in September."
            ),
        ),
    )
    return analyse([clean(a, 0), clean(b, 1), clean(c, 2)], nlp)


KEY_POINTS_ONLY = AUDIENCES["analyst"].model_copy(update={"sections": ["key_points"]})


def test_a_follower_is_quoted_only_right_after_its_predecessor(follower_corpus):
    sents = follower_corpus.sentences
    lead, follow = sents[0].text, sents[1].text
    one = select(follower_corpus, TopicMatcher(Topic()), KEY_POINTS_ONLY.model_copy(update={"max_points": 1}))
    assert chosen(one, "key_points") == [lead]
    two = select(follower_corpus, TopicMatcher(Topic()), KEY_POINTS_ONLY.model_copy(update={"max_points": 2}))
    assert chosen(two, "key_points") == [lead, follow]
    # With its predecessor unusable, the follower cannot be quoted either.
    blocked = select(follower_corpus, TopicMatcher(Topic(exclude=["Honolulu"])), KEY_POINTS_ONLY)
    assert follow not in chosen(blocked, "key_points")


def test_players_merge_titles_surnames_name_order_and_acronyms():
    mentions = [
        ("Shigeru Ishiba", "PERSON", 0),
        ("Ishiba", "ORG", 1),
        ("Prime Minister Ishiba", "PERSON", 2),
        ("Ishiba Shigeru", "PERSON", 3),
        ("Ishiba's", "PERSON", 3),
        ("U.S.", "GPE", 0),
        ("the United States", "GPE", 1),
        ("America", "GPE", 2),
        ("North Atlantic Treaty Organization", "ORG", 0),
        ("NATO", "ORG", 1),
        ("Kim Jong Un", "PERSON", 0),
        ("Kim Yo Jong", "PERSON", 1),
        ("Kim", "PERSON", 2),
        ("Honolulu", "GPE", 0),
        ("Honolulu", "GPE", 1),
        ("Defense", "ORG", 2),
        ("Defense", "ORG", 3),
    ]
    players, _ = merge_players(mentions)
    by_name = {p.name: p for p in players}
    assert by_name["Shigeru Ishiba"].sources == {0, 1, 2, 3}
    assert by_name["United States"].sources == {0, 1, 2}
    assert by_name["North Atlantic Treaty Organization"].sources == {0, 1}
    assert "Kim" in by_name  # shared by two full names: left apart
    assert "Honolulu" not in by_name and "Defense" not in by_name  # a city and a bare title are not players
    assert players[0].name == "Shigeru Ishiba"


# ----------------------------------------------------------------------------- previews


def test_a_previews_forward_looking_sentences_serve_whats_next_only(corpus):
    import dataclasses
    import datetime as dt

    from briefgen.ingest.dates import looks_forward
    from briefgen.models import Corpus

    def forward_of_a(selection):
        return {
            sec.name: [s.text for s in sec.sentences if s.doc == 0 and looks_forward(s.text)]
            for sec in selection.sections
        }

    plain = forward_of_a(select(corpus, TopicMatcher(Topic()), AUDIENCES["analyst"]))
    # Unmarked, the first source's plans and expectations serve other sections too.
    assert any(texts for name, texts in plain.items() if name != "whats_next"), plain
    docs = tuple(
        dataclasses.replace(d, preview_of=dt.date(2025, 2, 11)) if d.index == 0 else d for d in corpus.documents
    )
    marked = forward_of_a(select(Corpus(docs, corpus.sentences), TopicMatcher(Topic()), AUDIENCES["analyst"]))
    assert all(not texts for name, texts in marked.items() if name != "whats_next"), marked
    assert marked.get("whats_next"), marked  # "will be run from Hawaii and tested in March"


def test_a_previews_sentence_naming_the_day_it_previews_is_not_quoted(nlp):
    import dataclasses
    import datetime as dt

    from briefgen.models import Corpus

    preview = Article(
        path="p.txt",
        form="text",
        blocks=(
            Block(
                PARAGRAPH, "The first summit of the two leaders is set to take place in Washington on February 7, 2025."
            ),
            Block(PARAGRAPH, "The two leaders will seek new commitments on missile defense and shipbuilding."),
        ),
    )
    report = Article(path="r.txt", form="text", blocks=tuple(Block(PARAGRAPH, t) for t in STORY_A))
    analysed = analyse([clean(preview, 0), clean(report, 1)], nlp)
    docs = (dataclasses.replace(analysed.documents[0], preview_of=dt.date(2025, 2, 7)), analysed.documents[1])
    selection = select(Corpus(docs, analysed.sentences), TopicMatcher(Topic()), AUDIENCES["analyst"])
    texts = [s.text for sec in selection.sections for s in sec.sentences]
    assert not any("February 7, 2025" in t for t in texts)
    unmarked = select(analysed, TopicMatcher(Topic()), AUDIENCES["analyst"])
    assert any("February 7, 2025" in s.text for sec in unmarked.sections for s in sec.sentences)


# ----------------------------------------------------------------------------- issue: brief, advice, sections


@pytest.mark.parametrize(
    "text",
    [
        "Foster trilateral cooperation: Encourage ongoing collaboration among Japan, South Korea, and the U.S.",
        "Support Japan's defense funding: Urge Japan to uphold its commitment to increase defense spending.",
        "Work closely with Japan to align defense strategies regarding possible contingencies.",
        "We recommend that the ministry publish the data every quarter.",
        "Ensure that the port authority consults dock workers before the terminal opens.",
    ],
)
def test_a_recommendation_is_advice(text):
    from briefgen.select.summarize import advises

    assert advises(sent(text))


@pytest.mark.parametrize(
    "text",
    [
        "Support for the agreement grew after the vote in parliament on Tuesday.",
        "Work on the new terminal began in 2023 and is nearly finished.",
        "Encouraged by the result, the ministers agreed to meet again.",
        "Japan urged its partners to share missile-warning data in real time.",
        "Help is on the way for the families forced from their homes, officials said.",
    ],
)
def test_a_statement_is_not_advice(text):
    from briefgen.select.summarize import advises

    assert not advises(sent(text))


@pytest.mark.parametrize(
    ("text", "ahead"),
    [
        ("The ministers will meet again in Seoul in March to sign the framework.", True),
        ("The three governments are expected to publish the text next week.", True),
        ("A vote is scheduled for the end of the month.", True),
        ("The agreement will have significant implications for the region.", False),
        ("Analysts say the shift will matter for years.", False),
    ],
)
def test_whats_next_wants_a_next_step_not_future_tense(text, ahead):
    from briefgen.select.summarize import FUTURE

    assert bool(FUTURE.search(text)) is ahead


def test_dates_are_not_the_figure_of_a_sentence():
    from briefgen.select.summarize import figures

    with_dates = dataclasses.replace(sent("In 2024 and on Feb. 10, 2025, they met."), numbers=("2024", "Feb. 10, 2025"))
    assert figures(with_dates) == set()
    amount = dataclasses.replace(sent("Japan pledged $1 trillion."), numbers=("$1 trillion", "2025"))
    assert figures(amount) == {"1trillion"}


def test_a_brief_is_read_as_its_content_words():
    from briefgen.analyse.topic import brief_terms, stem

    terms = brief_terms("Discuss conditions on American Indian reservations. Include the benefits and drawbacks.")
    assert {stem("reservation"), stem("condition"), stem("benefit"), stem("drawback")} <= terms
    assert not {stem("discuss"), stem("include"), "the", "and"} & terms


def test_a_brief_steers_key_points_to_what_it_asks_about():
    docs = [
        clean(
            Article(
                path=f"d{k}",
                form="text",
                blocks=(
                    Block(
                        PARAGRAPH,
                        "The port of Valmora opened a new container terminal on Monday after two years of work.",
                    ),
                    Block(
                        PARAGRAPH,
                        "Dock workers at the Valmora port signed a new wage contract with the terminal operator.",
                    ),
                    Block(
                        PARAGRAPH,
                        "Fishing crews at the Valmora port complained that the terminal cut them off from the harbour.",
                    ),
                ),
            ),
            k,
        )
        for k in range(3)
    ]
    corpus = analyse(docs, load_pipeline())
    audience = AUDIENCES["executive"].model_copy(update={"max_points": 1, "sections": ["key_points"]})
    wages = select(corpus, TopicMatcher(Topic(brief="Describe the wages and contracts of dock workers.")), audience)
    fishing = select(corpus, TopicMatcher(Topic(brief="What do fishing crews say about the harbour?")), audience)
    assert "wage" in wages.sections[0].sentences[0].text
    assert "Fishing" in fishing.sections[0].sentences[0].text


# ----------------------------------------------------------------------------- the numpy forms agree with the plain ones


def plain_tfisf(sentences):
    """tf-isf vectors built entry by entry with a ``Counter`` per sentence: what :func:`tfisf_matrix` must equal."""
    import math
    from collections import Counter

    import numpy as np
    from scipy import sparse

    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for i, s in enumerate(sentences):
        for t, n in Counter(s.tokens).items():
            rows.append(i)
            cols.append(vocab.setdefault(t, len(vocab)))
            values.append(1.0 + math.log(n))
    shape = (len(sentences), max(1, len(vocab)))
    df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=shape[1])
    idf = np.log((1 + len(sentences)) / (1 + df)) + 1.0
    weighted = np.asarray(values) * idf[np.asarray(cols, dtype=np.int64)]
    norms = np.sqrt(np.bincount(np.asarray(rows, dtype=np.int64), weights=weighted**2, minlength=shape[0]))
    norms[norms == 0] = 1.0
    weighted /= norms[np.asarray(rows, dtype=np.int64)]
    return sparse.csr_matrix((weighted, (rows, cols)), shape=shape, dtype=np.float64)


def test_tfisf_matrix_is_the_plain_one_to_the_bit(corpus, follower_corpus):
    import numpy as np

    from briefgen.select.summarize import tfisf_matrix

    empty = dataclasses.replace(sent("No words counted here at all."), tokens=())
    repeated = dataclasses.replace(sent("Radar radar radar link."), tokens=("radar", "radar", "link", "radar"))
    for sentences in (corpus.sentences, follower_corpus.sentences, (empty, repeated, empty), ()):
        got, want = tfisf_matrix(sentences), plain_tfisf(sentences)
        assert got.shape == want.shape
        assert np.array_equal(got.indptr, want.indptr) and np.array_equal(got.indices, want.indices)
        assert np.array_equal(got.data, want.data)  # same floats, not just close ones


def test_concept_ids_are_the_bigram_concepts(corpus):
    from briefgen.select.summarize import bigram_concepts, concept_index

    def terms(*words):
        return dataclasses.replace(sent(" ".join(words) + "."), terms=words)

    # "new york" + "city" and "new" + "york city" read as the same bigram, "new york city".
    odd = (terms("new york", "city", "hall"), terms("new", "york city", "hall"), terms(), terms("of", "the"))
    for sentences in (corpus.sentences, odd):
        index = concept_index(sentences)
        by_text: dict[str, set[int]] = {}
        by_id: dict[int, set[int]] = {}
        for i, s in enumerate(sentences):
            ids = index.of(i).tolist()
            assert ids == sorted(set(ids)) and len(ids) == len(bigram_concepts(s))
            for text in bigram_concepts(s):
                by_text.setdefault(text, set()).add(i)
            for c in ids:
                by_id.setdefault(c, set()).add(i)
        # One id per concept: each id is held by the very sentences that hold its bigram.
        assert sorted(map(sorted, by_text.values())) == sorted(map(sorted, by_id.values()))
    index = concept_index(odd)
    assert len(set(index.of(0).tolist()) & set(index.of(1).tolist())) == 1
    assert not len(index.of(2)) and not len(index.of(3))  # no pair; a pair of stop words is no concept


def plain_weights(chooser):
    """Concept weights as strings, summed with ``math.fsum`` over the sources, as the plain summarizer had them."""
    import math

    from briefgen.select.summarize import CONCEPT_MIN_SOURCES, NOVELTY_DISCOUNT, bigram_concepts

    told = {c for s in chooser.ctx.background.sentences for c in bigram_concepts(s)}
    per_doc: dict[int, set[str]] = {}
    for s in chooser.sentences:
        per_doc.setdefault(s.doc, set()).update(bigram_concepts(s))
    need = min(CONCEPT_MIN_SOURCES, len(per_doc))
    mass: dict[str, list[float]] = {}
    for doc, concepts in per_doc.items():
        for c in concepts:
            mass.setdefault(c, []).append(chooser.ctx.source_weight(doc))
    factor = 1.0 - NOVELTY_DISCOUNT
    return {c: math.fsum(m) * (factor if c in told else 1.0) for c, m in mass.items() if len(m) >= need}, told


@pytest.mark.parametrize("brief", ["", "Describe the radar network and the defense secretariat."])
def test_concept_coverage_scores_as_the_plain_sums_do(corpus, nlp, brief):
    import math

    from briefgen.models import Background
    from briefgen.select.summarize import COST_SCALE, REDUNDANT, ConceptCoverage, bigram_concepts, context

    before = analyse([clean(Article(path="o.txt", form="text", blocks=(Block(PARAGRAPH, STORY_A[0]),)), 0)], nlp)
    relevance = {0: 0.9, 1: 0.3, 2: 0.6}  # sources that count for less than one
    ctx = context(corpus, TopicMatcher(Topic(brief=brief)), relevance, Background(sentences=before.sentences))
    chooser = ConceptCoverage(ctx)
    weights, told = plain_weights(chooser)
    for i, s in enumerate(corpus.sentences):
        ids = chooser.concepts.of(i)
        assert sorted(chooser.weights[ids].tolist()) == sorted(weights.get(c, 0.0) for c in bigram_concepts(s))
        gain = math.fsum(weights.get(c, 0.0) for c in bigram_concepts(s))
        prior = ctx.location_prior(s) * ctx.topic_prior(i)
        assert chooser.salience[i] == gain * prior / s.words**COST_SCALE == chooser.score(i)
        kept = [c for c in bigram_concepts(s) if c in weights] or list(bigram_concepts(s))
        fresh = sum(1 for c in kept if c not in told)
        assert chooser.is_new(i) == (2 * fresh >= len(kept) and chooser.told_similarity[i] <= REDUNDANT)
    first = max(ctx.candidates, key=lambda i: chooser.salience[i])
    chooser.take(first)
    covered = bigram_concepts(corpus.sentences[first])
    for i, s in enumerate(corpus.sentences):
        gain = math.fsum(weights.get(c, 0.0) for c in bigram_concepts(s) if c not in covered)
        assert chooser.scores()[i] == chooser.score(i) == gain * chooser.prior[i] / chooser.cost[i]


def plain_pick(chooser, pool, k, relevance):
    """MMR one sentence at a time, as :meth:`Summarizer.pick` did before it scored the pool at once."""
    from briefgen.select.summarize import MMR_LAMBDA, REDUNDANT

    top = float(max(relevance))
    scale = 1.0 / top if top > 0 else 1.0
    remaining = [i for i in pool if i not in set(chooser.chosen)]
    picked: list[int] = []
    while remaining and len(picked) < k:
        best, best_score = None, float("-inf")
        for i in remaining:
            red = chooser.redundancy(i)
            if red > REDUNDANT:
                continue
            score = MMR_LAMBDA * relevance[i] * scale - (1 - MMR_LAMBDA) * red
            if score > best_score:
                best, best_score = i, score
        if best is None:
            break
        remaining.remove(best)
        picked.append(best)
        chooser.take(best)
    return picked


@pytest.mark.parametrize("ties", [False, True])
def test_pick_chooses_as_plain_mmr_does(corpus, ties):
    import numpy as np

    from briefgen.select.summarize import CentroidMMR, context

    ctx = context(corpus, TopicMatcher(Topic()))
    ours, theirs = CentroidMMR(ctx), CentroidMMR(ctx)
    relevance = np.ones(len(corpus.sentences)) if ties else ours.salience
    pool = list(reversed(ctx.candidates))  # of equal scores, the first in the pool wins
    assert ours.pick(pool, 4, relevance=relevance) == plain_pick(theirs, pool, 4, relevance)
    assert ours.chosen == theirs.chosen


def test_pick_asks_its_condition_of_the_best_first_and_keeps_to_it(corpus):
    from briefgen.select.summarize import FUTURE, CentroidMMR, context

    ctx = context(corpus, TopicMatcher(Topic()))
    lazy, eager = CentroidMMR(ctx), CentroidMMR(ctx)
    sents = corpus.sentences
    asked: list[int] = []

    def ahead(i: int) -> bool:
        asked.append(i)
        return bool(FUTURE.search(sents[i].text))

    got = lazy.pick(ctx.candidates, 2, where=ahead)
    assert got == eager.pick([i for i in ctx.candidates if FUTURE.search(sents[i].text)], 2)
    assert got and len(asked) == len(set(asked))  # each sentence asked once at most
    assert lazy.pick(ctx.candidates, 2, where=lambda i: False) == []


def _article(k: int, *paragraphs: str) -> Document:
    return clean(Article(path=f"d{k}", form="text", blocks=tuple(Block(PARAGRAPH, p) for p in paragraphs)), k)


OSTEOARTHRITIS = Topic(
    keywords=["osteoarthritis", "treatment"],
    brief="Describe what treatments for osteoarthritis have been tried and the results of research on them.",
)


def test_focus_sets_articles_about_the_topic_apart_from_those_that_share_its_common_words():
    about = [
        _article(
            k, f"Doctors tried {kind} as a treatment for osteoarthritis of the knee, and research found it eased pain."
        )
        for k, kind in enumerate(["glucosamine", "knee replacement", "acupuncture"])
    ]
    others = [
        _article(
            10 + k,
            f"The results of the {field} research changed the treatment of {field} patients.",
            "Officials said the results would shape treatment guidelines next year.",
        )
        for k, field in enumerate(["heart", "lung", "skin", "eye", "liver", "kidney", "blood", "bone", "ear", "gut"])
    ]
    focus = TopicMatcher(OSTEOARTHRITIS).focus([*about, *others])
    assert min(focus[d.index] for d in about) > 1.5 * max(focus[d.index] for d in others)


def test_focus_keeps_a_small_corpus_all_about_the_topic_together():
    """Over a few articles that all name the topic's key word, that word still tells: none of them falls far behind."""
    docs = [
        _article(k, f"{lead} osteoarthritis, which wears down the cartilage of the knee and hip.")
        for k, lead in enumerate(["A new drug trial targets", "Surgeons in Lyon reported on", "Exercise helps with"])
    ]
    focus = TopicMatcher(OSTEOARTHRITIS).focus(docs)
    assert min(focus.values()) >= 0.7 * max(focus.values())


def test_a_source_far_less_about_the_topic_counts_little():
    from briefgen.select.summarize import RELEVANT_SHARE, context

    docs = [
        _article(k, "The port of Valmora opened a new container terminal on Monday after two years.") for k in range(3)
    ]
    corpus = analyse(docs, load_pipeline())
    ctx = context(corpus, TopicMatcher(Topic(keywords=["port"])), {0: 1.0, 1: RELEVANT_SHARE, 2: RELEVANT_SHARE / 2})
    assert ctx.source_weight(0) == ctx.source_weight(1) == 1.0
    assert ctx.source_weight(2) <= 0.1


def test_a_key_player_is_quoted_where_a_sentence_is_about_them():
    from briefgen.select.players import player_name
    from briefgen.select.summarize import leads_with

    about = sent("Maria Lopez, the port's director, signed the terminal contract on Monday.")
    aside = sent("The terminal contract was signed on Monday in the presence of many officials and Maria Lopez.")
    assert leads_with(about, "Maria Lopez") and not leads_with(aside, "Maria Lopez")
    # The wire service that filed the story is not one of its players.
    assert player_name("AP", "ORG") is None and player_name("Reuters", "ORG") is None
    assert player_name("Maria Lopez", "PERSON") == "Maria Lopez"


def test_focus_counts_a_kept_copy_of_an_article_read_once():
    """A kept document is a new object for the same article (its dates inferred): it is not a second article."""
    read = [
        _article(k, f"Doctors tried {kind} as a treatment for osteoarthritis of the knee.")
        for k, kind in enumerate(["glucosamine", "acupuncture"])
    ] + [_article(5, "The council voted on the port budget for the year.")]
    kept = [dataclasses.replace(d) for d in read[:2]]
    topic = TopicMatcher(OSTEOARTHRITIS)
    alone = topic.focus(read)
    assert topic.focus(kept, read) == {d.index: alone[d.index] for d in kept}


def test_a_key_player_of_a_week_of_many_articles_needs_two_sources_though_the_top_story_has_one(nlp):
    """Selection draws from the top stories alone, but a player still needs two sources when the
    briefing uses more than one article: one article naming someone often is no key player."""
    from briefgen.models import Story

    texts = [
        [
            "Chancellor Angela Merkel announced a new coalition agreement in Berlin on Monday after weeks of talks.",
            "Angela Merkel said the agreement would raise pensions by 3 percent next year for most retirees.",
            "Angela Merkel told reporters that the talks with the Social Democrats had been hard but fair.",
            "Angela Merkel will present the programme to parliament in Berlin later this month, aides said.",
            "Angela Merkel has led the country since 2005 and faces an election in the autumn of next year.",
            "Angela Merkel met the president of France in Paris on Wednesday to discuss the European budget.",
            "Angela Merkel rejected calls from her own party to lower taxes before the next federal election.",
            "The finance ministry expects the measures to cost about 12 billion euros over four years.",
        ],
        [
            "Flood waters rose across the Danube valley on Sunday, forcing thousands of residents to leave home.",
            "Rescue teams from Austria worked through the night to reinforce levees near the city of Linz.",
            "Officials in Vienna said the river would crest on Tuesday at levels not seen since 2002 there.",
        ],
        [
            "The Danube flood forced the closure of several bridges in Hungary, officials said on Monday evening.",
            "Hungarian soldiers filled sandbags along the river banks in Budapest as the water kept rising fast.",
            "Viktor Orban visited the flood zone and promised aid to families who lost their homes this week.",
        ],
    ]
    docs = [
        clean(Article(f"n/{i}.txt", "text", tuple(Block(PARAGRAPH, p) for p in paragraphs), f"T{i}"), i)
        for i, paragraphs in enumerate(texts)
    ]
    corpus = analyse(docs, nlp)
    stories = [
        Story("s0", (0,), "T0", 0, None, (), None, None, False, 2.0),
        Story("s1", (1, 2), "T1", 1, None, (), None, None, False, 1.0),
    ]
    one_story = AUDIENCES["analyst"].model_copy(update={"stories": 1})
    selection = select(corpus, TopicMatcher(Topic()), one_story, stories=stories)
    assert selection.top_stories == ("s0",)
    assert not [s for s in selection.sections if s.name == "key_players"]
