"""Selection: readability filters, sections, redundancy control and topic focus."""

from __future__ import annotations

import pytest

from briefgen.clean import clean
from briefgen.config import AUDIENCES, Topic
from briefgen.errors import BriefgenError
from briefgen.models import HEADING, PARAGRAPH, Article, Block, Sentence
from briefgen.nlp import analyse
from briefgen.summarize import SUMMARIZERS, explicit_why, get_scorer, readable, select
from briefgen.topic import TopicMatcher


def sent(text: str, kind: str = PARAGRAPH, heading: str | None = None) -> Sentence:
    return Sentence(doc=0, position=0, start=0, end=len(text), text=text, block_kind=kind, heading=heading, first_in_block=True, tokens=())


@pytest.mark.parametrize(
    "text",
    [
        "Too short to stand.",
        "Will the alliance survive the next election in both countries?",
        "They agreed to expand military cooperation across the southwest islands.",
        "But the agreement leaves the hardest questions open for later.",
        "and a fragment that starts in the middle of a sentence here.",
        "He said \u201cthe alliance is strong and will remain so for years.",
        "A list entry without any final punctuation at all here",
    ],
)
def test_unreadable_sentences_are_never_candidates(text):
    assert not readable(sent(text))


def test_a_plain_news_sentence_is_readable():
    assert readable(sent("The ministers agreed on Tuesday to share missile-warning data in real time."))


def test_why_it_matters_headings_and_inline_labels():
    assert explicit_why(sent("Anything.", heading="WHY IT MATTERS"))
    assert explicit_why(sent("Anything.", heading="The big picture"))
    assert explicit_why(sent("Anything.", heading="What this means:"))
    assert not explicit_why(sent("Anything.", heading="Economic ties"))


def test_unknown_summarizer_lists_the_valid_names():
    with pytest.raises(BriefgenError) as err:
        get_scorer("gpt")
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
    a = Article(path="a.txt", form="text", blocks=tuple(Block(PARAGRAPH, t) for t in STORY_A) + (Block(HEADING, "Why it matters"),) + tuple(Block(PARAGRAPH, t) for t in WHY))
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
    radar = select(corpus, TopicMatcher(Topic(keywords=["radar", "secretariat"], entities=["Hawaii"])), AUDIENCES["executive"])
    ships = select(corpus, TopicMatcher(Topic(keywords=["shipbuilders", "maintenance"], entities=["U.S. Navy"])), AUDIENCES["executive"])
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
