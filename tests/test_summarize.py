"""Selection: readability filters, sections, redundancy control and topic focus."""

from __future__ import annotations

import dataclasses

import pytest

from briefgen.clean import clean
from briefgen.config import AUDIENCES, Topic
from briefgen.errors import BriefgenError
from briefgen.models import HEADING, PARAGRAPH, Article, Block, Sentence
from briefgen.nlp import analyse, load_pipeline
from briefgen.players import merge_players
from briefgen.summarize import SUMMARIZERS, explicit_why, get_summarizer, needs_previous, readable, select
from briefgen.topic import TopicMatcher


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

    from briefgen.dates import looks_forward
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
    from briefgen.summarize import advises

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
    from briefgen.summarize import advises

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
    from briefgen.summarize import FUTURE

    assert bool(FUTURE.search(text)) is ahead


def test_dates_are_not_the_figure_of_a_sentence():
    from briefgen.summarize import figures

    with_dates = dataclasses.replace(sent("In 2024 and on Feb. 10, 2025, they met."), numbers=("2024", "Feb. 10, 2025"))
    assert figures(with_dates) == set()
    amount = dataclasses.replace(sent("Japan pledged $1 trillion."), numbers=("$1 trillion", "2025"))
    assert figures(amount) == {"1trillion"}


def test_a_brief_is_read_as_its_content_words():
    from briefgen.topic import brief_terms, stem

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
